"""Single sign-on in a real browser (Debian's Chromium through Playwright) against a real
OpenID Connect provider on 127.0.0.1: sign in there, sign a record after confirming who one
is, sign out here and there; the pages with and without passwords, and the refusal.

Screenshots land in ARTIFACTS/sso/ (tests/conftest.py: outside the checkout).
"""

import pytest

from interviews.models import InterviewRecord
from interviews.records import record_save, record_sign
from tests.conftest import ARTIFACTS, PASSWORD

SHOTS = ARTIFACTS / "sso"
pytestmark = pytest.mark.real_services
PHONE = {"width": 390, "height": 844}


def shot(page, name):
    SHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=SHOTS / f"{name}.png", full_page=True)
    desktop = page.viewport_size
    page.set_viewport_size(PHONE)
    page.screenshot(path=SHOTS / f"{name}-phone.png", full_page=True)
    page.set_viewport_size(desktop)


def no_blocking_accessibility_violation(page):
    from tests.test_accessibility import blocking_violations

    assert blocking_violations(page) == [], page.url


def only_local(page):
    # The test provider's pages ask a CDN for a stylesheet; nothing leaves the machine.
    page.route(
        "**/*",
        lambda route: (
            route.continue_()
            if route.request.url.startswith(("http://127.0.0.1", "http://localhost"))
            else route.abort()
        ),
    )


def at_provider(page, provider, sub):
    page.wait_for_url(provider.url + "/oauth2/authorize*")
    page.locator("input[name=sub]").fill(sub)
    page.get_by_role("button", name="Authorize").click()


def test_sso_sign_in_sign_with_reauthentication_and_sign_out(page, org, oidc, held):
    only_local(page)
    record_save(interview=held, by=org.manager, values={"conclusions": "We agreed."}, expected_version=0)
    record_sign(interview=held, by=org.manager, password=PASSWORD)

    page.goto(page.base_url + "/accounts/login/")
    shot(page, "sign-in-with-provider-and-passwords")
    page.get_by_role("link", name="Sign in with Test IdP").click()
    at_provider(page, oidc, org.employee.email)
    page.wait_for_url(page.base_url + "/")
    assert "Eva" in page.inner_text("header")

    # The home page's "sign" item leads to the record, whose signing step asks for a fresh sign-in.
    page.goto(page.base_url + f"/interviews/{held.pk}/record/#sign")
    sign = page.locator("#sign")
    assert "sign in again at Test IdP" in sign.inner_text()
    sign.scroll_into_view_if_needed()
    shot(page, "signing-step-confirm-at-provider")
    no_blocking_accessibility_violation(page)
    sign.get_by_role("link", name="Confirm who you are at Test IdP").click()
    at_provider(page, oidc, org.employee.email)
    page.wait_for_url(f"**/interviews/{held.pk}/record/*")
    assert "You confirmed who you are at Test IdP" in sign.inner_text()
    assert sign.locator("input[type=password]").count() == 0
    shot(page, "signing-step-confirmed")
    no_blocking_accessibility_violation(page)
    sign.get_by_label("Your comment (optional)").fill("Thank you for the talk.")
    sign.get_by_role("button", name="Sign the record").click()
    page.get_by_text("You have signed the record.").wait_for()
    record = InterviewRecord.objects.get(interview=held)
    assert record.locked_at is not None
    assert record.employee_sign_method == "oidc" and record.employee_sign_provider == "Test IdP"

    # Signing out here goes on to the provider's end of session, then back to the sign-in page.
    page.get_by_role("button", name="Log out").click()
    page.wait_for_url(oidc.url + "/oauth2/end_session*")
    assert "id_token_hint" in page.url
    page.get_by_role("button", name="End session").click()
    page.wait_for_url(page.base_url + "/accounts/login/*")
    page.goto(page.base_url + "/")
    assert "/accounts/login/" in page.url


@pytest.mark.parametrize("language", ["en", "nb"])
def test_sso_refusal_and_the_page_without_passwords(page, org, oidc, settings, language):
    only_local(page)
    page.context.set_extra_http_headers({"Accept-Language": language})
    settings.PASSWORD_LOGIN = False
    page.goto(page.base_url + "/accounts/login/")
    assert page.locator("input[type=password]").count() == 0
    shot(page, f"sign-in-without-passwords-{language}")
    no_blocking_accessibility_violation(page)
    button = {"en": "Sign in with Test IdP", "nb": "Logg inn med Test IdP"}[language]
    page.get_by_role("link", name=button).click()
    at_provider(page, oidc, "stranger@example.org")
    refusal = {"en": "not in this organisation's list of people", "nb": "står ikke på virksomhetens liste"}
    assert refusal[language] in page.inner_text("main")
    shot(page, f"refused-unknown-person-{language}")
    no_blocking_accessibility_violation(page)
    page.goto(page.base_url + "/accounts/admin-login/")
    assert page.locator("input[type=password]").count() == 1
    shot(page, f"break-glass-sign-in-{language}")
    no_blocking_accessibility_violation(page)
