"""Reads for the cycle dashboard: figures by unit, by manager, by week and by year.

Status only. Nothing here reads a prep form's or a record's text: the figures come from
states, share flags, dates and action statuses, so no content can reach a dashboard, its
chart or its CSV. Each figure is one grouped query over the whole cycle, rolled up the
unit tree in Python, so the number of queries does not grow with units or interviews.

Who sees what: HR for the whole organisation sees everything; HR scoped to units, and a
head of unit, see their units with every sub-unit (a Viewer's paths).
"""

import datetime
from dataclasses import dataclass, field
from functools import reduce
from operator import or_

from django.db import connection
from django.db.models import Count, Exists, F, Min, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import TruncDate
from django.db.models.lookups import StartsWith
from django.utils import timezone

from goals.models import AgreedAction
from interviews.models import Cycle, Interview, InterviewRecord
from interviews.records import RECORD_LABEL
from people.models import HRRole, OrgUnit, User
from people.selectors import current_lines, hr_role_of

STATES = tuple(Interview.State.values)
OPEN_ACTION = (AgreedAction.Status.OPEN, AgreedAction.Status.IN_PROGRESS)
# An excused or cancelled interview is never prepared for: its shared prep counts nowhere,
# so that "employees shared 8 of 20" counts out of the interviews that go ahead.
NOT_PREPARED_FOR = (Interview.State.CANCELLED, Interview.State.EXCUSED)


# --- who looks -------------------------------------------------------------------------


@dataclass(frozen=True)
class Viewer:
    """Whose figures a user may see: all (paths is None) or the subtrees under these paths."""

    user: User
    paths: tuple[str, ...] | None
    hr: bool
    # The units where the viewer is HR (None: all), which is where they may nudge.
    hr_paths: tuple[str, ...] | None = ()

    def units_q(self, prefix: str = "") -> Q:
        """A filter to the viewer's units; prefix reaches the unit through a relation."""
        if self.paths is None:
            return Q()
        return reduce(or_, (Q(**{f"{prefix}path__startswith": path}) for path in self.paths))

    def sees_unit(self, unit: OrgUnit) -> bool:
        return self.paths is None or any(unit.path.startswith(path) for path in self.paths)

    def nudges_in(self, unit: OrgUnit) -> bool:
        return self.hr_paths is None or any(unit.path.startswith(path) for path in self.hr_paths)

    @property
    def ancestor_ids(self) -> set[int]:
        return {int(pk) for path in self.paths or () for pk in path.strip("/").split("/")}


def dashboard_viewer(user: User) -> Viewer | None:
    """HR (whole or scoped) and heads of unit; anybody else has no dashboard (None)."""
    role = hr_role_of(user)
    if role is not None and role.whole_organisation:
        return Viewer(user=user, paths=None, hr=True, hr_paths=None)
    units = OrgUnit.objects.filter(head=user)
    if role is not None:
        hr_unit = HRRole.units.through.objects.filter(hrrole=role, orgunit=OuterRef("pk"))
        units = OrgUnit.objects.filter(Q(head=user) | Q(Exists(hr_unit))).annotate(hr=Exists(hr_unit))
    else:
        units = units.annotate(hr=Value(False))
    found = list(units.values_list("path", "hr"))
    if not found:
        return None
    return Viewer(
        user=user,
        paths=_outermost({path for path, _hr in found}),
        hr=role is not None,
        hr_paths=_outermost({path for path, hr in found if hr}),
    )


def _outermost(paths: set[str]) -> tuple[str, ...]:
    """A subtree inside another adds nothing and would count its units twice in a filter."""
    return tuple(sorted(p for p in paths if not any(p != q and p.startswith(q) for q in paths)))


def dashboard_cycles(viewer: Viewer) -> QuerySet[Cycle]:
    """Launched cycles that cover some of the viewer's units: a unit of theirs or one above it."""
    cycles = Cycle.objects.exclude(state=Cycle.State.DRAFT)
    if viewer.paths is None:
        return cycles
    inside = Cycle.objects.filter(viewer.units_q("units__"))
    above = Cycle.objects.filter(units__in=viewer.ancestor_ids)
    return cycles.filter(Q(pk__in=inside.values("pk")) | Q(pk__in=above.values("pk")))


def _in_cycle_tree(cycle_id, unit_ref: str = "path"):
    """True for a unit that is one of the cycle's units or lies below one (no extra query)."""
    return Exists(OrgUnit.objects.filter(cycles=cycle_id).filter(StartsWith(OuterRef(unit_ref), F("path"))))


# --- figures ---------------------------------------------------------------------------


@dataclass
class Figures:
    planned: int = 0
    scheduled: int = 0
    held: int = 0
    signed: int = 0
    cancelled: int = 0
    excused: int = 0
    employee_shared: int = 0
    manager_shared: int = 0
    actions_open: int = 0
    actions_overdue: int = 0
    without_partner: int = 0

    def add(self, other: "Figures") -> None:
        for name in self.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def total(self) -> int:
        # Spelled out: a page of 200 units asks for this thousands of times.
        return self.planned + self.scheduled + self.held + self.signed + self.cancelled + self.excused

    @property
    def expected(self) -> int:
        """Interviews that should end signed: cancelled and excused ones are not expected."""
        return self.total - self.cancelled - self.excused

    @property
    def completion(self) -> int | None:
        """Signed, in whole per cent of the expected interviews; None when none are expected."""
        return round(100 * self.signed / self.expected) if self.expected else None

    @property
    def excused_or_cancelled(self) -> int:
        return self.excused + self.cancelled

    def state_counts(self) -> list[tuple[str, str, int]]:
        return [(key, Interview.State(key).label, getattr(self, key)) for key in STATES]


@dataclass
class UnitRow:
    unit: OrgUnit
    own: Figures = field(default_factory=Figures)
    figures: Figures = field(default_factory=Figures)
    children: list["UnitRow"] = field(default_factory=list)
    level: int = 0

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()


SORT_KEYS = {
    "name": lambda row: (row.unit.name.lower(), row.unit.code),
    "total": lambda row: row.figures.total,
    "completion": lambda row: (row.figures.completion is not None, row.figures.completion or 0),
    "planned": lambda row: row.figures.planned,
    "scheduled": lambda row: row.figures.scheduled,
    "held": lambda row: row.figures.held,
    "signed": lambda row: row.figures.signed,
    "excused": lambda row: row.figures.excused_or_cancelled,
    "employee_shared": lambda row: row.figures.employee_shared,
    "manager_shared": lambda row: row.figures.manager_shared,
    # The column reads "open (overdue)": the overdue ones first, the open ones between equals.
    "overdue": lambda row: (row.figures.actions_overdue, row.figures.actions_open),
    "without_partner": lambda row: row.figures.without_partner,
}


def dashboard_units(
    cycle: Cycle, viewer: Viewer, *, today: datetime.date | None = None
) -> tuple[Figures, list[UnitRow]]:
    """(totals, the unit tree with each unit's figures rolled up over its sub-units).

    Four grouped queries whatever the size of the cycle: units, interviews with prep,
    actions, people without a partner.
    """
    today = today or timezone.localdate()
    units = cycle_units(cycle, viewer)
    own: dict[int, Figures] = {unit.pk: Figures() for unit in units}

    def figures_of(unit_id) -> Figures:
        # An interview keeps the unit it was created in; a unit since moved out of the
        # cycle's tree still counts, as a figure at the top.
        return own.setdefault(unit_id, Figures())

    interviews = Interview.objects.filter(cycle=cycle).filter(viewer.units_q("unit__"))
    for row in _state_and_prep_counts(interviews, "unit_id"):
        target = figures_of(row.pop("unit_id"))
        for key, value in row.items():
            setattr(target, key, value)

    for unit_id, actions_open, actions_overdue in _actions_by_unit(interviews, today):
        target = figures_of(unit_id)
        target.actions_open, target.actions_overdue = int(actions_open), int(actions_overdue)

    for row in _without_partner(cycle, viewer).values("unit_id").annotate(n=Count("pk")).order_by():
        figures_of(row["unit_id"]).without_partner = row["n"]

    return _roll_up(units, own)


def _state_and_prep_counts(interviews: QuerySet[Interview], group: str, **extra) -> list[dict]:
    """Interviews per state and shared prep forms per side, grouped by a column.

    One pass over the cycle's interviews: the share flags are on the interview itself, so
    no prep form is read. A share counts only for an interview that goes ahead (not
    excused or cancelled), the same interviews Figures.expected counts.
    """
    going_ahead = ~Q(state__in=NOT_PREPARED_FOR)
    rows = list(
        interviews.values(group)
        .annotate(
            **{state: Count("pk", filter=Q(state=state)) for state in STATES},
            # Named apart from the flags themselves, which the ORM won't let a count shadow.
            employee_shared_n=Count("pk", filter=Q(employee_shared=True) & going_ahead),
            manager_shared_n=Count("pk", filter=Q(manager_shared=True) & going_ahead),
            **extra,
        )
        .order_by()
    )
    for row in rows:
        row["employee_shared"] = row.pop("employee_shared_n")
        row["manager_shared"] = row.pop("manager_shared_n")
    return rows


def cycle_units_query(cycle: Cycle, viewer: Viewer) -> QuerySet[OrgUnit]:
    """The units of the cycle's tree that the viewer may see."""
    return OrgUnit.objects.filter(viewer.units_q()).filter(_in_cycle_tree(cycle.pk))


def cycle_unit(cycle: Cycle, viewer: Viewer, pk: int) -> OrgUnit | None:
    """The unit cycle_units_query() would give for pk, or None.

    Read by its key and checked against the cycle's units in Python: the tree test as SQL
    (an EXISTS over LIKE patterns) cost each drill-down page half a millisecond to build.
    """
    try:
        unit = OrgUnit.objects.get(pk=pk)
    except OrgUnit.DoesNotExist:
        return None
    if not viewer.sees_unit(unit):
        return None
    if not any(unit.path.startswith(path) for path in cycle.units.values_list("path", flat=True)):
        return None
    return unit


def cycle_units(cycle: Cycle, viewer: Viewer) -> list[OrgUnit]:
    return list(cycle_units_query(cycle, viewer).only("pk", "name", "code", "path", "depth", "parent_id"))


def dashboard_units_tree(cycle: Cycle, viewer: Viewer) -> list[UnitRow]:
    """The same tree without figures, for pages that need the units only."""
    return _roll_up(cycle_units(cycle, viewer), {})[1]


def _actions_by_unit(interviews: QuerySet[Interview], today: datetime.date) -> list[tuple[int, int, int]]:
    """(unit id, open actions, overdue actions) for these interviews.

    SQL of our own because an action points at its record by label and id, which the ORM
    cannot join on.
    """
    action, record, interview = (
        AgreedAction._meta.db_table,
        InterviewRecord._meta.db_table,
        Interview._meta.db_table,
    )
    subquery, params = interviews.order_by().values("pk").query.sql_with_params()
    open_states = ", ".join(["%s"] * len(OPEN_ACTION))
    # From the open actions (a partial index keeps them, however many years are done)
    # to their records and interviews: the history's finished actions are never read.
    sql = f"""
        SELECT i.unit_id, COUNT(*), COUNT(*) FILTER (WHERE a.due_on < %s)
        FROM {action} a
        JOIN {record} r ON r.id = a.source_id
        JOIN {interview} i ON i.id = r.interview_id
        WHERE a.source_model = %s AND a.status IN ({open_states})
          AND i.id IN ({subquery})
        GROUP BY i.unit_id
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, [today.isoformat(), RECORD_LABEL, *OPEN_ACTION, *params])
        return cursor.fetchall()


def _cycle_actions(cycle: Cycle, interviews: QuerySet[Interview]) -> QuerySet[AgreedAction]:
    """The agreed actions of these interviews, each with its interview's unit and id.

    An action points at its record by label and id only, so the way back to the interview
    is through the employee: their one interview in this cycle (unique per cycle) is the
    record's. Plain joins, no per-row subquery: this runs over every action in the cycle.
    """
    records = InterviewRecord.objects.filter(interview__in=interviews.order_by().values("pk"))
    return AgreedAction.objects.filter(
        source_model=RECORD_LABEL,
        source_id__in=records.values("pk"),
        employee__interviews__cycle=cycle,
    ).annotate(interview_unit=F("employee__interviews__unit_id"), interview_id=F("employee__interviews__id"))


def _without_partner(cycle: Cycle, viewer: Viewer) -> QuerySet[User]:
    """People in the cycle's units who have no interview in it and no partner to hold one."""
    return (
        User.objects.filter(is_active=True)
        .exclude(employee_number="")
        # The units once (a semi-join), not a tree test per person.
        .filter(unit__in=cycle_units_query(cycle, viewer).values("pk"))
        # NOT IN, a hashed set checked as each person is read, so that the partner test
        # below runs for the few without an interview only, not for all ten thousand.
        .exclude(pk__in=Interview.objects.filter(cycle=cycle).values("employee_id"))
        .exclude(Exists(current_lines().filter(employee=OuterRef("pk"), partner__is_active=True)))
    )


def _roll_up(units: list[OrgUnit], own: dict[int, Figures]) -> tuple[Figures, list[UnitRow]]:
    rows = {unit.pk: UnitRow(unit=unit, own=own.get(unit.pk, Figures())) for unit in units}
    roots = []
    for row in rows.values():
        parent = rows.get(row.unit.parent_id)
        (parent.children if parent else roots).append(row)
    totals = Figures()
    for unit_id, figures in own.items():
        totals.add(figures)
        row = rows.get(unit_id)
        if row is None:
            continue
        for ancestor_id in row.unit.ancestor_ids():
            if ancestor_id in rows:
                rows[ancestor_id].figures.add(figures)
    return totals, _ordered(roots, "name", False)


def _ordered(rows: list[UnitRow], sort: str, descending: bool, level: int = 0) -> list[UnitRow]:
    """Siblings sorted by the chosen column; every level the same way, so the tree stays a tree."""
    key = SORT_KEYS.get(sort, SORT_KEYS["name"])
    rows = sorted(rows, key=SORT_KEYS["name"])
    rows.sort(key=key, reverse=descending)
    for row in rows:
        row.level = level
        row.children = _ordered(row.children, sort, descending, level + 1)
    return rows


def sort_tree(roots: list[UnitRow], sort: str, descending: bool) -> list[UnitRow]:
    return _ordered(roots, sort, descending)


def find_row(roots: list[UnitRow], unit_id: int) -> UnitRow | None:
    for root in roots:
        for row in root.walk():
            if row.unit.pk == unit_id:
                return row
    return None


# --- drill-down: the interviews of a unit ----------------------------------------------


UNIT_INTERVIEW_FIELDS = [
    "state",
    "starts_at",
    "employee_shared",
    "manager_shared",
    "unit__name",
    "employee__employee_number",
    *(
        f"{person}__{field}"
        for person in ("employee", "partner")
        for field in ("given_name", "family_name", "email")
    ),
]


def unit_interviews(cycle: Cycle, viewer: Viewer, unit: OrgUnit) -> QuerySet[Interview]:
    """The interviews of a unit and its sub-units, status only, by the employee's name."""
    interviews = (
        Interview.objects.filter(cycle=cycle, unit__path__startswith=unit.path)
        .filter(viewer.units_q("unit__"))
        .select_related("employee", "partner", "unit")
        # Only what a row shows (the drill-down and its CSV): fifty rows of four whole
        # tables cost the page some 2 ms more.
        .only(*UNIT_INTERVIEW_FIELDS)
    )
    if cycle.archive_for_hr and viewer.hr:
        # The latest signed version, for the archived summary's link (HR only, never a head).
        signed = InterviewRecord.objects.filter(interview=OuterRef("pk"), locked_at__isnull=False)
        interviews = interviews.annotate(
            signed_number=Subquery(signed.order_by("-number").values("number")[:1])
        )
    return interviews.order_by("employee__family_name", "employee__given_name", "pk")


def drill_rows(interviews: QuerySet[Interview]) -> QuerySet:
    """unit_interviews() as dicts for drill_row, with the same columns: fifty rows of four
    model instances each cost the page more than its query did. A page of them gets its
    action counts from with_action_counts()."""
    signed = ("signed_number",) if "signed_number" in interviews.query.annotations else ()
    return interviews.values("pk", *UNIT_INTERVIEW_FIELDS, *signed)


def with_action_counts(rows: list[dict], *, today: datetime.date | None = None) -> list[dict]:
    """A page of drill_rows, each with its open and overdue actions counted: one query.

    SQL of our own, as in _actions_by_unit: an action points at its record by label and id,
    which the ORM cannot join on. The same counts as correlated subqueries in the page's own
    query cost Django 2.5 ms a page to build and compile. An action belongs to a record; an
    interview's corrected versions are records of their own, and their actions add up.
    """
    today = today or timezone.localdate()
    counts = {}
    if rows:
        action, record = AgreedAction._meta.db_table, InterviewRecord._meta.db_table
        ids = [row["pk"] for row in rows]
        sql = f"""
            SELECT r.interview_id, COUNT(*), COUNT(*) FILTER (WHERE a.due_on < %s)
            FROM {action} a
            JOIN {record} r ON r.id = a.source_id
            WHERE a.source_model = %s AND a.status IN ({", ".join(["%s"] * len(OPEN_ACTION))})
              AND r.interview_id IN ({", ".join(["%s"] * len(ids))})
            GROUP BY r.interview_id
        """
        with connection.cursor() as cursor:
            cursor.execute(sql, [today.isoformat(), RECORD_LABEL, *OPEN_ACTION, *ids])
            counts = {pk: (opened, overdue) for pk, opened, overdue in cursor.fetchall()}
    for row in rows:
        row["actions_open"], row["actions_overdue"] = counts.get(row["pk"], (0, 0))
    return rows


def action_counts(
    cycle: Cycle, interviews: QuerySet[Interview], *, today: datetime.date | None = None
) -> dict[int, dict[str, int]]:
    """{interview id: {"total", "open", "overdue", "done"}} in one grouped query."""
    today = today or timezone.localdate()
    rows = (
        _cycle_actions(cycle, interviews)
        .values("interview_id")
        .annotate(
            total=Count("pk"),
            open=Count("pk", filter=Q(status__in=OPEN_ACTION)),
            overdue=Count("pk", filter=Q(status__in=OPEN_ACTION, due_on__lt=today)),
            done=Count("pk", filter=Q(status=AgreedAction.Status.DONE)),
        )
        .order_by()
    )
    return {row.pop("interview_id"): row for row in rows}


# --- per manager -----------------------------------------------------------------------

# Managers are "behind" once a cycle has been open this long with meetings still unbooked
# (the same grace as the scheduling reminders), or with a meeting past and not marked held.
BEHIND_AFTER = datetime.timedelta(weeks=3)


@dataclass
class ManagerRow:
    partner: User
    figures: Figures
    past_not_held: int
    next_meeting: datetime.datetime | None
    behind: bool

    @property
    def status(self) -> str:
        if self.figures.expected == self.figures.signed:
            return "done"
        return "behind" if self.behind else "on_track"


def managers_of(cycle: Cycle, viewer: Viewer, unit: OrgUnit | None, *, now=None) -> list[ManagerRow]:
    """One row per interview partner over the interviews of the unit: who has booked, who is behind."""
    now = now or timezone.now()
    interviews = Interview.objects.filter(cycle=cycle).filter(viewer.units_q("unit__"))
    if unit is not None:
        interviews = interviews.filter(unit__path__startswith=unit.path)
    rows = _state_and_prep_counts(
        interviews,
        "partner_id",
        past_not_held=Count("pk", filter=Q(state=Interview.State.SCHEDULED, starts_at__lt=now)),
        next_meeting=Min("starts_at", filter=Q(state=Interview.State.SCHEDULED, starts_at__gte=now)),
    )
    partners = User.objects.in_bulk([row["partner_id"] for row in rows])
    late = cycle.launched_at is not None and now - cycle.launched_at >= BEHIND_AFTER
    result = []
    for row in rows:
        figures = Figures(**{key: row[key] for key in (*STATES, "employee_shared", "manager_shared")})
        result.append(
            ManagerRow(
                partner=partners[row["partner_id"]],
                figures=figures,
                past_not_held=row["past_not_held"],
                next_meeting=row["next_meeting"],
                behind=bool(row["past_not_held"] or (late and figures.planned)),
            )
        )
    order = {"behind": 0, "on_track": 1, "done": 2}
    result.sort(
        key=lambda r: (
            order[r.status],
            -r.figures.planned - r.past_not_held,
            r.partner.family_name,
            r.partner.pk,
        )
    )
    return result


# --- over time -------------------------------------------------------------------------


@dataclass
class Comparison:
    """The cycles the "over time" page compares, and the overlapping ones it leaves out."""

    # Launched cycles over the same units as this one, oldest first, this cycle last.
    cycles: list[Cycle]
    # Earlier cycles that share some units with this one but not all, newest first.
    left_out: list[Cycle]


def comparable_cycles(cycle: Cycle, viewer: Viewer, *, limit: int = 5) -> Comparison:
    """This cycle and up to limit - 1 launched ones before it over the same units.

    The same units means the same set of units chosen for the cycle (the same unit ids):
    a cycle over the whole university and one over department A count different people,
    and their completion side by side would compare those people, not the years. Earlier
    cycles that overlap (a unit of one lies in or above a unit of the other) but differ
    are returned apart, for the page to name what it leaves out.

    One query: the cycle's units and those of every overlapping earlier cycle, as rows of
    the cycles' unit table with their cycle.
    """
    through = Cycle.units.through.objects
    overlapping = through.filter(cycle_id=cycle.pk).filter(
        Q(StartsWith(OuterRef("orgunit__path"), F("orgunit__path")))
        | Q(StartsWith(F("orgunit__path"), OuterRef("orgunit__path")))
    )
    earlier = (
        dashboard_cycles(viewer)
        .filter(Exists(through.filter(cycle_id=OuterRef("pk")).filter(Exists(overlapping))))
        .filter(opens_on__lte=cycle.opens_on)
        .exclude(pk=cycle.pk)
    )
    rows = (
        through.filter(Q(cycle_id=cycle.pk) | Q(cycle_id__in=earlier.values("pk")))
        .select_related("cycle")
        .order_by("-cycle__opens_on", "-cycle_id")
    )
    scopes: dict[int, set[int]] = {}
    found: dict[int, Cycle] = {}
    for row in rows:
        scopes.setdefault(row.cycle_id, set()).add(row.orgunit_id)
        found.setdefault(row.cycle_id, row.cycle)
    same, left_out = [], []
    for pk, other in found.items():  # newest first, as read
        if pk == cycle.pk:
            continue
        (same if scopes[pk] == scopes.get(cycle.pk, set()) else left_out).append(other)
    return Comparison(cycles=[*reversed(same[: limit - 1]), cycle], left_out=left_out)


@dataclass
class Progress:
    cycle: Cycle
    expected: int
    # Signed interviews (cumulative) at the end of week 1, 2, ... after the cycle opened.
    signed_by_week: list[int]

    def percent(self, week_index: int) -> float | None:
        if not self.expected or week_index >= len(self.signed_by_week):
            return None
        return 100 * self.signed_by_week[week_index] / self.expected


def progress_by_week(
    cycles: list[Cycle],
    viewer: Viewer,
    *,
    today: datetime.date | None = None,
    expected: dict[int, int] | None = None,
) -> dict[int, Progress]:
    """Completion week by week for each cycle: when each interview was first signed.

    One query for the first signatures per cycle and day, and one for the expected
    interviews per cycle unless the caller knows them already.
    """
    today = today or timezone.localdate()
    ids = [c.pk for c in cycles]
    interviews = Interview.objects.filter(cycle__in=ids).filter(viewer.units_q("unit__"))
    if expected is None:
        expected = dict(
            interviews.exclude(state__in=(Interview.State.CANCELLED, Interview.State.EXCUSED))
            .values("cycle_id")
            .annotate(n=Count("pk"))
            .values_list("cycle_id", "n")
        )
    days: dict[int, dict[datetime.date, int]] = {pk: {} for pk in ids}
    first_signatures = (
        InterviewRecord.objects.filter(
            number=1, locked_at__isnull=False, interview__in=interviews.values("pk")
        )
        .annotate(day=TruncDate("locked_at", tzinfo=timezone.get_current_timezone()))
        .values("interview__cycle_id", "day")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in first_signatures:
        days[row["interview__cycle_id"]][row["day"]] = row["n"]
    result = {}
    for cycle in cycles:
        last_day = min(today, cycle.closes_on)
        weeks = max(0, (last_day - cycle.opens_on).days // 7 + 1)
        # Signatures after the closing day still count (late signing), in the last week.
        by_week = [0] * weeks
        before = 0
        for day, n in days[cycle.pk].items():
            index = (day - cycle.opens_on).days // 7
            if index < 0:
                before += n
            elif weeks:
                by_week[min(index, weeks - 1)] += n
        running, cumulative = before, []
        for n in by_week:
            running += n
            cumulative.append(running)
        result[cycle.pk] = Progress(
            cycle=cycle, expected=expected.get(cycle.pk, 0), signed_by_week=cumulative
        )
    return result


def completion_by_year(
    cycles: list[Cycle], viewer: Viewer, units: list[OrgUnit]
) -> tuple[list[tuple[OrgUnit, list[int | None]]], dict[int, int]]:
    """(completion per unit, rolled up, in each cycle; expected interviews per cycle) in one query."""
    ids = [c.pk for c in cycles]
    wanted = {unit.pk for unit in units}
    figures: dict[tuple[int, int], Figures] = {}
    per_cycle = {pk: Figures() for pk in ids}
    rows = (
        Interview.objects.filter(cycle__in=ids)
        .filter(viewer.units_q("unit__"))
        .values("cycle_id", "unit__path", "state")
        .annotate(n=Count("pk"))
        .order_by()
    )
    for row in rows:
        setattr(
            per_cycle[row["cycle_id"]],
            row["state"],
            getattr(per_cycle[row["cycle_id"]], row["state"]) + row["n"],
        )
        for unit_id in (int(pk) for pk in row["unit__path"].strip("/").split("/")):
            if unit_id in wanted:
                target = figures.setdefault((unit_id, row["cycle_id"]), Figures())
                setattr(target, row["state"], getattr(target, row["state"]) + row["n"])
    table = [
        (unit, [figures[(unit.pk, pk)].completion if (unit.pk, pk) in figures else None for pk in ids])
        for unit in units
    ]
    return table, {pk: f.expected for pk, f in per_cycle.items()}
