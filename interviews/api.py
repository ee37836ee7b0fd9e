"""The REST API's cycles: their figures per unit and their interviews' states and dates.

The same figures as HR's dashboard and its CSV (interviews.dashboard), for the units the
token was made for, with their sub-units. Status only: no prep form, record, action,
comment, reason or meeting note is read here, so none can be answered.
"""

import datetime

from django.db.models import F, OuterRef, Subquery
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Path, Query, Router, Schema
from ninja.pagination import paginate

from interviews import dashboard
from interviews.models import Cycle, Interview, InterviewRecord
from people.api import PROBLEMS, Page, TokenAuth
from people.api_auth import token_paths
from people.models import ApiScope, ApiToken

router = Router(tags=["cycles"])


def token_viewer(token: ApiToken) -> dashboard.Viewer:
    """A token sees figures as HR for its units would (never as a head of unit: no drill
    into managers, no nudges)."""
    return dashboard.Viewer(user=token.created_by, paths=token_paths(token), hr=True, hr_paths=())


def _cycle(token: ApiToken, pk: int) -> Cycle:
    if not 0 < pk < 2**31:  # a key no database holds: not found, not a database error
        raise Http404
    return get_object_or_404(dashboard.dashboard_cycles(token_viewer(token)), pk=pk)


class CycleOut(Schema):
    id: int
    name: str
    state: str
    frequency: str
    opens_on: datetime.date
    closes_on: datetime.date
    unit_codes: list[str]


class FiguresOut(Schema):
    planned: int
    scheduled: int
    held: int
    signed: int
    cancelled: int
    excused: int
    total: int = Field(description="Interviews in every state.")
    completion: int | None = Field(description="Signed, in per cent of those not cancelled or excused.")
    employee_shared: int
    manager_shared: int
    actions_open: int
    actions_overdue: int
    without_partner: int


class UnitFiguresOut(Schema):
    code: str
    name: str
    level: int
    parent_code: str | None
    figures: FiguresOut = Field(description="The unit with its sub-units rolled up.")


class CycleFiguresOut(Schema):
    cycle: int
    counted_at: datetime.datetime
    totals: FiguresOut
    units: list[UnitFiguresOut]


class InterviewOut(Schema):
    id: int
    employee_number: str
    partner_employee_number: str | None
    unit_code: str | None
    state: str
    starts_at: datetime.datetime | None
    duration_minutes: int | None
    employee_shared: bool
    manager_shared: bool
    signed_at: datetime.datetime | None = Field(description="When the latest version was signed by both.")


class InterviewsFilter(Schema):
    state: Interview.State | None = None
    unit: str | None = Field(
        None, max_length=50, description="A unit code: its interviews and its sub-units'."
    )


def _figures(figures: dashboard.Figures) -> dict:
    return {
        **{name: getattr(figures, name) for name in dashboard.Figures.__dataclass_fields__},
        "total": figures.total,
        "completion": figures.completion,
    }


@router.get(
    "/cycles",
    response={200: list[CycleOut], **PROBLEMS},
    auth=TokenAuth(ApiScope.FIGURES_READ),
    summary="Cycles the token's units take part in",
    operation_id="cycles_list",
)
@paginate(Page)
def cycles_list(request):
    cycles = dashboard.dashboard_cycles(token_viewer(request.auth)).order_by("-opens_on", "-pk")
    return _CyclePage(cycles)


class _CyclePage:
    """The cycles with their unit codes, read for one page at a time in two queries."""

    def __init__(self, cycles):
        self.cycles = cycles

    def count(self) -> int:
        return self.cycles.count()

    def __len__(self) -> int:
        return self.count()

    def __getitem__(self, window: slice):
        page = list(self.cycles[window].prefetch_related("units"))
        return [
            {
                "id": c.pk,
                "name": c.name,
                "state": c.state,
                "frequency": c.frequency,
                "opens_on": c.opens_on,
                "closes_on": c.closes_on,
                "unit_codes": sorted(u.code for u in c.units.all()),
            }
            for c in page
        ]


@router.get(
    "/cycles/{cycle_id}/figures",
    response={200: CycleFiguresOut, **PROBLEMS},
    auth=TokenAuth(ApiScope.FIGURES_READ),
    summary="A cycle's figures per unit (the dashboard's numbers, the CSV's rows)",
    operation_id="cycle_figures",
)
def cycle_figures(request, cycle_id: Path[int]):
    viewer = token_viewer(request.auth)
    cycle = _cycle(request.auth, cycle_id)
    totals, roots = dashboard.dashboard_units(cycle, viewer)
    codes = {row.unit.pk: row.unit.code for root in roots for row in root.walk()}
    return {
        "cycle": cycle.pk,
        "counted_at": timezone.now(),
        "totals": _figures(totals),
        "units": [
            {
                "code": row.unit.code,
                "name": row.unit.name,
                "level": row.level,
                "parent_code": codes.get(row.unit.parent_id),
                "figures": _figures(row.figures),
            }
            for root in roots
            for row in root.walk()
        ],
    }


@router.get(
    "/cycles/{cycle_id}/interviews",
    response={200: list[InterviewOut], **PROBLEMS},
    auth=TokenAuth(ApiScope.FIGURES_READ),
    summary="A cycle's interviews: states and dates only",
    operation_id="cycle_interviews",
)
@paginate(Page)
def cycle_interviews(request, cycle_id: Path[int], filters: Query[InterviewsFilter]):
    viewer = token_viewer(request.auth)
    cycle = _cycle(request.auth, cycle_id)
    interviews = Interview.objects.filter(cycle=cycle).filter(viewer.units_q("unit__"))
    if filters.state:
        interviews = interviews.filter(state=filters.state)
    if filters.unit is not None:
        unit = dashboard.cycle_units_query(cycle, viewer).filter(code=filters.unit).first()
        interviews = interviews.filter(unit__path__startswith=unit.path) if unit else interviews.none()
    signed = InterviewRecord.objects.filter(interview=OuterRef("pk"), locked_at__isnull=False)
    return (
        interviews.annotate(signed_at=Subquery(signed.order_by("-number").values("locked_at")[:1]))
        .order_by("employee__employee_number", "pk")
        .values(
            "id",
            "state",
            "starts_at",
            "duration_minutes",
            "employee_shared",
            "manager_shared",
            "signed_at",
            employee_number=F("employee__employee_number"),
            partner_employee_number=F("partner__employee_number"),
            unit_code=F("unit__code"),
        )
    )
