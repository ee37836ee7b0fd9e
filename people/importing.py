"""Import of units, people and reporting lines from the HR system's files.

An upsert keyed on the unit code and the employee number. Every row is checked against
the state the organisation would be in after the import; if any row is bad, nothing is
applied and the report lists each bad row with its line number. The same files imported
twice change nothing the second time.

Files are CSV (comma or semicolon separated, UTF-8 with or without BOM, with a
Windows-1252 fallback for old spreadsheet exports) or JSON (a list of objects with the
same keys as the CSV columns).
"""

from __future__ import annotations

import csv
import datetime
import io
import json
import secrets
from dataclasses import asdict, dataclass, field

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from people.audit import audit
from people.generations import homes_renew
from people.models import JobKind, OrgUnit, ReportingLine, User
from people.selectors import current_lines, today
from people.services import org_lock, units_rebuild_paths
from people.signals import partners_changed

UNIT_COLUMNS = ["code", "name", "parent_code"]
UNIT_OPTIONAL = ["head_employee_number"]
PEOPLE_COLUMNS = [
    "employee_number",
    "given_name",
    "family_name",
    "email",
    "job_kind",
    "unit_code",
    "partner_employee_number",
    "partner_kind",
]
PEOPLE_OPTIONAL = ["language"]
LANGUAGES = {"en", "nb"}
# Spreadsheets and HR systems spell these in several ways; all mean the same.
LANGUAGE_ALIASES = {
    "no": "nb",
    "nob": "nb",
    "nb-no": "nb",
    "nb_no": "nb",
    "eng": "en",
    "en-gb": "en",
    "en-us": "en",
}

# Changes listed in the report are capped so that a first import of 20,000 people stays
# a small JSON document; the counts are always complete.
MAX_LISTED_CHANGES = 500


@dataclass
class RowError:
    file: str
    line: int
    message: str


@dataclass
class ImportReport:
    units_created: int = 0
    units_updated: int = 0
    units_unchanged: int = 0
    people_created: int = 0
    people_updated: int = 0
    people_unchanged: int = 0
    lines_opened: int = 0
    lines_closed: int = 0
    errors: list[RowError] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    changes: list[str] = field(default_factory=list)
    changes_not_listed: int = 0
    applied: bool = False
    stale: bool = False

    @property
    def ok(self) -> bool:
        return not self.errors

    @property
    def bad_rows(self) -> int:
        """How many rows (or whole-file problems) are bad; a row can have several problems."""
        return len({(e.file, e.line) for e in self.errors})

    @property
    def changed(self) -> bool:
        return bool(
            self.units_created
            or self.units_updated
            or self.people_created
            or self.people_updated
            or self.lines_opened
            or self.lines_closed
        )

    def summary(self) -> dict[str, int]:
        return {
            "units_created": self.units_created,
            "units_updated": self.units_updated,
            "units_unchanged": self.units_unchanged,
            "people_created": self.people_created,
            "people_updated": self.people_updated,
            "people_unchanged": self.people_unchanged,
            "lines_opened": self.lines_opened,
            "lines_closed": self.lines_closed,
        }

    def lists_change(self) -> bool:
        """Whether the next change is listed; past the cap it is only counted.

        Callers build the (translated) text only when this says yes, which keeps a first
        import of 20,000 people from formatting 20,000 sentences nobody reads.
        """
        if len(self.changes) < MAX_LISTED_CHANGES:
            return True
        self.changes_not_listed += 1
        return False

    def error(self, file: str, line: int, message: str) -> None:
        self.errors.append(RowError(file, line, message))

    def as_dict(self) -> dict:
        data = asdict(self)
        data["ok"] = self.ok
        data["bad_rows"] = self.bad_rows
        data["changed"] = self.changed
        return data

    @classmethod
    def from_dict(cls, data: dict) -> ImportReport:
        known = {k: v for k, v in data.items() if k in cls.__dataclass_fields__}
        known["errors"] = [RowError(**e) for e in known.get("errors", [])]
        return cls(**known)


# --- reading files -------------------------------------------------------------------


def decode(data: bytes | str, *, label: str, report: ImportReport) -> str:
    if isinstance(data, str):
        return data.lstrip("\ufeff")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        report.notes.append(
            _("%(file)s is not UTF-8; it was read as Windows-1252. Check names with æ, ø and å.")
            % {"file": label}
        )
        return data.decode("cp1252", errors="replace")


def read_rows(
    data: bytes | str, *, label: str, required: list[str], optional: list[str], report: ImportReport
) -> list[tuple[int, dict[str, str]]]:
    """The rows of a CSV or JSON file as (line number, {column: stripped value}).

    Problems with the file as a whole (no header, missing or unknown columns) are
    reported on line 1 and give no rows.
    """
    text = decode(data, label=label, report=report)
    if "\x00" in text:
        report.error(
            label,
            1,
            _(
                "This is not a text file (a spreadsheet or a picture?). Save it as CSV (UTF-8) and upload that."
            ),
        )
        return []
    if not text.strip():
        report.error(label, 1, _("The file is empty."))
        return []
    if text.lstrip().startswith(("[", "{")):
        return _read_json(text, label=label, required=required, optional=optional, report=report)

    header_line = text.splitlines()[0]
    # The delimiter is whichever of comma, semicolon or tab splits the header into the most
    # columns; csv.Sniffer guesses wrongly on short files with few columns.
    delimiter = max([",", ";", "\t"], key=lambda d: len(header_line.split(d)))
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        return _csv_rows(reader, label=label, required=required, optional=optional, report=report)
    except csv.Error as exc:
        # A stray quote or a NUL byte: say where, rather than fail the whole upload with a 500.
        report.error(
            label,
            max(reader.line_num, 1),
            _("This line cannot be read as CSV (%(error)s). Check its quotes.") % {"error": exc},
        )
        return []


def _csv_rows(reader, *, label, required, optional, report) -> list[tuple[int, dict[str, str]]]:
    header = [h.strip().lower() for h in next(reader)]
    if not _header_ok(header, label=label, required=required, optional=optional, report=report):
        return []
    rows = []
    for values in reader:
        line = reader.line_num
        if not any(v.strip() for v in values):
            continue
        if len(values) != len(header):
            report.error(
                label,
                line,
                _("This line has %(found)d fields where the header has %(expected)d.")
                % {"found": len(values), "expected": len(header)},
            )
            continue
        rows.append((line, {column: value.strip() for column, value in zip(header, values, strict=True)}))
    return rows


def _header_ok(header, *, label, required, optional, report) -> bool:
    missing = [c for c in required if c not in header]
    unknown = [c for c in header if c not in required and c not in optional]
    duplicated = sorted({c for c in header if header.count(c) > 1})
    if missing:
        report.error(label, 1, _("Missing columns: %(columns)s.") % {"columns": ", ".join(missing)})
    if unknown:
        report.error(
            label,
            1,
            _("Unknown columns: %(columns)s. The columns are: %(expected)s.")
            % {"columns": ", ".join(unknown), "expected": ", ".join(required + optional)},
        )
    if duplicated:
        report.error(label, 1, _("Columns named twice: %(columns)s.") % {"columns": ", ".join(duplicated)})
    return not (missing or unknown or duplicated)


def _unstorable(text: str) -> bool:
    """A NUL or half of a surrogate pair (JSON's "\\u0000", "\\ud800"): no database column
    holds it, and a name or address never has one."""
    return "\x00" in text or any("\ud800" <= char <= "\udfff" for char in text)


def _read_json(text, *, label, required, optional, report):
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        report.error(label, exc.lineno, _("This is not valid JSON: %(error)s.") % {"error": exc.msg})
        return []
    except RecursionError:
        report.error(label, 1, _("This JSON is nested too deeply to be a list of rows."))
        return []
    if isinstance(data, dict):
        data = data.get("rows", data.get("units", data.get("people")))
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        report.error(label, 1, _("The JSON file must hold a list of objects, one per row."))
        return []
    rows = []
    for index, item in enumerate(data, start=1):
        values = [v for v in item.values() if v is not None]
        if any(not isinstance(v, (str, int, float, bool)) for v in values):
            report.error(
                label,
                index,
                _("Object %(n)d: every value must be a text or a number, not a list or an object.")
                % {"n": index},
            )
            continue
        row = {str(k).strip().lower(): ("" if v is None else str(v).strip()) for k, v in item.items()}
        if any(_unstorable(k) or _unstorable(v) for k, v in row.items()):
            report.error(
                label,
                index,
                _(
                    "Object %(n)d holds a character that cannot be stored (a null character or a broken "
                    "escape such as \\ud800). Correct it in the HR system's export."
                )
                % {"n": index},
            )
            continue
        unknown = [c for c in row if c not in required and c not in optional]
        missing = [c for c in required if c not in row]
        if unknown or missing:
            report.error(
                label,
                index,
                _("Object %(n)d: missing keys %(missing)s, unknown keys %(unknown)s.")
                % {"n": index, "missing": ", ".join(missing) or "-", "unknown": ", ".join(unknown) or "-"},
            )
            continue
        # For JSON the "line" is the position of the object in the list.
        rows.append((index, row))
    return rows


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


def org_import_check(*, units_data: bytes | str | None, people_data: bytes | str | None) -> ImportReport:
    """Check the files and count what applying them would change, without writing."""
    return _plan(units_data=units_data, people_data=people_data, on=today()).report


@transaction.atomic
def org_import_apply(
    *,
    units_data: bytes | str | None,
    people_data: bytes | str | None,
    on: datetime.date | None = None,
    dry_run: bool = False,
    expected_summary: dict[str, int] | None = None,
) -> ImportReport:
    """Check the files and, if every row is good, apply them all in one transaction.

    expected_summary is what HR saw in the preview: if the organisation changed since, so
    that the same files would now do something else, nothing is applied and the new
    report says so, for HR to look at again.
    """
    on = on or today()
    org_lock()
    plan = _plan(units_data=units_data, people_data=people_data, on=on)
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
        homes_renew()  # names, lines and partners of many people at once
        plan.report.applied = True
        summary = plan.report.summary()
        audit("org_imported", detail=" ".join(f"{k}={v}" for k, v in sorted(summary.items()) if v))
    if plan.report.ok and not plan.report.changed:
        plan.report.notes.append(_("Nothing to change: the organisation already matches these files."))
    return plan.report


def _plan(*, units_data, people_data, on: datetime.date) -> _Plan:
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
    people = {p.employee_number: p for p in User.objects.exclude(employee_number="")}
    plan = _Plan(report, unit_rows, people_rows, units, people)
    plan.old_emails = {p.pk: p.email for p in people.values()}
    _check_units(plan)
    _check_people(plan, on=on)
    report.errors.sort(key=lambda e: (e.file != "units", e.line))
    if report.ok:
        _diff(plan, on=on)
    return plan


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
        elif len(number) > 32:
            problems.append(_("The employee number is longer than 32 characters."))
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


def _current_partner_numbers(plan: _Plan, *, on: datetime.date) -> dict[str, str]:
    numbers = {p.pk: p.employee_number for p in plan.people.values()}
    pairs = current_lines(on=on).values_list("employee_id", "partner_id")
    return {numbers[e]: numbers.get(p, "") for e, p in pairs if e in numbers}


# --- what would change --------------------------------------------------------------


def _diff(plan: _Plan, *, on: datetime.date) -> None:
    """Compare the checked rows with the database and fill in the plan's operations and counts."""
    report = plan.report
    unit_code_of = {u.pk: u.code for u in plan.units.values()}
    number_of = {p.pk: p.employee_number for p in plan.people.values()}

    for _line, row in plan.unit_rows:
        unit = plan.units.get(row["code"])
        if unit is None:
            plan.new_units.append(row)
            report.units_created += 1
            if report.lists_change():
                report.changes.append(_("New unit %(code)s %(name)s") % row)
            continue
        changes = []
        if unit.name != row["name"]:
            changes.append(_("name"))
        if unit_code_of.get(unit.parent_id, "") != row["parent_code"]:
            changes.append(_("parent unit"))
        if "head_employee_number" in row and number_of.get(unit.head_id, "") != row["head_employee_number"]:
            changes.append(_("head"))
        if changes:
            plan.changed_units.append(row)
            report.units_updated += 1
            if report.lists_change():
                report.changes.append(
                    _("Unit %(code)s: %(fields)s changed")
                    % {"code": row["code"], "fields": ", ".join(changes)}
                )
        else:
            report.units_unchanged += 1

    open_lines = {
        line.employee_id: line
        for line in ReportingLine.objects.filter(valid_to__isnull=True, employee__employee_number__gt="")
    }
    for _line, row in plan.people_rows:
        number = row["employee_number"]
        person = plan.people.get(number)
        if person is None:
            plan.new_people.append(row)
            report.people_created += 1
            if report.lists_change():
                report.changes.append(
                    _("New person %(employee_number)s %(given_name)s %(family_name)s") % row
                )
        else:
            changes = [
                label
                for label, old, new in [
                    (gettext_noop("given name"), person.given_name, row["given_name"]),
                    (gettext_noop("family name"), person.family_name, row["family_name"]),
                    (gettext_noop("email"), person.email.lower(), row["email"]),
                    (gettext_noop("job kind"), person.job_kind, row["job_kind"]),
                    (gettext_noop("unit"), unit_code_of.get(person.unit_id, ""), row["unit_code"]),
                    (gettext_noop("language"), person.language, row["language"] or person.language),
                ]
                if old != new
            ]
            if changes:
                plan.changed_people.append(row)
                report.people_updated += 1
                if report.lists_change():
                    report.changes.append(
                        _("Person %(number)s: %(fields)s changed")
                        % {"number": number, "fields": ", ".join(_(c) for c in changes)}
                    )
            else:
                report.people_unchanged += 1

        line = open_lines.get(person.pk) if person is not None else None
        partner, kind = row["partner_employee_number"], row["partner_kind"]
        if line is not None and number_of.get(line.partner_id) == partner and line.kind == kind:
            continue
        if line is not None:
            plan.lines_to_close.append(line.pk)
            report.lines_closed += 1
        if partner:
            plan.lines_to_open.append((number, partner, kind))
            report.lines_opened += 1
        if (line is not None or partner) and report.lists_change():
            report.changes.append(
                _("Interview partner of %(number)s: %(old)s → %(new)s")
                % {
                    "number": number,
                    "old": number_of.get(line.partner_id, "?") if line is not None else _("none"),
                    "new": partner or _("none"),
                }
            )


# --- applying ------------------------------------------------------------------------


def _apply(plan: _Plan, *, on: datetime.date) -> None:
    """Write a checked plan with bulk statements: a handful of queries whatever the size."""
    units = plan.units
    people = plan.people

    created = [OrgUnit(code=row["code"], name=row["name"]) for row in plan.new_units]
    OrgUnit.objects.bulk_create(created, batch_size=1000)
    units.update({unit.code: unit for unit in created})
    # Parents are set once every code has an id; names of existing units change here too.
    touched = []
    for row in plan.new_units + plan.changed_units:
        unit = units[row["code"]]
        unit.name = row["name"]
        unit.parent_id = units[row["parent_code"]].pk if row["parent_code"] else None
        touched.append(unit)
    OrgUnit.objects.bulk_update(touched, ["name", "parent"], batch_size=1000)
    units_rebuild_paths()

    new_people = []
    for row in plan.new_people:
        person = User(employee_number=row["employee_number"], **_person_values(row, units, None))
        # No password until the person sets one through "forgot password". This is what
        # make_password(None) stores, with one urandom call instead of 40 SystemRandom draws.
        person.password = UNUSABLE_PASSWORD_PREFIX + secrets.token_urlsafe(30)
        new_people.append(person)
    User.objects.bulk_create(new_people, batch_size=1000)
    people.update({p.employee_number: p for p in new_people})
    changed_people = []
    for row in plan.changed_people:
        person = people[row["employee_number"]]
        for key, value in _person_values(row, units, person).items():
            setattr(person, key, value)
        changed_people.append(person)
    # Two people may swap addresses in one file; the unique index on email would refuse the
    # first half of the swap, so changed addresses pass through a placeholder first.
    moving = [p for p in changed_people if p.email != plan.old_emails.get(p.pk, p.email)]
    if moving:
        User.objects.bulk_update(
            [User(pk=p.pk, email=f"moving-{p.pk}@invalid.invalid") for p in moving],
            ["email"],
            batch_size=1000,
        )
    User.objects.bulk_update(
        changed_people,
        ["given_name", "family_name", "email", "job_kind", "unit", "language"],
        batch_size=1000,
    )

    heads = []
    for row in plan.new_units + plan.changed_units:
        if "head_employee_number" in row:
            unit = units[row["code"]]
            number = row["head_employee_number"]
            unit.head_id = people[number].pk if number else None
            heads.append(unit)
    OrgUnit.objects.bulk_update(heads, ["head"], batch_size=1000)

    ReportingLine.objects.filter(pk__in=plan.lines_to_close).update(valid_to=on)
    ReportingLine.objects.bulk_create(
        [
            ReportingLine(employee=people[number], partner=people[partner], kind=kind, valid_from=on)
            for number, partner, kind in plan.lines_to_open
        ],
        batch_size=1000,
    )
    changed = {people[number].pk for number, _partner, _kind in plan.lines_to_open}
    changed |= set(
        ReportingLine.objects.filter(pk__in=plan.lines_to_close).values_list("employee_id", flat=True)
    )
    if changed:
        partners_changed.send(sender=ReportingLine, employee_ids=sorted(changed))


def _person_values(row: dict, units: dict[str, OrgUnit], person: User | None) -> dict:
    return {
        "given_name": row["given_name"],
        "family_name": row["family_name"],
        "email": row["email"],
        "job_kind": row["job_kind"],
        "unit_id": units[row["unit_code"]].pk,
        "language": row["language"] or (person.language if person else "en"),
    }
