"""The 404, 403 and 500 pages: in the person's language, with the menu, saying what to do;
a 404 that tells nobody whether the thing exists; a 500 page that cannot fail in its turn."""

import re

import pytest
from django.db.utils import OperationalError
from django.test import Client
from django.urls import reverse
from django.utils import translation

from interviews.models import Interview
from tests.factories import CycleFactory, InterviewFactory

NOT_FOUND = "This page does not exist, or it is not yours to see"
REFUSED = "This was refused"
EXPIRED = (
    "The form you sent had expired, for instance because the page was open a long time or you signed in "
    "again in another tab. Nothing was saved."
)
FAILED = "Something went wrong on our side"
LOG_OUT = '<button type="submit" class="btn btn-outline-light btn-sm">Log out</button>'


def in_norwegian(text: str) -> str:
    """The text as the Norwegian catalogue has it (the whole msgid is looked up)."""
    with translation.override("nb"):
        return translation.gettext(text)


def comparable(body: str, path: str) -> str:
    """The page without what differs on every response (CSRF tokens) or names the address
    asked for (the language chooser's "next")."""
    body = re.sub(r'name="csrfmiddlewaretoken" value="[^"]*"', 'name="csrfmiddlewaretoken" value=""', body)
    body = re.sub(r'"X-CSRFToken": "[^"]*"', '"X-CSRFToken": ""', body)
    return body.replace(path, "PATH")


def test_missing_page_for_a_signed_in_person_is_a_friendly_404_with_the_menu(login, org):
    response = login(org.employee).get("/no/such/page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert NOT_FOUND in page
    assert LOG_OUT in page  # the menu
    assert f'href="{reverse("home")}"' in page and reverse("goals:my_actions") in page
    # The employee holds no interviews: no link to a list that is not theirs.
    assert reverse("interviews:my_interviews") not in page


def test_a_partner_is_offered_their_interviews_from_the_404_page(login, org):
    InterviewFactory(cycle=CycleFactory(units=[org.root]), employee=org.employee, partner=org.manager)
    page = login(org.manager).get("/no/such/page/").content.decode()
    assert reverse("interviews:my_interviews") in page


@pytest.mark.parametrize("name", ["interviews:interview_detail", "interviews:record"])
def test_somebody_elses_interview_reads_exactly_like_a_missing_one(login, org, name):
    interview = InterviewFactory(
        cycle=CycleFactory(units=[org.root]), employee=org.employee, partner=org.manager
    )
    missing = Interview.objects.order_by("-pk").first().pk + 1000
    client = login(org.outsider)
    forbidden_url = reverse(name, args=[interview.pk])
    missing_url = reverse(name, args=[missing])
    forbidden, absent = client.get(forbidden_url), client.get(missing_url)
    assert forbidden.status_code == absent.status_code == 404
    assert NOT_FOUND in forbidden.content.decode() and LOG_OUT in forbidden.content.decode()
    assert comparable(forbidden.content.decode(), forbidden_url) == comparable(
        absent.content.decode(), missing_url
    )
    assert "matches the given query" not in absent.content.decode()  # Http404's own message


def test_the_404_page_comes_in_a_norwegian_users_language(login, org):
    org.employee.language = "nb"
    org.employee.save(update_fields=["language"])
    response = login(org.employee).get("/no/such/page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert '<html lang="nb">' in page
    # Words already in the catalogue: the menu, the home link.
    assert "Logg ut" in page and "Mine tiltak" in page and "Gå til forsiden" in page
    # The page's own sentence, new: English until the catalogue has it, then Norwegian.
    assert in_norwegian(NOT_FOUND) in page


def test_an_anonymous_visitor_gets_the_404_page_for_a_missing_address_and_login_for_a_real_one(client, org):
    # LoginRequiredMiddleware acts on a resolved view only: an address that matches no URL is
    # a 404 for anybody, as it was with Django's default page. An interview's address (which
    # matches a URL, whatever the pk) sends a visitor to log in, and tells them nothing either.
    response = client.get("/no/such/page/")
    assert response.status_code == 404
    page = response.content.decode()
    assert NOT_FOUND in page and reverse("login") in page
    assert "Log out" not in page
    response = client.get(reverse("interviews:interview_detail", args=[999999]))
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


@pytest.mark.urls("tests.error_urls")
def test_a_failing_view_gives_the_friendly_500_with_the_menu(login, org):
    client = login(org.employee)
    client.raise_request_exception = False
    response = client.get("/test-only/fails/")
    assert response.status_code == 500
    page = response.content.decode()
    assert FAILED in page and "nothing you did" in page
    assert LOG_OUT in page


@pytest.mark.urls("tests.error_urls")
def test_the_500_page_comes_in_a_norwegian_users_language(login, org):
    org.employee.language = "nb"
    org.employee.save(update_fields=["language"])
    client = login(org.employee)
    client.raise_request_exception = False
    response = client.get("/test-only/fails/")
    assert response.status_code == 500
    page = response.content.decode()
    assert '<html lang="nb">' in page and "Logg ut" in page
    assert in_norwegian(FAILED) in page  # new: English until the catalogue has it


@pytest.mark.urls("tests.error_urls")
def test_the_500_page_still_shows_when_the_menus_queries_fail(login, org, monkeypatch):
    org.employee.language = "nb"
    org.employee.save(update_fields=["language"])
    client = login(org.employee)
    client.raise_request_exception = False

    def database_down(user):
        raise OperationalError("the database is down")

    # The roles context processor reads the menu's facts from the database.
    monkeypatch.setattr("people.context_processors.nav_facts", database_down)
    response = client.get("/test-only/fails/")
    assert response.status_code == 500
    page = response.content.decode()
    assert in_norwegian(FAILED) in page
    assert '<html lang="nb">' in page  # still the user's language, without the menu
    assert "Logg ut" not in page
    # The language chooser still posts with a token.
    assert 'name="csrfmiddlewaretoken" value="' in page


@pytest.mark.urls("tests.error_urls")
def test_the_500_page_falls_back_to_plain_html_when_the_page_cannot_render(login, org, monkeypatch):
    client = login(org.employee)
    client.raise_request_exception = False

    def broken():
        raise OSError("the static manifest is gone")

    # Every page's frame loads its assets through this: neither 500.html attempt renders.
    monkeypatch.setattr("people.templatetags.nav_tags._head_assets", broken)
    response = client.get("/test-only/fails/")
    assert response.status_code == 500
    page = response.content.decode()
    assert page.startswith('<!doctype html><html lang="en">')
    assert FAILED in page and f'href="{reverse("home")}"' in page


@pytest.mark.urls("tests.error_urls")
def test_a_refusal_gives_the_friendly_403_with_the_menu(login, org):
    response = login(org.employee).get("/test-only/refuses/")
    assert response.status_code == 403
    page = response.content.decode()
    assert REFUSED in page and "Reload the page" in page and LOG_OUT in page
    assert "a view that refuses" not in page  # the exception's message stays in the code
    assert EXPIRED not in page


def test_an_expired_form_gives_the_403_page_saying_what_to_do(org, settings):
    # CSRF_FAILURE_VIEW belongs in config/settings.py; set here too, so that the test says
    # what it relies on.
    settings.CSRF_FAILURE_VIEW = "config.errors.csrf_failure"
    org.employee.language = "nb"
    org.employee.save(update_fields=["language"])
    client = Client(enforce_csrf_checks=True)
    client.force_login(org.employee)
    response = client.post(reverse("notifications_read"))
    assert response.status_code == 403
    page = response.content.decode()
    assert in_norwegian(EXPIRED) in page
    assert '<html lang="nb">' in page and "Logg ut" in page
    # A fresh token comes with the page, so reloading and sending again works.
    assert "csrftoken" in response.cookies
