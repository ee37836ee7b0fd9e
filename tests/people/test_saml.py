"""Signing in with SAML 2.0 against a real identity provider (pysaml2's own IdP on 127.0.0.1,
tests/saml_idp.py): who may come in, the signature on the assertion, the service provider's
metadata, the re-authentication for a signature (ForceAuthn, a fresh AuthnInstant, the same
person), signing out there too, and the audit."""

import base64
import zlib
from pathlib import Path
from urllib.parse import parse_qs, urlencode, urlsplit

from django.urls import reverse

from people.models import AuditEntry, User
from tests.conftest import PASSWORD
from tests.saml_idp import SP_BASE, saml_at_idp, saml_post, saml_sign_in
from tests.sso_servers import local, text


def authn_request_xml(url: str) -> str:
    """The AuthnRequest the browser carries to the provider (HTTP-Redirect: deflated, base64)."""
    encoded = parse_qs(urlsplit(url).query)["SAMLRequest"][0]
    return zlib.decompress(base64.b64decode(encoded), -15).decode()


def reauth(client, idp, username: str, next_url: str):
    """A re-authentication for a signature, step by step: the site's answer to the
    provider's POST at the ACS, and the AuthnRequest the provider received."""
    start = client.get(reverse("saml_reauth") + "?" + urlencode({"next": next_url}))
    assert start.status_code == 302 and start.url.startswith(reverse("saml2_login") + "?")
    assert parse_qs(urlsplit(start.url).query)["reauth"] == ["1"]
    to_idp = client.get(start.url)
    assert to_idp.status_code == 302 and to_idp.url.startswith(idp.url + "/sso/redirect?"), to_idp
    answer = saml_post(client, *saml_at_idp(idp, to_idp.url, username))
    return answer, idp.last_request, to_idp.url


def record_url(held) -> str:
    return reverse("interviews:record", args=[held.pk])


def test_saml_sign_in_matches_the_imported_person_by_mail(client, org, saml):
    response = saml_sign_in(client, saml, "employee@example.org", next_url="/my/")
    assert response.status_code == 302 and response.url == "/my/"
    assert client.get("/").context["user"] == org.employee
    assert client.session["auth_method"] == "saml"
    assert client.session["auth_provider"] == "Test federation"
    # The AuthnInstant of the form's POST at the provider.
    assert abs(client.session["auth_at"] - saml.sessions["employee@example.org"]) < 1.5
    entry = AuditEntry.objects.filter(action="login").latest("pk")
    assert entry.actor == org.employee
    # The provider and the attribute that matched; never the assertion.
    assert entry.detail == "saml Test federation: mail=employee@example.org"
    # An ordinary sign-in does not force the provider to ask again.
    assert saml.last_request.force_authn in (None, "false")


def test_saml_assertion_is_signed_and_carries_mail_by_its_oid(client, org, saml):
    start = client.get("/saml2/login/")
    _action, fields = saml_at_idp(saml, start.url, "employee@example.org")
    xml = base64.b64decode(fields["SAMLResponse"]).decode()
    assert "<ds:Signature" in xml and "SignatureValue" in xml
    assert 'Name="urn:oid:0.9.2342.19200300.100.1.3"' in xml and 'FriendlyName="mail"' in xml


def test_saml_metadata_page_is_served(client, saml):
    response = client.get("/saml2/metadata/")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    xml = response.content.decode()
    assert f'entityID="{SP_BASE}/saml2/metadata/"' in xml
    assert f'Location="{SP_BASE}/saml2/acs/"' in xml
    assert 'WantAssertionsSigned="true"' in xml


def test_saml_unknown_person_gets_a_clear_page_and_no_account(client, org, saml):
    before = User.objects.count()
    response = saml_sign_in(client, saml, "stranger@example.org")
    assert response.status_code == 403
    assert "not in this organisation's list of people" in text(response)
    assert User.objects.count() == before
    assert "_auth_user_id" not in client.session
    entry = AuditEntry.objects.get(action="sso_refused")
    assert entry.detail == "saml Test federation: unknown mail=stranger@example.org"


def test_saml_deactivated_person_is_refused(client, org, saml):
    org.employee.is_active = False
    org.employee.save()
    response = saml_sign_in(client, saml, org.employee.email)
    assert response.status_code == 403
    assert "your account here has been closed" in text(response)
    assert "_auth_user_id" not in client.session
    assert AuditEntry.objects.filter(action="sso_refused", detail__contains="inactive").exists()


def test_saml_unsigned_assertion_is_refused(client, org, saml):
    saml.unsigned = True
    response = saml_sign_in(client, saml, org.employee.email)
    assert response.status_code == 403
    assert "could not be verified" in text(response)
    assert "_auth_user_id" not in client.session
    assert AuditEntry.objects.filter(action="sso_refused", detail__contains="unverified").exists()
    assert not AuditEntry.objects.filter(action="login").exists()


def test_saml_altered_assertion_is_refused(client, org, saml):
    # Signed for the employee, then changed to name the manager: the signature breaks.
    saml.alter = org.manager.email
    response = saml_sign_in(client, saml, org.employee.email)
    assert response.status_code == 403
    assert "could not be verified" in text(response)
    assert "_auth_user_id" not in client.session
    assert not AuditEntry.objects.filter(action="login").exists()


def test_saml_answer_nobody_asked_for_is_refused(client, org, saml):
    # An answer to another browser's request (unsolicited here): allow_unsolicited is off.
    from django.test import Client

    start = Client().get("/saml2/login/")
    action, fields = saml_at_idp(saml, start.url, org.employee.email)
    response = saml_post(client, action, fields)
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


def test_saml_reauth_for_signing_forces_authentication_and_signs(client, org, saml, held):
    from interviews.models import InterviewRecord
    from interviews.records import record_save, record_sign

    record_save(interview=held, by=org.manager, values={"conclusions": "x"}, expected_version=0)
    record_sign(interview=held, by=org.manager, password=PASSWORD)

    saml_sign_in(client, saml, org.employee.email)
    next_url = record_url(held)
    answer, authn_request, idp_url = reauth(client, saml, org.employee.email, next_url)
    # The provider was told to ask again, and did (its form, a new AuthnInstant).
    assert authn_request.force_authn == "true"
    assert 'ForceAuthn="true"' in authn_request_xml(idp_url)
    assert [a["form"] for a in saml.answers] == [True, True]
    done = reverse("saml_reauth_done") + "?" + urlencode({"next": next_url})
    # The hand-over names this confirmation's start (t), spent once.
    assert answer.status_code == 302 and answer.url.startswith(done + "&t=")
    back = client.get(answer.url)
    assert back.status_code == 302 and back.url == next_url
    confirmed = client.session["sign_reauth"]
    assert confirmed["method"] == "saml" and confirmed["user"] == org.employee.pk
    assert confirmed["provider"] == "Test federation"
    assert AuditEntry.objects.filter(
        action="sign_reauthenticated", detail="saml Test federation: mail=employee@example.org"
    ).exists()

    response = client.post(reverse("interviews:record_sign", args=[held.pk]), {"comment": ""})
    assert response.status_code == 302, text(response)[:2000]
    record = InterviewRecord.objects.get(interview=held)
    assert record.employee_sign_method == "saml"
    assert record.employee_sign_provider == "Test federation"
    assert record.employee_authenticated_at is not None
    assert record.employee_authenticated_at.timestamp() == confirmed["at"] == saml.answers[-1]["at"]
    assert record.locked_at is not None
    # One confirmation, one signature.
    assert "sign_reauth" not in client.session


def test_saml_reauth_answered_from_the_old_session_is_refused(client, org, saml, held):
    saml_sign_in(client, saml, org.employee.email)
    # A provider that ignores ForceAuthn answers from the session it has had for an hour.
    saml.ignore_force_authn = True
    saml.age_sessions(3600)
    answer, authn_request, _url = reauth(client, saml, org.employee.email, record_url(held))
    assert authn_request.force_authn == "true"
    # The old session answered, with its old AuthnInstant, and no form was shown.
    assert saml.answers[-1]["form"] is False
    assert saml.answers[-1]["at"] == int(saml.sessions[org.employee.email])
    assert answer.status_code == 302
    refused = client.get(answer.url)
    assert refused.status_code == 403
    assert "Nothing was signed" in text(refused)
    assert "did not ask you to sign in again" in text(refused)
    assert "sign_reauth" not in client.session
    assert AuditEntry.objects.filter(action="sso_refused", detail__contains="not_fresh").exists()
    # Still signed in, as before.
    assert client.get("/").context["user"] == org.employee


def test_saml_reauth_from_a_session_of_a_moment_ago_passes_within_the_clock_leeway(client, org, saml, held):
    # What the freshness check can and cannot see: an AuthnInstant from before the click is
    # taken while it is within SSO_CLOCK_LEEWAY_SECONDS of it (the refusal above needs an
    # older session); ForceAuthn is what makes the provider ask again.
    saml_sign_in(client, saml, org.employee.email)
    saml.ignore_force_authn = True
    answer, _request, _url = reauth(client, saml, org.employee.email, record_url(held))
    assert saml.answers[-1]["form"] is False
    assert client.get(answer.url).status_code == 302
    assert client.session["sign_reauth"]["at"] == saml.answers[0]["at"]


def test_saml_reauth_as_another_person_is_refused(client, org, saml, held):
    saml_sign_in(client, saml, org.employee.email)
    answer, _request, _url = reauth(client, saml, org.manager.email, record_url(held))
    refused = client.get(answer.url) if answer.status_code == 302 else answer
    assert refused.status_code == 403
    assert "Nothing was signed" in text(refused)
    assert "as somebody else than the person signed in here" in text(refused)
    assert "sign_reauth" not in client.session
    assert AuditEntry.objects.filter(action="sso_refused", detail__contains="other_person").exists()
    assert client.get("/").context["user"] == org.employee


def test_saml_reauth_as_a_stranger_is_refused_as_another_person(client, org, saml, held):
    saml_sign_in(client, saml, org.employee.email)
    answer, _request, _url = reauth(client, saml, "stranger@example.org", record_url(held))
    assert answer.status_code == 403
    assert "Nothing was signed" in text(answer)
    assert "sign_reauth" not in client.session


def test_saml_reauth_result_is_not_taken_without_starting_one(client, org, saml):
    saml_sign_in(client, saml, org.employee.email)
    response = client.get(reverse("saml_reauth_done") + "?next=/")
    assert response.status_code == 403
    assert "sign_reauth" not in client.session


def test_saml_sign_out_ends_the_session_here_and_at_the_provider(client, org, saml):
    saml_sign_in(client, saml, org.employee.email)
    assert saml.sessions
    response = client.post(reverse("logout"))
    assert response.status_code == 302 and response.url == reverse("saml2_logout")
    to_idp = client.get(response.url)
    assert to_idp.status_code == 302 and to_idp.url.startswith(saml.url + "/slo/redirect?"), to_idp
    back = saml.browser.get(to_idp.url, allow_redirects=False, timeout=10)
    assert back.status_code == 302 and back.headers["Location"].startswith(SP_BASE + "/saml2/ls/?")
    assert len(saml.logouts) == 1 and not saml.sessions
    done = client.get(local(back.headers["Location"]))
    assert done.status_code == 302
    assert "_auth_user_id" not in client.session
    assert client.get("/").status_code == 302


def test_saml_sign_in_page_offers_the_provider(client, org, saml):
    page = client.get(reverse("login")).content.decode()
    assert "Sign in with Test federation" in page
    assert 'href="/saml2/login/' in page


def test_saml_form_action_lets_the_sign_out_reach_the_provider(client, org, saml):
    client.get("/saml2/metadata/")  # the configuration, with the provider's metadata, is loaded
    policy = client.get(reverse("login"))["Content-Security-Policy"]
    assert f"form-action 'self' {saml.url}" in policy


def test_saml_signed_requests_for_a_provider_that_takes_only_those(client, org, settings, tmp_path):
    """Most federations (Feide among them) take signed requests only: with SAML_KEY_FILE and
    SAML_CERT_FILE the site signs them (HTTP-Redirect: over the query string), the metadata
    says so and carries the certificate, and the provider checks the signature."""
    from tests.saml_idp import make_key_pair, saml_configure, saml_idp

    sp_key, sp_cert = make_key_pair(tmp_path, "sp")
    with saml_idp(tmp_path, want_signed=True, SAML_KEY_FILE=sp_key, SAML_CERT_FILE=sp_cert) as idp:
        saml_configure(settings, idp, SAML_KEY_FILE=sp_key, SAML_CERT_FILE=sp_cert)
        metadata = client.get(reverse("saml2_metadata")).content.decode()
        assert 'AuthnRequestsSigned="true"' in metadata
        certificate = "".join(Path(sp_cert).read_text().splitlines()[1:-1])
        assert certificate[:60] in metadata.replace("\n", "")

        start = client.get(reverse("saml2_login"))
        query = parse_qs(urlsplit(start.url).query)
        assert query["Signature"][0] and "rsa-sha256" in query["SigAlg"][0]
        assert saml_post(client, *saml_at_idp(idp, start.url, org.employee.email)).status_code == 302
        assert client.session["auth_method"] == "saml"

        # The same request with its RelayState changed on the way: the signature no longer holds.
        client.logout()
        start = client.get(reverse("saml2_login") + "?next=/my/")
        tampered = start.url.replace("RelayState=%2Fmy%2F", "RelayState=%2Fevil%2F")
        assert tampered != start.url
        refused = idp.browser.get(tampered, timeout=10)
        assert refused.status_code == 400 and "IncorrectlySigned" in refused.text, refused.text
        # And unsigned: refused by this provider.
        unsigned = start.url.split("&Signature=")[0]
        assert idp.browser.get(unsigned, timeout=10).status_code == 400


def test_saml_answer_from_another_identity_provider_is_refused(client, org, saml, settings):
    """Federation metadata names many providers, each able to sign: only the configured one counts."""
    settings.SAML_IDP_ENTITY_ID = "https://another-idp.example/metadata"
    response = saml_sign_in(client, saml, org.employee.email)
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


def test_saml_relay_state_does_not_steer_the_answer(client, org, saml):
    """Where the answer leads, and whether it counts as a re-authentication, come from the
    request it answers, not from the RelayState the browser carries back."""
    start = client.get("/saml2/login/?next=/my/")
    action, fields = saml_at_idp(saml, start.url, org.employee.email)
    fields["RelayState"] = reverse("saml_reauth_done") + "?next=/evil/"
    response = saml_post(client, action, fields)
    assert response.status_code == 302 and response.url == "/my/"
    assert client.session["auth_method"] == "saml"


def test_saml_sign_out_without_its_own_session_still_signs_out(client, org, saml):
    saml_sign_in(client, saml, org.employee.email)
    client.cookies.pop("saml_session", None)  # djangosaml2's cookie lost
    response = client.post(reverse("logout"), follow=True)
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_saml_logout_service_answers_junk_with_400(client, saml):
    assert client.get(reverse("saml2_ls"), {"SAMLResponse": "junk"}).status_code == 400
    assert client.get(reverse("saml2_ls"), {"SAMLRequest": "\u2603" * 50}).status_code == 400


def test_saml_logout_is_not_found_for_another_kind_of_session(client, org, saml):
    client.force_login(org.employee)
    assert client.get(reverse("saml2_logout")).status_code == 404
