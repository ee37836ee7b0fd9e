"""Hand-offs: each step that waits for the other party tells them (bell and email, in their
language), reminds a waiting signature after 3 and 7 days, and nobody gets the same kind of
message about the same matter twice on one day."""

import datetime
import zoneinfo

import pytest
import time_machine
from django.core import mail
from django.core.exceptions import ValidationError
from django.urls import reverse

from interviews.models import Interview, InterviewRecord
from interviews.records import record_save, record_sign
from interviews.services import nudge_send, prep_save, prep_share
from interviews.tasks import reminders_sweep
from people.models import Notification, ReminderDelivery
from tests.conftest import PASSWORD
from tests.factories import CycleFactory, InterviewFactory

OSLO = zoneinfo.ZoneInfo("Europe/Oslo")
SECRET = "SECRET-AGREED-TEXT"
COMMENT = "SECRET-EMPLOYEE-COMMENT"


def _write(interview, by, **values):
    draft = InterviewRecord.objects.filter(interview=interview, locked_at__isnull=True).first()
    record_save(
        interview=interview, by=by, values=values, expected_version=draft.edit_version if draft else 0
    )


def _mails_to(person):
    return [m for m in mail.outbox if person.email in m.to]


def test_manager_signing_tells_the_employee_by_bell_and_email_with_a_link_to_sign(
    org, held, django_capture_on_commit_callbacks
):
    _write(held, org.manager, conclusions=SECRET)
    with django_capture_on_commit_callbacks(execute=True):
        record_sign(interview=held, by=org.manager, password=PASSWORD)
    (message,) = _mails_to(org.employee)
    assert "Your signature is waiting" in message.subject and str(org.manager) in message.subject
    assert f"/interviews/{held.pk}/record/#sign" in message.body
    assert SECRET not in message.body + message.subject
    bell = Notification.objects.get(user=org.employee)
    assert bell.url == reverse("interviews:record", args=[held.pk]) + "#sign"
    assert _mails_to(org.manager) == []


def test_employee_signing_tells_the_manager_whether_they_commented_or_disagree(
    org, held, django_capture_on_commit_callbacks
):
    _write(held, org.manager, conclusions=SECRET)
    record_sign(interview=held, by=org.manager, password=PASSWORD)
    with pytest.raises(ValidationError, match="Say in the comment what you disagree with"):
        record_sign(interview=held, by=org.employee, password=PASSWORD, disagrees=True)
    with django_capture_on_commit_callbacks(execute=True):
        record = record_sign(
            interview=held, by=org.employee, password=PASSWORD, comment=COMMENT, disagrees=True
        )
    assert record.is_locked and record.employee_disagrees and record.content["employee_disagrees"] is True
    (message,) = _mails_to(org.manager)
    assert "disagrees with part of it" in message.subject
    assert COMMENT not in message.body and SECRET not in message.body


def test_a_comment_without_disagreement_is_named_as_a_comment(org, held, django_capture_on_commit_callbacks):
    _write(held, org.manager, conclusions="Fine.")
    record_sign(interview=held, by=org.manager, password=PASSWORD)
    with django_capture_on_commit_callbacks(execute=True):
        record = record_sign(interview=held, by=org.employee, password=PASSWORD, comment=COMMENT)
    assert "employee_disagrees" not in record.content  # the content of a plain signature is as before
    (message,) = _mails_to(org.manager)
    assert message.subject.endswith("with a comment")


def test_a_correction_tells_the_employee_and_both_sign_it_in_the_browser(
    login, org, held, django_capture_on_commit_callbacks
):
    _write(held, org.manager, conclusions="Version one.")
    record_sign(interview=held, by=org.manager, password=PASSWORD)
    record_sign(interview=held, by=org.employee, password=PASSWORD)
    held.refresh_from_db()
    assert held.state == "signed"
    mail.outbox.clear()
    manager = login(org.manager)
    with django_capture_on_commit_callbacks(execute=True):
        manager.post(reverse("interviews:record_correct", args=[held.pk]))
    (message,) = _mails_to(org.employee)
    assert "opened a correction" in message.subject
    page = manager.get(reverse("interviews:record", args=[held.pk])).content.decode()
    assert "Sign version 2" in page and 'name="password"' in page  # was: "once the interview is marked held"
    _write(held, org.manager, conclusions="Version two.")
    with django_capture_on_commit_callbacks(execute=True):
        manager.post(reverse("interviews:record_sign", args=[held.pk]), {"password": PASSWORD})
    employee = login(org.employee)
    page = employee.get(reverse("interviews:record", args=[held.pk])).content.decode()
    assert "your signature is waiting" in page and 'name="comment"' in page
    employee.post(reverse("interviews:record_sign", args=[held.pk]), {"password": PASSWORD, "comment": ""})
    versions = list(InterviewRecord.objects.filter(interview=held).order_by("number"))
    assert [v.is_locked for v in versions] == [True, True]
    assert versions[1].conclusions == "Version two." and versions[0].conclusions == "Version one."


def test_a_waiting_signature_is_reminded_after_3_and_7_days_once_each(
    org, held, django_capture_on_commit_callbacks
):
    signed = datetime.datetime(2027, 3, 1, 9, 0, tzinfo=OSLO)
    with time_machine.travel(signed, tick=False):
        _write(held, org.manager, conclusions="Done.")
        with django_capture_on_commit_callbacks(execute=True):
            record_sign(interview=held, by=org.manager, password=PASSWORD)
    sent_on = {}
    for day in range(15):
        for hour in (7, 13):  # the sweep runs hourly; twice a day finds the same
            with time_machine.travel(signed + datetime.timedelta(days=day, hours=hour - 9), tick=False):
                before = len(_mails_to(org.employee))
                with django_capture_on_commit_callbacks(execute=True):
                    reminders_sweep()
                if len(_mails_to(org.employee)) > before:
                    sent_on[day] = _mails_to(org.employee)[-1].subject
    # The hand-off on the day of signing, then day 3 and day 7, and nothing else.
    assert sorted(sent_on) == [3, 7]
    assert all(subject.startswith("Reminder: the record") for subject in sent_on.values())
    assert len(_mails_to(org.employee)) == 3
    # Signed: no more reminders.
    with time_machine.travel(signed + datetime.timedelta(days=15), tick=False):
        record_sign(interview=held, by=org.employee, password=PASSWORD)
    with (
        time_machine.travel(signed + datetime.timedelta(days=21), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        reminders_sweep()
    assert len(_mails_to(org.employee)) == 3


def test_an_hr_nudge_and_the_sweep_on_the_same_day_send_one_reminder(org, django_capture_on_commit_callbacks):
    launched = datetime.datetime(2027, 3, 1, 9, 0, tzinfo=OSLO)
    with time_machine.travel(launched, tick=False):
        cycle = CycleFactory(
            units=[org.root], opens_on=datetime.date(2027, 3, 1), closes_on=datetime.date(2027, 6, 30)
        )
        cycle.launched_at = launched
        cycle.save()
        InterviewFactory(cycle=cycle, employee=org.employee, partner=org.manager, state="planned")
    nudge_at = launched + datetime.timedelta(weeks=4, hours=-2, minutes=-3)  # a Monday, 06:57
    with time_machine.travel(nudge_at, tick=False), django_capture_on_commit_callbacks(execute=True):
        nudge_send(cycle=cycle, unit=org.root, kind="scheduling", by=org.hr)
    at_0707 = nudge_at + datetime.timedelta(minutes=10)
    with time_machine.travel(at_0707, tick=False), django_capture_on_commit_callbacks(execute=True):
        reminders_sweep()
    assert [m.subject for m in _mails_to(org.manager)] == [f"1 interview in {cycle.name} still to book"]
    # The next day the weekly reminder the sweep held back goes out: one a day, not none.
    with (
        time_machine.travel(nudge_at + datetime.timedelta(days=1), tick=False),
        django_capture_on_commit_callbacks(execute=True),
    ):
        reminders_sweep()
    assert len(_mails_to(org.manager)) == 2
    days = list(ReminderDelivery.objects.filter(kind="scheduling").values_list("day", flat=True))
    assert len(days) == len(set(days)) == 2


def test_sharing_a_preparation_tells_the_other_party_by_bell_and_email(
    org, django_capture_on_commit_callbacks
):
    interview = InterviewFactory(
        cycle=CycleFactory(units=[org.root]), employee=org.employee, partner=org.manager, state="planned"
    )
    prep_save(interview=interview, author=org.employee, values={"work_tasks": SECRET}, expected_version=0)
    with django_capture_on_commit_callbacks(execute=True):
        prep_share(interview=interview, author=org.employee)
    (message,) = _mails_to(org.manager)
    assert "has shared their preparation" in message.subject and SECRET not in message.body
    assert Notification.objects.filter(
        user=org.manager, url__contains=f"/interviews/{interview.pk}/"
    ).exists()
    assert Interview.objects.get(pk=interview.pk).employee_shared
