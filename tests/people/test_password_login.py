"""PASSWORD_LOGIN off: people sign in at the identity provider only; administrators keep a
break-glass password login (rate-limited, audited); the reset pages and welcome emails go."""

import pytest
from django.urls import reverse

from people.models import AuditEntry
from tests.conftest import PASSWORD
from tests.sso_servers import text


@pytest.fixture
def sso_only(settings, oidc):
    settings.PASSWORD_LOGIN = False
    return oidc


def test_sign_in_page_without_passwords_offers_only_the_provider(client, org, sso_only):
    page = text(client.get(reverse("login")))
    assert "Sign in with Test IdP" in page
    assert 'name="password"' not in page
    assert "Forgot your password?" not in page
    assert "this site keeps no password for you" in page


def test_password_post_to_the_ordinary_login_is_refused(client, org, sso_only):
    response = client.post(reverse("login"), {"username": org.employee.email, "password": PASSWORD})
    assert response.status_code == 404
    assert "_auth_user_id" not in client.session


@pytest.mark.parametrize("name", ["password_reset", "password_reset_done", "password_reset_complete"])
def test_password_reset_pages_disappear_without_passwords(client, org, sso_only, name):
    assert client.get(reverse(name)).status_code == 404


def test_password_reset_link_disappears_without_passwords(client, org, sso_only):
    url = reverse("password_reset_confirm", kwargs={"uidb64": "MQ", "token": "x-y"})
    assert client.get(url).status_code == 404


def test_break_glass_login_lets_an_administrator_in_and_audits_it(client, org, sso_only):
    page = text(client.get(reverse("login_break_glass")))
    assert "every sign-in here is recorded" in page
    response = client.post(reverse("login_break_glass"), {"username": org.admin.email, "password": PASSWORD})
    assert response.status_code == 302
    assert client.get("/").context["user"] == org.admin
    entry = AuditEntry.objects.get(action="login_break_glass")
    assert entry.actor == org.admin


def test_break_glass_login_refuses_everybody_but_administrators(client, org, sso_only):
    response = client.post(reverse("login_break_glass"), {"username": org.hr.email, "password": PASSWORD})
    assert response.status_code == 200  # the form again, with its error
    assert "_auth_user_id" not in client.session
    assert AuditEntry.objects.filter(action="login_failed").exists()


def test_break_glass_login_is_rate_limited(client, org, sso_only, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(reverse("login_break_glass"), {"username": org.admin.email, "password": "wrong"})
    response = client.post(reverse("login_break_glass"), {"username": org.admin.email, "password": PASSWORD})
    assert response.status_code == 429
    assert "_auth_user_id" not in client.session


def test_break_glass_page_is_the_ordinary_one_while_passwords_work(client, org, oidc):
    response = client.get(reverse("login_break_glass"))
    assert response.status_code == 302 and response.url == reverse("login")


def test_welcome_emails_are_not_offered_without_passwords(client, org, sso_only):
    from tests.sso_servers import oidc_sign_in

    oidc_sign_in(client, sso_only, org.hr.email)
    page = text(client.get(reverse("people:person_detail", args=[org.employee.pk])))
    assert "welcome email" not in page.lower()
    response = client.post(reverse("people:welcome_person", args=[org.employee.pk]), {"request_key": "k"})
    assert response.status_code == 404


def test_administrator_still_signs_with_a_password_in_a_break_glass_session(org, sso_only, held):
    from interviews.records import record_sign

    held.partner = org.admin
    held.save()
    from interviews.records import record_save

    record_save(interview=held, by=org.admin, values={"conclusions": "x"}, expected_version=0)
    record = record_sign(interview=held, by=org.admin, password=PASSWORD)
    assert record.manager_sign_method == "password"


def test_password_signing_is_refused_to_people_without_passwords(org, sso_only, held):
    from django.core.exceptions import ValidationError

    from interviews.records import record_save, record_sign

    record_save(interview=held, by=org.manager, values={"conclusions": "x"}, expected_version=0)
    with pytest.raises(ValidationError, match="identity provider"):
        record_sign(interview=held, by=org.manager, password=PASSWORD)


def test_password_sessions_end_once_passwords_are_off_but_an_administrators(client, org, settings, oidc):
    from django.test import Client

    client.post(reverse("login"), {"username": org.hr.email, "password": PASSWORD})
    admin = Client()
    admin.post(reverse("login"), {"username": org.admin.email, "password": PASSWORD})
    assert client.get("/").status_code == 200
    settings.PASSWORD_LOGIN = False
    response = client.get("/", follow=True)
    assert response.redirect_chain[0][1] == 302
    assert "no longer signs people in with a password" in text(response)
    assert "_auth_user_id" not in client.session
    assert admin.get("/").status_code == 200


def test_password_change_is_for_administrators_only_without_passwords(client, org, sso_only):
    from tests.sso_servers import oidc_sign_in

    oidc_sign_in(client, sso_only, org.hr.email)
    assert client.get(reverse("password_change")).status_code == 404
    client.post(reverse("logout"))
    client.post(reverse("login_break_glass"), {"username": org.admin.email, "password": PASSWORD})
    assert client.get(reverse("password_change")).status_code == 200


def test_menu_of_a_single_sign_on_session_offers_no_password_change(client, org, oidc):
    from tests.sso_servers import oidc_sign_in

    oidc_sign_in(client, oidc, org.employee.email)
    assert reverse("password_change") not in client.get("/").content.decode()
