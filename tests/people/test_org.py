import datetime

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from people.models import OrgUnit, ReportingLine
from people.selectors import (
    current_partner_of,
    people_partnered_by,
    people_visible_to_hr,
    unit_tree,
    units_visible_to_hr,
)
from people.services import reporting_line_change, units_rebuild_paths
from tests.factories import OrgUnitFactory, ReportingLineFactory, UserFactory


def test_subtree_is_one_query_over_a_deep_tree(db, django_assert_num_queries):
    parent = OrgUnitFactory(code="L0")
    for depth in range(1, 6):
        parent = OrgUnitFactory(code=f"L{depth}", parent=parent)
        OrgUnitFactory(code=f"S{depth}", parent=parent.parent)  # a sibling at each level
    top = OrgUnit.objects.get(code="L2")
    with django_assert_num_queries(1):
        codes = sorted(top.subtree().values_list("code", flat=True))
    assert codes == ["L2", "L3", "L4", "L5", "S3", "S4", "S5"]


def test_unit_tree_orders_children_under_parents(db):
    root = OrgUnitFactory(code="R", name="Root")
    OrgUnitFactory(code="Z", name="Zoology", parent=root)
    b = OrgUnitFactory(code="B", name="Botany", parent=root)
    OrgUnitFactory(code="BG", name="Botany group", parent=b)
    tree = unit_tree(OrgUnit.objects.all())
    assert [(u.code, u.level) for u in tree] == [("R", 0), ("B", 1), ("BG", 2), ("Z", 1)]


def test_rebuild_paths_refuses_a_parent_cycle(db):
    a = OrgUnitFactory(code="A")
    b = OrgUnitFactory(code="B", parent=a)
    OrgUnit.objects.filter(pk=a.pk).update(parent=b)
    with pytest.raises(ValidationError):
        units_rebuild_paths()


def test_one_open_reporting_line_per_employee_in_the_database(db):
    line = ReportingLineFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        ReportingLineFactory(employee=line.employee)
    # A closed line beside an open one is history, and allowed.
    ReportingLine.objects.filter(pk=line.pk).update(valid_to=datetime.date(2024, 1, 1))
    ReportingLineFactory(employee=line.employee, valid_from=datetime.date(2024, 1, 1))


def test_reporting_line_to_oneself_is_refused_by_the_database(db):
    person = UserFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        ReportingLineFactory(employee=person, partner=person)


def test_current_partner_and_people_partnered_by(org):
    assert current_partner_of(org.employee) == org.manager
    assert set(people_partnered_by(org.manager)) == {org.employee, org.other_employee}
    assert set(people_partnered_by(org.director)) == {org.manager, org.other_manager, org.hr}
    assert current_partner_of(org.director) is None


def test_partner_change_closes_old_line_and_opens_new(org):
    on = datetime.date(2026, 6, 1)
    reporting_line_change(employee=org.employee, partner=org.other_manager, kind="professional_leader", on=on)
    lines = list(ReportingLine.objects.filter(employee=org.employee).order_by("valid_from"))
    assert [(line.partner, line.valid_to) for line in lines] == [(org.manager, on), (org.other_manager, None)]
    assert current_partner_of(org.employee, on=on) == org.other_manager
    assert current_partner_of(org.employee, on=on - datetime.timedelta(days=1)) == org.manager
    assert org.employee not in people_partnered_by(org.manager, on=on)


def test_partner_change_refuses_a_reporting_cycle(org):
    with pytest.raises(ValidationError, match="already holds their interview"):
        reporting_line_change(employee=org.director, partner=org.employee, kind="head_of_unit")
    assert current_partner_of(org.director) is None


def test_partner_change_refuses_when_someone_changed_it_meanwhile(org):
    seen = ReportingLine.objects.get(employee=org.employee, valid_to__isnull=True).pk
    reporting_line_change(
        employee=org.employee,
        partner=org.director,
        kind="head_of_unit",
        expected_line_id=seen,
        on=datetime.date(2026, 1, 1),
    )
    with pytest.raises(ValidationError, match="Someone else changed"):
        reporting_line_change(
            employee=org.employee,
            partner=org.other_manager,
            kind="head_of_unit",
            expected_line_id=seen,
            on=datetime.date(2026, 1, 1),
        )
    assert current_partner_of(org.employee, on=datetime.date(2026, 1, 1)) == org.director


def test_hr_scope_covers_sub_units_only(org):
    sub = OrgUnitFactory(code="B1", parent=org.unit_b)
    person = UserFactory(unit=sub)
    assert set(units_visible_to_hr(org.hr_scoped_other)) == {org.unit_b, sub}
    assert person in people_visible_to_hr(org.hr_scoped_other)
    assert org.employee not in people_visible_to_hr(org.hr_scoped_other)
    assert set(units_visible_to_hr(org.hr)) == set(OrgUnit.objects.all())
    assert not units_visible_to_hr(org.manager).exists()
