import logging
import smtplib

from celery import shared_task
from django.core.mail import EmailMultiAlternatives

logger = logging.getLogger(__name__)


@shared_task(
    acks_late=True,
    autoretry_for=(smtplib.SMTPException, ConnectionError, TimeoutError),
    retry_backoff=30,
    retry_backoff_max=3600,
    max_retries=8,
)
def send_email(*, subject: str, body: str, to: list[str], html: str | None = None) -> None:
    """Send one email outside the web request, so a slow mail server never holds a page.

    Retried with back-off on transient failures; after the last retry Celery logs the
    failure with the task's arguments.
    """
    message = EmailMultiAlternatives(subject=subject, body=body, to=to)
    if html:
        message.attach_alternative(html, "text/html")
    message.send()
