"""Sessions, login throttling, password hashing and the deploy settings."""

import datetime
import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from django.contrib.auth.hashers import identify_hasher, make_password
from django.contrib.sessions.models import Session
from django.test import override_settings
from django.urls import reverse
from django.utils import timezone

from tests.conftest import PASSWORD

ROOT = Path(__file__).resolve().parent.parent


def _sign_in(client, email, password=PASSWORD, **extra):
    return client.post(reverse("login"), {"username": email, "password": password}, **extra)


def test_production_settings_pass_the_deploy_check():
    env = {
        key: value
        for key, value in os.environ.items()
        if key not in {"DEBUG", "DJANGO_SETTINGS_MODULE", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS"}
    }
    env.update(SECRET_KEY=secrets.token_urlsafe(50), ALLOWED_HOSTS="appraisal.example.org")
    result = subprocess.run(
        [sys.executable, "manage.py", "check", "--deploy", "--fail-level", "WARNING"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_pages_carry_a_strict_content_security_policy_and_no_store(client, org):
    client.force_login(org.employee)
    response = client.get(reverse("home"))
    policy = response["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "unsafe-inline" not in policy and "unsafe-eval" not in policy
    assert "frame-ancestors 'none'" in policy
    assert "no-store" in response["Cache-Control"]
    assert response["X-Frame-Options"] == "DENY"
    # Every signed-in page, whichever view made it.
    assert "no-store" in client.get(reverse("goals:my_actions"))["Cache-Control"]


def test_new_passwords_are_hashed_with_argon2():
    from config import settings as production

    assert production.PASSWORD_HASHERS[0].endswith("Argon2PasswordHasher")
    with override_settings(PASSWORD_HASHERS=production.PASSWORD_HASHERS):
        assert identify_hasher(make_password("correct horse")).algorithm == "argon2"


def test_signing_in_rotates_the_session_key(client, org):
    client.get(reverse("login"))
    client.session["anything"] = 1
    before = client.session.session_key or client.cookies.get("sessionid")
    assert _sign_in(client, org.employee.email).status_code == 302
    assert client.cookies["sessionid"].value != before


def test_logging_out_ends_the_session_on_the_server(client, org):
    _sign_in(client, org.employee.email)
    key = client.cookies["sessionid"].value
    assert Session.objects.filter(session_key=key).exists()
    client.post(reverse("logout"))
    assert not Session.objects.filter(session_key=key).exists()
    # Replaying the old cookie gets the login page, not the person's pages.
    client.cookies["sessionid"] = key
    assert client.get(reverse("home")).status_code == 302


def test_a_deactivated_user_is_signed_out_at_the_next_request(client, org):
    _sign_in(client, org.employee.email)
    assert client.get(reverse("home")).status_code == 200
    org.employee.is_active = False
    org.employee.save()
    response = client.get(reverse("home"))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_session_ends_after_an_hour_away(client, org):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        _sign_in(client, org.employee.email)
        clock.shift(datetime.timedelta(minutes=50))
        assert client.get(reverse("home")).status_code == 200  # active: still signed in
        clock.shift(datetime.timedelta(minutes=50))
        assert client.get(reverse("home")).status_code == 200  # 50 minutes since the last page
        clock.shift(datetime.timedelta(minutes=61))
        response = client.get(reverse("home"), follow=True)
        assert response.redirect_chain[0][0].startswith(reverse("login"))
        assert "You were signed out after a while away" in response.content.decode()


def test_session_ends_twelve_hours_after_signing_in_however_active(client, org):
    start = timezone.now()
    with time_machine.travel(start, tick=False) as clock:
        _sign_in(client, org.employee.email)
        for _step in range(23):  # a page every half hour for eleven and a half hours
            clock.shift(datetime.timedelta(minutes=30))
            assert client.get(reverse("home")).status_code == 200
        clock.shift(datetime.timedelta(minutes=31))
        assert client.get(reverse("home")).status_code == 302


def test_guessing_a_password_is_stopped_for_a_while(client, org):
    for _attempt in range(4):
        assert _sign_in(client, org.employee.email, "wrong").status_code == 200
    # The fifth wrong password locks the account from this address, with a page saying why;
    # even the right password is refused now.
    assert _sign_in(client, org.employee.email, "wrong").status_code == 429
    locked = _sign_in(client, org.employee.email)
    assert locked.status_code == 429
    assert "Too many attempts" in locked.content.decode()
    # Somebody else, or the same person from elsewhere, is not locked out.
    assert _sign_in(client, org.manager.email).status_code == 302
    client.logout()
    assert _sign_in(client, org.employee.email, REMOTE_ADDR="10.1.2.3").status_code == 302
    client.logout()
    with time_machine.travel(timezone.now() + datetime.timedelta(minutes=16)):
        assert _sign_in(client, org.employee.email).status_code == 302


@pytest.mark.parametrize("path", ["/", "/accounts/login/"])
def test_pages_do_not_allow_framing(client, path):
    assert client.get(path)["X-Frame-Options"] == "DENY"


# --- the client's address: X-Forwarded-For only through trusted proxies -----------------

ATTACKER, EVA, PROXY = "203.0.113.66", "203.0.113.9", "10.0.0.2"


def _last_login_ip():
    from people.models import AuditEntry

    return AuditEntry.objects.filter(action__in=["login", "login_failed"]).latest("pk").ip


def test_without_trusted_proxies_a_forwarded_address_is_not_believed(client, org, settings):
    settings.TRUSTED_PROXY_COUNT = 0
    _sign_in(client, org.employee.email, HTTP_X_FORWARDED_FOR=ATTACKER, REMOTE_ADDR=EVA)
    assert _last_login_ip() == EVA


def test_behind_a_trusted_proxy_the_address_it_saw_counts_not_what_the_client_wrote(client, org, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    # The client wrote "1.2.3.4"; the proxy appended the address it really came from.
    _sign_in(client, org.employee.email, HTTP_X_FORWARDED_FOR=f"1.2.3.4, {EVA}", REMOTE_ADDR=PROXY)
    assert _last_login_ip() == EVA


def test_a_request_that_bypasses_the_proxies_is_counted_from_where_it_came(client, org, settings):
    import ipaddress

    settings.TRUSTED_PROXY_COUNT = 1
    settings.TRUSTED_PROXY_NETWORKS = [ipaddress.ip_network("10.0.0.0/8")]
    _sign_in(client, org.employee.email, HTTP_X_FORWARDED_FOR="1.2.3.4", REMOTE_ADDR=ATTACKER)
    assert _last_login_ip() == ATTACKER
    _sign_in(client, org.employee.email, HTTP_X_FORWARDED_FOR=EVA, REMOTE_ADDR=PROXY)
    assert _last_login_ip() == EVA


@pytest.mark.parametrize("forwarded", ["not-an-address", "999.1.1.1", "", ",,,", "\u00e9" * 300])
def test_a_forged_forwarded_header_never_breaks_a_page(client, org, settings, forwarded):
    settings.TRUSTED_PROXY_COUNT = 1
    response = _sign_in(
        client, org.employee.email, "wrong", HTTP_X_FORWARDED_FOR=forwarded, REMOTE_ADDR=PROXY
    )
    assert response.status_code == 200
    assert _last_login_ip() == PROXY


def test_behind_the_proxy_one_person_cannot_lock_everybody_out_of_an_account(client, org, settings):
    settings.TRUSTED_PROXY_COUNT = 1
    for _attempt in range(5):
        _sign_in(client, org.employee.email, "wrong", HTTP_X_FORWARDED_FOR=ATTACKER, REMOTE_ADDR=PROXY)
    assert (
        _sign_in(client, org.employee.email, HTTP_X_FORWARDED_FOR=ATTACKER, REMOTE_ADDR=PROXY).status_code
        == 429
    )
    # Eva, behind the same proxy, from her own address, signs in.
    assert (
        _sign_in(client, org.employee.email, HTTP_X_FORWARDED_FOR=EVA, REMOTE_ADDR=PROXY).status_code == 302
    )


def test_capitals_do_not_buy_more_guesses(client, org):
    for email in (
        "employee@example.org",
        "Employee@example.org",
        "EMPLOYEE@example.org",
        "employee@EXAMPLE.org",
    ):
        assert _sign_in(client, email, "wrong").status_code == 200
    assert _sign_in(client, "EmPlOyEe@example.org", "wrong").status_code == 429
    assert _sign_in(client, "employee@example.org").status_code == 429
