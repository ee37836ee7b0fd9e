"""Reads, and who may see what, for people and the organisation."""

import datetime
from functools import reduce
from operator import or_

from django.db.models import Q, QuerySet
from django.utils import timezone

from people.models import HRRole, OrgUnit, ReportingLine, User


def today() -> datetime.date:
    return timezone.localdate()


def current_lines(*, on: datetime.date | None = None) -> QuerySet[ReportingLine]:
    """Reporting lines in force on a day (today by default)."""
    on = on or today()
    return ReportingLine.objects.filter(valid_from__lte=on).filter(
        Q(valid_to__isnull=True) | Q(valid_to__gt=on)
    )


def current_line_of(employee: User, *, on: datetime.date | None = None) -> ReportingLine | None:
    return current_lines(on=on).filter(employee=employee).select_related("partner").first()


def current_partner_of(employee: User, *, on: datetime.date | None = None) -> User | None:
    line = current_line_of(employee, on=on)
    return line.partner if line else None


def people_partnered_by(partner: User, *, on: datetime.date | None = None) -> QuerySet[User]:
    """The people this partner currently holds interviews with."""
    employee_ids = current_lines(on=on).filter(partner=partner).values("employee_id")
    return User.objects.filter(pk__in=employee_ids, is_active=True).select_related("unit")


def hr_role_of(user: User) -> HRRole | None:
    if not user.is_authenticated:
        return None
    try:
        return user.hr_role
    except HRRole.DoesNotExist:
        return None


def is_hr(user: User) -> bool:
    return hr_role_of(user) is not None


def is_hr_for_whole_organisation(user: User) -> bool:
    role = hr_role_of(user)
    return bool(role and role.whole_organisation)


def units_visible_to_hr(user: User) -> QuerySet[OrgUnit]:
    """The units an HR user may see: everything, or their units with every sub-unit."""
    role = hr_role_of(user)
    if role is None:
        return OrgUnit.objects.none()
    if role.whole_organisation:
        return OrgUnit.objects.all()
    paths = list(role.units.values_list("path", flat=True))
    if not paths:
        return OrgUnit.objects.none()
    return OrgUnit.objects.filter(reduce(or_, (Q(path__startswith=p) for p in paths)))


def people_visible_to_hr(user: User) -> QuerySet[User]:
    """The people an HR user may see: those whose unit lies in the HR user's scope."""
    role = hr_role_of(user)
    if role is None:
        return User.objects.none()
    if role.whole_organisation:
        return User.objects.exclude(employee_number="")
    return User.objects.filter(unit__in=units_visible_to_hr(user))


def unit_tree(units: QuerySet[OrgUnit]) -> list[OrgUnit]:
    """Units in depth-first order with siblings sorted by name, for an indented list.

    One query; the order is computed here because a path of ids does not sort by name.
    """
    units = list(units.select_related("head"))
    by_parent: dict[int | None, list[OrgUnit]] = {}
    ids = {u.pk for u in units}
    for unit in units:
        # A unit whose parent is outside the visible set is shown as a root.
        key = unit.parent_id if unit.parent_id in ids else None
        by_parent.setdefault(key, []).append(unit)
    for children in by_parent.values():
        children.sort(key=lambda u: (u.name.lower(), u.code))
    ordered: list[OrgUnit] = []
    stack = list(reversed(by_parent.get(None, [])))
    base_depth = min((u.depth for u in by_parent.get(None, [])), default=0)
    while stack:
        unit = stack.pop()
        unit.level = unit.depth - base_depth
        ordered.append(unit)
        stack.extend(reversed(by_parent.get(unit.pk, [])))
    return ordered


def partners_by_employee(employee_ids, *, on: datetime.date | None = None) -> dict[int, ReportingLine]:
    """The current line of each of these employees, with its partner, in one query."""
    lines = current_lines(on=on).filter(employee_id__in=employee_ids).select_related("partner")
    return {line.employee_id: line for line in lines}
