"""Open interviews follow a change of interview partner: the old partner loses them at once."""

import datetime

from django.core import mail
from django.urls import reverse
from django.utils import timezone

from interviews.models import PrepForm
from interviews.services import prep_share
from people.importing import org_import_apply
from people.models import ReportingLine
from people.services import reporting_line_change
from tests.factories import CycleFactory, InterviewFactory


def _prepared(interview, org):
    PrepForm.objects.create(interview=interview, role="employee", author=org.employee, leadership="mine")
    PrepForm.objects.create(
        interview=interview, role="manager", author=org.manager, work_tasks="old manager's"
    )


def test_changing_the_partner_moves_the_open_interview(login, org, django_capture_on_commit_callbacks):
    cycle = CycleFactory(units=[org.root])
    interview = InterviewFactory(cycle=cycle, employee=org.employee, partner=org.manager)
    _prepared(interview, org)
    prep_share(interview=interview, author=org.employee)
    prep_share(interview=interview, author=org.manager)
    url = reverse("interviews:interview_detail", args=[interview.pk])
    assert login(org.manager).get(url).status_code == 200
    line = ReportingLine.objects.get(employee=org.employee, valid_to__isnull=True)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        response = login(org.hr).post(
            reverse("people:person_detail", args=[org.employee.pk]),
            {"partner": org.other_manager.email, "kind": "immediate_superior", "based_on": line.pk},
        )
    assert response.status_code == 302
    # The next request: the old partner finds nothing, the new one has the interview.
    assert login(org.manager).get(url).status_code == 404
    assert login(org.other_manager).get(url).status_code == 200
    interview.refresh_from_db()
    assert interview.partner == org.other_manager and interview.state == "planned"
    # The old manager's own preparation went with them; the employee's stays, private again:
    # its leadership section was about the old manager, and the employee decides what the new
    # one reads.
    assert list(PrepForm.objects.values_list("role", "state")) == [("employee", "draft")]
    page = login(org.other_manager).get(reverse("interviews:my_interviews")).content.decode()
    assert "Employee: not yet" in page and "You: not yet" in page
    assert "mine" not in login(org.other_manager).get(url).content.decode()
    # The employee is told, in one click from what to do.
    [told] = [m for m in mail.outbox if m.to == [org.employee.email]]
    assert told.subject == "Your interview partner is now Otto Othermanager"
    assert "private again" in told.body and url in told.body
    assert "mine" not in told.subject + told.body


def test_a_booked_meeting_is_cancelled_for_the_new_partner_to_book(org, django_capture_on_commit_callbacks):
    cycle = CycleFactory(units=[org.root])
    interview = InterviewFactory(
        cycle=cycle,
        employee=org.employee,
        partner=org.manager,
        state="scheduled",
        starts_at=timezone.now() + datetime.timedelta(days=20),
        duration_minutes=60,
        place="Room 1",
    )
    with django_capture_on_commit_callbacks(execute=True):
        reporting_line_change(employee=org.employee, partner=org.other_manager, kind="immediate_superior")
    interview.refresh_from_db()
    assert (interview.partner, interview.state, interview.starts_at, interview.ics_sequence) == (
        org.other_manager,
        "planned",
        None,
        1,
    )
    cancelled = [m for m in mail.outbox if m.attachments]
    assert sorted(m.to[0] for m in cancelled) == sorted([org.manager.email, org.employee.email])
    assert all(b"METHOD:CANCEL" in m.attachments[0].get_payload(decode=True) for m in cancelled)
    # And the employee hears who holds the interview now.
    [told] = [m for m in mail.outbox if not m.attachments]
    assert (
        told.to == [org.employee.email] and told.subject == "Your interview partner is now Otto Othermanager"
    )


def test_held_and_finished_interviews_stay_with_who_held_them(org):
    cycle = CycleFactory(units=[org.root])
    held = InterviewFactory(
        cycle=cycle,
        employee=org.employee,
        partner=org.manager,
        state="held",
        starts_at=timezone.now() - datetime.timedelta(days=1),
        duration_minutes=60,
    )
    old = InterviewFactory(
        cycle=CycleFactory(units=[org.root], state="closed"), employee=org.other_employee, partner=org.manager
    )
    for employee in (org.employee, org.other_employee):
        reporting_line_change(employee=employee, partner=org.other_manager, kind="immediate_superior")
    held.refresh_from_db()
    old.refresh_from_db()
    assert held.partner == org.manager and old.partner == org.manager


def test_an_import_that_changes_partners_moves_their_interviews(org):
    cycle = CycleFactory(units=[org.root])
    interview = InterviewFactory(cycle=cycle, employee=org.employee, partner=org.manager)
    units = "code,name,parent_code\nROOT,University,\nA,Department A,ROOT\nB,Department B,ROOT\n"
    people = (
        "employee_number,given_name,family_name,email,unit_code,job_kind,partner_employee_number,partner_kind\n"
        f"{org.other_manager.employee_number},Otto,Othermanager,{org.other_manager.email},B,administrative,,\n"
        f"{org.employee.employee_number},Eva,Employee,{org.employee.email},A,academic,"
        f"{org.other_manager.employee_number},head_of_unit\n"
    )
    report = org_import_apply(units_data=units, people_data=people)
    assert report.applied, report.errors[:3]
    interview.refresh_from_db()
    assert interview.partner == org.other_manager
