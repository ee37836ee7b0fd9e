"""Calendar invitations for interview meetings (iCalendar, RFC 5545 / iTIP RFC 5546).

One event per interview: the same UID for its whole life, SEQUENCE raised on every change,
so calendars move or cancel the event they already have instead of adding another.
"""

import datetime

import icalendar
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import pgettext

from interviews.models import Interview
from interviews.vtimezone import vtimezone
from people.models import User
from people.spreadsheets import file_slug
from people.tasks import queue_email

PRODID = "-//Appraisal//Performance assessment interviews//EN"


def event_uid(interview: Interview) -> str:
    return f"interview-{interview.ics_uid}@appraisal"


def interview_ics(interview: Interview, *, method: str) -> str:
    """The invitation (METHOD:REQUEST) or cancellation (METHOD:CANCEL) as iCalendar text.

    Written in the active language; times carry the organisation's time zone with a
    rule-based VTIMEZONE (see interviews/vtimezone.py), so a calendar shows the meeting in
    the zone it was booked in and moves it right across daylight saving changes. Where the
    zone's changes follow no yearly rule, the times are in UTC instead: valid, and read
    right by every client, only without the organisation's zone name.
    """
    tz = timezone.get_default_timezone()
    zone = vtimezone(tz, interview.starts_at.astimezone(tz).year) if hasattr(tz, "key") else None
    shown_in = tz if zone is not None else datetime.UTC
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("method", method)
    if zone is not None:
        cal.add_component(zone)
    event = icalendar.Event()
    event.add("uid", event_uid(interview))
    event.add("sequence", interview.ics_sequence)
    event.add("dtstamp", timezone.now().astimezone(datetime.UTC))
    # The end in UTC first: adding minutes to a local time is wall-clock arithmetic in
    # Python, which puts a meeting across the clock change an hour off.
    starts_at = interview.starts_at.astimezone(datetime.UTC)
    ends_at = starts_at + datetime.timedelta(minutes=interview.duration_minutes or 0)
    event.add("dtstart", starts_at.astimezone(shown_in))
    event.add("dtend", ends_at.astimezone(shown_in))
    summary = _("Performance assessment interview: %(employee)s and %(partner)s") % {
        "employee": interview.employee,
        "partner": interview.partner,
    }
    event.add("summary", summary)
    if interview.place:
        event.add("location", interview.place)
    # Private: a shared or delegated calendar shows the slot as busy, not what it is. The
    # event carries the time, the place, a link and the note written for the invitation;
    # nothing written for the talk itself.
    event.add("class", "PRIVATE")
    link = settings.SITE_URL.rstrip("/") + reverse("interviews:interview_detail", args=[interview.pk])
    event.add("url", link)
    description = [_("Interview in %(cycle)s.") % {"cycle": interview.cycle}]
    if interview.note:
        description.append(interview.note)
    description.append(_("See the interview: %(url)s") % {"url": link})
    event.add("description", "\n\n".join(description))
    organizer = icalendar.vCalAddress(f"mailto:{interview.partner.email}")
    organizer.params["cn"] = icalendar.vText(str(interview.partner))
    event.add("organizer", organizer)
    # Both take part: the partner chairs and has accepted by booking, the employee is asked.
    for person, role, partstat in (
        (interview.partner, "CHAIR", "ACCEPTED"),
        (interview.employee, "REQ-PARTICIPANT", "NEEDS-ACTION"),
    ):
        attendee = icalendar.vCalAddress(f"mailto:{person.email}")
        attendee.params["cn"] = icalendar.vText(str(person))
        attendee.params["role"] = icalendar.vText(role)
        attendee.params["partstat"] = icalendar.vText(partstat)
        if partstat == "NEEDS-ACTION":
            attendee.params["rsvp"] = icalendar.vText("TRUE")
        event.add("attendee", attendee)
    if method == "CANCEL":
        event.add("status", "CANCELLED")
    else:
        event.add("status", "CONFIRMED")
        minutes = settings.INVITATION_ALARM_MINUTES
        if minutes > 0:
            alarm = icalendar.Alarm()
            alarm.add("action", "DISPLAY")
            alarm.add("description", summary)
            alarm.add("trigger", datetime.timedelta(minutes=-minutes))
            event.add_component(alarm)
    cal.add_component(event)
    return cal.to_ical().decode()


def interview_ics_filename(interview: Interview, *, method: str) -> str:
    """The calendar file's name in the active language, with the meeting's date.

    Everyone's downloads and attachments used to be "interview.ics"; the date tells two
    invitations apart in a downloads folder.
    """
    day = timezone.localtime(interview.starts_at).date().isoformat()
    if method == "CANCEL":
        word = pgettext("file name", "cancelled interview")
    else:
        word = pgettext("file name", "interview")
    return f"{file_slug(word) or 'interview'}-{day}.ics"


def _message(interview: Interview, recipient: User, *, method: str, kind: str) -> dict:
    """Subject, body and calendar for one recipient, in that recipient's language."""
    with translation.override(recipient.language or settings.LANGUAGE_CODE):
        when = date_format(timezone.localtime(interview.starts_at), "DATETIME_FORMAT")
        other = interview.partner if recipient.pk == interview.employee_id else interview.employee
        if kind == "scheduled":
            subject = _("Performance assessment interview with %(other)s, %(when)s") % {
                "other": other,
                "when": when,
            }
            lead = _(
                "Your performance assessment interview with %(other)s is booked for %(when)s (%(minutes)d minutes)."
            )
        elif kind == "rescheduled":
            subject = _("Moved: performance assessment interview with %(other)s, now %(when)s") % {
                "other": other,
                "when": when,
            }
            lead = _(
                "Your performance assessment interview with %(other)s has moved to %(when)s (%(minutes)d minutes)."
            )
        else:
            subject = _("Cancelled: performance assessment interview with %(other)s, %(when)s") % {
                "other": other,
                "when": when,
            }
            lead = _(
                "The meeting for your performance assessment interview with %(other)s on %(when)s is cancelled."
            )
        lines = [lead % {"other": other, "when": when, "minutes": interview.duration_minutes or 0}]
        if kind != "cancelled" and interview.place:
            lines.append(_("Place: %(place)s") % {"place": interview.place})
        if kind != "cancelled" and interview.note:
            lines.append(interview.note)
        if kind == "cancelled" and interview.reason:
            lines.append(_("Reason: %(reason)s") % {"reason": interview.reason})
        path = reverse("interviews:interview_detail", args=[interview.pk])
        lines.append(_("See the interview: %(url)s") % {"url": settings.SITE_URL.rstrip("/") + path})
        return {
            "subject": subject,
            "body": "\n\n".join(lines) + "\n",
            "to": [recipient.email],
            "language": recipient.language,
            "calendar": {
                "method": method,
                "content": interview_ics(interview, method=method),
                "filename": interview_ics_filename(interview, method=method),
            },
        }


def invitations_send_on_commit(interview: Interview, *, kind: str) -> None:
    """Queue the invitation (or cancellation) for both parties once the change is committed.

    The messages are written now, from the state this transaction saw, so that a later
    change cannot make an earlier email carry the wrong time.
    """
    method = "CANCEL" if kind == "cancelled" else "REQUEST"
    messages = [
        _message(interview, person, method=method, kind=kind)
        for person in (interview.partner, interview.employee)
    ]

    def queue():
        for message in messages:
            queue_email(**message)

    transaction.on_commit(queue)
