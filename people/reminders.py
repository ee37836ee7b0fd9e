"""Reminders that are sent exactly once: claimed in the database before anything is sent.

A sweep (interviews.tasks.reminders_sweep) says what is due as Reminder values; this
module inserts one ReminderDelivery per (kind, about, occasion, recipient), never two,
and queues a task per pending delivery after commit. The task claims the row with a
conditional UPDATE before it sends, so a repeated, retried or concurrent run sends nothing
twice. A delivery left "sending" by a worker that died is taken up again after a while.
"""

import datetime
import logging
from dataclasses import dataclass

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone, translation

from people.mail import email_message, site_url
from people.models import Notification, ReminderDelivery, User
from people.selectors import nav_forget

logger = logging.getLogger(__name__)

# A worker that claimed a delivery and died leaves it "sending"; after this long it is
# considered lost and may be claimed again.
STALE_CLAIM = datetime.timedelta(minutes=15)
MAX_ATTEMPTS = 6

WANTS_EMAIL = {
    ReminderDelivery.Kind.PREP: "remind_prep",
    ReminderDelivery.Kind.SCHEDULING: "remind_scheduling",
    ReminderDelivery.Kind.ACTION: "remind_actions",
}


def in_language(person: User):
    """Build a message in its recipient's language (the organisation's where they chose none)."""
    return translation.override(person.language or settings.LANGUAGE_CODE)


def wants_email(person: User, kind: str) -> bool:
    """Whether a reminder of this kind comes by email as well as in the app.

    Hand-offs (a signature waiting, the other party's news) always do: they are about the
    person's own talk and ask for a step nobody else can take.
    """
    choice = WANTS_EMAIL.get(kind)
    return person.is_active and (choice is None or getattr(person, choice))


@dataclass(frozen=True)
class Reminder:
    kind: str
    about: str
    occasion: str
    recipient_id: int
    subject: str
    body: str
    url: str


def deliveries_create(reminders: list[Reminder]) -> list[int]:
    """Insert the deliveries not made before (bulk, conflicts ignored); returns the new ones' ids."""
    if not reminders:
        return []
    # Find what this insert made, not the whole table twice: new rows are the pending ones
    # created from now on (the status index keeps this small however many were ever sent).
    started = timezone.now()
    # The second unique constraint, on the day, keeps a person to one reminder a day about a
    # matter: an HR nudge at 06:57 and the sweep at 07:07 send "still to book" once.
    day = timezone.localdate(started)
    ReminderDelivery.objects.bulk_create(
        [
            ReminderDelivery(
                kind=r.kind,
                about=r.about,
                occasion=r.occasion,
                recipient_id=r.recipient_id,
                subject=r.subject[:300],
                body=r.body,
                url=r.url[:300],
                day=day,
            )
            for r in reminders
        ],
        batch_size=1000,
        ignore_conflicts=True,
    )
    return list(
        ReminderDelivery.objects.filter(
            status=ReminderDelivery.Status.PENDING, created_at__gte=started
        ).values_list("pk", flat=True)
    )


def deliveries_due(now: datetime.datetime | None = None) -> list[int]:
    """Deliveries to (re)queue: pending ones, and those whose sender died mid-way."""
    now = now or timezone.now()
    return list(
        ReminderDelivery.objects.filter(
            Q(status=ReminderDelivery.Status.PENDING)
            | Q(status=ReminderDelivery.Status.SENDING, claimed_at__lt=now - STALE_CLAIM)
        ).values_list("pk", flat=True)
    )


def delivery_claim(delivery_id: int, now: datetime.datetime | None = None) -> ReminderDelivery | None:
    """Take a delivery for sending, or None if it is sent, failed or being sent by another worker."""
    now = now or timezone.now()
    claimed = ReminderDelivery.objects.filter(
        Q(status=ReminderDelivery.Status.PENDING)
        | Q(status=ReminderDelivery.Status.SENDING, claimed_at__lt=now - STALE_CLAIM),
        pk=delivery_id,
    ).update(status=ReminderDelivery.Status.SENDING, claimed_at=now, attempts=F("attempts") + 1)
    if not claimed:
        return None
    return ReminderDelivery.objects.select_related("recipient").get(pk=delivery_id)


def send_mail(message) -> None:
    """Send a built message; one name to replace where a test makes the mail server fail."""
    message.send()


def delivery_send(delivery: ReminderDelivery) -> None:
    """Show it in the app and, if the person wants it, email it; then mark it sent."""
    Notification.objects.get_or_create(
        delivery=delivery,
        defaults={"user": delivery.recipient, "subject": delivery.subject, "url": delivery.url},
    )
    nav_forget(delivery.recipient_id)  # the bell counts it on the next page
    recipient: User = delivery.recipient
    if wants_email(recipient, delivery.kind):
        message = email_message(
            subject=delivery.subject,
            body=f"{delivery.body}\n\n{site_url(delivery.url)}\n",
            to=[recipient.email],
            language=recipient.language,
        )
        send_mail(message)
    ReminderDelivery.objects.filter(pk=delivery.pk).update(
        status=ReminderDelivery.Status.SENT, sent_at=timezone.now(), last_error=""
    )


def delivery_failed(delivery_id: int, error: str, *, final: bool) -> None:
    """Record a failed attempt: back to pending for the retry, or failed for good (seen in the admin)."""
    ReminderDelivery.objects.filter(pk=delivery_id).update(
        status=ReminderDelivery.Status.FAILED if final else ReminderDelivery.Status.PENDING,
        last_error=error[:2000],
    )


QUEUE_CHUNK = 1000


def deliveries_queue(ids: list[int]) -> None:
    """Queue one task per delivery once the transaction that made them commits.

    The sweep publishes one fan-out task per thousand deliveries, and the workers publish
    the single-delivery tasks in parallel: a first sweep with tens of thousands due stays
    short, and the sending is still one task, one claim, per reminder.
    """
    from people.tasks import queue_reminders

    chunks = [ids[i : i + QUEUE_CHUNK] for i in range(0, len(ids), QUEUE_CHUNK)]

    def queue():
        try:
            for chunk in chunks:
                queue_reminders.delay(chunk)
        except Exception:  # noqa: BLE001 - broker down: the rows stay pending for the next sweep
            logger.warning("Could not queue reminders; the next sweep tries again.", exc_info=True)

    transaction.on_commit(queue)
