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
