"""Hand-offs: where one party's step waits for the other, the other is told (bell and email).

Each message goes through the reminders' exactly-once deliveries (people/reminders.py), so
a repeated click, a retried task or a second sweep tells nobody twice, and nobody gets the
same kind of message about the same matter twice on one day. Like every reminder they say
what needs doing and link to it: never a word that was written for the talk.
"""

import datetime

from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from interviews.models import Interview, InterviewRecord
from people.models import Notification, ReminderDelivery, User
from people.reminders import Reminder, deliveries_create, deliveries_queue, in_language
from people.selectors import nav_forget

# The record waits for the employee's signature: they are reminded this many days after
# the manager signed, once each.
SIGNATURE_REMINDER_DAYS = (3, 7)


def when_text(moment: datetime.datetime) -> str:
    """A moment as the recipient reads it: their language's date and time, the organisation's zone."""
    return date_format(timezone.localtime(moment), "DATETIME_FORMAT")


def _stamp(moment: datetime.datetime) -> str:
    return f"{moment:%Y%m%d%H%M%S}"


def _record_url(interview: Interview, anchor: str = "") -> str:
    return reverse("interviews:record", args=[interview.pk]) + (f"#{anchor}" if anchor else "")


def _tell(reminders: list[Reminder]) -> None:
    """Record the deliveries now and queue their sending when the transaction commits."""
    deliveries_queue(deliveries_create(reminders))


def _signature_waiting(interview: Interview, record: InterviewRecord, *, occasion: str) -> Reminder:
    employee, manager = interview.employee, interview.partner
    with in_language(employee):
        names = {"manager": manager, "cycle": interview.cycle.name}
        if occasion.startswith("signed-"):
            subject = _("Your signature is waiting: the record of your interview with %(manager)s") % names
            body = (
                _(
                    "%(manager)s has signed the record of your performance assessment interview in %(cycle)s. "
                    "Read it and sign it; you can add a comment, also where you disagree."
                )
                % names
            )
        else:
            names["date"] = date_format(timezone.localtime(record.manager_signed_at), "DATE_FORMAT")
            subject = (
                _("Reminder: the record of your interview with %(manager)s waits for your signature") % names
            )
            body = (
                _(
                    "%(manager)s signed the record of your performance assessment interview in %(cycle)s on "
                    "%(date)s. It is final only when you have signed it too: read it and sign, with a comment "
                    "where you disagree."
                )
                % names
            )
    return Reminder(
        kind=ReminderDelivery.Kind.SIGNATURE,
        about=f"record:{record.pk}",
        occasion=occasion,
        recipient_id=employee.pk,
        subject=subject,
        body=body,
        url=_record_url(interview, "sign"),
    )


def handoff_manager_signed(*, interview: Interview, record: InterviewRecord) -> None:
    """The manager signed: the employee's signature is what the record waits for now."""
    _tell([_signature_waiting(interview, record, occasion=f"signed-{_stamp(record.manager_signed_at)}")])


def handoff_employee_signed(*, interview: Interview, record: InterviewRecord) -> None:
    """The employee signed (the record is locked): the manager learns it, and whether they commented."""
    employee, manager = interview.employee, interview.partner
    with in_language(manager):
        names = {"employee": employee, "cycle": interview.cycle.name}
        if record.employee_disagrees:
            subject = _("%(employee)s has signed the record of your interview and disagrees with part of it")
            said = _("%(employee)s does not agree with all of it: read their comment on the record page.")
        elif record.employee_comment:
            subject = _("%(employee)s has signed the record of your interview, with a comment")
            said = _("%(employee)s added a comment: read it on the record page.")
        else:
            subject = _("%(employee)s has signed the record of your interview")
            said = ""
        body = _(
            "The record of your performance assessment interview with %(employee)s in %(cycle)s is signed by "
            "both of you and locked. The summary (PDF) is on the record page."
        )
        body = " ".join(part % names for part in (body, said) if part)
        subject = subject % names
    _tell(
        [
            Reminder(
                kind=ReminderDelivery.Kind.HANDOFF,
                about=f"record:{record.pk}:signed",
                occasion="employee-signed",
                recipient_id=manager.pk,
                subject=subject,
                body=body,
                url=_record_url(interview),
            )
        ]
    )


def handoff_correction_opened(*, interview: Interview, record: InterviewRecord, previous: int) -> None:
    """The manager opened a correction: the employee learns that a new version is on its way."""
    employee = interview.employee
    with in_language(employee):
        names = {
            "manager": interview.partner,
            "cycle": interview.cycle.name,
            "number": record.number,
            "previous": previous,
        }
        subject = _("%(manager)s has opened a correction of your interview record") % names
        body = (
            _(
                "%(manager)s has opened version %(number)d of the record of your performance assessment "
                "interview in %(cycle)s. When they have signed it, you read it and sign it again; until then "
                "version %(previous)d stays in force."
            )
            % names
        )
    _tell(
        [
            Reminder(
                kind=ReminderDelivery.Kind.HANDOFF,
                about=f"record:{record.pk}:correction",
                occasion="opened",
                recipient_id=employee.pk,
                subject=subject,
                body=body,
                url=_record_url(interview),
            )
        ]
    )


def handoff_prep_shared(*, interview: Interview, author: User, reader: User, role: str, at) -> None:
    """One party shared their preparation: the other can read it before they meet."""
    with in_language(reader):
        names = {"author": author, "cycle": interview.cycle.name}
        subject = _("%(author)s has shared their preparation for your interview") % names
        body = (
            _(
                "%(author)s has shared their preparation for your performance assessment interview in "
                "%(cycle)s. Read it before you meet."
            )
            % names
        )
    _tell(
        [
            Reminder(
                kind=ReminderDelivery.Kind.HANDOFF,
                # The author named: a new partner's preparation is news after the old one's.
                about=f"interview:{interview.pk}:prep-{role}-{author.pk}",
                occasion=f"shared-{_stamp(at)}",
                recipient_id=reader.pk,
                subject=subject,
                body=body,
                url=reverse("interviews:interview_detail", args=[interview.pk]) + "#prep-heading",
            )
        ]
    )


def signature_reminders(now: datetime.datetime) -> list[Reminder]:
    """To employees whose record the manager signed 3 and 7 days ago and who have not signed.

    One read of the records waiting that long (few at any time: a record waits days, not
    months), with their interviews' two parties.
    """
    today = timezone.localdate(now)
    first = min(SIGNATURE_REMINDER_DAYS)
    waiting = InterviewRecord.objects.filter(
        locked_at__isnull=True,
        manager_signed_at__isnull=False,
        manager_signed_at__lte=now - datetime.timedelta(days=first),
        interview__state__in=(Interview.State.HELD, Interview.State.SIGNED),
    ).select_related("interview__employee", "interview__partner", "interview__cycle")
    found = []
    for record in waiting.defer("content"):
        days = (today - timezone.localdate(record.manager_signed_at)).days
        # The latest mark reached: after a sweep missed for a week, one reminder, not two.
        reached = [mark for mark in SIGNATURE_REMINDER_DAYS if days >= mark]
        if not reached:
            continue
        occasion = f"waiting-{reached[-1]}-{_stamp(record.manager_signed_at)}"
        found.append(_signature_waiting(record.interview, record, occasion=occasion))
    return found


def handoff_meeting_booked(*, interview: Interview, moved: bool) -> None:
    """The manager booked or moved the meeting: the employee's bell says so.

    Only the bell: the email is the calendar invitation itself (interviews/invitations.py),
    which carries the time and place.
    """
    employee = interview.employee
    with in_language(employee):
        names = {"manager": interview.partner, "when": when_text(interview.starts_at)}
        subject = (
            _("%(manager)s has moved your interview to %(when)s")
            if moved
            else _("%(manager)s has booked your interview for %(when)s")
        ) % names
    Notification.objects.create(
        user=employee,
        subject=subject[:300],
        url=reverse("interviews:interview_detail", args=[interview.pk]),
    )
    transaction.on_commit(lambda: nav_forget(employee.pk))
