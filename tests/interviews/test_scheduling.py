import datetime
import zoneinfo

import icalendar
import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse
from django.utils import timezone

from interviews import calendar_rules
from interviews.forms import ScheduleForm, local_datetime
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
        assert event["ORGANIZER"].params["CN"] == str(org.manager)
        attendees = {str(a): a.params for a in event["ATTENDEE"]}
        assert attendees["mailto:manager@example.org"]["PARTSTAT"] == "ACCEPTED"
        assert attendees["mailto:employee@example.org"]["PARTSTAT"] == "NEEDS-ACTION"
        assert attendees["mailto:employee@example.org"]["CN"] == str(org.employee)
        assert event["LOCATION"] == "Room 101"
        assert str(event["CLASS"]) == "PRIVATE"
        # The calendar reminds a quarter of an hour before (INVITATION_ALARM_MINUTES).
        (alarm,) = event.walk("VALARM")
        assert alarm.decoded("TRIGGER") == -datetime.timedelta(minutes=15)
    assert "Room 101" in mail.outbox[0].body
    attachment = next(p for p in mail.outbox[0].message().walk() if p.get_content_type() == "text/calendar")
    assert attachment.get_filename() == "interview-2027-03-22.ics"


def test_invitation_without_alarm_when_turned_off(
    org, interview, settings, django_capture_on_commit_callbacks
):
    settings.INVITATION_ALARM_MINUTES = 0
    with django_capture_on_commit_callbacks(execute=True):
        schedule(interview, at((3, 22), 10))
    assert all(not event_of(cal).walk("VALARM") for _to, _method, cal in calendars(mail.outbox))


def test_calendar_download_is_named_by_the_meeting_date(login, org, interview):
    schedule(interview, at((3, 22), 10))
    response = login(org.employee).get(reverse("interviews:interview_calendar", args=[interview.pk]))
    assert response.status_code == 200
    assert 'filename="interview-2027-03-22.ics"' in response["Content-Disposition"]


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
    # (Easter lies around it, from Maundy Thursday the 25th to Easter Monday the 29th.)
    other = InterviewFactory(cycle=interview.cycle, employee=org.other_employee, partner=org.manager)
    with django_capture_on_commit_callbacks(execute=True):
        schedule(interview, at((3, 24), 10))
        schedule(other, at((3, 30), 10))
    interview.refresh_from_db()
    other.refresh_from_db()
    assert interview.starts_at == datetime.datetime(2027, 3, 24, 9, 0, tzinfo=datetime.UTC)
    assert other.starts_at == datetime.datetime(2027, 3, 30, 8, 0, tzinfo=datetime.UTC)
    ics = [
        part.get_payload(decode=True).decode()
        for m in mail.outbox
        for part in m.message().walk()
        if part.get_content_type() == "text/calendar"
    ]
    assert any("DTSTART;TZID=Europe/Oslo:20270324T100000" in text for text in ics)
    assert any("DTSTART;TZID=Europe/Oslo:20270330T100000" in text for text in ics)
    assert all("BEGIN:VTIMEZONE" in text for text in ics)
    # A rule that holds for any year, not icalendar's RDATE list that ends in 2038.
    assert all("RRULE:FREQ=YEARLY;BYDAY=-1SU;BYMONTH=3" in text for text in ics)
    assert not any("RDATE" in text or "2038" in text for text in ics)


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


# --- the organisation's calendar: working days and hours, public holidays, the past -----


def problems_of(interview, when, minutes=60, now=NOW):
    with pytest.raises(ValidationError) as caught:
        interview_schedule(
            interview=interview, by=interview.partner, starts_at=when, duration_minutes=minutes, now=now
        )
    interview.refresh_from_db()
    assert interview.state == Interview.State.PLANNED and interview.starts_at is None
    return caught.value.message_dict


def test_sunday_late_evening_is_refused_for_the_day_and_the_hour(org, interview):
    assert problems_of(interview, at((3, 21), 22, 30)) == {
        "date": ["21 March 2027 is a Sunday, not a working day: meetings are held Monday to Friday."],
        "time": ["Meetings are held between 08:00 and 16:00; this one would run from 22:30 to 23:30."],
    }


def test_saturday_is_refused_as_a_day_off(org, interview):
    assert problems_of(interview, at((3, 20), 10)) == {
        "date": ["20 March 2027 is a Saturday, not a working day: meetings are held Monday to Friday."]
    }


def test_christmas_day_is_refused_with_the_holidays_name(org):
    # 25 December 2028 is a Monday, inside this cycle.
    cycle = CycleFactory(
        units=[org.root],
        opens_on=datetime.date(2028, 11, 1),
        closes_on=datetime.date(2029, 1, 31),
        min_notice_days=14,
        min_length_minutes=60,
    )
    interview = InterviewFactory(cycle=cycle, employee=org.employee, partner=org.manager)
    now = datetime.datetime(2028, 11, 1, 9, 0, tzinfo=OSLO)
    christmas = local_datetime(datetime.date(2028, 12, 25), datetime.time(10))
    assert problems_of(interview, christmas, now=now) == {
        "date": ["25 December is a public holiday (Christmas Day); choose another day."]
    }
    # Easter Monday too; and a Sunday is a Sunday, not a holiday (Norway's list leaves them out).
    assert calendar_rules.public_holiday(datetime.date(2027, 3, 29)) == "Easter Monday"
    assert calendar_rules.public_holiday(datetime.date(2027, 3, 21)) is None


def test_holidays_can_be_turned_off_and_closed_days_added(org, interview, settings):
    settings.HOLIDAYS_COUNTRY = ""
    settings.CLOSED_DAYS = frozenset({datetime.date(2027, 3, 23)})
    assert problems_of(interview, at((3, 23), 10)) == {
        "date": ["The organisation is closed on 23 March 2027; choose another day."]
    }
    schedule(interview, at((3, 29), 10))  # Easter Monday, when no country's holidays count
    interview.refresh_from_db()
    assert interview.state == Interview.State.SCHEDULED


@pytest.mark.parametrize(
    ("when", "minutes", "runs"),
    [(((3, 23), 7, 30), 60, "07:30 to 08:30"), (((3, 23), 15, 30), 60, "15:30 to 16:30")],
)
def test_a_meeting_outside_the_working_hours_is_refused(org, interview, when, minutes, runs):
    assert problems_of(interview, at(*when), minutes=minutes) == {
        "time": [f"Meetings are held between 08:00 and 16:00; this one would run from {runs}."]
    }


def test_the_working_day_from_its_first_to_its_last_minute_is_fine(org, interview):
    other = InterviewFactory(cycle=interview.cycle, employee=org.other_employee, partner=org.manager)
    schedule(interview, at((3, 23), 8))
    schedule(other, at((3, 23), 15))  # ends at 16:00 on the dot


def test_a_time_already_past_is_refused_even_without_notice(org, interview):
    interview.cycle.min_notice_days = 0
    interview.cycle.save()
    assert problems_of(interview, at((3, 1), 8)) == {
        "time": ["Monday 1 March 2027, 08:00 has already passed; choose a later time."]
    }
    schedule(interview, at((3, 1), 10))  # later the same day is fine without notice


def test_a_normal_tuesday_morning_is_booked(org, interview):
    schedule(interview, at((3, 23), 10))
    interview.refresh_from_db()
    assert interview.state == Interview.State.SCHEDULED and interview.starts_at == at((3, 23), 10)


def test_working_days_and_hours_come_from_the_settings(org, interview, settings):
    settings.WORKING_DAYS = (1, 3, 5)
    settings.WORKING_HOURS_START = datetime.time(9)
    settings.WORKING_HOURS_END = datetime.time(15)
    assert problems_of(interview, at((3, 23), 14, 30)) == {
        "date": [
            "23 March 2027 is a Tuesday, not a working day: meetings are held Monday, Wednesday and Friday."
        ],
        "time": ["Meetings are held between 09:00 and 15:00; this one would run from 14:30 to 15:30."],
    }


@pytest.mark.parametrize(
    ("today", "earliest"),
    [
        # Fourteen days on is a Saturday: the Monday after.
        (datetime.date(2027, 3, 6), "2027-03-22"),
        # Fourteen days on is Maundy Thursday: the Tuesday after Easter.
        (datetime.date(2027, 3, 11), "2027-03-30"),
        # Before the cycle opens, its notice counts from today, and the cycle's first day is no sooner.
        (datetime.date(2027, 2, 1), "2027-03-01"),
    ],
)
def test_the_form_offers_only_days_and_times_the_rules_allow(login, org, interview, today, earliest):
    with time_machine.travel(datetime.datetime.combine(today, datetime.time(9), tzinfo=OSLO), tick=False):
        response = login(org.manager).get(reverse("interviews:interview_schedule", args=[interview.pk]))
        form = ScheduleForm(interview=interview)
    page = response.content.decode()
    assert form.earliest_day.isoformat() == earliest
    assert form["date"].field.widget.attrs["min"] == earliest
    assert f'min="{earliest}"' in page and 'max="2027-05-31"' in page
    time_attrs = form["time"].field.widget.attrs
    assert (time_attrs["min"], time_attrs["max"]) == ("08:00", "15:00")
    assert form["duration_minutes"].field.widget.attrs["min"] == 60
    day = datetime.date.fromisoformat(earliest)
    assert (
        f"Monday to Friday, 08:00–16:00, not on public holidays; the earliest date is "
        f"{day.day} {day:%B} {day.year}; at least 60 minutes long."
    ) in page


def test_the_form_refuses_a_length_below_the_cycles_least(org, interview):
    data = {"date": "2027-03-23", "time": "10:00", "duration_minutes": 30, "version": interview.version}
    with time_machine.travel(NOW, tick=False):
        form = ScheduleForm(data, interview=interview)
        assert not form.is_valid()
    assert form.errors == {"duration_minutes": ["The meeting must last at least 60 minutes in this cycle."]}
    with time_machine.travel(NOW, tick=False):
        assert ScheduleForm({**data, "duration_minutes": 60}, interview=interview).is_valid()


def test_moving_the_meeting_says_it_moved(login, org, interview, django_capture_on_commit_callbacks):
    url = reverse("interviews:interview_schedule", args=[interview.pk])
    with time_machine.travel(NOW, tick=False), django_capture_on_commit_callbacks(execute=True):
        client = login(org.manager)  # inside the frozen day, or the session has long expired
        booked = client.post(
            url,
            {"date": "2027-03-22", "time": "10:00", "duration_minutes": 60, "version": interview.version},
            follow=True,
        )
        interview.refresh_from_db()
        moved = client.post(
            url,
            {"date": "2027-03-23", "time": "13:00", "duration_minutes": 60, "version": interview.version},
            follow=True,
        )
    assert "The meeting is booked; both of you get a calendar invitation by email." in booked.content.decode()
    assert (
        "The meeting is moved to Tuesday 23 March 2027, 13:00; both of you get an updated calendar "
        "invitation by email."
    ) in moved.content.decode()
    assert "Moved:" in mail.outbox[-1].subject


def test_the_demo_books_its_talks_on_working_days_within_hours(db, capsys, monkeypatch):
    # The summaries' PDFs are what the demo spends its time on, and nothing here reads them.
    monkeypatch.setattr("interviews.pdf.render_summary_pdf", lambda record: b"%PDF-1.7 stand-in")
    # A day whose two demo cycles hold Easter, May Day, Ascension and Constitution Day.
    with time_machine.travel(datetime.datetime(2027, 4, 20, 9, 0, tzinfo=OSLO), tick=False):
        call_command("seed_demo", employees=60)
        now = timezone.now()
    booked = Interview.objects.filter(starts_at__isnull=False)
    assert booked.count() > 20
    opens, closes = calendar_rules.working_hours()
    for meeting in booked:
        start, end = timezone.localtime(meeting.starts_at), timezone.localtime(meeting.ends_at)
        assert calendar_rules.is_working_day(start.date()), (start, meeting.state)
        assert opens <= start.time() and end.time() <= closes and end.date() == start.date(), (start, end)
        assert (meeting.starts_at < now) == (meeting.state != Interview.State.SCHEDULED), meeting.state


def test_a_meeting_across_the_change_to_summer_time_ends_an_hour_of_real_time_later():
    """01:30 on the last Sunday of March plus an hour is 03:30 on the clock (02:00 becomes 03:00)."""
    starts = datetime.datetime(2027, 3, 28, 1, 30, tzinfo=OSLO)
    interview = Interview(starts_at=starts, duration_minutes=60)
    assert interview.ends_at == datetime.datetime(
        2027, 3, 28, 1, 30, tzinfo=datetime.UTC
    )  # 00:30Z plus an hour
    assert interview.ends_at.astimezone(OSLO).time() == datetime.time(3, 30)
