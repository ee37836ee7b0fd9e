"""The audit log: what is written, that it holds no content, and that nobody can change it."""

import datetime

import pytest
from django.db import IntegrityError, connection, transaction
from django.urls import reverse
from django.utils import timezone

from interviews.launching import cycle_launch_plan
from interviews.models import InterviewRecord, PrepForm
from interviews.records import record_save, record_sign
from interviews.sections import SECTION_KEYS
from people.models import AuditEntry
from tests.conftest import PASSWORD, need_service
from tests.factories import CycleFactory, InterviewFactory

SECRET = "AUDIT-SECRET-TEXT"


def actions():
    return list(AuditEntry.objects.order_by("pk").values_list("action", flat=True))


def test_sign_in_failure_and_sign_out_are_logged_with_the_address(client, org):
    client.post(
        reverse("login"), {"username": org.employee.email, "password": "wrong"}, REMOTE_ADDR="10.0.0.7"
    )
    client.post(
        reverse("login"), {"username": org.employee.email, "password": PASSWORD}, REMOTE_ADDR="10.0.0.7"
    )
    client.post(reverse("logout"), REMOTE_ADDR="10.0.0.7")
    failed, login, logout = AuditEntry.objects.order_by("pk")
    assert (failed.action, failed.actor, failed.actor_email, failed.ip) == (
        "login_failed",
        None,
        org.employee.email,
        "10.0.0.7",
    )
    assert (login.action, login.actor, login.ip) == ("login", org.employee, "10.0.0.7")
    assert (logout.action, logout.actor) == ("logout", org.employee)
    assert PASSWORD not in str(list(AuditEntry.objects.values()))


def test_state_changes_shares_signatures_and_downloads_are_logged_without_content(login, org):
    cycle = CycleFactory(units=[org.root])
    interview = InterviewFactory(
        cycle=cycle,
        employee=org.employee,
        partner=org.manager,
        state="scheduled",
        starts_at=timezone.now() - datetime.timedelta(hours=2),
        duration_minutes=60,
    )
    PrepForm.objects.create(
        interview=interview, role="employee", author=org.employee, **{k: SECRET for k in SECTION_KEYS}
    )
    login(org.employee).post(reverse("interviews:prep_share", args=[interview.pk]))
    login(org.manager).post(reverse("interviews:interview_held", args=[interview.pk]), {"version": 1})
    interview.refresh_from_db()
    record_save(interview=interview, by=org.manager, values={"conclusions": SECRET}, expected_version=0)
    record_sign(interview=interview, by=org.manager, password=PASSWORD)
    record_sign(interview=interview, by=org.employee, password=PASSWORD, comment=SECRET)
    record = InterviewRecord.objects.get()
    login(org.employee).get(reverse("interviews:record_pdf", args=[interview.pk, 1]))
    assert actions()[-4:] == [
        "record_signed_by_manager",
        "record_signed_by_employee",
        "login",
        "summary_downloaded",
    ]
    assert "prep_shared" in actions() and "interview_held" in actions()
    download = AuditEntry.objects.get(action="summary_downloaded")
    assert (download.actor, download.object_type, download.object_id) == (
        org.employee,
        "interviews.interviewrecord",
        str(record.pk),
    )
    assert download.path == reverse("interviews:record_pdf", args=[interview.pk, 1])
    for entry in AuditEntry.objects.values():
        assert SECRET not in str(entry)


def test_hr_steps_exports_and_nudges_are_logged(login, org, django_capture_on_commit_callbacks):
    cycle = CycleFactory(units=[org.root], state="draft")
    client = login(org.hr)
    client.post(
        reverse("interviews:cycle_launch", args=[cycle.pk]),
        {"plan": cycle_launch_plan(cycle).digest, "confirm": "on"},
    )
    client.get(reverse("interviews:cycle_dashboard_csv", args=[cycle.pk]))
    client.get(reverse("interviews:cycle_dashboard_xlsx", args=[cycle.pk]))
    with django_capture_on_commit_callbacks(execute=True):
        client.post(
            reverse("interviews:cycle_unit_nudge", args=[cycle.pk, org.root.pk]), {"kind": "scheduling"}
        )
    launched = AuditEntry.objects.get(action="cycle_launched")
    assert (launched.actor, launched.object_id) == (org.hr, str(cycle.pk))
    assert "created=" in launched.detail
    exported = AuditEntry.objects.filter(action="exported").order_by("pk")
    assert [e.detail.rsplit(".", 1)[1] for e in exported] == ["csv", "xlsx"]
    assert all(e.detail.startswith("dashboard-") and e.actor == org.hr for e in exported)
    assert AuditEntry.objects.get(action="nudge_sent").detail.startswith(f"cycle={cycle.pk} kind=scheduling")
    interview = cycle.interviews.get(employee=org.employee)
    client.post(
        reverse("interviews:interview_excuse", args=[interview.pk]),
        {"reason": "Parental leave", "version": interview.version},
    )
    excused = AuditEntry.objects.filter(action="interview_excused").get()
    assert excused.object_id == str(interview.pk) and "Parental" not in excused.detail


def test_every_refused_access_is_logged(login, org):
    interview = InterviewFactory(
        cycle=CycleFactory(units=[org.root]), employee=org.employee, partner=org.manager
    )
    url = reverse("interviews:interview_detail", args=[interview.pk])
    assert login(org.outsider).get(url).status_code == 404
    refused = AuditEntry.objects.get(action="access_refused")
    assert (refused.actor, refused.path, refused.detail) == (org.outsider, url, "GET")


def test_an_entry_cannot_be_changed_or_deleted(org):
    entry = AuditEntry.objects.create(action="login", actor=org.employee, actor_email=org.employee.email)
    entry.action = "nothing happened"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()


def test_the_database_refuses_to_change_the_log(org):
    need_service("PostgreSQL", connection.vendor == "postgresql", "set DATABASE_URL=postgres://...")
    AuditEntry.objects.create(action="login", actor=org.employee)
    for change in (lambda: AuditEntry.objects.update(action="x"), lambda: AuditEntry.objects.all().delete()):
        with pytest.raises(IntegrityError), transaction.atomic():
            change()
    assert AuditEntry.objects.get().action == "login"


def test_admin_shows_the_log_read_only(login, org):
    entry = AuditEntry.objects.create(action="login", actor=org.employee)
    client = login(org.admin)
    assert client.get(reverse("admin:people_auditentry_changelist")).status_code == 200
    page = client.get(reverse("admin:people_auditentry_change", args=[entry.pk]))
    assert page.status_code == 200 and 'name="_save"' not in page.content.decode()
    assert (
        client.post(reverse("admin:people_auditentry_delete", args=[entry.pk]), {"post": "yes"}).status_code
        == 403
    )
    assert AuditEntry.objects.filter(pk=entry.pk).exists()
