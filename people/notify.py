"""Emails people get about their own account (not reminders: those are people/reminders.py)."""

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from people.models import User
from people.tasks import queue_email


def password_set_notice(user: User) -> None:
    """Tell a person that an administrator set their password, once that is committed.

    With it the administrator could sign in as them; the person hears of it at once, and
    the audit log keeps who did it.
    """
    with translation.override(user.language or settings.LANGUAGE_CODE):
        link = settings.SITE_URL.rstrip("/") + reverse("password_reset")
        message = {
            "subject": _("An administrator set a new password for your account"),
            "body": _(
                "An administrator has set a new password for your account in the performance assessment "
                "interviews. If you did not ask for this, choose a new password of your own and tell your "
                "HR department:\n\n%(url)s\n"
            )
            % {"url": link},
            "to": [user.email],
            "language": user.language,
        }
    transaction.on_commit(lambda: queue_email(**message))


def email_changed_notice(user: User, *, old_email: str) -> None:
    """Tell the old address that an administrator gave the account a new one, once committed."""
    with translation.override(user.language or settings.LANGUAGE_CODE):
        message = {
            "subject": _("The email address of your account was changed"),
            "body": _(
                "An administrator has changed the email address of your account in the performance "
                "assessment interviews to %(email)s. Sign-ins and password resets now go to that address. "
                "If this is not right, tell your HR department.\n"
            )
            % {"email": user.email},
            "to": [old_email],
            "language": user.language,
        }
    transaction.on_commit(lambda: queue_email(**message))
