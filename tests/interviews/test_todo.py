"""The home page as each person's to-do list: what is due, most urgent first, one click away."""

import datetime

from django.urls import reverse
from django.utils import timezone

from goals.models import AgreedAction
from interviews.models import Interview, InterviewRecord
from interviews.records import record_save, record_sign
from interviews.services import prep_save, prep_share
from interviews.todo import todos_for
from tests.conftest import PASSWORD
from tests.factories import CycleFactory, InterviewFactory, UserFactory


def _kinds(user, partner=False):
    return [(t.kind, t.title) for t in todos_for(user, partner=partner).todos]


def test_the_employee_is_asked_to_prepare_then_told_what_comes_next(org):
    cycle = CycleFactory(units=[org.root])
    when = timezone.now() + datetime.timedelta(days=20)
    interview = InterviewFactory(
        cycle=cycle,
        employee=org.employee,
        partner=org.manager,
        state="scheduled",
        starts_at=when,
        duration_minutes=60,
    )
    (todo,) = todos_for(org.employee, partner=False).todos
    assert todo.kind == "prepare" and todo.url == f"/interviews/{interview.pk}/#prep-heading"
    assert todo.detail.startswith("0 of 7 sections answered · Meeting")
    prep_save(interview=interview, author=org.employee, values={"work_tasks": "Lab."}, expected_version=0)
    assert todos_for(org.employee, partner=False).todos[0].detail.startswith("1 of 7 sections answered")
    prep_share(interview=interview, author=org.employee)
    interview.refresh_from_db()
    home = todos_for(org.employee, partner=False)
    assert home.todos == []  # the next step moved on
    assert home.waiting[0].title.startswith("Your preparation is shared. You meet Mona Manager")


def test_a_waiting_signature_comes_first_and_links_to_the_signing_form(org):
    cycle = CycleFactory(units=[org.root])
    held = InterviewFactory(
        cycle=cycle,
        employee=org.employee,
        partner=org.manager,
        state="held",
        starts_at=timezone.now() - datetime.timedelta(days=2),
        duration_minutes=60,
    )
    record_save(interview=held, by=org.manager, values={"conclusions": "Good."}, expected_version=0)
    assert _kinds(org.manager, partner=True)[0][0] == "record"
    record_sign(interview=held, by=org.manager, password=PASSWORD)
    AgreedAction.objects.create(
        source_model="interviews.InterviewRecord",
        source_id=InterviewRecord.objects.get(interview=held).pk,
        employee=org.employee,
        partner=org.manager,
        owner_kind="employee",
        owner=org.employee,
        what="x",
        due_on=timezone.localdate() - datetime.timedelta(days=1),
        standard="y",
    )
    kinds = _kinds(org.employee)
    assert kinds[0] == ("sign", "Sign the record of your interview with Mona Manager")
    assert ("actions-overdue", "1 agreed action is overdue") in kinds
    assert (
        todos_for(org.employee, partner=False).todos[0].url
        == reverse("interviews:record", args=[held.pk]) + "#sign"
    )
    # The manager has signed: nothing left for them on this talk.
    assert "record" not in [kind for kind, _title in _kinds(org.manager, partner=True)]


def test_a_manager_sees_five_talks_by_name_and_the_rest_counted_in_constant_queries(
    org, django_assert_max_num_queries
):
    cycle = CycleFactory(units=[org.root])

    def add(n):
        for _ in range(n):
            InterviewFactory(
                cycle=cycle,
                employee=UserFactory(unit=org.unit_a),
                partner=org.manager,
                state="scheduled",
                starts_at=timezone.now() + datetime.timedelta(days=20),
                duration_minutes=60,
            )
        InterviewFactory(cycle=cycle, employee=UserFactory(unit=org.unit_a), partner=org.manager)

    add(2)
    # Why: the page reads the manager's own interviews (or, without any, their reporting
    # line), their figures (with a count of each kind of item), a few rows of each of the
    # three kinds there is, how many people they hold talks with, and their actions: never
    # more, however many talks.
    with django_assert_max_num_queries(8):
        todos_for(org.manager, partner=True)
    add(8)
    with django_assert_max_num_queries(8):
        home = todos_for(org.manager, partner=True)
    prepare = [t for t in home.todos if t.kind == "prepare"]
    assert len(prepare) == 6 and prepare[-1].title == "And 5 more like these"
    book = next(t for t in home.todos if t.kind == "book")
    assert book.title == "Book 2 interviews" and book.url.endswith("?state=planned")
    assert home.held == {"total": 12, "planned": 2, "scheduled": 10}
    assert Interview.objects.filter(partner=org.manager).count() == 12
