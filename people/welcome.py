"""Welcome emails: HR invites imported people who have never signed in to set a password.

The import gives nobody a password (people/importing.py); until single sign-on comes, this
is how people get in without finding "forgot your password" on their own. The link is
Django's password-reset link, valid PASSWORD_RESET_TIMEOUT (three days by default) and
spent once the password is set. What is sent is audited, never the link itself.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.db import transaction
from django.db.models import QuerySet
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode
from django.utils.translation import gettext as _

from people.audit import audit
from people.models import User, WelcomeEmail
from people.tasks import queue_email

# At most this many emails from one request: a unit of thousands is invited in parts (each
# click the next part: those sent one are not due again while its link holds), so that one
# click neither floods the mail server nor holds a request for long.
WELCOME_BATCH = 500


def welcome_offered() -> bool:
    """Whether HR invites people by email to set a password: not where passwords are off
    (PASSWORD_LOGIN) and people sign in at their organisation's identity provider."""
    return settings.PASSWORD_LOGIN


def never_signed_in(people: QuerySet[User]) -> QuerySet[User]:
    """The active people among these who have never signed in and can be written to."""
    return (
        people.filter(is_active=True, last_login__isnull=True).exclude(email="").exclude(employee_number="")
    )


def _message(person: User) -> dict:
    uid = urlsafe_base64_encode(force_bytes(person.pk))
    token = default_token_generator.make_token(person)
    link = settings.SITE_URL.rstrip("/") + reverse("password_reset_confirm", args=[uid, token])
    days = max(1, settings.PASSWORD_RESET_TIMEOUT // 86400)
    with translation.override(person.language or settings.LANGUAGE_CODE):
        return {
            "subject": _("Welcome to the performance assessment interviews"),
            "body": _(
                "Hello %(name)s,\n\n"
                "Your organisation prepares and holds its performance assessment interviews here. "
                "Choose a password for your account (%(email)s) with this link, within %(days)d days:\n\n"
                "%(url)s\n\n"
                "Afterwards you sign in at %(site)s with your email address. If the link has expired, "
                "use “Forgot your password?” on the sign-in page.\n"
            )
            % {
                "name": person.get_short_name() or person.email,
                "email": person.email,
                "days": days,
                "url": link,
                "site": settings.SITE_URL,
            },
            "to": [person.email],
            "language": person.language,
        }


@dataclass
class WelcomeResult:
    sent: int
    left: int  # still to welcome: past this request's batch


def welcome_due(people: QuerySet[User], *, again: bool = False) -> QuerySet[User]:
    """Whom a welcome would go to: those who never signed in, and (unless sent again on
    purpose) were not sent one whose link still holds."""
    due = never_signed_in(people)
    if not again:
        recent = timezone.now() - datetime.timedelta(seconds=settings.PASSWORD_RESET_TIMEOUT)
        due = due.exclude(welcome_emails__sent_at__gte=recent)
    return due


@transaction.atomic
def welcome_send(*, people: QuerySet[User], by: User, request_key: str, again: bool = False) -> WelcomeResult:
    """Send a welcome email to each of these people who is due one (welcome_due), at most
    WELCOME_BATCH in one request, once per request_key. Each is audited and goes out after
    commit. again: a person sent one before whose link still holds gets a new one too."""
    # One request of one HR user at a time: a double click waits, then finds its key used.
    User.objects.select_for_update().filter(pk=by.pk).first()
    if WelcomeEmail.objects.filter(request_key=request_key).exists():
        return WelcomeResult(0, 0)
    due = welcome_due(people, again=again).order_by("pk")
    batch = list(due[:WELCOME_BATCH])
    total = due.count() if len(batch) == WELCOME_BATCH else len(batch)
    WelcomeEmail.objects.bulk_create(
        [WelcomeEmail(person=person, sent_by=by, request_key=request_key) for person in batch]
    )
    for person in batch:
        message = _message(person)
        transaction.on_commit(lambda message=message: queue_email(**message))
        audit("welcome_sent", actor=by, obj=person)
    return WelcomeResult(len(batch), total - len(batch))
