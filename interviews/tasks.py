"""Periodic work for interviews: the reminder sweep (scheduled in config/celery.py)."""

import datetime

from celery import shared_task
from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from goals.models import AgreedAction
from interviews.handoffs import signature_reminders
from interviews.models import Cycle, Interview
from people.models import ReminderDelivery, User
from people.reminders import Reminder, deliveries_create, deliveries_due, deliveries_queue, in_language

# Managers are nudged to book once a cycle has been open this long, then weekly.
SCHEDULING_GRACE = datetime.timedelta(weeks=3)
ACTION_LEAD_DAYS = 7


def prep_reminders(now: datetime.datetime, interviews=None, *, nudge: str = "") -> list[Reminder]:
    """To each party whose prep form is not shared, from the cycle's lead time before the meeting.

    An HR nudge (nudge names its occasion) reminds now, whatever the lead time, the parties
    of the given interviews only.
    """
    today = timezone.localdate(now)
    found = []
    interviews = (
        (Interview.objects.all() if interviews is None else interviews)
        .filter(state=Interview.State.SCHEDULED, cycle__state=Cycle.State.OPEN, starts_at__gt=now)
        .select_related("cycle", "employee", "partner")
    )
    for interview in interviews:
        meeting_day = timezone.localdate(interview.starts_at)
        if not nudge and (meeting_day - today).days > interview.cycle.prep_reminder_days:
            continue
        url = reverse("interviews:interview_detail", args=[interview.pk])
        for role, person, other, shared in (
            ("employee", interview.employee, interview.partner, interview.employee_shared),
            ("manager", interview.partner, interview.employee, interview.manager_shared),
        ):
            if shared:
                continue
            with in_language(person):
                when = date_format(timezone.localtime(interview.starts_at), "DATETIME_FORMAT")
                found.append(
                    Reminder(
                        kind=ReminderDelivery.Kind.PREP,
                        about=f"interview:{interview.pk}",
                        occasion=nudge or f"prep-{role}-{interview.starts_at:%Y%m%d%H%M}",
                        recipient_id=person.pk,
                        subject=_("Prepare for your interview with %(other)s on %(when)s")
                        % {"other": other, "when": when},
                        body=_(
                            "Your performance assessment interview with %(other)s is on %(when)s. Your preparation "
                            "is not shared yet: fill in the seven sections and share it, so that you both come "
                            "prepared."
                        )
                        % {"other": other, "when": when},
                        url=url,
                    )
                )
    return found


def scheduling_reminders(now: datetime.datetime, interviews=None, *, nudge: str = "") -> list[Reminder]:
    """To managers with interviews still to book some weeks into an open cycle; at most weekly.

    An HR nudge reminds now, whatever the grace period, about the given interviews only.
    """
    year, week, _weekday = timezone.localdate(now).isocalendar()
    interviews = Interview.objects.all() if interviews is None else interviews
    if not nudge:
        interviews = interviews.filter(cycle__launched_at__lte=now - SCHEDULING_GRACE)
    rows = (
        interviews.filter(state=Interview.State.PLANNED, cycle__state=Cycle.State.OPEN)
        .values("cycle_id", "cycle__name", "partner_id")
        .annotate(count=Count("pk"))
        .order_by()
    )
    people = {u.pk: u for u in User.objects.filter(pk__in={row["partner_id"] for row in rows})}
    found = []
    for row in rows:
        person = people[row["partner_id"]]
        with in_language(person):
            found.append(
                Reminder(
                    kind=ReminderDelivery.Kind.SCHEDULING,
                    about=f"cycle:{row['cycle_id']}",
                    occasion=nudge or f"week-{year}-{week:02d}",
                    recipient_id=person.pk,
                    subject=ngettext(
                        "%(count)d interview in %(cycle)s still to book",
                        "%(count)d interviews in %(cycle)s still to book",
                        row["count"],
                    )
                    % {"count": row["count"], "cycle": row["cycle__name"]},
                    body=ngettext(
                        "You have %(count)d performance assessment interview in %(cycle)s without a meeting yet. "
                        "Book it in My interviews.",
                        "You have %(count)d performance assessment interviews in %(cycle)s without a meeting yet. "
                        "Book them in My interviews.",
                        row["count"],
                    )
                    % {"count": row["count"], "cycle": row["cycle__name"]},
                    url=reverse("interviews:my_interviews"),
                )
            )
    return found


def action_reminders(now: datetime.datetime) -> list[Reminder]:
    """To the owner a week before the due date, then weekly while overdue, until done, dropped or reviewed.

    The message says that an action is due and links to it; what was agreed is read on My
    actions after signing in, never in a mail server, the admin or a phone's lock screen.
    """
    today = timezone.localdate(now)
    rows = (
        AgreedAction.objects.filter(
            status__in=(AgreedAction.Status.OPEN, AgreedAction.Status.IN_PROGRESS),
            reviewed_at__isnull=True,
            due_on__lte=today + datetime.timedelta(days=ACTION_LEAD_DAYS),
        )
        .values_list("pk", "due_on", "owner_id", "owner__language")
        .order_by("owner__language", "pk")
    )
    url = reverse("goals:my_actions")
    found = []
    language = None
    # One language switch per language, not per action (a sweep may cover 100,000 actions);
    # override() gives the caller its own language back afterwards.
    with translation.override(settings.LANGUAGE_CODE):
        for pk, due_on, owner_id, owner_language in rows.iterator(chunk_size=5000):
            if owner_language != language:
                language = owner_language
                translation.activate(language or settings.LANGUAGE_CODE)
                due_text = _("An agreed action is due on %(date)s")
                overdue_text = _("An agreed action is overdue since %(date)s")
                due_body = _(
                    "An action you agreed to in a performance assessment interview is due on %(date)s. "
                    "Open My actions to read it and update its status."
                )
                overdue_body = _(
                    "An action you agreed to in a performance assessment interview was due on %(date)s and "
                    "is not marked done. Open My actions to read it and update its status: done, still in "
                    "progress, or dropped."
                )
            occasion = "due" if due_on >= today else f"overdue-{(today - due_on).days // 7}"
            due = {"date": date_format(due_on)}
            found.append(
                Reminder(
                    kind=ReminderDelivery.Kind.ACTION,
                    about=f"action:{pk}",
                    occasion=occasion,
                    recipient_id=owner_id,
                    subject=(due_text if occasion == "due" else overdue_text) % due,
                    body=(due_body if occasion == "due" else overdue_body) % due,
                    url=f"{url}#action-{pk}",
                )
            )
    return found


@shared_task(acks_late=True)
def reminders_sweep() -> dict[str, int]:
    """Find what is due, record each delivery once, and queue the sending after commit.

    Safe to run twice or at the same time as another sweep: the deliveries' unique
    constraint and the claim in deliver_reminder keep every reminder to one send.
    """
    now = timezone.now()
    with transaction.atomic():
        reminders = (
            prep_reminders(now) + scheduling_reminders(now) + action_reminders(now) + signature_reminders(now)
        )
        created = deliveries_create(reminders)
        due = deliveries_due(now)
        deliveries_queue(due)
    return {"due": len(reminders), "new": len(created), "queued": len(due)}
