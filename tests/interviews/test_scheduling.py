import datetime
import zoneinfo

import icalendar
import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from interviews.forms import local_datetime
from interviews.invitations import event_uid
from interviews.models import Interview
from interviews.services import (
    interview_cancel,
    interview_excuse,
    interview_mark_held,
    interview_reopen,
    interview_schedule,
)
from tests.factories import CycleFactory, InterviewFactory

OSLO = zoneinfo.ZoneInfo("Europe/Oslo")
NOW = datetime.datetime(2027, 3, 1, 9, 0, tzinfo=OSLO)


@pytest.fixture
def cycle(org):
    return CycleFactory(
        units=[org.root],
        opens_on=datetime.date(2027, 3, 1),
        closes_on=datetime.date(2027, 5, 31),
        min_notice_days=14,
        min_length_minutes=60,
    )


@pytest.fixture
def interview(org, cycle):
    return InterviewFactory(cycle=cycle, employee=org.employee, partner=org.manager)


def at(day, hour, minute=0):
    return local_datetime(datetime.date(2027, *day), datetime.time(hour, minute))


def schedule(interview, when, minutes=60, **kwargs):
    kwargs.setdefault("by", interview.partner)
    return interview_schedule(
        interview=interview, starts_at=when, duration_minutes=minutes, now=NOW, **kwargs
    )


def calendars(outbox):
    """Each email's calendar attachment, parsed back by the icalendar library."""
    found = []
    for message in outbox:
        for part in message.message().walk():
            if part.get_content_type() == "text/calendar":
                found.append(
                    (
                        message.to[0],
                        part.get_param("method"),
                        icalendar.Calendar.from_ical(part.get_payload(decode=True)),
                    )
                )
    return found


def event_of(cal):
    return next(c for c in cal.walk("VEVENT"))


def test_schedule_books_the_meeting_and_invites_both(org, interview, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        schedule(interview, at((3, 22), 10), place="Room 101", note="Bring last year's plan")
    interview.refresh_from_db()
    assert interview.state == Interview.State.SCHEDULED and interview.ics_sequence == 0
    sent = calendars(mail.outbox)
    assert sorted(to for to, _method, _cal in sent) == ["employee@example.org", "manager@example.org"]
    for _to, method, cal in sent:
        event = event_of(cal)
        assert method == "REQUEST" and cal["METHOD"] == "REQUEST"
        assert str(event["UID"]) == event_uid(interview) and int(event["SEQUENCE"]) == 0
        assert str(event["ORGANIZER"]) == "mailto:manager@example.org"
        assert str(event["ATTENDEE"]) == "mailto:employee@example.org"
        assert event["LOCATION"] == "Room 101"
    assert "Room 101" in mail.outbox[0].body


def test_reschedule_and_cancel_keep_the_uid_and_raise_the_sequence(
    org, interview, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        schedule(interview, at((3, 22), 10))
        interview.refresh_from_db()
        schedule(interview, at((3, 23), 13))
        interview.refresh_from_db()
        interview_cancel(interview=interview, by=org.manager, reason="Long-term leave")
    events = [
        (method, event_of(cal)) for to, method, cal in calendars(mail.outbox) if to == "employee@example.org"
    ]
    assert [(m, int(e["SEQUENCE"])) for m, e in events] == [("REQUEST", 0), ("REQUEST", 1), ("CANCEL", 2)]
    assert len({str(e["UID"]) for _m, e in events}) == 1
    assert events[1][1].decoded("DTSTART") == at((3, 23), 13)
    assert str(events[2][1]["STATUS"]) == "CANCELLED"
    assert "Moved:" in mail.outbox[2].subject and "Cancelled:" in mail.outbox[4].subject
    assert "Long-term leave" in mail.outbox[4].body


def test_times_stay_right_across_the_change_to_summer_time(
    org, interview, django_capture_on_commit_callbacks
):
    # Clocks in Oslo go forward on 28 March 2027: 10:00 is 09:00 UTC before, 08:00 UTC after.
    other = InterviewFactory(cycle=interview.cycle, employee=org.other_employee, partner=org.manager)
    with django_capture_on_commit_callbacks(execute=True):
        schedule(interview, at((3, 26), 10))
        schedule(other, at((3, 29), 10))
    interview.refresh_from_db()
    other.refresh_from_db()
    assert interview.starts_at == datetime.datetime(2027, 3, 26, 9, 0, tzinfo=datetime.UTC)
    assert other.starts_at == datetime.datetime(2027, 3, 29, 8, 0, tzinfo=datetime.UTC)
    ics = [
        part.get_payload(decode=True).decode()
        for m in mail.outbox
        for part in m.message().walk()
        if part.get_content_type() == "text/calendar"
    ]
    assert any("DTSTART;TZID=Europe/Oslo:20270326T100000" in text for text in ics)
    assert any("DTSTART;TZID=Europe/Oslo:20270329T100000" in text for text in ics)
    assert all("BEGIN:VTIMEZONE" in text for text in ics)


def test_a_time_skipped_by_the_clock_change_is_refused_on_the_form(login, org, interview):
    with time_machine.travel(NOW, tick=False):
        response = login(org.manager).post(
            reverse("interviews:interview_schedule", args=[interview.pk]),
            {
                "date": "2027-03-28",
                "time": "02:30",
                "duration_minutes": 60,
                "version": interview.version,
            },
        )
    assert "This time does not exist on that day" in response.content.decode()
    interview.refresh_from_db()
    assert interview.state == Interview.State.PLANNED


@pytest.mark.parametrize(
    ("when", "minutes", "field", "message"),
    [
        (((3, 10), 10), 60, "date", "Book at least 14 days ahead: the earliest date is 15 March 2027."),
        (
            ((6, 2), 10),
            60,
            "date",
            "The meeting must lie inside the cycle, from 1 March 2027 to 31 May 2027.",
        ),
        (((3, 22), 10), 45, "duration_minutes", "The meeting must last at least 60 minutes in this cycle."),
    ],
)
def test_each_scheduling_rule_is_explained(org, interview, when, minutes, field, message):
    with pytest.raises(ValidationError) as caught:
        schedule(interview, at(*when), minutes=minutes)
    assert caught.value.message_dict[field] == [message]
    interview.refresh_from_db()
    assert interview.state == Interview.State.PLANNED and interview.starts_at is None


def test_overlapping_the_managers_other_interview_is_refused(org, interview):
    other = InterviewFactory(cycle=interview.cycle, employee=org.other_employee, partner=org.manager)
    schedule(other, at((3, 22), 10), minutes=90)
    with pytest.raises(ValidationError) as caught:
        schedule(interview, at((3, 22), 11))
    assert caught.value.message_dict["time"] == [
        "You already have an interview with Emil Otheremployee from 10:00 to 11:30."
    ]
    schedule(interview, at((3, 22), 11, 30))  # right after it is fine


def test_schedule_form_shows_every_broken_rule_and_saves_nothing(login, org, interview):
    with time_machine.travel(NOW, tick=False):
        response = login(org.manager).post(
            reverse("interviews:interview_schedule", args=[interview.pk]),
            {
                "date": "2027-03-02",
                "time": "10:00",
                "duration_minutes": 30,
                "version": interview.version,
            },
        )
    page = response.content.decode()
    assert response.status_code == 200
    assert "Book at least 14 days ahead" in page and "must last at least 60 minutes" in page
    interview.refresh_from_db()
    assert interview.starts_at is None


def test_schedule_from_a_stale_tab_is_refused(org, interview):
    stale = interview.version
    schedule(interview, at((3, 22), 10), expected_version=stale)
    with pytest.raises(ValidationError, match="Someone else changed this interview"):
        schedule(interview, at((3, 24), 10), expected_version=stale)
    interview.refresh_from_db()
    assert interview.starts_at == at((3, 22), 10)


def test_only_the_partner_books_the_meeting(org, interview):
    with pytest.raises(ValidationError):
        schedule(interview, at((3, 22), 10), by=org.hr)


def test_state_changes_refuse_illegal_steps(org, interview):
    with pytest.raises(ValidationError, match="Only a scheduled interview can be marked held"):
        interview_mark_held(interview=interview, by=org.manager, now=NOW)
    schedule(interview, at((3, 22), 10))
    with pytest.raises(ValidationError, match="has not started yet"):
        interview_mark_held(interview=interview, by=org.manager, now=NOW)
    interview_mark_held(interview=interview, by=org.manager, now=at((3, 22), 10, 5))
    with pytest.raises(ValidationError, match="cannot be cancelled or excused"):
        interview_cancel(interview=interview, by=org.manager, reason="x")
    with pytest.raises(ValidationError, match="planned or scheduled"):
        schedule(interview, at((3, 29), 10))


def test_excuse_needs_a_reason_and_reopen_plans_again(org, interview):
    with pytest.raises(ValidationError):
        interview_excuse(interview=interview, by=org.hr, reason="  ")
    interview_excuse(interview=interview, by=org.hr, reason="New starter")
    interview.refresh_from_db()
    assert (interview.state, interview.reason) == (Interview.State.EXCUSED, "New starter")
    interview_reopen(interview=interview, by=org.manager)
    interview.refresh_from_db()
    assert (interview.state, interview.reason) == (Interview.State.PLANNED, "")


def test_interviews_of_a_closed_cycle_cannot_change(org, interview):
    interview.cycle.state = "closed"
    interview.cycle.save()
    with pytest.raises(ValidationError, match="The cycle is closed"):
        schedule(interview, at((3, 22), 10))


def test_invitation_email_is_in_the_recipients_language(org, interview, django_capture_on_commit_callbacks):
    org.employee.language = "nb"
    org.employee.save()
    with django_capture_on_commit_callbacks(execute=True):
        schedule(interview, at((3, 22), 10))
    to_employee = next(m for m in mail.outbox if m.to == ["employee@example.org"])
    to_manager = next(m for m in mail.outbox if m.to == ["manager@example.org"])
    assert to_manager.subject.startswith("Performance assessment interview with Eva Employee")
    assert to_employee.subject.startswith("Medarbeidersamtale med Mona Manager")
    assert to_employee.subject.endswith("mandag 22. mars 2027, 10:00")  # a Norwegian date
    assert to_manager.subject.endswith("Monday 22 March 2027, 10:00")
