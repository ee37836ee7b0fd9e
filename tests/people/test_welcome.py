"""HR invites imported people who have never signed in: an email in their language with a
link that sets their password, once per request, audited."""

import re

from django.core import mail
from django.test import Client
from django.urls import reverse

from people.models import AuditEntry, WelcomeEmail


def _key(page: str) -> str:
    return re.search(r'name="request_key" value="([0-9a-f]+)"', page).group(1)


def test_a_welcome_email_sets_a_password_and_signs_in(org, login, django_capture_on_commit_callbacks):
    org.employee.last_login = None
    org.employee.language = "nb"
    org.employee.set_unusable_password()
    org.employee.save()
    hr = login(org.hr)
    page = hr.get(reverse("people:person_detail", args=[org.employee.pk])).content.decode()
    assert "Never" in page and "Send a welcome email" in page
    key = _key(page)
    url = reverse("people:welcome_person", args=[org.employee.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = hr.post(url, {"request_key": key}, follow=True)
    assert "A welcome email went to 1 person" in response.content.decode()
    # The same request again (a double click): nothing more is sent.
    with django_capture_on_commit_callbacks(execute=True):
        response = hr.post(url, {"request_key": key}, follow=True)
    assert "Nobody to welcome" in response.content.decode()
    (message,) = mail.outbox
    assert message.to == ["employee@example.org"]
    assert message.subject == "Velkommen til medarbeidersamtalene"  # in their language
    assert AuditEntry.objects.filter(action="welcome_sent", object_id=str(org.employee.pk)).count() == 1
    assert (
        "welcome email sent"
        in hr.get(reverse("people:person_detail", args=[org.employee.pk])).content.decode()
    )

    # The link lets them choose a password, and then they sign in with it.
    link = re.search(r"https?://\S+/accounts/reset/\S+/", message.body).group(0)
    path = "/" + link.split("/", 3)[3]
    person = Client()
    response = person.get(path)
    assert response.status_code == 302  # Django hides the token: on to the form
    form_url = response["Location"]
    response = person.post(
        form_url, {"new_password1": "Lang-og-trygg-2027", "new_password2": "Lang-og-trygg-2027"}
    )
    assert response.status_code == 302
    signed_in = Client().post(
        reverse("login"), {"username": "employee@example.org", "password": "Lang-og-trygg-2027"}
    )
    assert signed_in.status_code == 302
    # Spent: the same link does not open the form again.
    assert b"new_password1" not in Client().get(path, follow=True).content


def test_a_unit_invites_only_those_who_never_signed_in(org, login, django_capture_on_commit_callbacks):
    from django.utils import timezone

    from people.models import User

    User.objects.filter(pk__in=[org.employee.pk, org.other_employee.pk, org.manager.pk]).update(
        last_login=None
    )
    User.objects.filter(pk=org.manager.pk).update(last_login=timezone.now())  # has signed in
    hr = login(org.hr)
    page = hr.get(reverse("people:unit_detail", args=[org.unit_a.pk])).content.decode()
    assert "2 people in this unit and its sub-units have never signed in and have no welcome link" in page
    with django_capture_on_commit_callbacks(execute=True):
        hr.post(reverse("people:welcome_unit", args=[org.unit_a.pk]), {"request_key": _key(page)})
    assert sorted(m.to[0] for m in mail.outbox) == ["employee@example.org", "other.employee@example.org"]
    assert WelcomeEmail.objects.filter(sent_by=org.hr).count() == 2


def test_scoped_hr_cannot_welcome_outside_their_units(org, login):
    response = login(org.hr_scoped_other).post(
        reverse("people:welcome_person", args=[org.employee.pk]), {"request_key": "k"}
    )
    assert response.status_code == 404 and mail.outbox == []


def test_a_welcome_without_its_request_key_sends_nothing(org, login):
    org.employee.last_login = None
    org.employee.save()
    response = login(org.hr).post(reverse("people:welcome_person", args=[org.employee.pk]), {}, follow=True)
    assert "This page is out of date" in response.content.decode() and mail.outbox == []


def test_a_big_unit_is_welcomed_in_parts(org, login, monkeypatch, django_capture_on_commit_callbacks):
    from people import welcome
    from people.models import User

    monkeypatch.setattr(welcome, "WELCOME_BATCH", 1)
    User.objects.filter(pk__in=[org.employee.pk, org.other_employee.pk]).update(last_login=None)
    User.objects.filter(unit=org.unit_a).exclude(pk__in=[org.employee.pk, org.other_employee.pk]).update(
        last_login="2026-01-01T00:00Z"
    )
    hr = login(org.hr)
    url = reverse("people:unit_detail", args=[org.unit_a.pk])
    with django_capture_on_commit_callbacks(execute=True):
        response = hr.post(
            reverse("people:welcome_unit", args=[org.unit_a.pk]),
            {"request_key": _key(hr.get(url).content.decode())},
            follow=True,
        )
    assert "1 more person is still to be welcomed" in response.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        hr.post(
            reverse("people:welcome_unit", args=[org.unit_a.pk]),
            {"request_key": _key(hr.get(url).content.decode())},
        )
    assert sorted(m.to[0] for m in mail.outbox) == ["employee@example.org", "other.employee@example.org"]
    assert "have never signed in" not in hr.get(url).content.decode()  # both have a link that holds


def test_the_norwegian_welcome_is_norwegian_throughout(org, login, django_capture_on_commit_callbacks):
    org.employee.last_login = None
    org.employee.language = "nb"
    org.employee.save()
    hr = login(org.hr)
    page = hr.get(reverse("people:person_detail", args=[org.employee.pk])).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        hr.post(reverse("people:welcome_person", args=[org.employee.pk]), {"request_key": _key(page)})
    (message,) = mail.outbox
    assert "Velg et passord" in message.body and "Choose a password" not in message.body
