import datetime
import shutil
import subprocess
import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import DatabaseError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from goals.models import AgreedAction
from interviews.models import Interview, InterviewRecord, LockedRecordError, RecordGoal
from interviews.records import (
    action_add,
    goal_add,
    record_correct,
    record_save,
    record_sign,
    record_verify,
    sha256_of,
)
from tests.conftest import PASSWORD, need_service
from tests.factories import CycleFactory, InterviewFactory


def soon(days=30):
    return timezone.localdate() + datetime.timedelta(days=days)


def write(interview, org, **values):
    record = InterviewRecord.objects.filter(interview=interview, locked_at__isnull=True).first()
    return record_save(
        interview=interview,
        by=org.manager,
        values=values,
        expected_version=record.edit_version if record else 0,
    )[0]


def sign_both(interview, org, comment=""):
    record_sign(interview=interview, by=org.manager, password=PASSWORD)
    return record_sign(interview=interview, by=org.employee, password=PASSWORD, comment=comment)


def test_full_flow_record_actions_signatures_lock_and_pdf(org, held):
    write(held, org, work_tasks="Fewer committees; more time for the lab course.", conclusions="A good year.")
    action_add(
        interview=held,
        by=org.manager,
        owner_kind="employee",
        what="Finish the lab manual",
        due_on=soon(60),
        standard="Used in the spring course",
    )
    action_add(
        interview=held,
        by=org.manager,
        owner_kind="manager",
        what="Free two hours a week",
        due_on=soon(30),
        standard="In the duty plan",
    )
    goal_add(interview=held, by=org.manager, text="Submit one paper", deadline=soon(200))
    record = sign_both(held, org, comment="I disagree about the committee work.")
    record.refresh_from_db()
    held.refresh_from_db()
    assert held.state == Interview.State.SIGNED and record.is_locked
    assert record.content_hash == sha256_of(record.content) == record.employee_signed_hash
    assert record.content["employee_comment"] == "I disagree about the committee work."
    assert [a["what"] for a in record.content["actions"]] == [
        "Finish the lab manual",
        "Free two hours a week",
    ]
    pdf = record.pdf.read()
    assert pdf.startswith(b"%PDF") and record_verify(held, pdf=pdf) == record
    assert record_verify(held, hash_text=record.content_hash) == record
    assert record_verify(held, pdf=pdf + b" ") is None


def test_a_signed_record_refuses_changes_in_the_service_and_the_model(org, held):
    write(held, org, conclusions="Agreed.")
    record = sign_both(held, org)
    with pytest.raises(ValidationError, match="Open a correction"):
        write(held, org, conclusions="Changed afterwards")
    locked = InterviewRecord.objects.get(pk=record.pk)
    locked.conclusions = "Changed afterwards"
    with pytest.raises(LockedRecordError):
        locked.save()
    with pytest.raises(LockedRecordError):
        locked.delete()
    assert InterviewRecord.objects.get(pk=record.pk).conclusions == "Agreed."


@pytest.mark.real_services
def test_a_signed_record_refuses_changes_in_the_database(require_postgres, org, held):
    write(held, org, conclusions="Agreed.")
    record = sign_both(held, org)
    with pytest.raises(DatabaseError, match="signed and locked"), transaction.atomic():
        InterviewRecord.objects.filter(pk=record.pk).update(conclusions="Bulk update behind everyone's back")
    with (
        pytest.raises(DatabaseError, match="signed and locked"),
        transaction.atomic(),
        connection.cursor() as cursor,
    ):
        cursor.execute("DELETE FROM interviews_interviewrecord WHERE id = %s", [record.pk])
    with pytest.raises(DatabaseError, match="signed and locked"), transaction.atomic():
        RecordGoal.objects.create(record=record, text="sneaked in", deadline=soon())
    assert InterviewRecord.objects.get(pk=record.pk).conclusions == "Agreed."


def test_editing_after_the_first_signature_clears_it(org, held):
    write(held, org, conclusions="First")
    record_sign(interview=held, by=org.manager, password=PASSWORD)
    record = write(held, org, conclusions="Second")
    assert record.manager_signed_at is None
    with pytest.raises(ValidationError, match="signs first"):
        record_sign(interview=held, by=org.employee, password=PASSWORD)


def test_signing_needs_the_password_and_the_order_manager_then_employee(org, held):
    write(held, org, conclusions="x")
    with pytest.raises(ValidationError, match="not your password"):
        record_sign(interview=held, by=org.manager, password="wrong")
    with pytest.raises(ValidationError, match="signs first"):
        record_sign(interview=held, by=org.employee, password=PASSWORD)
    with pytest.raises(ValidationError, match="Only the two parties"):
        record_sign(interview=held, by=org.director, password=PASSWORD)


def test_a_correction_is_a_new_version_and_the_old_stays_readable(org, held):
    write(held, org, conclusions="Version one")
    action_add(interview=held, by=org.manager, owner_kind="employee", what="A", due_on=soon(), standard="B")
    first = sign_both(held, org)
    second = record_correct(interview=held, by=org.manager)
    assert (second.number, second.conclusions) == (2, "Version one")
    write(held, org, conclusions="Version two")
    sign_both(held, org)
    first.refresh_from_db()
    assert first.content["conclusions"] == "Version one" and first.pdf
    assert InterviewRecord.objects.filter(interview=held).count() == 2
    assert AgreedAction.objects.count() == 1  # the actions live on, not copied


@pytest.mark.parametrize(
    ("days", "message"),
    [(0, "must lie in the future"), (-3, "must lie in the future"), (400, "within one cycle period")],
)
def test_action_due_dates_are_checked(org, held, days, message):
    with pytest.raises(ValidationError, match=message):
        action_add(
            interview=held, by=org.manager, owner_kind="employee", what="x", due_on=soon(days), standard="y"
        )
    assert not AgreedAction.objects.exists()


def test_a_stale_record_save_is_refused(org, held):
    record = write(held, org, conclusions="One")
    stale = record.edit_version
    record_save(interview=held, by=org.manager, values={"conclusions": "Two"}, expected_version=stale)
    with pytest.raises(ValidationError, match="changed meanwhile"):
        record_save(interview=held, by=org.manager, values={"conclusions": "Three"}, expected_version=stale)
    assert InterviewRecord.objects.get().conclusions == "Two"


def test_only_the_manager_writes_unless_the_unit_allows_the_employee(org, held):
    from interviews.models import LocalGuideline

    with pytest.raises(ValidationError, match="Only the interview partner writes"):
        record_save(interview=held, by=org.employee, values={"conclusions": "mine"}, expected_version=0)
    LocalGuideline.objects.create(unit=org.root, employee_writes_record=True)
    record_save(interview=held, by=org.employee, values={"conclusions": "mine"}, expected_version=0)


@pytest.mark.real_services
def test_signing_twice_at_once_gives_one_signature(require_postgres, transactional_db, org, held):
    write(held, org, conclusions="x")
    barrier = threading.Barrier(2)
    outcomes = []

    def sign():
        try:
            barrier.wait(timeout=10)
            record_sign(interview=held, by=org.manager, password=PASSWORD)
            outcomes.append("signed")
        except ValidationError as exc:
            outcomes.append(exc.messages[0])
        finally:
            connection.close()

    threads = [threading.Thread(target=sign) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(outcomes) == ["You have signed this version already.", "signed"]


def pdf_text(pdf: bytes, tmp_path) -> str:
    need_service("pdftotext", bool(shutil.which("pdftotext")), "apt-get install poppler-utils")
    path = tmp_path / "summary.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


@pytest.mark.real_services
def test_pdf_text_has_names_sections_actions_hash_and_norwegian_letters(org, held, tmp_path):
    write(held, org, working_environment="Godt arbeidsmiljø på kontoret i Ås; blåbær på fredager.")
    action_add(
        interview=held,
        by=org.manager,
        owner_kind="employee",
        what="Skrive årsrapport",
        due_on=soon(),
        standard="Levert til instituttleder",
    )
    record = sign_both(held, org)
    text = pdf_text(record.pdf.read(), tmp_path)
    for expected in (
        "Eva Employee",
        "Mona Manager",
        "Working environment",
        "Godt arbeidsmiljø på kontoret i Ås",
        "blåbær",
        "Skrive årsrapport",
        "Levert til instituttleder",
        record.content_hash[:32],
    ):
        assert expected in text, expected


PAYLOADS = [
    "<img src=file:///etc/passwd>",
    '<link rel=attachment href="file:///etc/passwd">',
    "<style>@import url(file:///etc/passwd);</style>",
    "<script>document.write('x')</script>",
]


@pytest.mark.real_services
def test_injection_in_answers_is_literal_text_and_nothing_is_fetched(org, held, tmp_path, monkeypatch):
    from interviews import pdf as pdf_module

    fetched = []
    original = pdf_module.StaticOnlyFetcher.fetch

    def spy(self, url, headers=None):
        fetched.append(url)
        return original(self, url, headers)

    monkeypatch.setattr(pdf_module.StaticOnlyFetcher, "fetch", spy)
    write(
        held,
        org,
        **{
            key: payload
            for key, payload in zip(
                ["follow_up", "unit_goals", "work_tasks", "leadership"], PAYLOADS, strict=True
            )
        },
    )
    record = sign_both(held, org)
    pdf = record.pdf.read()
    text = pdf_text(pdf, tmp_path)
    assert fetched == []
    for payload in PAYLOADS:
        assert payload.split("=")[0] in text  # shown as the literal text that was typed
    assert b"/EmbeddedFile" not in pdf or b"passwd" not in pdf
    assert b"root:x:0:0" not in pdf


def test_the_fetcher_refuses_everything_but_static_files():
    from interviews.pdf import ORIGIN, StaticOnlyFetcher

    fetcher = StaticOnlyFetcher()
    for url in (
        "file:///etc/passwd",
        "https://example.com/x.css",
        "data:text/css,body{}",
        ORIGIN + "/static/../config/settings.py",
        ORIGIN + "/media/records/x.pdf",
        ORIGIN + "/static/%2e%2e/manage.py",
        ORIGIN + "/static/examples/people.csv",
    ):
        with pytest.raises(ValueError):
            fetcher.fetch(url)
    assert fetcher.fetch(ORIGIN + "/static/css/app.css").status == 200


def test_next_years_prep_form_shows_last_years_conclusions_and_action_status(login, org, held):
    from django.urls import reverse

    write(held, org, conclusions="Focus on the lab course.")
    action = action_add(
        interview=held,
        by=org.manager,
        owner_kind="employee",
        what="Rewrite the lab manual",
        due_on=soon(),
        standard="Used in spring",
    )
    sign_both(held, org)
    AgreedAction.objects.filter(pk=action.pk).update(status="in_progress")
    next_year = InterviewFactory(
        cycle=CycleFactory(
            units=[org.root], opens_on=datetime.date(2027, 1, 1), closes_on=datetime.date(2027, 12, 31)
        ),
        employee=org.employee,
        partner=org.manager,
    )
    page = (
        login(org.employee).get(reverse("interviews:interview_detail", args=[next_year.pk])).content.decode()
    )
    assert "Focus on the lab course." in page
    assert "Rewrite the lab manual" in page and "In progress" in page


def test_the_admin_shows_no_record_or_action_content(client, org, held):
    from django.urls import reverse

    write(held, org, conclusions="SECRET-conclusion-5521")
    action = action_add(
        interview=held,
        by=org.manager,
        owner_kind="employee",
        what="SECRET-action-8812",
        due_on=soon(),
        standard="SECRET-standard",
    )
    record = sign_both(held, org)
    client.force_login(org.admin)
    for url in (
        reverse("admin:interviews_interviewrecord_changelist"),
        reverse("admin:interviews_interviewrecord_change", args=[record.pk]),
        reverse("admin:goals_agreedaction_changelist"),
        reverse("admin:goals_agreedaction_change", args=[action.pk]),
    ):
        page = client.get(url).content.decode()
        assert "SECRET" not in page, url


def test_signing_the_next_record_marks_earlier_actions_reviewed(org, held):
    write(held, org, conclusions="Year one")
    action = action_add(
        interview=held, by=org.manager, owner_kind="employee", what="Old action", due_on=soon(), standard="x"
    )
    sign_both(held, org)
    next_year = InterviewFactory(
        cycle=CycleFactory(
            units=[org.root], opens_on=datetime.date(2027, 1, 1), closes_on=datetime.date(2027, 12, 31)
        ),
        employee=org.employee,
        partner=org.manager,
        state="held",
        starts_at=timezone.now() - datetime.timedelta(hours=1),
        duration_minutes=60,
    )
    write(next_year, org, conclusions="Year two")
    action.refresh_from_db()
    assert action.reviewed_at is None
    sign_both(next_year, org)
    action.refresh_from_db()
    assert action.reviewed_at is not None


@pytest.mark.parametrize("kept", [False, True], ids=["read-each-time", "kept-in-cache"])
def test_the_next_talk_follows_up_the_last_signed_version_with_its_actions_as_they_stand(
    login, org, held, kept, settings, django_capture_on_commit_callbacks
):
    from interviews.records import previous_signed_record

    if kept:
        # As production runs: the history kept; a signature or a correction renews it.
        settings.READ_CACHE_SECONDS = 600
        settings.CACHES = {
            "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "follow-up"}
        }
    next_year = InterviewFactory(
        cycle=CycleFactory(
            units=[org.root], opens_on=datetime.date(2027, 1, 1), closes_on=datetime.date(2027, 12, 31)
        ),
        employee=org.employee,
        partner=org.manager,
    )
    assert previous_signed_record(next_year) == (None, [])
    write(held, org, conclusions="Version one")
    action = action_add(
        interview=held, by=org.manager, owner_kind="employee", what="Carried", due_on=soon(), standard="x"
    )
    assert previous_signed_record(next_year) == (None, [])  # a draft is not followed up
    with django_capture_on_commit_callbacks(execute=True):
        first = sign_both(held, org)
    record, actions = previous_signed_record(next_year)
    assert (record.record_id, record.concluded, actions) == (first.pk, "Version one", [action])
    # A correction being written: the signed version still stands, its actions moved along.
    with django_capture_on_commit_callbacks(execute=True):
        record_correct(interview=held, by=org.manager)
    write(held, org, conclusions="Version two")
    record, actions = previous_signed_record(next_year)
    assert (record.record_id, [a.pk for a in actions]) == (first.pk, [action.pk])
    # Its status and owner as they stand now, even while the signed history is kept.
    AgreedAction.objects.filter(pk=action.pk).update(status="done", owner_kind="other", owner=org.outsider)
    assert [(a.status, a.owner) for a in previous_signed_record(next_year)[1]] == [("done", org.outsider)]
    AgreedAction.objects.filter(pk=action.pk).update(owner_kind="employee", owner=org.employee)
    with django_capture_on_commit_callbacks(execute=True):
        second = sign_both(held, org)
    record, actions = previous_signed_record(next_year)
    assert (record.number, record.concluded, [a.pk for a in actions]) == (2, "Version two", [action.pk])
    assert record.cycle_name == held.cycle.name and second.pk == record.record_id
    # A talk is never its own follow-up.
    assert previous_signed_record(held) == (None, [])
    # Both prepare with it in front of them: the signed conclusions, the cycle, the actions.
    for who in (org.employee, org.manager):
        page = login(who).get(reverse("interviews:interview_detail", args=[next_year.pk])).content.decode()
        assert f"Concluded in {held.cycle.name}:</strong> Version two" in page and "Carried" in page
    # On the next talk's record, the previous actions are followed up beside its own new ones.
    Interview.objects.filter(pk=next_year.pk).update(state="held")
    next_year.refresh_from_db()
    write(next_year, org, conclusions="Next year")
    action_add(
        interview=next_year,
        by=org.manager,
        owner_kind="manager",
        what="New this year",
        due_on=soon(),
        standard="y",
    )
    page = login(org.manager).get(reverse("interviews:record", args=[next_year.pk])).content.decode()
    follow_up, table = page.split('id="actions-heading"', 1)
    assert "Carried" in follow_up and "New this year" not in follow_up
    assert "New this year" in table and "Carried" not in table
