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

from interviews.models import Interview
from people.models import User
from people.tasks import queue_email

PRODID = "-//Appraisal//Performance assessment interviews//EN"


def event_uid(interview: Interview) -> str:
    return f"interview-{interview.ics_uid}@appraisal"


def interview_ics(interview: Interview, *, method: str) -> str:
    """The invitation (METHOD:REQUEST) or cancellation (METHOD:CANCEL) as iCalendar text.

    Written in the active language; times carry the organisation's time zone with its
    VTIMEZONE, so calendars in other zones show the right local time.
    """
    tz = timezone.get_default_timezone()
    cal = icalendar.Calendar()
    cal.add("prodid", PRODID)
    cal.add("version", "2.0")
    cal.add("method", method)
    event = icalendar.Event()
    event.add("uid", event_uid(interview))
    event.add("sequence", interview.ics_sequence)
    event.add("dtstamp", timezone.now().astimezone(datetime.UTC))
    event.add("dtstart", interview.starts_at.astimezone(tz))
    event.add("dtend", interview.ends_at.astimezone(tz))
    event.add(
        "summary",
        _("Performance assessment interview: %(employee)s and %(partner)s")
        % {"employee": interview.employee, "partner": interview.partner},
    )
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
    attendee = icalendar.vCalAddress(f"mailto:{interview.employee.email}")
    attendee.params["cn"] = icalendar.vText(str(interview.employee))
    attendee.params["role"] = icalendar.vText("REQ-PARTICIPANT")
    attendee.params["partstat"] = icalendar.vText("NEEDS-ACTION")
    attendee.params["rsvp"] = icalendar.vText("TRUE")
    event.add("attendee", attendee)
    if method == "CANCEL":
        event.add("status", "CANCELLED")
    else:
        event.add("status", "CONFIRMED")
    cal.add_component(event)
    cal.add_missing_timezones()
    return cal.to_ical().decode()


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
            "calendar": {"method": method, "content": interview_ics(interview, method=method)},
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
