"""Reads for unit goals, and who may manage them."""

import datetime

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from goals.models import AgreedAction, UnitGoal
from people.audit_log import AuditObject, audit_object_kind_register, links, may_open
from people.models import OrgUnit, User
from people.selectors import current_lines, people_named, units_visible_to_hr

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


def actions_visible_to(user: User) -> QuerySet:
    """Actions a user may read and update: those they own, and those from the talks they were one
    of the two parties of (the employee, or the partner who held it).

    A later interview partner of the employee was in none of those talks: they read an earlier
    action only where the employee shows them the previous talk (its follow-up), and never
    change it (PRODUCT.md, confidentiality).
    """
    # No people joined in: for a manager's hundreds of actions PostgreSQL would hash-join every
    # user of the organisation, twice; a page that names them reads them by id afterwards.
    return AgreedAction.objects.filter(Q(owner=user) | Q(employee=user) | Q(partner=user))


def actions_followed_by(user: User, *, partner: bool = True) -> QuerySet:
    """My actions' list: the user's own actions and those of their own talks, and the actions
    from the talks they held with the people they hold interviews with now (partner=False:
    the caller knows there are none)."""
    query = Q(owner=user) | Q(employee=user)
    if partner:
        # The employees as a list, not a subquery: PostgreSQL then combines the indexes (a
        # bitmap OR) instead of scanning every action of every year. No ordering: the lines'
        # own (by the employee's name) would join every person.
        employees = list(
            current_lines().filter(partner=user).order_by().values_list("employee_id", flat=True)
        )
        if employees:
            query |= Q(partner=user, employee_id__in=employees)
    return AgreedAction.objects.filter(query)


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


# --- the audit log's objects (registered in GoalsConfig.ready) --------------------------


def audit_unit_goals(ids: list[int], reader: User) -> dict[int, AuditObject]:
    """A goal by its title and unit, linked to the unit's goals where the reader keeps them."""
    rows = may_open(
        UnitGoal.objects.filter(pk__in=ids), goal_units_managed_by(reader), through="unit_id"
    ).values_list("pk", "title", "unit_id", "unit__name", "may_open")
    link = links("goals:unit_goals")
    return {
        pk: AuditObject(f"{title} ({unit_name})", link(opens, unit))
        for pk, title, unit, unit_name, opens in rows.order_by()
    }


def audit_actions(ids: list[int], reader: User) -> dict[int, AuditObject]:
    """An agreed action by whose it is, never by what it says (that belongs to the talk)."""
    rows = may_open(AgreedAction.objects.filter(pk__in=ids), actions_visible_to(reader)).values_list(
        "pk", "employee__given_name", "employee__family_name", "employee__email", "may_open"
    )
    link = links("goals:my_actions", anchor="#action-")
    return {
        pk: AuditObject(
            _("%(employee)s's agreed action") % {"employee": User.name_of(given, family, email)},
            link(opens, pk),
        )
        for pk, given, family, email, opens in rows.order_by()
    }


def audit_object_kinds_register() -> None:
    audit_object_kind_register(
        "goals.unitgoal",
        resolve=audit_unit_goals,
        find=lambda text: UnitGoal.objects.filter(title__icontains=text),
    )
    audit_object_kind_register(
        "goals.agreedaction",
        resolve=audit_actions,
        find=lambda text: AgreedAction.objects.filter(employee__in=people_named(text)),
    )
