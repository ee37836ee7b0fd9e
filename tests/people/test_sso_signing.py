"""Signing a record in a single sign-on session: a fresh re-authentication at the provider
(OpenID Connect prompt=login, max_age=0, auth_time checked), recorded with the signature and
printed in the summary."""

import shutil
import subprocess
import time
from urllib.parse import parse_qs, urlsplit

import pytest
import time_machine
from django.urls import reverse

from interviews.models import InterviewRecord
from interviews.records import record_save, record_sign
from people.models import AuditEntry
from tests.conftest import ARTIFACTS, PASSWORD, need_service
from tests.sso_servers import local, oidc_authorize, oidc_sign_in


def _written(held):
    record_save(interview=held, by=held.partner, values={"conclusions": "We agreed."}, expected_version=0)


def _reauth(client, provider, sub, held):
    record_url = reverse("interviews:record", args=[held.pk])
    page = client.get(record_url).content.decode()
    assert 'href="/accounts/oidc/reauth/?next=' in page  # "Confirm who you are at Test IdP"
    start = client.get(reverse("oidc_reauth"), {"next": record_url + "#sign"})
    assert start.status_code == 302 and start.url.startswith(provider.url)
    query = parse_qs(urlsplit(start.url).query)
    # A fresh authentication, not the provider's running session.
    assert query["prompt"] == ["login"] and query["max_age"] == ["0"]
    return client.get(local(oidc_authorize(start.url, sub)))


def test_sso_manager_signs_after_confirming_at_the_provider(client, org, oidc, held):
    _written(held)
    oidc_sign_in(client, oidc, org.manager.email)
    back = _reauth(client, oidc, org.manager.email, held)
    assert back.status_code == 302 and back.url.endswith("#sign")
    page = client.get(back.url).content.decode()
    assert "You confirmed who you are at Test IdP" in page
    assert 'name="password"' not in page  # no password in a single sign-on session
    response = client.post(reverse("interviews:record_sign", args=[held.pk]))
    assert response.status_code == 302
    record = InterviewRecord.objects.get(interview=held)
    assert record.manager_signed_at is not None
    assert record.manager_sign_method == "oidc" and record.manager_sign_provider == "Test IdP"
    assert abs(record.manager_authenticated_at.timestamp() - time.time()) < 60
    assert AuditEntry.objects.filter(action="sign_reauthenticated", actor=org.manager).exists()
    # One confirmation, one signature.
    assert "sign_reauth" not in client.session


def test_sso_signature_without_a_confirmation_is_refused(client, org, oidc, held):
    _written(held)
    oidc_sign_in(client, oidc, org.manager.email)
    response = client.post(reverse("interviews:record_sign", args=[held.pk]), {"password": PASSWORD})
    assert response.status_code in (302, 400)
    assert InterviewRecord.objects.get(interview=held).manager_signed_at is None


def test_sso_confirmation_expires_after_the_window(client, org, oidc, held, settings):
    _written(held)
    oidc_sign_in(client, oidc, org.manager.email)
    _reauth(client, oidc, org.manager.email, held)
    with time_machine.travel(time.time() + settings.SIGN_REAUTH_MINUTES * 60 + 5, tick=False):
        client.post(reverse("interviews:record_sign", args=[held.pk]))
        page = client.get(reverse("interviews:record", args=[held.pk])).content.decode()
    assert InterviewRecord.objects.get(interview=held).manager_signed_at is None
    assert "Confirm who you are at Test IdP" in page


def test_sso_old_authentication_is_not_a_confirmation(client, org, oidc, held):
    _written(held)
    oidc_sign_in(client, oidc, org.manager.email)
    # The provider answers with its old session (auth_time an hour ago), ignoring prompt=login.
    oidc.tamper = {"auth_time": int(time.time()) - 3600}
    response = _reauth(client, oidc, org.manager.email, held)
    assert response.status_code == 403
    assert "Nothing was signed" in response.content.decode()
    assert "sign_reauth" not in client.session


def test_sso_confirmation_without_auth_time_is_refused(client, org, oidc, held):
    _written(held)
    oidc_sign_in(client, oidc, org.manager.email)
    oidc.tamper = {"auth_time": "-"}
    assert _reauth(client, oidc, org.manager.email, held).status_code == 403
    assert "sign_reauth" not in client.session


def test_sso_confirmation_as_somebody_else_is_refused(client, org, oidc, held):
    _written(held)
    oidc_sign_in(client, oidc, org.manager.email)
    response = _reauth(client, oidc, org.employee.email, held)
    assert response.status_code == 403
    assert "somebody else" in response.content.decode()
    # Still signed in as the manager, and nothing to sign with.
    assert client.get("/").context["user"] == org.manager
    assert "sign_reauth" not in client.session


def test_sso_confirmation_of_one_person_is_not_another_persons(client, org, oidc, held):
    """A confirmation kept in a session is for its person only (the session changes hands
    by signing in again as somebody else)."""
    _written(held)
    oidc_sign_in(client, oidc, org.manager.email)
    _reauth(client, oidc, org.manager.email, held)
    record_sign(interview=held, by=org.manager, password=PASSWORD)
    client.post(reverse("logout"))
    oidc_sign_in(client, oidc, org.employee.email)
    client.post(reverse("interviews:record_sign", args=[held.pk]))
    assert InterviewRecord.objects.get(interview=held).employee_signed_at is None


def pdf_words(pdf: bytes, tmp_path) -> str:
    """The PDF's text as pdftotext reads it, one space between words (the signature boxes
    stand side by side and wrap their lines)."""
    need_service("pdftotext", bool(shutil.which("pdftotext")), "apt-get install poppler-utils")
    path = tmp_path / "summary.pdf"
    path.write_bytes(pdf)
    out = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    return " ".join(out.split())


@pytest.mark.real_services
@pytest.mark.parametrize("language", ["en", "nb"])
def test_sso_summary_pdf_shows_how_both_signed(client, org, oidc, held, language, tmp_path):
    from interviews.pdf import render_summary_pdf

    org.employee.language = language
    org.employee.save()
    _written(held)
    record_sign(interview=held, by=org.manager, password=PASSWORD)
    oidc_sign_in(client, oidc, org.employee.email)
    _reauth(client, oidc, org.employee.email, held)
    client.post(reverse("interviews:record_sign", args=[held.pk]), {"comment": ""})
    record = InterviewRecord.objects.get(interview=held)
    assert record.locked_at is not None
    assert record.content["signatures"]["employee"]["confirmed"]["method"] == "oidc"
    assert record.content["signatures"]["manager"]["confirmed"] == {
        "method": "password",
        "at": record.manager_authenticated_at.isoformat(),
    }
    from django.utils import translation

    with translation.override(language):
        pdf = render_summary_pdf(record)
    # For a person to look at (ARTIFACTS, outside the checkout).
    (ARTIFACTS / "sso").mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "sso" / f"summary-{language}.pdf").write_bytes(pdf)
    text = pdf_words(pdf, tmp_path)
    if language == "en":
        assert "Confirmed with their password." in text
        assert "Confirmed by signing in again at Test IdP (OIDC)" in text
    else:
        assert "Bekreftet med passordet sitt." in text
        assert "Bekreftet ved å logge inn på nytt hos Test IdP (OIDC)" in text


def test_sso_two_confirmations_at_once_each_count_from_their_own_click(client, org, oidc, held):
    """The second of two confirmations begun at once cannot lean on the first's start."""
    _written(held)
    oidc_sign_in(client, oidc, org.manager.email)
    next_url = reverse("interviews:record", args=[held.pk])
    first = client.get(reverse("oidc_reauth"), {"next": next_url})
    second = client.get(reverse("oidc_reauth"), {"next": next_url})
    assert client.get(local(oidc_authorize(first.url, org.manager.email))).status_code == 302
    oidc.tamper = {"auth_time": int(time.time()) - 120}
    response = client.get(local(oidc_authorize(second.url, org.manager.email)))
    assert response.status_code == 403
    assert "Nothing was signed" in response.content.decode()


@pytest.mark.parametrize("auth_time", [None, 0, True, "1767225600"])
def test_sso_confirmation_with_a_meaningless_auth_time_is_refused(client, org, oidc, held, auth_time):
    _written(held)
    oidc_sign_in(client, oidc, org.manager.email)
    oidc.tamper = {"auth_time": auth_time}
    assert _reauth(client, oidc, org.manager.email, held).status_code == 403
    assert "sign_reauth" not in client.session


def test_sso_confirmation_refused_at_the_provider_leads_back_to_the_record(client, org, oidc, held):
    _written(held)
    oidc_sign_in(client, oidc, org.manager.email)
    record_url = reverse("interviews:record", args=[held.pk])
    client.get(reverse("oidc_reauth"), {"next": record_url})
    state = next(s for s, flow in client.session["oidc_flows"].items() if flow["reauth"])
    response = client.get(reverse("oidc_callback"), {"error": "access_denied\r\nX: 1", "state": state})
    assert response.status_code == 403
    page = response.content.decode()
    assert "Nothing was signed" in page and "You are not signed in" not in page
    assert f'href="{record_url}"' in page
    entry = AuditEntry.objects.filter(action="sso_refused").latest("pk")
    assert entry.detail == "oidc Test IdP: denied access_deniedX1"


def settings_cookie() -> str:
    from django.conf import settings

    return settings.SESSION_COOKIE_NAME


def test_sso_stray_callback_writes_nothing(client, org, oidc):
    before = AuditEntry.objects.count()
    response = client.get(reverse("oidc_callback"), {"state": "made-up", "error": "x" * 500})
    assert response.status_code == 403
    assert AuditEntry.objects.count() == before
    assert settings_cookie() not in response.cookies  # no session made for it


def test_sso_confirmation_is_not_offered_to_a_password_session(client, org, oidc, held):
    client.force_login(org.manager)
    assert client.get(reverse("oidc_reauth"), {"next": "/"}).status_code == 404


def test_sso_comment_typed_before_the_confirmation_ran_out_comes_back(client, org, oidc, held, settings):
    _written(held)
    record_sign(interview=held, by=org.manager, password=PASSWORD)
    oidc_sign_in(client, oidc, org.employee.email)
    _reauth(client, oidc, org.employee.email, held)
    sign_url = reverse("interviews:record_sign", args=[held.pk])
    with time_machine.travel(time.time() + settings.SIGN_REAUTH_MINUTES * 60 + 5, tick=False):
        response = client.post(sign_url, {"comment": "Kept, please.", "disagrees": "on"})
        page = response.content.decode()
    assert response.status_code == 400
    assert "it is more than 5 minutes ago" in page  # the reason, shown
    assert "What you typed in the form is kept" in page
    assert InterviewRecord.objects.get(interview=held).employee_signed_at is None
    # Back in the present the old confirmation would still count: it is gone, as it would be.
    session = client.session
    del session["sign_reauth"]
    session.save()
    _reauth(client, oidc, org.employee.email, held)
    page = client.get(reverse("interviews:record", args=[held.pk])).content.decode()
    assert "Kept, please." in page
    client.post(sign_url, {"comment": "Kept, please.", "disagrees": "on"})
    record = InterviewRecord.objects.get(interview=held)
    assert record.employee_comment == "Kept, please." and record.employee_disagrees
    assert str(held.pk) not in client.session.get("sign_pending", {})
