"""Every kind of email through a real SMTP server (aiosmtpd), parsed back as a mail client
would: no defects under the strict policy, a text and an HTML part, the recipient's
language, the automated-mail headers, and links only on SITE_URL."""

import datetime
import email
import email.policy
import re
import socket
import zoneinfo

import pytest
from aiosmtpd.controller import Controller
from django.urls import reverse

from interviews.forms import local_datetime
from interviews.records import record_save, record_sign
from interviews.services import interview_cancel, interview_schedule, prep_save, prep_share
from people.models import ReminderDelivery
from people.reminders import Reminder, deliveries_create, deliveries_queue
from tests.conftest import PASSWORD
from tests.factories import CycleFactory, InterviewFactory

SITE = "https://appraisal.example.no"
OSLO = zoneinfo.ZoneInfo("Europe/Oslo")
NOW = datetime.datetime(2027, 3, 1, 9, 0, tzinfo=OSLO)
LINK = re.compile(r"""https?://[^\s"'<>]+""")
NORWEGIAN = ("medarbeidersamtale", "signatur", "forberedelse", "passord")


class Inbox:
    def __init__(self):
        self.received = []

    async def handle_DATA(self, server, session, envelope):
        self.received.append((envelope.rcpt_tos, envelope.original_content))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(settings):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST, settings.EMAIL_PORT = "127.0.0.1", controller.port
    settings.EMAIL_USE_TLS = settings.EMAIL_USE_SSL = False
    settings.SITE_URL = SITE
    settings.DEFAULT_FROM_EMAIL = "appraisal@example.no"
    settings.EMAIL_FROM_NAME = ""
    yield inbox
    controller.stop()


def parsed(inbox):
    """Each message as (recipient, message, text, html), parsed strictly."""
    found = []
    for rcpt_tos, data in inbox.received:
        message = email.message_from_bytes(data, policy=email.policy.strict)
        assert not any(part.defects for part in message.walk()), message["Subject"]
        (alternative,) = [p for p in message.walk() if p.get_content_type() == "multipart/alternative"]
        types = [p.get_content_type() for p in alternative.iter_parts()]
        assert types == ["text/plain", "text/html"]
        text, html = (p.get_content() for p in alternative.iter_parts())
        found.append((rcpt_tos[0], message, text, html))
    return found


def check(found, languages):
    """What every email must be, each in its recipient's language."""
    assert found
    for recipient, message, text, html in found:
        language = languages[recipient]
        assert message["Auto-Submitted"] == "auto-generated"
        assert message["Message-ID"].endswith("@appraisal.example.no>")
        assert message["From"].addresses[0].addr_spec == "appraisal@example.no"
        assert message["From"].addresses[0].display_name  # a name, not a bare address
        assert message["Content-Language"] == language
        assert f'<html lang="{language}"' in html
        assert "<img" not in html and "<script" not in html
        links = LINK.findall(text) + LINK.findall(html)
        assert links and all(link.startswith(SITE + "/") or link == SITE + "/" for link in links), links
        read = (message["Subject"] + text).lower()
        assert any(word in read for word in NORWEGIAN) == (language == "nb"), message["Subject"]


@pytest.fixture
def people(org):
    org.employee.language = "nb"
    org.employee.save(update_fields=["language"])
    org.manager.language = "en"
    org.manager.save(update_fields=["language"])
    return {org.employee.email: "nb", org.manager.email: "en"}


def test_smtp_meeting_emails_are_well_formed_in_each_language(
    smtp, org, people, django_capture_on_commit_callbacks
):
    cycle = CycleFactory(
        units=[org.root], opens_on=datetime.date(2027, 3, 1), closes_on=datetime.date(2027, 5, 31)
    )
    interview = InterviewFactory(cycle=cycle, employee=org.employee, partner=org.manager)
    with django_capture_on_commit_callbacks(execute=True):
        for day in (22, 23):
            when = local_datetime(datetime.date(2027, 3, day), datetime.time(10))
            interview_schedule(
                interview=interview, by=org.manager, starts_at=when, duration_minutes=60, now=NOW
            )
            interview.refresh_from_db()
        interview_cancel(interview=interview, by=org.manager, reason="Long-term leave")
    found = parsed(smtp)
    assert len(found) == 6  # booked, moved, cancelled: both parties each time
    check(found, people)
    calendars = [p for _, m, _, _ in found for p in m.walk() if p.get_content_type() == "text/calendar"]
    assert len(calendars) == 6


def test_smtp_handoffs_and_reminders_are_well_formed_in_each_language(
    smtp, org, people, django_capture_on_commit_callbacks
):
    cycle = CycleFactory(units=[org.root], name="Talks 2026")
    talk = InterviewFactory(cycle=cycle, employee=org.employee, partner=org.manager)
    with django_capture_on_commit_callbacks(execute=True):
        prep_save(interview=talk, author=org.manager, values={"work_tasks": "x"}, expected_version=0)
        prep_share(interview=talk, author=org.manager)  # the employee (nb) is told
    held = InterviewFactory(
        cycle=CycleFactory(units=[org.root], name="Talks 2025"),
        employee=org.employee,
        partner=org.manager,
        state="held",
        duration_minutes=60,
    )
    record_save(interview=held, by=org.manager, values={"conclusions": "Good."}, expected_version=0)
    with django_capture_on_commit_callbacks(execute=True):
        record_sign(interview=held, by=org.manager, password=PASSWORD)  # the employee is asked to sign
    with django_capture_on_commit_callbacks(execute=True):
        reminder = Reminder(
            kind=ReminderDelivery.Kind.PREP,
            about="test",
            occasion="once",
            recipient_id=org.manager.pk,
            subject="Prepare for your interview",
            body="Your interview is coming up: prepare for it.",
            url=reverse("interviews:interview_detail", args=[talk.pk]),
        )
        deliveries_queue(deliveries_create([reminder]))
    found = parsed(smtp)
    assert [r for r, *_ in found] == [org.employee.email, org.employee.email, org.manager.email]
    check(found, people)


def test_smtp_password_reset_is_on_site_url_and_its_pages_in_the_persons_language(
    smtp, client, org, people, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        # The request comes in on "testserver"; the link is on SITE_URL all the same.
        client.post(reverse("password_reset"), {"email": org.employee.email})
    found = parsed(smtp)
    check(found, people)
    ((_, _, text, _),) = found
    path = LINK.search(text).group()[len(SITE) :]
    page = client.get(path, follow=True, HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200 and page.headers["Content-Language"] == "nb"
    assert 'lang="nb"' in page.content.decode()
    answer = client.post(
        page.redirect_chain[-1][0],
        {"new_password1": "A new pass for Eva 7", "new_password2": "A new pass for Eva 7"},
        follow=True,
        HTTP_ACCEPT_LANGUAGE="en",
    )
    assert answer.redirect_chain[-1][0] == reverse("password_reset_complete")
    assert answer.headers["Content-Language"] == "nb"


def test_smtp_reset_page_of_a_wrong_link_stays_in_the_browsers_language(client, org, people):
    page = client.get(reverse("password_reset_confirm", args=["MQ", "x-y"]), HTTP_ACCEPT_LANGUAGE="en")
    assert page.status_code == 200 and page.headers["Content-Language"] == "en"
