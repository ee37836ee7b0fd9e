import logging
import smtplib
from email.mime.text import MIMEText

from celery import shared_task

from people.mail import email_message
from people.reminders import MAX_ATTEMPTS, delivery_claim, delivery_failed, delivery_send

logger = logging.getLogger(__name__)


@shared_task(
    acks_late=True,
    autoretry_for=(smtplib.SMTPException, ConnectionError, TimeoutError),
    retry_backoff=30,
    retry_backoff_max=3600,
    max_retries=8,
)
def send_email(
    *,
    subject: str,
    body: str,
    to: list[str],
    html: str | None = None,
    calendar: dict | None = None,
    language: str | None = None,
) -> None:
    """Send one email outside the web request, so a slow mail server never holds a page.

    calendar, if given, is {"method": "REQUEST" or "CANCEL", "content": iCalendar text,
    optionally "filename"},
    attached as text/calendar with its method, which mail clients need to offer
    "accept" or to remove the event. Retried with back-off on transient failures; after
    the last retry Celery logs the failure with the task's arguments. language: the
    recipient's, which the body is written in; the HTML part and the sender's name follow
    it (people/mail.py builds every message).
    """
    attachments = []
    if calendar:
        part = MIMEText(calendar["content"], "calendar", "utf-8")
        part.set_param("method", calendar["method"])
        default = "cancel.ics" if calendar["method"] == "CANCEL" else "invite.ics"
        filename = calendar.get("filename") or default
        part.add_header("Content-Disposition", "attachment", filename=filename)
        attachments.append(part)
    email_message(
        subject=subject, body=body, to=to, language=language, html=html, attachments=attachments
    ).send()


@shared_task(bind=True, acks_late=True, reject_on_worker_lost=True, max_retries=5)
def deliver_reminder(self, delivery_id: int) -> str:
    """Send one reminder at most once: claim it in the database first, then send."""
    delivery = delivery_claim(delivery_id)
    if delivery is None:
        return "not claimed"
    try:
        delivery_send(delivery)
    except (smtplib.SMTPException, ConnectionError, TimeoutError, OSError) as exc:
        final = delivery.attempts >= MAX_ATTEMPTS or self.request.retries >= self.max_retries
        delivery_failed(delivery_id, repr(exc), final=final)
        if final:
            logger.error("Reminder %s failed for good: %r", delivery_id, exc)
            return "failed"
        # Short, capped waits: no long countdowns sitting in the broker.
        raise self.retry(exc=exc, countdown=min(300, 30 * 2**self.request.retries)) from exc
    return "sent"


@shared_task(acks_late=True)
def queue_reminders(delivery_ids: list[int]) -> int:
    """Fan out: one deliver_reminder task per delivery, published over one connection."""
    with deliver_reminder.app.producer_or_acquire() as producer:
        for delivery_id in delivery_ids:
            deliver_reminder.apply_async(args=[delivery_id], producer=producer)
    return len(delivery_ids)


def queue_email(**message) -> None:
    """Queue an email for the worker; if the broker is down, send it here and now instead.

    A web request that saved something must not fail, and its email must not be lost,
    because Redis is away: the page gets slower for a moment, and that is all.
    """
    try:
        send_email.delay(**message)
    except Exception:  # noqa: BLE001 - any broker failure: fall back to sending in-process
        logger.warning("Broker unavailable; sending an email in the web process.", exc_info=True)
        send_email.apply(kwargs=message)
