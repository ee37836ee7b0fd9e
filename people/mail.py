"""Every outgoing email is built here, whoever writes it (people/tasks.py sends it).

Callers write a subject and a plain-text body in the recipient's language; this adds what
mail clients need to show it well and to treat it as what it is: an HTML twin of the text
(multipart/alternative), a sender with a display name, a Message-ID on the site's domain,
and the RFC 3834 marks that keep out-of-office replies and auto-forwarding rules away.
"""

import re
from email.utils import formataddr, parseaddr
from urllib.parse import urlsplit

from django.conf import settings
from django.core.mail import EmailMultiAlternatives, make_msgid
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.translation import gettext as _

URL = re.compile(r"https?://[^\s<>\"]+")
# Punctuation that ends a sentence after a link rather than belonging to it.
TRAILING = ".,;:!?)]}'\"»”"


def site_url(path: str = "/") -> str:
    """An absolute link on SITE_URL: emails are read outside any request, on any device."""
    return settings.SITE_URL.rstrip("/") + path


def site_domain() -> str:
    return urlsplit(settings.SITE_URL).hostname or "localhost"


def _pieces(line: str) -> list[dict]:
    """A line as text and links. Only links on SITE_URL become links: an address someone
    typed into a note stays text, so the HTML never points anywhere the app does not."""
    pieces, at = [], 0
    own = settings.SITE_URL.rstrip("/")
    for match in URL.finditer(line):
        url = match.group().rstrip(TRAILING)
        start, end = match.start(), match.start() + len(url)
        if not (url == own or url.startswith(own + "/") or url.startswith(own + "?")):
            continue
        if start > at:
            pieces.append({"text": line[at:start]})
        pieces.append({"text": url, "href": url})
        at = end
    if at < len(line):
        pieces.append({"text": line[at:]})
    return pieces


def html_paragraphs(body: str) -> list[dict]:
    """The text's paragraphs (blank-line separated) as lines of pieces; a paragraph that is
    just one link is shown as a button. The template escapes every piece."""
    paragraphs = []
    for block in re.split(r"\n\s*\n", body.strip()):
        lines = [_pieces(line) for line in block.splitlines() if line.strip()]
        if not lines:
            continue
        button = len(lines) == 1 and len(lines[0]) == 1 and "href" in lines[0][0]
        paragraphs.append({"lines": lines, "button": lines[0][0] if button else None})
    return paragraphs


def sender() -> str:
    """DEFAULT_FROM_EMAIL with a display name: EMAIL_FROM_NAME, or the app's name in the
    active language. A DEFAULT_FROM_EMAIL that carries its own name keeps it."""
    name, address = parseaddr(settings.DEFAULT_FROM_EMAIL)
    if name:
        return settings.DEFAULT_FROM_EMAIL
    return formataddr((settings.EMAIL_FROM_NAME or _("Performance assessment interviews"), address))


def email_message(
    *,
    subject: str,
    body: str,
    to: list[str],
    language: str | None = None,
    html: str | None = None,
    attachments: list | None = None,
) -> EmailMultiAlternatives:
    """The email as it goes out, its frame (HTML, sender name) in the recipient's language.

    attachments: MIME parts (the calendar invitation) added after the two alternatives.
    """
    language = language if language in dict(settings.LANGUAGES) else settings.LANGUAGE_CODE
    with translation.override(language):
        if html is None:
            html = render_to_string(
                "email/message.html",
                {
                    "subject": subject,
                    "paragraphs": html_paragraphs(body),
                    "language": language,
                    "site_url": site_url(),
                },
            )
        message = EmailMultiAlternatives(
            subject=subject,
            body=body,
            from_email=sender(),
            to=to,
            headers={
                "Message-ID": make_msgid(domain=site_domain()),
                # RFC 3834: written by the app, not by a person; auto-responders stay silent.
                "Auto-Submitted": "auto-generated",
                # Exchange's equivalent: no out-of-office or read receipts back.
                "X-Auto-Response-Suppress": "All",
                "Content-Language": language,
            },
        )
    message.attach_alternative(html, "text/html")
    for part in attachments or []:
        message.attach(part)
    return message
