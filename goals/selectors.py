"""Reads for unit goals, and who may manage them."""

import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone

from goals.models import AgreedAction, UnitGoal
from people.models import OrgUnit, User
from people.selectors import current_lines, units_visible_to_hr

# The generation (people/generations.py) of every unit's goals: any goal saved or deleted
# renews it, and reads kept from the goals are read again.
UNIT_GOALS = "unit-goals"


def goals_for_unit(unit: OrgUnit | None, *, on: datetime.date | None = None) -> QuerySet[UnitGoal]:
    """The goals in force for a unit: its own and those of every unit above it."""
    if unit is None:
        return UnitGoal.objects.none()
    on = on or timezone.localdate()
    return (
        UnitGoal.objects.filter(unit_id__in=unit.ancestor_ids(), period_start__lte=on)
        .filter(Q(period_end__isnull=True) | Q(period_end__gte=on))
        .select_related("unit")
        .order_by("unit__depth", "title")
    )


def goal_units_managed_by(user: User) -> QuerySet[OrgUnit]:
    """Units whose goals a user may keep: HR for their units, and the head of a unit for its subtree."""
    query = Q(pk__in=units_visible_to_hr(user).values("pk"))
    for path in OrgUnit.objects.filter(head=user).values_list("path", flat=True):
        query |= Q(path__startswith=path)
    return OrgUnit.objects.filter(query)


def actions_visible_to(user: User, *, partner: bool = True) -> QuerySet:
    """Actions a user may see: those they own, those from their own interviews, and those of the
    people they currently hold interviews with (partner=False: the caller knows there are none)."""
    # The employees as a list, not a subquery: then PostgreSQL combines the owner and employee
    # indexes (a bitmap OR) instead of scanning every action of every year.
    employees = [user.pk]
    if partner:
        # No ordering: the lines' own (by the employee's name) would join every person.
        employees += current_lines().filter(partner=user).order_by().values_list("employee_id", flat=True)
    # No people joined in: for a manager's hundreds of actions PostgreSQL would hash-join every
    # user of the organisation, twice; a page that names them reads them by id afterwards.
    return AgreedAction.objects.filter(Q(owner=user) | Q(employee_id__in=employees))


def action_groups(actions, *, today: datetime.date | None = None) -> list[tuple[str, list]]:
    """Actions grouped by when they are due: overdue first, finished last."""
    today = today or timezone.localdate()
    soon = today + datetime.timedelta(days=7)
    groups = {"overdue": [], "soon": [], "later": [], "finished": []}
    for action in actions:
        if action.status in (AgreedAction.Status.DONE, AgreedAction.Status.DROPPED):
            groups["finished"].append(action)
        elif action.due_on < today:
            groups["overdue"].append(action)
        elif action.due_on <= soon:
            groups["soon"].append(action)
        else:
            groups["later"].append(action)
    return [(key, items) for key, items in groups.items() if items]
