"""Import of units, people and reporting lines from the HR system's files.

An upsert keyed on the unit code and the employee number. Every row is checked against
the state the organisation would be in after the import; if any row is bad, nothing is
applied and the report lists each bad row with its line number. The same files imported
twice change nothing the second time.

Files are CSV (comma or semicolon separated, UTF-8 with or without BOM, with a
Windows-1252 fallback for old spreadsheet exports), Excel workbooks (.xlsx: the first
sheet, read as the same columns, its row numbers as the line numbers) or JSON (a list of
objects with the same keys as the CSV columns).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable

from django.db import transaction
from django.db.models import Q

from people.audit import audit
from people.generations import homes_renew_all
from people.importing.changes import _apply, _diff
from people.importing.checks import (
    _check_leavers,
    _check_named_leavers,
    _check_people,
    _check_returners,
    _check_units,
    _Plan,
)
from people.importing.reading import (
    LANGUAGE_ALIASES,
    LANGUAGES,
    PEOPLE_COLUMNS,
    PEOPLE_OPTIONAL,
    UNIT_COLUMNS,
    UNIT_OPTIONAL,
    decode,
    read_rows,
)
from people.importing.report import IMPACT_KINDS, MAX_LISTED_CHANGES, ImportReport, Message, RowError, _
from people.models import OrgUnit, User
from people.selectors import today
from people.services import org_lock


def org_import_check(
    *,
    units_data: bytes | str | None,
    people_data: bytes | str | None,
    by: User | None = None,
    whole_organisation: bool = False,
) -> ImportReport:
    """Check the files and say what applying them would change, without writing.

    whole_organisation: the people file lists everybody; active people missing from it leave.
    """
    return _plan(
        units_data=units_data, people_data=people_data, on=today(), by=by, whole=whole_organisation
    ).report


@transaction.atomic
def org_import_apply(
    *,
    units_data: bytes | str | None,
    people_data: bytes | str | None,
    on: datetime.date | None = None,
    dry_run: bool = False,
    expected_summary: dict[str, int] | None = None,
    whole_organisation: bool = False,
    by: User | None = None,
    leaving: Iterable[str] = (),
    returning: Iterable[str] = (),
) -> ImportReport:
    """Check the files and, if every row is good, apply them all in one transaction.

    whole_organisation: the people file lists everybody; the active people missing from it
    leave (deactivated, their lines closed, their open interviews ended as excused).

    by: who applies it (whole_organisation refuses to deactivate them).

    leaving, returning: employee numbers of people who leave (deactivated, as the missing
    of a whole-organisation file) or come back (reactivated), as SCIM's active flag says.

    expected_summary is what HR saw in the preview: if the organisation changed since, so
    that the same files would now do something else, nothing is applied and the new
    report says so, for HR to look at again.
    """
    on = on or today()
    org_lock()
    plan = _plan(
        units_data=units_data,
        people_data=people_data,
        on=on,
        whole=whole_organisation,
        by=by,
        leaving=set(leaving),
        returning=set(returning),
    )
    if expected_summary is not None and plan.report.ok and plan.report.summary() != expected_summary:
        plan.report.notes.append(
            _(
                "The organisation changed since these files were checked. Look at the new summary and confirm again."
            )
        )
        plan.report.stale = True
        return plan.report
    if plan.report.ok and not dry_run and plan.report.changed:
        _apply(plan, on=on)
        homes_renew_all()  # names, lines and partners of many people at once
        plan.report.applied = True
        summary = plan.report.summary()
        audit("org_imported", detail=" ".join(f"{k}={v}" for k, v in sorted(summary.items()) if v))
    if plan.report.ok and not plan.report.changed:
        plan.report.notes.append(_("Nothing to change: the organisation already matches these files."))
    return plan.report


PERSON_FIELDS = (
    "id",
    "employee_number",
    "email",
    "given_name",
    "family_name",
    "job_kind",
    "unit_id",
    "language",
    "is_active",
)


def _plan(
    *,
    units_data,
    people_data,
    on: datetime.date,
    by: User | None = None,
    whole: bool = False,
    leaving: set[str] = frozenset(),
    returning: set[str] = frozenset(),
) -> _Plan:
    report = ImportReport()
    unit_rows = (
        read_rows(units_data, label="units", required=UNIT_COLUMNS, optional=UNIT_OPTIONAL, report=report)
        if units_data is not None
        else []
    )
    people_rows = (
        read_rows(
            people_data, label="people", required=PEOPLE_COLUMNS, optional=PEOPLE_OPTIONAL, report=report
        )
        if people_data is not None
        else []
    )
    units = {u.code: u for u in OrgUnit.objects.all()}
    # Only the columns the import reads and writes: every person of a 10,000-person
    # organisation is loaded for each import, one row from SCIM too.
    people = {p.employee_number: p for p in User.objects.exclude(employee_number="").only(*PERSON_FIELDS)}
    plan = _Plan(
        report, unit_rows, people_rows, units, people, by=by, whole=whole and people_data is not None
    )
    plan.all_people_rows = list(people_rows)
    plan.importers = set(
        User.objects.filter(Q(is_staff=True) | Q(hr_role__whole_organisation=True)).values_list(
            "pk", flat=True
        )
    )
    plan.old_emails = {p.pk: p.email for p in people.values()}
    _check_units(plan)
    _check_people(plan, on=on)
    if plan.whole:
        _check_leavers(plan)
    if leaving:
        _check_named_leavers(plan, leaving, on=on)
    if returning:
        _check_returners(plan, returning - leaving)
    report.errors.sort(key=lambda e: (e.file != "units", e.line))
    if report.ok:
        _diff(plan, on=on)
    return plan


__all__ = [
    "IMPACT_KINDS",
    "LANGUAGES",
    "LANGUAGE_ALIASES",
    "MAX_LISTED_CHANGES",
    "PEOPLE_COLUMNS",
    "PEOPLE_OPTIONAL",
    "UNIT_COLUMNS",
    "UNIT_OPTIONAL",
    "ImportReport",
    "Message",
    "RowError",
    "decode",
    "org_import_apply",
    "org_import_check",
    "read_rows",
]
