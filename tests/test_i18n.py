"""Norwegian Bokmål: a complete catalogue, translated prompts, and what each person receives
(pages, emails, invitations, reminders, PDFs) in their own language and date format."""

import datetime
import re
from pathlib import Path

import polib
import pytest
import time_machine
from django.core import mail
from django.urls import reverse
from django.utils import timezone, translation

from interviews.records import action_add, record_save, record_sign, record_verify
from interviews.sections import SECTIONS
from people.models import JobKind
from tests.conftest import PASSWORD
from tests.factories import CycleFactory, InterviewFactory
from tests.interviews.test_records import pdf_text

CATALOGUE = Path(__file__).resolve().parent.parent / "config/locale/nb/LC_MESSAGES/django.po"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|\{\{ *\w+ *\}\}|%[sd]")


def test_norwegian_catalogue_has_no_empty_fuzzy_or_broken_entry():
    catalogue = polib.pofile(str(CATALOGUE))
    live = [entry for entry in catalogue if not entry.obsolete]
    assert len(live) > 500  # the whole interface, not a sample
    assert [e.msgid for e in live if not e.translated()] == []
    assert [e.msgid for e in live if "fuzzy" in e.flags] == []
    # A translation that drops or renames a placeholder breaks the sentence, or the page.
    broken = []
    for entry in live:
        pairs = [(entry.msgid, entry.msgstr)] if not entry.msgid_plural else []
        for index, text in entry.msgstr_plural.items():
            pairs.append((entry.msgid if index == 0 else entry.msgid_plural, text))
        for source, text in pairs:
            if sorted(PLACEHOLDER.findall(source)) != sorted(PLACEHOLDER.findall(text)):
                broken.append(source)
    assert broken == []


def test_every_section_title_and_guiding_prompt_is_in_norwegian():
    untranslated = []
    for section in SECTIONS:
        texts = [section.title]
        for role in ("employee", "manager"):
            for kind in JobKind.values:
                texts += section.prompts(role=role, job_kind=kind)
        for text in texts:
            with translation.override("en"):
                english = str(text)
            with translation.override("nb"):
                if str(text) == english:
                    untranslated.append(english)
    assert untranslated == []


def test_pages_come_in_the_users_language_with_norwegian_dates(login, org):
    cycle = CycleFactory(
        units=[org.root], opens_on=datetime.date(2026, 3, 1), closes_on=datetime.date(2026, 6, 30)
    )
    interview = InterviewFactory(
        cycle=cycle,
        employee=org.employee,
        partner=org.manager,
        state="scheduled",
        starts_at=timezone.make_aware(datetime.datetime(2026, 5, 4, 10, 0)),
        duration_minutes=60,
    )
    org.employee.language = "nb"
    org.employee.save()
    page = (
        login(org.employee).get(reverse("interviews:interview_detail", args=[interview.pk])).content.decode()
    )
    assert '<html lang="nb">' in page
    assert "mandag 4. mai 2026, 10:00" in page and "Arbeidsoppgaver" in page
    english = (
        login(org.manager).get(reverse("interviews:interview_detail", args=[interview.pk])).content.decode()
    )
    assert "Monday 4 May 2026, 10:00" in english and "Work tasks" in english


def test_action_reminder_comes_in_the_owners_language_and_date_format(
    org, django_capture_on_commit_callbacks
):
    from goals.models import AgreedAction
    from interviews.tasks import reminders_sweep

    org.employee.language = "nb"
    org.employee.save()
    AgreedAction.objects.create(
        source_model="interviews.InterviewRecord",
        source_id=1,
        employee=org.employee,
        owner_kind="employee",
        owner=org.employee,
        what="Skrive labmanualen",
        due_on=datetime.date(2027, 3, 10),
        standard="Ligger på wikien",
    )
    with (
        time_machine.travel(datetime.datetime(2027, 3, 5, 7, tzinfo=datetime.UTC)),
        django_capture_on_commit_callbacks(execute=True),
    ):
        reminders_sweep()
    [reminder] = [m for m in mail.outbox if m.to == ["employee@example.org"]]
    assert reminder.subject == "Et avtalt tiltak har frist 10. mars 2027"
    assert "Skrive labmanualen" not in reminder.subject + reminder.body  # read after signing in


@pytest.mark.real_services
def test_each_party_downloads_the_summary_in_their_own_language(client, org, tmp_path):
    org.employee.language, org.manager.language = "nb", "en"
    org.employee.save()
    org.manager.save()
    interview = InterviewFactory(
        cycle=CycleFactory(units=[org.root]),
        employee=org.employee,
        partner=org.manager,
        state="held",
        starts_at=timezone.now() - datetime.timedelta(hours=2),
        duration_minutes=60,
    )
    record_save(
        interview=interview, by=org.manager, values={"work_tasks": "Mindre komitéarbeid."}, expected_version=0
    )
    action_add(
        interview=interview,
        by=org.manager,
        owner_kind="employee",
        what="Skrive labmanualen",
        due_on=timezone.localdate() + datetime.timedelta(days=30),
        standard="Ligger på wikien",
    )
    record_sign(interview=interview, by=org.manager, password=PASSWORD)
    record = record_sign(interview=interview, by=org.employee, password=PASSWORD)
    url = reverse("interviews:record_pdf", args=[interview.pk, record.number])
    downloads = {}
    for person in (org.employee, org.manager):
        client.force_login(person)
        downloads[person.language] = b"".join(client.get(url).streaming_content)
    norwegian, english = pdf_text(downloads["nb"], tmp_path), pdf_text(downloads["en"], tmp_path)
    assert "Arbeidsoppgaver" in norwegian and "Work tasks" not in norwegian
    assert "Work tasks" in english and "Arbeidsoppgaver" not in english
    assert "Mindre komitéarbeid." in norwegian and "Mindre komitéarbeid." in english
    # Either copy is the signed record: the check page recognises both.
    assert (
        record_verify(interview, pdf=downloads["nb"])
        == record
        == record_verify(interview, pdf=downloads["en"])
    )
