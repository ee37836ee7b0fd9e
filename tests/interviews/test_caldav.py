"""Invitations as a real CalDAV server and a second parser read them.

Radicale (a test dependency, started here on 127.0.0.1 with a temporary storage folder)
gets the invitation, the move and the cancellation of one interview, as a calendar client
files them; after each, the server's own time-range search and vobject (a parser other than
the icalendar library that wrote the file) must put the one event at the right UTC instant.
Nothing outside the test is needed, so this runs wherever the suite runs, CI included.
"""

import base64
import datetime
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import uuid
import zoneinfo

import pytest
import vobject
from django.core import mail

from interviews.forms import local_datetime
from interviews.invitations import interview_ics
from interviews.services import interview_cancel, interview_schedule
from tests.factories import CycleFactory, InterviewFactory

OSLO = zoneinfo.ZoneInfo("Europe/Oslo")
UTC = datetime.UTC
AUTH = "Basic " + base64.b64encode(b"calendar-user:x").decode()


def utc(*args):
    return datetime.datetime(*args, tzinfo=UTC)


# --- the server ---------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture(scope="module")
def radicale(tmp_path_factory):
    """A Radicale server on 127.0.0.1 (no passwords, each user owns their own calendars)."""
    port = _free_port()
    folder = tmp_path_factory.mktemp("radicale")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "radicale",
            "--config",
            "",
            "--server-hosts",
            f"127.0.0.1:{port}",
            "--storage-filesystem-folder",
            str(folder / "collections"),
            "--auth-type",
            "none",
            "--rights-type",
            "owner_only",
            "--logging-level",
            "warning",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _attempt in range(100):
            try:
                _request("GET", base + "/")
                break
            except (urllib.error.URLError, ConnectionError):
                if server.poll() is not None:
                    pytest.fail(f"Radicale did not start: {server.stderr.read().decode()}")
                time.sleep(0.1)
        yield base
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        server.stderr.close()


def _request(method, url, body=None, headers=None):
    request = urllib.request.Request(url, data=body, method=method, headers={"Authorization": AUTH})
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    with urllib.request.urlopen(request, timeout=10) as response:
        return response.status, response.read().decode()


@pytest.fixture
def collection(radicale):
    """A new, empty calendar on the server."""
    url = f"{radicale}/calendar-user/{uuid.uuid4().hex}/"
    status, _body = _request("MKCALENDAR", url)
    assert status == 201
    return url


def file_in_calendar(collection, ics: str) -> str:
    """Store an emailed invitation as a calendar client does when it is accepted or applied.

    The client files the event under its UID, replacing the copy it has; a stored calendar
    object carries no METHOD (RFC 4791 4.1), so that line is left out. A CANCEL is stored as
    the cancelled event (STATUS:CANCELLED), as CalDAV scheduling servers keep an attendee's
    copy (RFC 6638 3.2.2), rather than deleted: Apple Calendar and Thunderbird show it
    struck through until the person removes it.
    """
    stored = "".join(line for line in ics.splitlines(keepends=True) if not line.startswith("METHOD:"))
    uid = vobject.readOne(stored).vevent.uid.value
    status, _body = _request(
        "PUT", collection + f"{uid}.ics", stored.encode(), {"Content-Type": "text/calendar; charset=utf-8"}
    )
    assert status in (201, 204)
    return uid


def events_between(collection, start: datetime.datetime, end: datetime.datetime) -> int:
    """How many events the server itself finds overlapping [start, end) (a time-range query)."""
    fmt = "%Y%m%dT%H%M%SZ"
    query = f"""<?xml version="1.0" encoding="utf-8"?>
<C:calendar-query xmlns:D="DAV:" xmlns:C="urn:ietf:params:xml:ns:caldav">
  <D:prop><D:getetag/></D:prop>
  <C:filter><C:comp-filter name="VCALENDAR"><C:comp-filter name="VEVENT">
    <C:time-range start="{start.strftime(fmt)}" end="{end.strftime(fmt)}"/>
  </C:comp-filter></C:comp-filter></C:filter>
</C:calendar-query>"""
    _status, body = _request(
        "REPORT", collection, query.encode(), {"Depth": "1", "Content-Type": "application/xml"}
    )
    return body.count("<D:href>") + body.count("<href>")


def stored_events(collection) -> list:
    """Every VEVENT in the calendar, as vobject reads the objects the server gives back."""
    _status, body = _request("GET", collection)  # Radicale answers a calendar's GET with all of it
    return list(vobject.readOne(body).vevent_list) if "BEGIN:VEVENT" in body else []


def assert_one_event_at(collection, instant: datetime.datetime, *, status: str, sequence: int):
    (event,) = stored_events(collection)
    assert event.dtstart.value.astimezone(UTC) == instant
    assert event.status.value == status and int(event.sequence.value) == sequence
    # The server's own reading: found in the minute it starts, not in the hour before or
    # after (an hour off is what the RDATE-list VTIMEZONE gave).
    minute = datetime.timedelta(minutes=1)
    hour = datetime.timedelta(hours=1)
    assert events_between(collection, instant, instant + minute) == 1
    assert events_between(collection, instant - hour, instant) == 0
    assert events_between(collection, instant + hour, instant + hour + minute) == 0


# --- the interviews -------------------------------------------------------------------------


def invitation_to(outbox, address: str) -> str:
    """The calendar attached to the last email sent to address."""
    message = next(m for m in reversed(outbox) if m.to == [address])
    part = next(p for p in message.message().walk() if p.get_content_type() == "text/calendar")
    return part.get_payload(decode=True).decode()


SEASONS = {
    # now, cycle opens, cycle closes, booked (local), moved to (local), the UTC instants
    "winter": (
        (2027, 1, 4),
        (2027, 1, 4),
        (2027, 2, 26),
        ((2027, 1, 20), 10),
        ((2027, 1, 21), 13),
        (utc(2027, 1, 20, 9), utc(2027, 1, 21, 12)),
    ),
    "summer": (
        (2027, 5, 31),
        (2027, 5, 31),
        (2027, 6, 30),
        ((2027, 6, 15), 10),
        ((2027, 6, 16), 13),
        (utc(2027, 6, 15, 8), utc(2027, 6, 16, 11)),
    ),
    # Moved from the last week of winter time into the first week of summer time.
    "across the change to summer time": (
        (2027, 3, 1),
        (2027, 3, 1),
        (2027, 5, 31),
        ((2027, 3, 24), 10),
        ((2027, 3, 30), 10),
        (utc(2027, 3, 24, 9), utc(2027, 3, 30, 8)),
    ),
}


@pytest.mark.parametrize("season", SEASONS)
def test_caldav_server_holds_one_event_at_the_right_instant_through_book_move_cancel(
    org, collection, season, django_capture_on_commit_callbacks
):
    now, opens, closes, booked, moved, (first, second) = SEASONS[season]
    cycle = CycleFactory(
        units=[org.root],
        opens_on=datetime.date(*opens),
        closes_on=datetime.date(*closes),
        min_notice_days=14,
        min_length_minutes=60,
    )
    interview = InterviewFactory(cycle=cycle, employee=org.employee, partner=org.manager)
    now = datetime.datetime(*now, 9, 0, tzinfo=OSLO)

    def book(day, hour):
        interview.refresh_from_db()
        with django_capture_on_commit_callbacks(execute=True):
            interview_schedule(
                interview=interview,
                by=org.manager,
                starts_at=local_datetime(datetime.date(*day), datetime.time(hour)),
                duration_minutes=60,
                now=now,
            )

    book(*booked)
    uid = file_in_calendar(collection, invitation_to(mail.outbox, org.employee.email))
    assert_one_event_at(collection, first, status="CONFIRMED", sequence=0)

    book(*moved)
    assert file_in_calendar(collection, invitation_to(mail.outbox, org.employee.email)) == uid
    assert_one_event_at(collection, second, status="CONFIRMED", sequence=1)

    interview.refresh_from_db()
    with django_capture_on_commit_callbacks(execute=True):
        interview_cancel(interview=interview, by=org.manager, reason="Long-term leave")
    cancel = invitation_to(mail.outbox, org.employee.email)
    assert "METHOD:CANCEL" in cancel
    assert file_in_calendar(collection, cancel) == uid
    assert_one_event_at(collection, second, status="CANCELLED", sequence=2)


# --- the instants, as a second parser reads them -----------------------------------------------

INSTANTS = [
    # Oslo local time -> UTC, on both sides of both clock changes and past 2038.
    ((2027, 1, 15, 10, 0), utc(2027, 1, 15, 9)),
    ((2027, 6, 15, 10, 0), utc(2027, 6, 15, 8)),
    ((2027, 3, 27, 10, 0), utc(2027, 3, 27, 9)),  # the Saturday before summer time
    ((2027, 3, 28, 1, 30), utc(2027, 3, 28, 0, 30)),  # half an hour before the clocks go forward
    ((2027, 3, 28, 3, 30), utc(2027, 3, 28, 1, 30)),  # an hour and a half after
    ((2027, 3, 29, 10, 0), utc(2027, 3, 29, 8)),  # the Monday after
    ((2027, 10, 30, 10, 0), utc(2027, 10, 30, 8)),  # the Saturday before winter time
    ((2027, 10, 31, 1, 30), utc(2027, 10, 30, 23, 30)),  # before the clocks go back
    ((2027, 10, 31, 4, 0), utc(2027, 10, 31, 3)),  # after
    ((2027, 11, 1, 10, 0), utc(2027, 11, 1, 9)),  # the Monday after
    ((2040, 6, 15, 10, 0), utc(2040, 6, 15, 8)),  # past icalendar's 2038 RDATE list
    ((2040, 12, 14, 10, 0), utc(2040, 12, 14, 9)),
]


@pytest.mark.parametrize("local, instant", INSTANTS, ids=[str(i) for i, _ in INSTANTS])
def test_second_parser_agrees_on_the_instant(org, local, instant):
    interview = InterviewFactory(
        employee=org.employee,
        partner=org.manager,
        starts_at=datetime.datetime(*local, tzinfo=OSLO),
        duration_minutes=60,
    )
    ics = interview_ics(interview, method="REQUEST")
    assert "RDATE" not in ics and "TZID=Europe/Oslo" in ics
    event = vobject.readOne(ics).vevent
    assert event.dtstart.value.astimezone(UTC) == instant
    assert event.dtend.value.astimezone(UTC) == instant + datetime.timedelta(hours=1)


@pytest.mark.parametrize("zone", ["America/New_York", "Australia/Sydney", "Asia/Tokyo", "Africa/Casablanca"])
def test_second_parser_agrees_in_other_time_zones(org, settings, zone):
    # The organisation's zone is a setting: the rule is read off whichever zone it is, and a
    # zone with no yearly rule (Morocco's clocks follow Ramadan) falls back to UTC times.
    settings.TIME_ZONE = zone
    tz = zoneinfo.ZoneInfo(zone)
    for local in [(2027, 1, 15, 10, 0), (2027, 7, 15, 10, 0), (2041, 1, 15, 10, 0), (2041, 7, 15, 10, 0)]:
        starts_at = datetime.datetime(*local, tzinfo=tz)
        interview = InterviewFactory(
            employee=org.employee, partner=org.manager, starts_at=starts_at, duration_minutes=60
        )
        event = vobject.readOne(interview_ics(interview, method="REQUEST")).vevent
        assert event.dtstart.value.astimezone(UTC) == starts_at.astimezone(UTC), (zone, local)
