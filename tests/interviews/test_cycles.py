import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.urls import reverse

from interviews.models import Cycle, Interview
from interviews.services import cycle_add_missing, cycle_close, cycle_create, cycle_launch, cycle_update
from people.models import ReportingLine
from people.services import reporting_line_change
from tests.factories import CycleFactory, InterviewFactory, OrgUnitFactory, UserFactory


@pytest.fixture
def draft(org):
    return CycleFactory(name="PAI 2026", units=[org.root], state="draft")


def test_launch_creates_one_interview_per_person_with_a_partner(org, draft):
    loner = UserFactory(unit=org.unit_b, email="loner@example.org")  # no reporting line
    result = cycle_launch(cycle=draft, by=org.hr)
    draft.refresh_from_db()
    assert draft.state == Cycle.State.OPEN and draft.launched_at is not None
    # Everybody in the org fixture has a partner except the director (top) and the loner;
    # the administrator has no employee number and is not in scope.
    assert result.created == 7 and result.without_partner == 2
    pairs = set(Interview.objects.filter(cycle=draft).values_list("employee__email", "partner__email"))
    assert ("employee@example.org", "manager@example.org") in pairs
    assert ("manager@example.org", "director@example.org") in pairs
    assert not Interview.objects.filter(employee=loner).exists()
    assert set(Interview.objects.filter(cycle=draft).values_list("state", flat=True)) == {"planned"}


def test_launch_only_covers_the_cycles_units_and_their_sub_units(org):
    sub = OrgUnitFactory(code="A1", parent=org.unit_a)
    person = UserFactory(unit=sub)
    ReportingLine.objects.create(
        employee=person, partner=org.manager, kind="head_of_unit", valid_from="2020-01-01"
    )
    cycle = CycleFactory(units=[org.unit_a], state="draft")
    cycle_launch(cycle=cycle, by=org.hr)
    employees = set(Interview.objects.filter(cycle=cycle).values_list("employee__email", flat=True))
    assert employees == {
        "employee@example.org",
        "other.employee@example.org",
        "manager@example.org",
        person.email,
    }


def test_second_launch_is_refused_and_creates_nothing(org, draft):
    cycle_launch(cycle=draft, by=org.hr)
    count = Interview.objects.count()
    with pytest.raises(ValidationError, match="launched already"):
        cycle_launch(cycle=draft, by=org.hr)
    assert Interview.objects.count() == count


def test_add_missing_adds_newcomers_and_never_duplicates(org, draft):
    cycle_launch(cycle=draft, by=org.hr)
    newcomer = UserFactory(unit=org.unit_a, email="new@example.org")
    assert cycle_add_missing(cycle=draft, by=org.hr).created == 0  # no partner yet: still listed, not added
    reporting_line_change(employee=newcomer, partner=org.manager, kind="head_of_unit")
    assert cycle_add_missing(cycle=draft, by=org.hr).created == 1
    assert cycle_add_missing(cycle=draft, by=org.hr).created == 0
    assert Interview.objects.filter(cycle=draft, employee=newcomer).count() == 1


def test_one_interview_per_employee_per_cycle_in_the_database(org):
    interview = InterviewFactory(employee=org.employee, partner=org.manager)
    with pytest.raises(IntegrityError), transaction.atomic():
        InterviewFactory(cycle=interview.cycle, employee=org.employee, partner=org.director)


def test_launch_query_count_does_not_grow_with_people(org, draft, django_assert_max_num_queries):
    for i in range(40):
        person = UserFactory(unit=org.unit_b, email=f"bulk{i}@example.org")
        ReportingLine.objects.create(
            employee=person, partner=org.other_manager, kind="immediate_superior", valid_from="2020-01-01"
        )
    # Locks, scope, people, existing, current lines, interviews in overlapping cycles, one bulk
    # insert, save: no query per person.
    with django_assert_max_num_queries(13):
        result = cycle_launch(cycle=draft, by=org.hr)
    assert result.created == 47


def test_close_with_unfinished_interviews_needs_confirmation(org, draft):
    cycle_launch(cycle=draft, by=org.hr)
    with pytest.raises(ValidationError, match="7 interviews are not finished"):
        cycle_close(cycle=draft, by=org.hr)
    draft.refresh_from_db()
    assert draft.state == Cycle.State.OPEN
    assert cycle_close(cycle=draft, by=org.hr, confirm_unfinished=True) == 7
    draft.refresh_from_db()
    assert draft.state == Cycle.State.CLOSED


def test_scoped_hr_cannot_launch_a_cycle_over_other_units(org, draft):
    with pytest.raises(ValidationError, match="Only HR for all"):
        cycle_launch(cycle=draft, by=org.hr_scoped_other)
    assert not Interview.objects.exists()


def test_scoped_hr_can_run_a_cycle_for_their_own_unit(org):
    cycle = cycle_create(
        by=org.hr_scoped_other,
        units=[org.unit_b],
        name="B 2026",
        opens_on=datetime.date(2026, 1, 1),
        closes_on=datetime.date(2026, 6, 30),
    )
    result = cycle_launch(cycle=cycle, by=org.hr_scoped_other)
    assert result.created == 3  # other manager, outsider, HR of B


def test_cycle_edit_from_a_stale_page_is_refused(org, draft):
    fields = {"name": "Renamed", "opens_on": draft.opens_on, "closes_on": draft.closes_on}
    cycle_update(cycle=draft, by=org.hr, expected_version=1, units=[org.root], **fields)
    with pytest.raises(ValidationError, match="Someone else changed this cycle"):
        cycle_update(
            cycle=draft, by=org.hr, expected_version=1, units=[org.root], **{**fields, "name": "Other"}
        )
    draft.refresh_from_db()
    assert draft.name == "Renamed" and draft.version == 2


def test_cycle_form_explains_bad_dates_and_saves_nothing(login, org):
    response = login(org.hr).post(
        reverse("interviews:cycle_create"),
        {
            "name": "Backwards",
            "units": [org.root.pk],
            "opens_on": "2026-06-01",
            "closes_on": "2026-01-01",
            "frequency": "yearly",
            "min_notice_days": 14,
            "min_length_minutes": 60,
            "prep_reminder_days": 7,
        },
    )
    assert response.status_code == 200
    assert "The cycle must close after it opens." in response.content.decode()
    assert not Cycle.objects.exists()


def test_hr_creates_launches_and_sees_missing_people_on_the_cycle_page(login, org):
    client = login(org.hr)
    response = client.post(
        reverse("interviews:cycle_create"),
        {
            "name": "PAI 2027",
            "units": [org.root.pk],
            "opens_on": "2027-01-04",
            "closes_on": "2027-06-30",
            "frequency": "yearly",
            "min_notice_days": 14,
            "min_length_minutes": 60,
            "prep_reminder_days": 7,
        },
        follow=True,
    )
    cycle = Cycle.objects.get(name="PAI 2027")
    page = response.content.decode()
    assert (
        "Draft" in page and "launching creates an interview for the 7 who have an interview partner" in page
    )
    url = reverse("interviews:cycle_launch", args=[cycle.pk])
    preview = client.get(url)
    assert "Launching creates 7 interviews." in preview.content.decode()
    page = client.post(
        url, {"plan": preview.context["plan"].digest, "confirm": "on"}, follow=True
    ).content.decode()
    assert "7 interviews were created. 1 person has no interview partner yet" in page
    assert "Dora Director" in page and "No partner" in page


def test_scoped_hr_sees_only_their_units_figures(login, org, draft):
    cycle_launch(cycle=draft, by=org.hr)
    page = (
        login(org.hr_scoped_other).get(reverse("interviews:cycle_detail", args=[draft.pk])).content.decode()
    )
    assert "3 interviews" in page
    assert "Eva Employee" not in page and "Olga Outsider" in page
