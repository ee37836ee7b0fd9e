"""Every main page reads the same number of queries after one year of history as after
several: more interviews, records, actions and prep forms change the rows, not the count.

(HR's dashboard, drill-down, managers and progress pages, the unit pages and the cycle
page have their own tests beside their features.)
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from goals.models import ActionProgressNote, AgreedAction
from interviews.models import Cycle, InterviewRecord, PrepForm
from interviews.records import RECORD_LABEL, record_save
from tests.conftest import sign_record
from tests.factories import CycleFactory, InterviewFactory, UserFactory


def _actions(record, employee, owner, n):
    today = timezone.localdate()
    for i in range(n):
        action = AgreedAction.objects.create(
            source_model=RECORD_LABEL,
            source_id=record.pk,
            employee=employee,
            owner_kind="employee",
            owner=owner,
            what=f"Action {record.pk}-{i}",
            due_on=today + datetime.timedelta(days=i * 7 - 14),
            standard="Done when both agree",
            status=("open", "in_progress", "done")[i % 3],
        )
        ActionProgressNote.objects.create(action=action, author=owner, text="Under way", status_after="open")


def _past_year(org, years_back: int):
    """A closed cycle in which the employee and a colleague were held, signed, with actions."""
    opens = timezone.localdate() - datetime.timedelta(days=365 * years_back)
    cycle = CycleFactory(units=[org.root], opens_on=opens, closes_on=opens + datetime.timedelta(days=90))
    for employee in (org.employee, org.other_employee):
        interview = InterviewFactory(
            cycle=cycle,
            employee=employee,
            partner=org.manager,
            state="held",
            starts_at=timezone.now() - datetime.timedelta(days=365 * years_back - 10),
            duration_minutes=60,
        )
        record = sign_record(interview, text=f"Year -{years_back}:")
        _actions(record, employee, employee, 4)
    Cycle.objects.filter(pk=cycle.pk).update(state="closed")


@pytest.fixture
def history(org):
    """This year's open cycle: the employee's talk booked and prepared by both, the colleague's
    held with a draft record; a manager with more people each round."""
    cycle = CycleFactory(units=[org.root], opens_on=timezone.localdate() - datetime.timedelta(days=30))
    mine = InterviewFactory(
        cycle=cycle,
        employee=org.employee,
        partner=org.manager,
        state="scheduled",
        starts_at=timezone.now() + datetime.timedelta(days=20),
        duration_minutes=60,
        employee_shared=True,
        manager_shared=True,
    )
    for role, author in (("employee", org.employee), ("manager", org.manager)):
        PrepForm.objects.create(interview=mine, role=role, author=author, state="shared", work_tasks="Notes")
    held = InterviewFactory(
        cycle=cycle,
        employee=org.other_employee,
        partner=org.manager,
        state="held",
        starts_at=timezone.now() - datetime.timedelta(days=1),
        duration_minutes=60,
    )
    record_save(interview=held, by=org.manager, values={"conclusions": "Draft"}, expected_version=0)
    draft = InterviewRecord.objects.get(interview=held)

    def grow(years: int, people: int):
        for back in range(1, years + 1):
            _past_year(org, back + 10 * grow.rounds)
        _actions(draft, org.other_employee, org.other_employee, years * 3)
        for _ in range(people):
            InterviewFactory(cycle=cycle, employee=UserFactory(unit=org.unit_a), partner=org.manager)
        grow.rounds += 1

    grow.rounds = 0
    return {"mine": mine, "held": held, "grow": grow}


PAGES = [
    # (name, who, URL): the pages bench/load.py puts under load, and the manager's home.
    ("employee home", "employee", lambda h: reverse("home")),
    ("manager home", "manager", lambda h: reverse("home")),
    ("manager's list", "manager", lambda h: reverse("interviews:my_interviews")),
    ("prep form", "employee", lambda h: reverse("interviews:interview_detail", args=[h["mine"].pk])),
    ("manager's prep form", "manager", lambda h: reverse("interviews:interview_detail", args=[h["mine"].pk])),
    ("record", "manager", lambda h: reverse("interviews:record", args=[h["held"].pk])),
    ("record, employee", "other_employee", lambda h: reverse("interviews:record", args=[h["held"].pk])),
    ("my actions", "employee", lambda h: reverse("goals:my_actions")),
]


def _count(client, url) -> int:
    client.get(url)  # the session's own first writes are not the page's
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize(("name", "who", "url"), PAGES, ids=[page[0] for page in PAGES])
def test_page_reads_as_many_queries_after_years_of_history(login, org, history, name, who, url):
    client = login(getattr(org, who))
    history["grow"](years=1, people=2)
    small = _count(client, url(history))
    history["grow"](years=4, people=30)
    big = _count(client, url(history))
    assert big == small, f"{name}: {small} queries with one year of history, {big} with five"
    # A page of ours is session, user and roles, plus a handful of its own.
    assert small <= 15, f"{name}: {small} queries"
