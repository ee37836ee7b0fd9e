"""The signed summary as a PDF (WeasyPrint): A4, PDF/A-3b, rendered from the frozen content."""

import posixpath
from urllib.parse import unquote, urlsplit

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.formats import date_format
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from interviews.sections import SECTIONS

# Documents are rendered with this made-up origin as base URL; only its /static/ files load.
ORIGIN = "https://appraisal.invalid"
ALLOWED_TYPES = {
    ".css": "text/css",
    ".png": "image/png",
    ".svg": "image/svg+xml",
    ".ttf": "font/ttf",
    ".woff2": "font/woff2",
}


class StaticOnlyFetcher(URLFetcher):
    """Serves the project's own static files and refuses everything else.

    No file://, no network, no data: URLs, no path traversal: a summary contains user text,
    and nothing a user types may make the renderer read or attach anything.
    """

    def fetch(self, url, headers=None):
        parts = urlsplit(url)
        if f"{parts.scheme}://{parts.netloc}" != ORIGIN or not parts.path.startswith("/static/"):
            raise ValueError(f"refused: {url[:80]}")
        relative = posixpath.normpath(unquote(parts.path[len("/static/") :]))
        if relative.startswith(("..", "/")) or "\x00" in relative:
            raise ValueError(f"refused: {url[:80]}")
        extension = posixpath.splitext(relative)[1].lower()
        path = finders.find(relative)
        if extension not in ALLOWED_TYPES or not path:
            raise ValueError(f"refused: {url[:80]}")
        with open(path, "rb") as handle:
            return URLFetcherResponse(
                url, body=handle.read(), headers={"Content-Type": ALLOWED_TYPES[extension]}
            )


def _day(iso: str) -> str:
    return date_format(parse_date(iso), "SHORT_DATE_FORMAT")


def _confirmed(signature: dict) -> dict | None:
    """How a signer proved who they were, for the summary: None for versions signed before
    this was kept."""
    confirmed = signature.get("confirmed")
    if not confirmed:
        return None
    at = parse_datetime(confirmed["at"]) if confirmed.get("at") else None
    return {**confirmed, "at": timezone.localtime(at) if at else None}


def render_summary_pdf(record) -> bytes:
    """The summary of a signed (or being-signed) record version; needs no request."""
    content = record.content
    starts_at = parse_datetime(content["meeting"]["starts_at"]) if content["meeting"]["starts_at"] else None
    signatures = content.get("signatures", {})
    html = render_to_string(
        "interviews/record_pdf.html",
        {
            "content": content,
            "record": record,
            "starts_at": timezone.localtime(starts_at) if starts_at else None,
            "sections": [(s.number, s.title, content["sections"].get(s.key, "")) for s in SECTIONS],
            "manager_signed_at": timezone.localtime(parse_datetime(signatures["manager"]["at"])),
            "employee_signed_at": timezone.localtime(parse_datetime(signatures["employee"]["at"])),
            "manager_confirmed": _confirmed(signatures["manager"]),
            "employee_confirmed": _confirmed(signatures["employee"]),
            "hash": record.content_hash,
            "goals": [{**goal, "deadline": _day(goal["deadline"])} for goal in content["goals"]],
            "actions": [{**action, "due_on": _day(action["due_on"])} for action in content["actions"]],
        },
    )
    document = HTML(string=html, base_url=ORIGIN + "/", url_fetcher=StaticOnlyFetcher())
    return document.write_pdf(pdf_variant="pdf/a-3b")
