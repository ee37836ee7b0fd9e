"""The REST API's organisation: units, people and reporting lines, read; and the import, written.

django-ninja (wired in config/api.py): each endpoint's types are its validation and its
OpenAPI schema, so the schema served cannot drift from what is answered. A token sees the
units it was made for, with their sub-units, and the people in them; nothing here reads
anything written for a talk.
"""

import datetime
import json

from django.db.models import F, QuerySet
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import LimitOffsetPagination, paginate
from ninja.security import HttpBearer
from pydantic import ConfigDict

from people.api_auth import token_authenticate, token_paths
from people.importing import org_import_apply
from people.importing.report import impact_row, impact_title
from people.models import ApiScope, ApiToken, JobKind, OrgUnit, ReportingLine, User
from people.selectors import current_lines, units_under

# --- shared by the API's routers (interviews/api.py too) ---------------------------------


class TokenAuth(HttpBearer):
    """A bearer token with this scope (people.api_auth); refusals become problem details."""

    def __init__(self, scope: str):
        self.scope = scope
        super().__init__()

    def __call__(self, request):
        return token_authenticate(request, scope=self.scope)

    def authenticate(self, request, token):  # pragma: no cover - __call__ does the work
        return None


# No NUL character: PostgreSQL stores none. The schema says so; the API refuses one with
# 400 before reading the body (people.middleware.ApiRequestMiddleware), which costs a byte
# search where pydantic's pattern cost 0.75 s over a 10,000-person import.
NO_NUL = {"pattern": r"^[^\x00]*$"}


class Strict(Schema):
    """Input: unknown keys and values of another type (0 for false) are refused (422), not guessed."""

    model_config = ConfigDict(extra="forbid", strict=True)


class Problem(Schema):
    """An error as RFC 9457 problem details (application/problem+json)."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str = ""
    errors: list[dict] | None = Field(None, description="The rows or fields that are wrong, where there are.")


# Every endpoint may answer these; config/api.py sends them as application/problem+json.
PROBLEMS = {400: Problem, 401: Problem, 403: Problem, 404: Problem, 422: Problem, 429: Problem}


class Page(LimitOffsetPagination):
    """?limit= (at most 1000, 100 by default) and ?offset=; the answer says the total count."""

    class Input(Schema):
        limit: int = Field(100, ge=1, le=1000)
        offset: int = Field(0, ge=0, le=10_000_000)


def token_units(token: ApiToken) -> QuerySet[OrgUnit]:
    """The units a token sees: all, or its units with every sub-unit."""
    paths = token_paths(token)
    return OrgUnit.objects.all() if paths is None else units_under(paths)


def token_people(token: ApiToken) -> QuerySet[User]:
    """The people a token sees: those with an employee number in its units (administrators'
    service accounts, who have none, are nobody's business here)."""
    people = User.objects.exclude(employee_number="")
    if token.whole_organisation:
        return people
    return people.filter(unit__in=token_units(token))


# --- reads ---------------------------------------------------------------------------------

router = Router(tags=["organisation"])


class UnitOut(Schema):
    code: str
    name: str
    parent_code: str | None
    head_employee_number: str | None


class PersonOut(Schema):
    employee_number: str
    given_name: str
    family_name: str
    email: str
    job_kind: str
    unit_code: str | None
    language: str
    active: bool


class LineOut(Schema):
    employee_number: str
    partner_employee_number: str
    kind: str
    valid_from: datetime.date
    valid_to: datetime.date | None = Field(description="The first day the line no longer applies.")


class PeopleFilter(Schema):
    unit: str | None = Field(
        None,
        max_length=50,
        json_schema_extra=NO_NUL,
        description="A unit code: its people and its sub-units'.",
    )
    active: bool | None = None


@router.get(
    "/units",
    response={200: list[UnitOut], **PROBLEMS},
    auth=TokenAuth(ApiScope.ORG_READ),
    summary="Units",
    operation_id="units_list",
)
@paginate(Page)
def units_list(request):
    return (
        token_units(request.auth)
        .order_by("code")
        .values(
            "code", "name", parent_code=F("parent__code"), head_employee_number=F("head__employee_number")
        )
    )


@router.get(
    "/people",
    response={200: list[PersonOut], **PROBLEMS},
    auth=TokenAuth(ApiScope.ORG_READ),
    summary="People",
    operation_id="people_list",
)
@paginate(Page)
def people_list(request, filters: Query[PeopleFilter]):
    people = token_people(request.auth)
    if filters.unit is not None:
        unit = token_units(request.auth).filter(code=filters.unit).first()
        people = people.filter(unit__path__startswith=unit.path) if unit else people.none()
    if filters.active is not None:
        people = people.filter(is_active=filters.active)
    return people.order_by("employee_number").values(
        "employee_number",
        "given_name",
        "family_name",
        "email",
        "job_kind",
        "language",
        unit_code=F("unit__code"),
        active=F("is_active"),
    )


class LinesFilter(Schema):
    current: bool = Field(True, description="Only the lines in force today (false: the whole history).")


@router.get(
    "/reporting-lines",
    response={200: list[LineOut], **PROBLEMS},
    auth=TokenAuth(ApiScope.ORG_READ),
    summary="Reporting lines: who holds the interview with whom",
    operation_id="reporting_lines_list",
)
@paginate(Page)
def reporting_lines_list(request, filters: Query[LinesFilter]):
    lines = current_lines() if filters.current else ReportingLine.objects.all()
    if not request.auth.whole_organisation:
        lines = lines.filter(employee__in=token_people(request.auth))
    return lines.order_by("employee__employee_number", "-valid_from", "-pk").values(
        "kind",
        "valid_from",
        "valid_to",
        employee_number=F("employee__employee_number"),
        partner_employee_number=F("partner__employee_number"),
    )


# --- the import ----------------------------------------------------------------------------


class UnitRow(Strict):
    code: str = Field(max_length=200, json_schema_extra=NO_NUL)
    name: str = Field(max_length=1000, json_schema_extra=NO_NUL)
    parent_code: str = Field("", max_length=200, json_schema_extra=NO_NUL)
    head_employee_number: str | None = Field(None, max_length=200, json_schema_extra=NO_NUL)


class PersonRow(Strict):
    employee_number: str = Field(max_length=200, json_schema_extra=NO_NUL)
    given_name: str = Field(max_length=1000, json_schema_extra=NO_NUL)
    family_name: str = Field(max_length=1000, json_schema_extra=NO_NUL)
    email: str = Field(max_length=1000, json_schema_extra=NO_NUL)
    job_kind: str = Field(max_length=100, json_schema_extra=NO_NUL, examples=list(JobKind.values))
    unit_code: str = Field(max_length=200, json_schema_extra=NO_NUL)
    partner_employee_number: str = Field("", max_length=200, json_schema_extra=NO_NUL)
    partner_kind: str = Field(
        "", max_length=100, json_schema_extra=NO_NUL, examples=list(ReportingLine.Kind.values)
    )
    language: str = Field("", max_length=20, json_schema_extra=NO_NUL)


class ImportIn(Strict):
    units: list[UnitRow] | None = Field(
        None, max_length=100_000, description="The units file's rows; leave out to change no unit."
    )
    people: list[PersonRow] | None = Field(
        None, max_length=100_000, description="The people file's rows; leave out to change nobody."
    )
    whole_organisation: bool = Field(
        False, description="The people rows are everybody: active people missing from them leave."
    )
    dry_run: bool = Field(False, description="Check and preview only; nothing is written.")


class RowProblem(Schema):
    file: str
    line: int = Field(description="The row's place in its list, from 1 (0: the list as a whole).")
    message: str


class ImpactOut(Schema):
    kind: str
    title: str
    rows: list[str]


class ImportOut(Schema):
    applied: bool
    dry_run: bool
    summary: dict[str, int]
    changes: list[dict]
    impact: list[ImpactOut]
    notes: list[str]


def _rows_json(rows: list[dict] | None) -> str | None:
    """The rows as the import reads a JSON file: a list of objects with the files' columns."""
    return None if rows is None else json.dumps(rows)


@router.post(
    "/org/import",
    response={200: ImportOut, **PROBLEMS},
    auth=TokenAuth(ApiScope.ORG_WRITE),
    summary="Import units, people and reporting lines (all or nothing)",
    operation_id="org_import",
    description=(
        "The same content as the HR page's import files, as JSON rows with the files' columns. "
        "Every row is checked against the organisation as it would be after the import; if any is "
        "bad, nothing is applied and the answer (422) lists each bad row. With dry_run the answer "
        "is the preview the HR page shows, and nothing is written."
    ),
)
def org_import(request, payload: ImportIn):
    rows = payload.model_dump(include={"units", "people"}, exclude_none=True)
    report = org_import_apply(
        units_data=_rows_json(rows.get("units") if payload.units is not None else None),
        people_data=_rows_json(rows.get("people") if payload.people is not None else None),
        dry_run=payload.dry_run,
        whole_organisation=payload.whole_organisation,
    )
    if not report.ok:
        return Status(
            422,
            {
                "title": "The import has bad rows",
                "status": 422,
                "detail": "Nothing was applied. Correct the rows listed and send the whole import again.",
                "errors": [{"file": e.file, "line": e.line, "message": e.message} for e in report.errors],
            },
        )
    return {
        "applied": report.applied,
        "dry_run": payload.dry_run,
        "summary": report.summary(),
        "changes": report.diff_rows(),
        "impact": [
            {
                "kind": kind,
                "title": impact_title(kind, found["count"]),
                "rows": [impact_row(kind, row) for row in found["rows"]],
            }
            for kind, found in report.impact.items()
            if found.get("count")
        ],
        "notes": [str(note) for note in report.notes],
    }
