"""Signing in with OpenID Connect against a real provider (oidc-provider-mock on 127.0.0.1):
who may come in, each check of the answer, signing out there too, and the audit."""

import time
from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from people.models import AuditEntry
from tests.sso_servers import local, oidc_authorize, oidc_sign_in, text


def test_oidc_sign_in_matches_the_imported_person_by_email(client, org, oidc):
    response = oidc_sign_in(client, oidc, "Employee@Example.org", next_url="/my/")
    assert response.status_code == 302 and response.url == "/my/"
    assert client.get("/").context["user"] == org.employee
    assert client.session["auth_method"] == "oidc"
    entry = AuditEntry.objects.filter(action="login").latest("pk")
    assert entry.actor == org.employee
    # The provider and the claim that matched; never a token.
    assert entry.detail == "oidc Test IdP: email=Employee@Example.org"
    assert "eyJ" not in entry.detail


def test_oidc_request_uses_pkce_nonce_state_and_the_language(client, org, oidc):
    start = client.get("/accounts/oidc/login/")
    query = parse_qs(urlsplit(start.url).query)
    assert query["code_challenge_method"] == ["S256"] and query["code_challenge"][0]
    assert query["nonce"][0] and query["state"][0]
    assert query["scope"] == ["openid email profile"]
    assert query["ui_locales"] == ["en"]


def test_oidc_unknown_person_gets_a_clear_page_and_no_account(client, org, oidc):
    from people.models import User

    before = User.objects.count()
    response = oidc_sign_in(client, oidc, "stranger@example.org")
    assert response.status_code == 403
    assert "not in this organisation's list of people" in text(response)
    assert "ask HR" in text(response)
    assert User.objects.count() == before
    assert "_auth_user_id" not in client.session
    entry = AuditEntry.objects.get(action="sso_refused")
    assert entry.detail == "oidc Test IdP: unknown email=stranger@example.org"


def test_oidc_refusal_page_comes_in_the_visitors_language(client, org, oidc):
    client.cookies["django_language"] = "nb"
    response = oidc_sign_in(client, oidc, "stranger@example.org")
    assert response.status_code == 403
    assert "spør HR" in text(response)


def test_oidc_deactivated_person_is_refused_at_the_callback(client, org, oidc):
    org.employee.is_active = False
    org.employee.save()
    response = oidc_sign_in(client, oidc, org.employee.email)
    assert response.status_code == 403
    assert "your account here has been closed" in text(response)
    assert AuditEntry.objects.filter(action="sso_refused", detail__contains="inactive").exists()


def test_oidc_person_deactivated_while_signed_in_is_signed_out_on_the_next_request(client, org, oidc):
    oidc_sign_in(client, oidc, org.employee.email)
    assert client.get("/").status_code == 200
    org.employee.is_active = False
    org.employee.save()
    response = client.get("/")
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_oidc_match_on_employee_number_with_a_configured_claim(client, org, oidc, settings):
    settings.OIDC_CLAIM = "email"  # the mock provider's users carry their sub as "email"
    settings.OIDC_MATCH = "employee_number"
    response = oidc_sign_in(client, oidc, org.manager.employee_number)
    assert response.status_code == 302
    assert client.get("/").context["user"] == org.manager


def test_oidc_missing_claim_is_refused(client, org, oidc, settings):
    settings.OIDC_CLAIM = "eduPersonPrincipalName"
    response = oidc_sign_in(client, oidc, org.employee.email)
    assert response.status_code == 403
    assert "did not say who you are" in text(response)


@pytest.mark.parametrize(
    ("tamper", "what"),
    [
        ({"iss": "https://evil.example"}, "issuer"),
        ({"aud": "another-client"}, "audience"),
        ({"exp": int(time.time()) - 3600}, "expiry"),
        ({"nonce": "not-the-one-we-sent"}, "nonce"),
        ({"wrong_key": True}, "signature"),
        ({"iss": "-"}, "no issuer"),
    ],
)
def test_oidc_altered_id_token_is_refused(client, org, oidc, tamper, what):
    oidc.tamper = tamper
    response = oidc_sign_in(client, oidc, org.employee.email)
    assert response.status_code == 403, what
    assert "could not be verified" in text(response)
    assert "_auth_user_id" not in client.session
    assert AuditEntry.objects.filter(action="sso_refused", detail__contains="unverified").exists()


def test_oidc_altered_state_is_refused(client, org, oidc):
    start = client.get("/accounts/oidc/login/")
    back = oidc_authorize(start.url, org.employee.email)
    query = parse_qs(urlsplit(back).query)
    response = client.get(
        reverse("oidc_callback"), {"code": query["code"][0], "state": query["state"][0] + "x"}
    )
    assert response.status_code == 403
    assert "could not be verified" in text(response)
    assert "_auth_user_id" not in client.session


def test_oidc_answer_replayed_in_another_browser_is_refused(client, org, oidc):
    from django.test import Client

    start = client.get("/accounts/oidc/login/")
    back = oidc_authorize(start.url, org.employee.email)
    other = Client()
    response = other.get(local(back))
    assert response.status_code == 403
    assert "_auth_user_id" not in other.session


def test_oidc_provider_refusal_is_a_clear_page(client, org, oidc):
    client.get("/accounts/oidc/login/")
    state = next(iter(client.session["oidc_flows"]))
    response = client.get(reverse("oidc_callback"), {"error": "access_denied", "state": state})
    assert response.status_code == 403
    assert "did not sign you in" in text(response)


def test_oidc_garbage_in_the_callback_is_a_clear_page(client, org, oidc):
    for query in ({}, {"state": "\u2603" * 300}, {"code": "x", "state": ""}, {"state": "a", "code": "b"}):
        response = client.get(reverse("oidc_callback"), query)
        assert response.status_code == 403, query


def test_oidc_sign_out_ends_the_session_here_and_at_the_provider(client, org, oidc):
    oidc_sign_in(client, oidc, org.employee.email)
    id_token = client.session["oidc_id_token"]
    response = client.post(reverse("logout"))
    assert response.status_code == 302
    assert response.url.startswith(oidc.url + "/oauth2/end_session")
    query = parse_qs(urlsplit(response.url).query)
    assert query["id_token_hint"] == [id_token]
    assert query["post_logout_redirect_uri"] == ["http://testserver/accounts/login/"]
    assert "_auth_user_id" not in client.session
    assert client.get("/").status_code == 302


def test_oidc_sign_in_page_offers_the_provider(client, org, oidc):
    page = client.get(reverse("login")).content.decode()
    assert "Sign in with Test IdP" in page
    assert 'href="/accounts/oidc/login/' in page
    assert "Forgot your password?" in page  # passwords still sign people in


def test_oidc_form_action_lets_the_sign_out_reach_the_provider(client, org, oidc):
    response = client.get(reverse("login"))
    policy = response["Content-Security-Policy"]
    assert f"form-action 'self' {oidc.url}" in policy


def test_oidc_address_the_provider_has_not_verified_is_refused(client, org, oidc):
    oidc.tamper = {"email_verified": False}
    response = oidc_sign_in(client, oidc, org.employee.email)
    assert response.status_code == 403
    assert "_auth_user_id" not in client.session


def test_oidc_callback_survives_a_discovery_document_without_endpoints(client, org, oidc, monkeypatch):
    from people.sso import oidc as module

    client_ = module._client()
    monkeypatch.setattr(client_, "server_metadata", {"issuer": oidc.url})
    monkeypatch.setattr(client_, "load_server_metadata", lambda: {"issuer": oidc.url})
    response = client.get(reverse("oidc_login"))
    assert response.status_code == 403
