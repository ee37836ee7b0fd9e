"""The pages where administrators and HR make, list and revoke the integrations' API tokens.

The token itself is shown once, in the answer to the form that made it; these tests follow
it there, make a call with it, and look for it everywhere the person goes next.
"""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from people.models import ApiToken
from people.selectors import api_tokens_visible_to
from people.services import api_token_create

IN_A_MONTH = timezone.localdate() + datetime.timedelta(days=30)
RAW_TOKEN = re.compile(r"apt_[0-9a-f]{8}_[A-Za-z0-9_-]{40}")


def make_token(by, *, name="Reporting", scopes=("org:read",), whole=True, units=()):
    token, _raw = api_token_create(
        by=by,
        name=name,
        scopes=list(scopes),
        expires_on=IN_A_MONTH,
        whole_organisation=whole,
        units=list(units),
    )
    return token


@pytest.fixture
def tokens(org):
    """One token by the administrator, one by HR for the whole organisation, one by HR for B."""
    return {
        "admin": make_token(org.admin, name="Admin's reporting"),
        "hr": make_token(org.hr, name="HR system"),
        "hr_scoped_other": make_token(
            org.hr_scoped_other,
            name="B's dashboard",
            scopes=["figures:read"],
            whole=False,
            units=[org.unit_b],
        ),
    }


def form_data(**changes):
    data = {
        "name": "HR system",
        "scopes": ["org:read"],
        "expires_on": (timezone.localdate() + datetime.timedelta(days=90)).isoformat(),
        "whole_organisation": "on",
    }
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


# --- who sees which tokens --------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "sees"),
    [
        ("admin", {"admin", "hr", "hr_scoped_other"}),
        ("hr", {"hr"}),
        ("hr_scoped_other", {"hr_scoped_other"}),
        ("employee", set()),
        ("manager", set()),
        ("outsider", set()),
    ],
)
def test_api_tokens_visible_to_administrators_all_hr_their_own_others_none(org, tokens, role, sees):
    visible = set(api_tokens_visible_to(getattr(org, role)))
    assert visible == {tokens[maker] for maker in sees}


def test_api_tokens_visible_to_nobody_signed_out(org, tokens):
    from django.contrib.auth.models import AnonymousUser

    assert not api_tokens_visible_to(AnonymousUser()).exists()


@pytest.mark.parametrize(
    ("role", "sees"),
    [
        ("admin", {"admin", "hr", "hr_scoped_other"}),
        ("hr", {"hr"}),
        ("hr_scoped_other", {"hr_scoped_other"}),
    ],
)
def test_token_list_shows_each_role_the_tokens_it_answers_for(login, org, tokens, role, sees):
    page = login(getattr(org, role)).get(reverse("people:token_list")).content.decode()
    for maker, token in tokens.items():
        shown = f"apt_{token.prefix}_…" in page
        assert shown == (maker in sees), (role, maker)


@pytest.mark.parametrize("role", ["employee", "manager", "director", "outsider"])
def test_token_pages_are_not_found_for_outsiders(login, org, tokens, role):
    client = login(getattr(org, role))
    assert client.get(reverse("people:token_list")).status_code == 404
    assert client.get(reverse("people:token_create")).status_code == 404
    assert client.post(reverse("people:token_create"), form_data()).status_code == 404
    assert client.post(reverse("people:token_revoke", args=[tokens["hr"].pk])).status_code == 404
    assert ApiToken.objects.count() == 3
    assert not ApiToken.objects.filter(revoked_at__isnull=False).exists()


def test_token_list_says_what_each_token_may_do_sees_and_its_state(login, org, tokens):
    ApiToken.objects.filter(pk=tokens["hr"].pk).update(expires_at=timezone.now() - datetime.timedelta(days=1))
    ApiToken.objects.filter(pk=tokens["admin"].pk).update(last_used_at=timezone.now())
    client = login(org.admin)
    client.post(reverse("people:token_revoke", args=[tokens["hr_scoped_other"].pk]))
    page = client.get(reverse("people:token_list")).content.decode()
    assert "Admin&#x27;s reporting" in page and "HR system" in page and "B&#x27;s dashboard" in page
    assert "org:read" in page and "figures:read" in page
    assert "whole organisation" in page and "Department B" in page
    assert "Ada Admin" in page and "Hanne Hr" in page and "Hugo Hrb" in page  # made by
    assert "never" in page  # two were never used
    assert ">live<" in page and ">expired<" in page and ">revoked<" in page
    # Only the live token can still be revoked.
    assert page.count('action="/hr/tokens/') == 1
    assert reverse("people:token_revoke", args=[tokens["admin"].pk]) in page


def test_token_list_queries_do_not_grow_with_the_tokens(login, org, django_assert_max_num_queries):
    for i in range(20):
        make_token(org.admin, name=f"Integration {i}", whole=False, units=[org.unit_a, org.unit_b])
    client = login(org.admin)
    # Session, user (with their HR role), the tokens with their makers, their units (one
    # prefetch), the menu's facts: five, whatever the number of tokens.
    with django_assert_max_num_queries(5):
        response = client.get(reverse("people:token_list"))
    assert response.status_code == 200 and response.content.decode().count("Department A") == 20


def test_the_menu_and_home_lead_administrators_and_hr_to_the_tokens(login, org):
    url = reverse("people:token_list")
    for role in ("admin", "hr", "hr_scoped_other"):
        page = login(getattr(org, role)).get("/").content.decode()
        assert f'href="{url}"' in page, role
    for role in ("employee", "manager", "director", "outsider"):
        assert url not in login(getattr(org, role)).get("/").content.decode(), role


# --- the form --------------------------------------------------------------------------


def test_token_form_offers_the_scopes_by_their_labels_and_a_quarter_ahead(login, org):
    page = login(org.hr).get(reverse("people:token_create")).content.decode()
    assert re.search(r'<input type="checkbox"[^>]*name="scopes" value="org:read"', page)
    assert "Read units, people and reporting lines (org:read)" in page
    assert "Provision people over SCIM (scim)" in page
    assert 'name="whole_organisation"' in page
    ahead = (timezone.localdate() + datetime.timedelta(days=90)).isoformat()
    assert f'value="{ahead}"' in page
    assert "Department A" in page and "Department B" in page


def test_token_form_for_hr_of_some_units_offers_only_what_they_may_give(login, org):
    page = login(org.hr_scoped_other).get(reverse("people:token_create")).content.decode()
    assert "Department B" in page
    assert "Department A" not in page and "University" not in page
    # Importing and provisioning change the whole organisation, which they may not give.
    assert 'name="whole_organisation"' not in page
    assert 'value="scim"' not in page and 'value="org:write"' not in page
    assert 'value="org:read"' in page and 'value="figures:read"' in page


# --- made, shown once, and working -------------------------------------------------------


def test_a_new_token_is_shown_once_and_works(login, org, client):
    hr = login(org.hr)
    response = hr.post(reverse("people:token_create"), form_data())
    assert response.status_code == 200 and not response.has_header("Location")
    page = response.content.decode()
    raws = set(RAW_TOKEN.findall(page))
    assert len(raws) == 1
    (raw,) = raws
    assert page.count(raw) == 1
    assert "shown only this once" in page
    assert "Authorization: Bearer &lt;token&gt;" in page
    assert "/api/v1/docs" in page and "/scim/v2/" in page
    # Nothing keeps it: no browser cache, no message, no session, no row.
    assert "no-store" in response["Cache-Control"]
    assert raw not in str(dict(hr.session.items()))
    token = ApiToken.objects.get()
    assert raw.startswith(f"apt_{token.prefix}_")
    assert raw not in str(ApiToken.objects.values().get())
    assert token.created_by == org.hr and token.scopes == ["org:read"] and token.whole_organisation
    assert timezone.localtime(token.expires_at).date() == timezone.localdate() + datetime.timedelta(days=90)

    assert client.get("/api/v1/people", headers={"Authorization": f"Bearer {raw}"}).status_code == 200

    # Nowhere the person goes next shows it again.
    hr = login(org.hr)
    for url in (
        reverse("people:token_list"),
        reverse("people:token_create"),
        "/",
        reverse("people:audit_log"),
    ):
        later = hr.get(url)
        assert later.status_code == 200, url
        assert raw not in later.content.decode(), url
    # The list tells it by its prefix alone.
    assert f"apt_{token.prefix}_…" in hr.get(reverse("people:token_list")).content.decode()


def test_hr_for_some_units_makes_a_token_for_them(login, org):
    response = login(org.hr_scoped_other).post(
        reverse("people:token_create"),
        form_data(scopes=["figures:read"], whole_organisation=None, units=[org.unit_b.pk]),
    )
    assert response.status_code == 200 and len(RAW_TOKEN.findall(response.content.decode())) == 1
    token = ApiToken.objects.get()
    assert list(token.units.all()) == [org.unit_b] and not token.whole_organisation
    assert "Department B, each with its sub-units" in response.content.decode()


def test_an_administrator_makes_a_provisioning_token(login, org):
    response = login(org.admin).post(
        reverse("people:token_create"), form_data(name="Identity provider", scopes=["scim"])
    )
    assert response.status_code == 200
    assert ApiToken.objects.get().scopes == ["scim"]


# --- revoking ---------------------------------------------------------------------------


def test_hr_revokes_their_token_and_it_stops_working(login, org, client):
    response = login(org.hr).post(reverse("people:token_create"), form_data())
    (raw,) = set(RAW_TOKEN.findall(response.content.decode()))
    token = ApiToken.objects.get()
    hr = login(org.hr)
    response = hr.post(reverse("people:token_revoke", args=[token.pk]), follow=True)
    assert response.redirect_chain == [(reverse("people:token_list"), 302)]
    assert "was revoked" in response.content.decode()
    token.refresh_from_db()
    assert token.revoked_at is not None and token.revoked_by == org.hr
    client.logout()
    assert client.get("/api/v1/people", headers={"Authorization": f"Bearer {raw}"}).status_code == 401

    # Twice is harmless: the first revocation stands, and the page says it was already done.
    revoked_at = token.revoked_at
    again = login(org.admin).post(reverse("people:token_revoke", args=[token.pk]), follow=True)
    assert again.status_code == 200 and "was already revoked" in again.content.decode()
    token.refresh_from_db()
    assert token.revoked_at == revoked_at and token.revoked_by == org.hr


def test_hr_cannot_revoke_a_token_they_did_not_make(login, org, tokens):
    for role, others in [("hr", ("admin", "hr_scoped_other")), ("hr_scoped_other", ("admin", "hr"))]:
        client = login(getattr(org, role))
        for maker in others:
            url = reverse("people:token_revoke", args=[tokens[maker].pk])
            assert client.post(url).status_code == 404, (role, maker)
    assert not ApiToken.objects.filter(revoked_at__isnull=False).exists()


def test_an_administrator_revokes_anybodys_token(login, org, tokens):
    client = login(org.admin)
    for token in tokens.values():
        assert client.post(reverse("people:token_revoke", args=[token.pk])).status_code == 302
    assert ApiToken.objects.filter(revoked_by=org.admin).count() == 3


def test_revoking_is_a_post(login, org, tokens):
    client = login(org.admin)
    assert client.get(reverse("people:token_revoke", args=[tokens["hr"].pk])).status_code == 405
    assert client.post(reverse("people:token_revoke", args=[10**6])).status_code == 404
    assert not ApiToken.objects.filter(revoked_at__isnull=False).exists()


# --- bad input ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "changes", "message"),
    [
        ("hr", {"scopes": None}, "Choose what the token may do."),
        ("hr", {"scopes": ["org:everything"]}, "Select a valid choice."),
        ("hr", {"name": ""}, "Name the integration the token is for."),
        ("hr", {"name": "   "}, "Name the integration the token is for."),
        ("hr", {"name": "x" * 101}, "at most 100 characters"),
        (
            "hr",
            {"expires_on": (timezone.localdate() - datetime.timedelta(days=1)).isoformat()},
            "The expiry must be after today and at most 366 days ahead.",
        ),
        ("hr", {"expires_on": timezone.localdate().isoformat()}, "The expiry must be after today"),
        (
            "hr",
            {"expires_on": (timezone.localdate() + datetime.timedelta(days=400)).isoformat()},
            "The expiry must be after today",
        ),
        ("hr", {"expires_on": "2026-02-30"}, "Enter a valid date."),
        ("hr", {"expires_on": "soon"}, "Enter a valid date."),
        ("hr", {"expires_on": "99999-01-01"}, "Enter a valid date."),
        ("hr", {"expires_on": None}, "This field is required."),
        (
            "hr",
            {"scopes": ["scim"], "whole_organisation": None, "units": ["UNIT_A"]},
            "Provisioning and importing change the whole organisation: such a token must see all of it.",
        ),
        (
            "hr",
            {"whole_organisation": None},
            "Choose the units the token sees, or the whole organisation.",
        ),
        ("hr", {"whole_organisation": None, "units": ["abc"]}, "Choose among the units listed"),
        (
            "hr",
            {"whole_organisation": None, "units": ["99999999999999999999"]},
            "Choose among the units listed",
        ),
        ("hr", {"whole_organisation": None, "units": ["-1"]}, "Choose among the units listed"),
        ("hr", {"whole_organisation": None, "units": ["1.5"]}, "Choose among the units listed"),
        ("hr", {"whole_organisation": None, "units": ["a\x00b"]}, "Null characters are not allowed."),
        ("hr", {"name": "a\x00b"}, "Null characters are not allowed."),
        # HR for department B: only B, and never the whole organisation.
        (
            "hr_scoped_other",
            {"whole_organisation": None, "units": ["UNIT_A"]},
            "Choose among the units listed",
        ),
        (
            "hr_scoped_other",
            {"whole_organisation": "on"},
            "Choose the units the token sees, or the whole organisation.",
        ),
        ("hr_scoped_other", {"scopes": ["scim"], "units": ["UNIT_B"]}, "Select a valid choice."),
    ],
)
def test_bad_input_shows_the_form_again_with_the_reason_and_makes_nothing(login, org, role, changes, message):
    units = {"UNIT_A": str(org.unit_a.pk), "UNIT_B": str(org.unit_b.pk)}
    if "units" in changes:
        changes = {**changes, "units": [units.get(value, value) for value in changes["units"]]}
    response = login(getattr(org, role)).post(reverse("people:token_create"), form_data(**changes))
    assert response.status_code == 200
    page = response.content.decode()
    assert message in page
    assert 'name="scopes"' in page  # the form again
    assert not RAW_TOKEN.search(page)
    assert not ApiToken.objects.exists()


def test_an_empty_form_says_what_is_missing(login, org):
    response = login(org.admin).post(reverse("people:token_create"), {})
    page = response.content.decode()
    assert response.status_code == 200
    assert "Name the integration the token is for." in page and "Choose what the token may do." in page
    assert not ApiToken.objects.exists()


# --- in a browser --------------------------------------------------------------------------


@pytest.mark.real_services
def test_hr_makes_copies_uses_and_revokes_a_token_in_a_browser(page, org):
    from tests.conftest import ARTIFACTS, log_in
    from tests.test_accessibility import blocking_violations

    page.context.grant_permissions(["clipboard-read", "clipboard-write"], origin=page.base_url)
    log_in(page, org.hr.email)
    page.get_by_role("link", name="API tokens").first.click()
    page.get_by_role("link", name="Make a token").click()
    page.get_by_label("Integration").fill("HR system")
    page.get_by_label("Read units, people and reporting lines (org:read)").check()
    page.get_by_label("The whole organisation").check()
    page.get_by_role("button", name="Make the token").click()

    assert "shown only this once" in page.inner_text("main")
    raw = page.get_by_label("Token").input_value()
    assert RAW_TOKEN.fullmatch(raw)
    page.get_by_role("button", name="Copy the token").click()
    page.get_by_text("Copied.").wait_for()
    assert page.evaluate("navigator.clipboard.readText()") == raw
    # The button just clicked is mid-way through Bootstrap's colour transition under the
    # pointer; axe would measure a colour that is on screen for 150 ms.
    page.mouse.move(0, 0)
    page.evaluate("document.activeElement.blur()")
    page.wait_for_timeout(400)
    assert blocking_violations(page) == []
    page.screenshot(path=ARTIFACTS / "token-made.png", full_page=True)

    api = page.request.get(page.base_url + "/api/v1/people", headers={"Authorization": f"Bearer {raw}"})
    assert api.status == 200

    page.get_by_role("link", name="back to the tokens").click()
    assert raw not in page.content()
    page.get_by_text("Revoke…").click()
    page.get_by_role("button", name="Revoke the token HR system").click()
    page.get_by_text("was revoked").wait_for()
    assert "revoked" in page.inner_text("main table")
    assert blocking_violations(page) == []
    api = page.request.get(page.base_url + "/api/v1/people", headers={"Authorization": f"Bearer {raw}"})
    assert api.status == 401


def test_the_same_form_sent_twice_makes_one_token(client, org):
    from people.models import ApiToken

    client.force_login(org.hr)
    form = {
        "name": "HR system",
        "scopes": ["org:read"],
        "whole_organisation": "on",
        "expires_on": (timezone.localdate() + datetime.timedelta(days=30)).isoformat(),
        "request_key": "the-form-on-the-page",
    }
    first = client.post(reverse("people:token_create"), form)
    assert first.status_code == 200 and "shown only this once" in first.content.decode()
    # The new token's page reloaded: the browser sends the form again.
    again = client.post(reverse("people:token_create"), form, follow=True)
    assert again.redirect_chain[-1][0] == reverse("people:token_list")
    assert "sent already" in again.content.decode()
    assert ApiToken.objects.count() == 1
    # A new form (a new key) makes a new token.
    assert client.post(reverse("people:token_create"), {**form, "request_key": "another"}).status_code == 200
    assert ApiToken.objects.count() == 2
