"""Checking each row against the organisation as it would be after the import."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db.models.functions import Lower

from people.importing.reading import LANGUAGE_ALIASES, LANGUAGES
from people.importing.report import ImportReport, _
from people.models import JobKind, OrgUnit, ReportingLine, User
from people.selectors import current_lines

# --- planning ------------------------------------------------------------------------


def _normal_kind(value: str) -> str:
    return value.strip().lower().replace("-", "_").replace(" ", "_")


@dataclass
class _Plan:
    report: ImportReport
    unit_rows: list[tuple[int, dict]]
    people_rows: list[tuple[int, dict]]
    units: dict[str, OrgUnit]
    people: dict[str, User]
    new_units: list[dict] = field(default_factory=list)
    changed_units: list[dict] = field(default_factory=list)
    new_people: list[dict] = field(default_factory=list)
    changed_people: list[dict] = field(default_factory=list)
    lines_to_close: list[int] = field(default_factory=list)
    lines_to_open: list[tuple[str, str, str]] = field(default_factory=list)
    old_emails: dict[int, str] = field(default_factory=dict)
    unit_codes_in_file: set[str] = field(default_factory=set)
    by: User | None = None  # who imports: the preview warns when the file changes them
    whole: bool = False  # the people file is the whole organisation: the missing leave
    leavers: list[int] = field(default_factory=list)
    importers: set[int] = field(default_factory=set)  # who may import: warned of their own account
    all_people_rows: list[tuple[int, dict]] = field(default_factory=list)
    returners: list[int] = field(default_factory=list)  # deactivated people who come back


def _check_units(plan: _Plan) -> None:
    report = plan.report
    first_line: dict[str, int] = {}
    good_rows = []
    people_numbers = set(plan.people) | {row["employee_number"] for _line, row in plan.people_rows}
    plan.unit_codes_in_file = {row["code"] for _line, row in plan.unit_rows if row["code"]}
    for line, row in plan.unit_rows:
        code = row["code"]
        problems = []
        if not code:
            problems.append(_("The unit code is empty."))
        elif len(code) > 50:
            problems.append(_("The unit code is longer than 50 characters."))
        elif code in first_line:
            problems.append(
                _("Unit code %(code)s is used twice (first on line %(line)d).")
                % {"code": code, "line": first_line[code]}
            )
        if not row["name"]:
            problems.append(_("The unit name is empty."))
        elif len(row["name"]) > 200:
            problems.append(_("The unit name is longer than 200 characters."))
        if row["parent_code"] and row["parent_code"] == code:
            problems.append(_("A unit cannot be its own parent."))
        head = row.get("head_employee_number") or ""
        if head and head not in people_numbers:
            problems.append(
                _("Unknown head of unit: no person has employee number %(number)s.") % {"number": head}
            )
        for problem in problems:
            report.error("units", line, problem)
        if code and code not in first_line:
            first_line[code] = line
        if not problems:
            good_rows.append((line, row))

    file_codes = set(first_line)
    parent_of = {
        code: (u.parent.code if u.parent_id else "") for code, u in _units_with_parents(plan).items()
    }
    for _line, row in good_rows:
        parent_of[row["code"]] = row["parent_code"]
    for line, row in good_rows:
        parent = row["parent_code"]
        if parent and parent not in file_codes and parent not in plan.units:
            report.error("units", line, _("Unknown parent unit %(code)s.") % {"code": parent})
    for line, row in good_rows:
        cycle = _find_cycle(row["code"], parent_of)
        if cycle:
            report.error(
                "units", line, _("The parent units form a cycle: %(cycle)s.") % {"cycle": " → ".join(cycle)}
            )
    plan.unit_rows = good_rows


def _units_with_parents(plan: _Plan) -> dict[str, OrgUnit]:
    by_id = {u.pk: u for u in plan.units.values()}
    for unit in plan.units.values():
        unit.parent = by_id.get(unit.parent_id) if unit.parent_id else None
    return plan.units


def _find_cycle(start: str, parent_of: dict[str, str]) -> list[str] | None:
    """The loop that `start` lies on, as [start, ..., start], or None."""
    seen: list[str] = []
    node = start
    while node:
        if node in seen:
            if node != start:
                return None  # start leads into a loop but is not on it; that loop's rows report it
            return seen + [start]
        seen.append(node)
        node = parent_of.get(node, "")
    return None


def _check_people(plan: _Plan, *, on: datetime.date) -> None:
    report = plan.report
    # A unit whose own row is bad is reported there, not again on every person in it.
    known_unit_codes = set(plan.units) | plan.unit_codes_in_file
    first_line: dict[str, int] = {}
    email_line: dict[str, int] = {}
    good_rows = []
    for line, row in plan.people_rows:
        number = row["employee_number"]
        problems = []
        if not number:
            problems.append(_("The employee number is empty."))
        elif len(number) > 64:
            problems.append(_("The employee number is longer than 64 characters."))
        elif number in first_line:
            problems.append(
                _("Employee number %(number)s is used twice (first on line %(line)d).")
                % {"number": number, "line": first_line[number]}
            )
        if not row["given_name"] and not row["family_name"]:
            problems.append(_("The name is empty."))
        for column, label in (("given_name", _("given name")), ("family_name", _("family name"))):
            if len(row[column]) > 150:
                problems.append(_("The %(column)s is longer than 150 characters.") % {"column": label})
        email = row["email"].lower()
        row["email"] = email
        try:
            if len(email) > 254:
                raise ValidationError("too long")
            validate_email(email)
        except ValidationError:
            problems.append(
                _("%(email)s is not a valid email address.") % {"email": row["email"][:300] or _("(empty)")}
            )
        else:
            if email in email_line:
                problems.append(
                    _("Email %(email)s is used twice (first on line %(line)d).")
                    % {"email": email, "line": email_line[email]}
                )
            else:
                email_line[email] = line
        job_kind = row["job_kind"].lower()
        row["job_kind"] = job_kind
        if job_kind not in JobKind.values:
            problems.append(
                _("Unknown job kind %(value)s; use one of: %(allowed)s.")
                % {"value": row["job_kind"] or _("(empty)"), "allowed": ", ".join(JobKind.values)}
            )
        if row["unit_code"] not in known_unit_codes:
            problems.append(_("Unknown unit %(code)s.") % {"code": row["unit_code"] or _("(empty)")})
        partner = row["partner_employee_number"]
        kind = _normal_kind(row["partner_kind"])
        row["partner_kind"] = kind
        if partner:
            if partner == number:
                problems.append(_("A person cannot be their own interview partner."))
            if kind not in ReportingLine.Kind.values:
                problems.append(
                    _("Unknown partner kind %(value)s; use one of: %(allowed)s.")
                    % {
                        "value": row["partner_kind"] or _("(empty)"),
                        "allowed": ", ".join(ReportingLine.Kind.values),
                    }
                )
        elif kind:
            problems.append(_("A partner kind is given but no partner employee number."))
        language = (row.get("language") or "").lower()
        language = LANGUAGE_ALIASES.get(language, language)
        row["language"] = language
        if language and language not in LANGUAGES:
            problems.append(_("Unknown language %(value)s; use en or nb.") % {"value": row["language"]})
        for problem in problems:
            report.error("people", line, problem)
        if number and number not in first_line:
            first_line[number] = line
        if not problems:
            good_rows.append((line, row))

    file_numbers = set(first_line)
    # Partners must exist in the file or in the database.
    for line, row in good_rows:
        partner = row["partner_employee_number"]
        if partner and partner not in file_numbers and partner not in plan.people:
            report.error(
                "people",
                line,
                _("Unknown partner: no person has employee number %(number)s.") % {"number": partner},
            )

    # Emails must stay unique over the whole organisation after the import.
    owner_of_email = {p.email.lower(): p.employee_number for p in plan.people.values()}
    for number in file_numbers:
        existing = plan.people.get(number)
        if existing is not None:
            owner_of_email.pop(existing.email.lower(), None)
    # Addresses are one person's whatever their capitals (user_email_ci_unique).
    outsiders = {
        e.lower(): e
        for e in User.objects.annotate(lower_email=Lower("email"))
        .filter(employee_number="", lower_email__in=list(email_line))
        .values_list("email", flat=True)
    }
    for line, row in good_rows:
        other = owner_of_email.get(row["email"])
        if other is not None and other != row["employee_number"]:
            report.error(
                "people",
                line,
                _("Email %(email)s already belongs to employee %(number)s.")
                % {"email": row["email"], "number": other},
            )
        elif row["email"] in outsiders:
            report.error(
                "people",
                line,
                _(
                    "Email %(email)s already belongs to an account without an employee "
                    "number; an administrator must give it one first."
                )
                % {"email": row["email"]},
            )

    # Reporting cycles in the state after the import: people not in the file keep their line.
    partner_of = _current_partner_numbers(plan, on=on)
    for _line, row in good_rows:
        partner_of[row["employee_number"]] = row["partner_employee_number"]
    for line, row in good_rows:
        cycle = _find_cycle(row["employee_number"], partner_of)
        if cycle:
            report.error(
                "people",
                line,
                _("The reporting lines form a cycle: %(cycle)s.") % {"cycle": " → ".join(cycle)},
            )
    plan.people_rows = good_rows


def _check_leavers(plan: _Plan) -> None:
    """The people file is the whole organisation: the active people missing from it leave.
    Nobody in the file may keep one of them as partner or head, and the importer may not
    leave by their own import."""
    report = plan.report
    # Every number in the file, bad rows too: a person on a bad row has not left.
    in_file = {row.get("employee_number", "") for _line, row in plan.all_people_rows}
    leaving = {number: p for number, p in plan.people.items() if p.is_active and number not in in_file}
    if plan.by is not None and plan.by.employee_number in leaving:
        report.error(
            "people",
            1,
            _(
                "You are not in the people file, so this import would deactivate your own account. "
                "Add your row, or import without “the file is the whole organisation”."
            ),
        )
    for line, row in plan.people_rows:
        if row["partner_employee_number"] in leaving:
            report.error(
                "people",
                line,
                _(
                    "The partner %(number)s is not in the file and leaves with this import; give another partner."
                )
                % {"number": row["partner_employee_number"]},
            )
    for line, row in plan.unit_rows:
        if row.get("head_employee_number") in leaving:
            report.error(
                "units",
                line,
                _("The head %(number)s is not in the people file and leaves with this import.")
                % {"number": row["head_employee_number"]},
            )
    plan.leavers = [p.pk for p in leaving.values()]


def _check_named_leavers(plan: _Plan, numbers: set[str], *, on: datetime.date) -> None:
    """These people leave (SCIM's active=false), whether or not the file lists them.

    As with a whole-organisation file, nobody may be left with one of them as partner: the
    people in the file name their new partner on their row, everybody else keeps theirs.
    """
    leaving = {n: plan.people[n] for n in numbers if n in plan.people and plan.people[n].is_active}
    if not leaving:
        return
    rows = {row["employee_number"]: (line, row) for line, row in plan.people_rows}
    for number, (line, row) in rows.items():
        if number in leaving:
            continue
        if row["partner_employee_number"] in leaving:
            plan.report.error(
                "people",
                line,
                _("The partner %(number)s leaves with this change; give another partner.")
                % {"number": row["partner_employee_number"]},
            )
    kept = (
        current_lines(on=on)
        .filter(partner__in=[p.pk for p in leaving.values()], employee__is_active=True)
        .exclude(employee__employee_number__in=set(rows) | set(leaving))
        .values_list("employee__employee_number", "partner__employee_number")
        .order_by("employee__employee_number")
    )
    for employee, partner in kept:
        plan.report.error(
            "people",
            1,
            _(
                "%(partner)s cannot leave while %(employee)s has them as interview partner; "
                "give %(employee)s another partner first."
            )
            % {"partner": partner, "employee": employee},
        )
    plan.leavers = sorted(set(plan.leavers) | {p.pk for p in leaving.values()})


def _check_returners(plan: _Plan, numbers: set[str]) -> None:
    """These deactivated people come back (SCIM's active=true). A file alone never does this:
    a former employee's row in an old export must not reopen their account."""
    plan.returners = sorted(
        p.pk for n in numbers if (p := plan.people.get(n)) is not None and not p.is_active
    )
    plan.report.people_reactivated = len(plan.returners)


def _current_partner_numbers(plan: _Plan, *, on: datetime.date) -> dict[str, str]:
    numbers = {p.pk: p.employee_number for p in plan.people.values()}
    pairs = current_lines(on=on).values_list("employee_id", "partner_id")
    return {numbers[e]: numbers.get(p, "") for e, p in pairs if e in numbers}
