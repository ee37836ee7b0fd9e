"""Reads, and who may see what, for people and the organisation."""

import datetime
from functools import reduce
from operator import or_

from django.conf import settings
from django.core.cache import cache
from django.db import transaction
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone

from people.models import ApiToken, HRRole, OrgUnit, ReportingLine, User


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


def units_under(paths) -> QuerySet[OrgUnit]:
    """The units with these paths and every unit below them (none for no paths)."""
    paths = list(paths)
    if not paths:
        return OrgUnit.objects.none()
    return OrgUnit.objects.filter(reduce(or_, (Q(path__startswith=p) for p in paths)))


def units_visible_to_hr(user: User) -> QuerySet[OrgUnit]:
    """The units an HR user may see: everything, or their units with every sub-unit."""
    role = hr_role_of(user)
    if role is None:
        return OrgUnit.objects.none()
    if role.whole_organisation:
        return OrgUnit.objects.all()
    return units_under(role.units.values_list("path", flat=True))


def people_visible_to_hr(user: User) -> QuerySet[User]:
    """The people an HR user may see: those whose unit lies in the HR user's scope."""
    role = hr_role_of(user)
    if role is None:
        return User.objects.none()
    if role.whole_organisation:
        return User.objects.exclude(employee_number="")
    return User.objects.filter(unit__in=units_visible_to_hr(user))


def people_named(text: str) -> QuerySet[User]:
    """Everybody a search for a person finds: each word in their name or address, or their
    employee number. Not limited to anybody's scope: the caller limits it."""
    query = Q(employee_number=text.strip()) if text.strip() else Q(pk__in=[])
    words = text.split()
    if words:
        query |= reduce(
            lambda a, b: a & b,
            (Q(given_name__icontains=w) | Q(family_name__icontains=w) | Q(email__icontains=w) for w in words),
        )
    return User.objects.filter(query)


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


def api_tokens_visible_to(user: User) -> QuerySet[ApiToken]:
    """The integrations' tokens a person may list and revoke: every one for administrators,
    the ones they made for HR, none for anybody else.

    HR answer for their own tokens only: a token another HR user made for their units is
    theirs to renew or revoke (or an administrator's), not a colleague's.
    """
    if not user.is_authenticated:
        return ApiToken.objects.none()
    if user.is_staff:
        return ApiToken.objects.all()
    if is_hr(user):
        return ApiToken.objects.filter(created_by=user)
    return ApiToken.objects.none()


# --- the menu ------------------------------------------------------------------------


def _nav_key(user_id: int) -> str:
    return f"nav-roles:v1:{user_id}"


def nav_forget(user_id: int) -> None:
    """The person's menu facts changed (a reminder arrived, they read them): count again.

    Now, and again after the transaction commits, so that a page served in between
    cannot keep the old count for the rest of NAV_CACHE_SECONDS.
    """
    cache.delete(_nav_key(user_id))
    transaction.on_commit(lambda: cache.delete(_nav_key(user_id)))


def nav_facts(user: User) -> dict:
    """Is a partner, heads a unit, unread reminders: one row, kept a short while per person.

    Every full page shows the menu; asked for on every request this single row costs more
    than many pages' own reads (the query planner's time mostly). A new reminder and
    marking them read forget it at once; a new reporting line or head shows within
    NAV_CACHE_SECONDS.
    """
    seconds = settings.NAV_CACHE_SECONDS
    facts = cache.get(_nav_key(user.pk)) if seconds else None
    if facts is None:
        facts = (
            User.objects.filter(pk=user.pk)
            .annotate(
                # Anyone who is, or was, somebody's interview partner has a list of interviews.
                partner=Exists(ReportingLine.objects.filter(partner=OuterRef("pk"))),
                heads=Exists(OrgUnit.objects.filter(head=OuterRef("pk"))),
                unread=Count("notifications", filter=Q(notifications__read_at__isnull=True)),
            )
            .values("partner", "heads", "unread")
            .first()
        ) or {"partner": False, "heads": False, "unread": 0}
        if seconds:
            cache.set(_nav_key(user.pk), facts, seconds)
    return facts
