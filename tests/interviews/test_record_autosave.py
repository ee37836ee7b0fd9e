"""The record page keeps what is typed: it saves as one types (htmx), refuses a save based
on an older version and shows the other text, and adds or refuses an action in place with
its fields kept; without JavaScript the same forms post and come back whole."""

import datetime

from django.urls import reverse
from django.utils import timezone

from interviews.models import InterviewRecord
from interviews.records import RECORD_TEXT_FIELDS
from people.models import Notification
from tests.factories import CycleFactory, InterviewFactory

HTMX = {"HTTP_HX_REQUEST": "true"}


def test_autosave_saves_one_section_and_hands_back_the_new_version(login, org, held):
    client = login(org.manager)
    url = reverse("interviews:record_save", args=[held.pk])
    first = client.post(url, {"work_tasks": "Teach the lab.", "version": "0"}, **HTMX).content.decode()
    assert "Saved at" in first
    record = InterviewRecord.objects.get(interview=held)
    assert record.work_tasks == "Teach the lab."
    assert f'id="record-version" value="{record.edit_version}" hx-swap-oob="true"' in first
    client.post(url, {"conclusions": "Good.", "version": str(record.edit_version)}, **HTMX)
    record.refresh_from_db()
    assert (record.work_tasks, record.conclusions) == ("Teach the lab.", "Good.")


def test_a_save_from_an_older_version_is_refused_and_shows_what_was_saved(login, org, held):
    client = login(org.manager)
    url = reverse("interviews:record_save", args=[held.pk])
    client.post(url, {"work_tasks": "Tab one.", "version": "0"}, **HTMX)
    version = InterviewRecord.objects.get(interview=held).edit_version
    client.post(url, {"work_tasks": "Tab one, again.", "version": str(version)}, **HTMX)
    stale = client.post(url, {"work_tasks": "Tab two.", "version": str(version)}, **HTMX).content.decode()
    assert "Not saved: the record was changed" in stale and "Tab one, again." in stale
    assert InterviewRecord.objects.get(interview=held).work_tasks == "Tab one, again."
    # The whole record sent as it is saved (Save clicked while the autosave ran): no conflict.
    whole = {key: "" for key in RECORD_TEXT_FIELDS} | {"work_tasks": "Tab one, again."}
    same = client.post(url, {**whole, "version": str(version)})
    assert same.status_code == 302
    # One section sent as saved, from an older version, is still refused: the page has not
    # seen what else changed.
    part = client.post(url, {"work_tasks": "Tab one, again.", "version": str(version)}, **HTMX)
    assert "X-Talk-Saved" not in part
    # Without JavaScript a real conflict comes back as the page with both texts.
    page = client.post(url, {"work_tasks": "Tab two.", "version": str(version)})
    assert page.status_code == 409
    body = page.content.decode()
    assert "Tab two." in body and "Saved in another window:" in body and "Tab one, again." in body


def test_a_refused_action_keeps_its_fields_with_the_reason_beside_the_field(login, org, held):
    client = login(org.manager)
    url = reverse("interviews:record_action_add", args=[held.pk])
    data = {
        "owner_kind": "employee",
        "what": "Book a supervision course",
        "due_on": (timezone.localdate() - datetime.timedelta(days=1)).isoformat(),
        "standard": "It is booked",
    }
    part = client.post(url, data, **HTMX).content.decode()
    assert part.lstrip().startswith('<section id="record-actions"')  # the part, not the page
    assert "The date must lie in the future." in part and "invalid-feedback" in part
    assert "Book a supervision course" in part and "<details open>" in part
    # The texts' version stays: the page's next autosave goes on from the version it has.
    assert 'id="record-version"' not in part
    page = client.post(url, data)  # without JavaScript
    assert page.status_code == 400
    assert "The date must lie in the future." in page.content.decode()
    assert "Book a supervision course" in page.content.decode()
    data["due_on"] = (timezone.localdate() + datetime.timedelta(days=20)).isoformat()
    added = client.post(url, data, **HTMX).content.decode()
    assert "The action is added." in added and "Book a supervision course</td>" in added


def test_booking_a_meeting_rings_the_employees_bell(org, login):
    from interviews.calendar_rules import next_working_day

    today = timezone.localdate()
    cycle = CycleFactory(units=[org.root], opens_on=today, closes_on=today + datetime.timedelta(days=90))
    interview = InterviewFactory(cycle=cycle, employee=org.employee, partner=org.manager)
    day = next_working_day(today + datetime.timedelta(days=20))
    login(org.manager).post(
        reverse("interviews:interview_schedule", args=[interview.pk]),
        {
            "date": day.isoformat(),
            "time": "10:00",
            "duration_minutes": "60",
            "place": "Room 1",
            "note": "",
            "version": str(interview.version),
        },
    )
    bell = Notification.objects.get(user=org.employee)
    assert bell.subject.startswith("Mona Manager has booked your interview for")
    assert bell.url == reverse("interviews:interview_detail", args=[interview.pk])


def test_only_a_real_save_says_saved_and_actions_leave_the_texts_version_alone(login, org, held):
    client = login(org.manager)
    url = reverse("interviews:record_save", args=[held.pk])
    saved = client.post(url, {"work_tasks": "One.", "version": "0"}, **HTMX)
    assert saved["X-Talk-Saved"] == "1"  # static/js/talk.js forgets its kept copy only then
    version = InterviewRecord.objects.get(interview=held).edit_version
    client.post(url, {"work_tasks": "Two.", "version": str(version)}, **HTMX)
    stale = client.post(url, {"work_tasks": "Three.", "version": str(version)}, **HTMX)
    assert "X-Talk-Saved" not in stale
    # "Save mine over it" sends the refused section only, not every text on the page.
    assert 'hx-include="#id_record_work_tasks"' in stale.content.decode()
    # Adding an action does not move the texts' version: the page's next autosave goes on.
    now = InterviewRecord.objects.get(interview=held).edit_version
    client.post(
        reverse("interviews:record_action_add", args=[held.pk]),
        {
            "owner_kind": "employee",
            "what": "A course",
            "due_on": (timezone.localdate() + datetime.timedelta(days=20)).isoformat(),
            "standard": "Booked",
        },
        **HTMX,
    )
    assert InterviewRecord.objects.get(interview=held).edit_version == now
    after = client.post(url, {"conclusions": "Fine.", "version": str(now)}, **HTMX)
    assert after["X-Talk-Saved"] == "1"
