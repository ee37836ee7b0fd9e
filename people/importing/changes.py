"""What the import would change (the diff and its consequences), and applying it."""

from __future__ import annotations

import datetime
import secrets

from django.contrib.auth.hashers import UNUSABLE_PASSWORD_PREFIX

from people.importing.checks import _Plan
from people.models import OrgUnit, ReportingLine, User
from people.services import units_rebuild_paths
from people.signals import (
    partners_change_preview,
    partners_changed,
    people_left,
    people_left_preview,
    running_cycle_scopes,
)

# --- what would change --------------------------------------------------------------


# Up to this many rows, the diff reads only the rows' people's lines (an IN list the
# database answers from its index); past it, one scan of every open line is cheaper.
SMALL_FILE_ROWS = 1000


def _diff(plan: _Plan, *, on: datetime.date) -> None:
    """Compare the checked rows with the database: the plan's operations, the counts, each
    changed field with its old and new value, and what the change does beyond the rows."""
    report = plan.report
    unit_code_of = {u.pk: u.code for u in plan.units.values()}
    number_of = {p.pk: p.employee_number for p in plan.people.values()}
    unit_name = {u.code: u.name for u in plan.units.values()} | {
        row["code"]: row["name"] for _line, row in plan.unit_rows
    }
    person_name = {p.employee_number: p.get_full_name() for p in plan.people.values()} | {
        row["employee_number"]: f"{row['given_name']} {row['family_name']}".strip()
        for _line, row in plan.people_rows
    }

    def unit_text(code: str) -> str:
        return f"{code} {unit_name.get(code, '')}".strip() if code else ""

    def person_text(number: str) -> str:
        return f"{number} {person_name.get(number, '')}".strip() if number else ""

    def listed(kind: str, key: str, name: str, new: bool, fields: list) -> None:
        if report.lists_change():
            report.diffs.append({"kind": kind, "key": key, "name": name, "new": new, "fields": fields})

    for _line, row in plan.unit_rows:
        unit = plan.units.get(row["code"])
        if unit is None:
            plan.new_units.append(row)
            report.units_created += 1
            fields = [["name", "", row["name"]], ["parent", "", unit_text(row["parent_code"])]]
            if row.get("head_employee_number"):
                fields.append(["head", "", person_text(row["head_employee_number"])])
            listed("unit", row["code"], row["name"], True, [f for f in fields if f[2]])
            continue
        fields = []
        if unit.name != row["name"]:
            fields.append(["name", unit.name, row["name"]])
        old_parent = unit_code_of.get(unit.parent_id, "")
        if old_parent != row["parent_code"]:
            fields.append(["parent", unit_text(old_parent), unit_text(row["parent_code"])])
        old_head = number_of.get(unit.head_id, "")
        if "head_employee_number" in row and old_head != row["head_employee_number"]:
            fields.append(["head", person_text(old_head), person_text(row["head_employee_number"])])
        if fields:
            plan.changed_units.append(row)
            report.units_updated += 1
            listed("unit", row["code"], row["name"], False, fields)
        else:
            report.units_unchanged += 1

    lines = ReportingLine.objects.filter(valid_to__isnull=True, employee__employee_number__gt="")
    known = [p.pk for _line, row in plan.people_rows if (p := plan.people.get(row["employee_number"]))]
    if len(known) < SMALL_FILE_ROWS:
        # A few rows (SCIM writes one): their people's lines, not the organisation's 10,000.
        lines = lines.filter(employee_id__in=known)
    open_lines = {line.employee_id: line for line in lines.only("id", "employee_id", "partner_id", "kind")}
    # Whose partner changes, to whom (an id, NEW_PERSON for somebody the file creates, or
    # None for no partner): the interviews app answers what that does to open interviews.
    partner_moves: dict[int, int | None] = {}
    for _line, row in plan.people_rows:
        number = row["employee_number"]
        person = plan.people.get(number)
        line = open_lines.get(person.pk) if person is not None else None
        old_partner = number_of.get(line.partner_id, "") if line is not None else ""
        old_kind = line.kind if line is not None else ""
        partner, kind = row["partner_employee_number"], row["partner_kind"]
        partner_fields = []
        if old_partner != partner:
            partner_fields.append(["partner", person_text(old_partner), person_text(partner)])
        if partner and old_kind != kind:
            partner_fields.append(["partner_kind", old_kind, kind])
        if person is None:
            plan.new_people.append(row)
            report.people_created += 1
            fields = [
                ["given_name", "", row["given_name"]],
                ["family_name", "", row["family_name"]],
                ["email", "", row["email"]],
                ["job_kind", "", row["job_kind"]],
                ["unit", "", unit_text(row["unit_code"])],
                ["language", "", row["language"]],
                *partner_fields,
            ]
            listed("person", number, person_name[number], True, [f for f in fields if f[2]])
        else:
            new_language = row["language"] or person.language
            fields = [
                [name, old, new]
                for name, old, new in [
                    ["given_name", person.given_name, row["given_name"]],
                    ["family_name", person.family_name, row["family_name"]],
                    ["email", person.email.lower(), row["email"]],
                    ["job_kind", person.job_kind, row["job_kind"]],
                    ["unit", unit_text(unit_code_of.get(person.unit_id, "")), unit_text(row["unit_code"])],
                    ["language", person.language, new_language],
                ]
                if old != new
            ]
            if fields:
                plan.changed_people.append(row)
                report.people_updated += 1
            else:
                report.people_unchanged += 1  # a new partner is counted as a reporting line
            if fields or partner_fields:
                listed("person", number, person.get_full_name(), False, fields + partner_fields)
            if person.pk in plan.importers and (fields or partner_fields):
                report.account_changes[number] = [name for name, _old, _new in fields + partner_fields]
            if person.email.lower() != row["email"]:
                report.note_impact(
                    "email_changes",
                    {
                        "number": number,
                        "name": person.get_full_name(),
                        "old": person.email,
                        "new": row["email"],
                    },
                )
            if old_partner != partner and (line is not None or partner):
                report.note_impact(
                    "partner_changes",
                    {
                        "number": number,
                        "name": person.get_full_name(),
                        "old": person_text(old_partner),
                        "new": person_text(partner),
                    },
                )

        if line is not None and old_partner == partner and old_kind == kind:
            continue
        if person is not None and (line is not None or partner):
            # Exactly whom applying tells the interviews app about (partners_changed): a
            # change of kind alone too, since an open talk may be held by somebody other
            # than the line's partner (a talk reopened after a change), and would move.
            target = plan.people.get(partner) if partner else None
            partner_moves[person.pk] = target.pk if target is not None else (NEW_PERSON if partner else None)
        if line is not None:
            plan.lines_to_close.append(line.pk)
            report.lines_closed += 1
        if partner:
            plan.lines_to_open.append((number, partner, kind))
            report.lines_opened += 1

    if plan.leavers:
        closing = set(
            ReportingLine.objects.filter(employee_id__in=plan.leavers, valid_to__isnull=True).values_list(
                "pk", flat=True
            )
        )
        plan.lines_to_close.extend(sorted(closing))
        report.lines_closed += len(closing)
        leaving = set(plan.leavers)
        for person in sorted(
            (p for p in plan.people.values() if p.pk in leaving),
            key=lambda p: (p.family_name, p.given_name, p.employee_number),
        ):
            report.note_impact(
                "leavers",
                {"number": person.employee_number, "name": person.get_full_name(), "email": person.email},
            )
        # Their units lose them as head (a head in the units file is refused in the check).
        restated = {row["code"] for _line, row in plan.unit_rows if "head_employee_number" in row}
        leaving_people = {p.pk: p for p in plan.people.values() if p.pk in leaving}
        for unit in sorted(plan.units.values(), key=lambda u: u.code):
            if unit.head_id in leaving and unit.code not in restated:
                head = leaving_people[unit.head_id]
                report.note_impact(
                    "heads_cleared",
                    {
                        "unit": f"{unit.code} {unit.name}",
                        "number": head.employee_number,
                        "name": head.get_full_name(),
                    },
                )
    _impact_on_talks(plan, partner_moves, person_text)


# A partner the import creates: not in the database yet, but active once it is.
NEW_PERSON = 0


def _impact_on_talks(plan: _Plan, partner_moves: dict[int, int | None], person_text) -> None:
    """Ask the apps that follow the organisation (interviews) what the change does to open
    interviews and running cycles, and note it in the report."""
    report = plan.report
    number_of_pk = {p.pk: p.employee_number for p in plan.people.values()}
    new_partner_of = {number: partner for number, partner, _kind in plan.lines_to_open}
    for _receiver, rows in partners_change_preview.send(sender=ReportingLine, moves=partner_moves):
        for row in rows:
            number = number_of_pk.get(row["employee_id"], "")
            shown = {
                "number": number,
                "name": row["name"],
                "cycle": row["cycle"],
                "old": person_text(number_of_pk.get(row.get("old_partner_id"), "")) or row["old"],
                "new": person_text(new_partner_of.get(number, "")),
            }
            report.note_impact("interviews_moving", shown)
            if row.get("starts_at"):
                report.note_impact("meetings_cancelled", {**shown, "starts_at": row["starts_at"]})

    if plan.leavers:
        for _receiver, rows in people_left_preview.send(sender=User, employee_ids=plan.leavers):
            for row in rows:
                shown = {
                    "number": number_of_pk.get(row["employee_id"], ""),
                    "name": row["name"],
                    "cycle": row["cycle"],
                    "old": person_text(number_of_pk.get(row.get("old_partner_id"), "")) or row["old"],
                }
                if not row.get("ends", True):
                    report.note_impact("held_stay", shown)
                    continue
                report.note_impact("interviews_ended", shown)
                if row.get("starts_at"):
                    report.note_impact("meetings_cancelled", {**shown, "starts_at": row["starts_at"]})

    # People new to a running cycle: created, or moved into a unit under one of its units.
    scopes = [scope for _receiver, found in running_cycle_scopes.send(sender=OrgUnit) for scope in found]
    if not scopes:
        return
    code_of_pk = {u.pk: u.code for u in plan.units.values()}
    parent_before = {u.code: code_of_pk.get(u.parent_id, "") for u in plan.units.values()}
    parent_after = parent_before | {row["code"]: row["parent_code"] for _line, row in plan.unit_rows}
    cycles = [(name, {code_of_pk[pk] for pk in unit_ids if pk in code_of_pk}) for name, unit_ids in scopes]

    def lineage(code: str, parent_of: dict[str, str], seen_codes: dict) -> set[str]:
        if code not in seen_codes:
            seen, node = set(), code
            while node and node not in seen:
                seen.add(node)
                node = parent_of.get(node, "")
            seen_codes[code] = seen
        return seen_codes[code]

    before_cache: dict = {}
    after_cache: dict = {}
    # Everybody active after the import, where they will be: the file's rows, and the
    # people it leaves as they are (a unit moved under a cycle's unit brings its people).
    rows = {row["employee_number"]: row for _line, row in plan.people_rows}
    leaving = set(plan.leavers)
    people = [
        (number, p.get_full_name(), code_of_pk.get(p.unit_id, ""), code_of_pk.get(p.unit_id, ""))
        for number, p in plan.people.items()
        if p.is_active and p.pk not in leaving and number not in rows
    ]
    for number, row in rows.items():
        person = plan.people.get(number)
        if person is not None and not person.is_active:
            continue  # an inactive person is not added to a cycle
        people.append(
            (
                number,
                f"{row['given_name']} {row['family_name']}".strip(),
                code_of_pk.get(person.unit_id, "") if person is not None else None,
                row["unit_code"],
            )
        )
    for number, name, unit_before, unit_after in sorted(people):
        after = lineage(unit_after, parent_after, after_cache)
        before = lineage(unit_before, parent_before, before_cache) if unit_before is not None else set()
        for cycle_name, codes in cycles:
            if after & codes and not before & codes:
                report.note_impact("new_in_scope", {"number": number, "name": name, "cycle": cycle_name})


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
    if plan.returners:
        User.objects.filter(pk__in=plan.returners).update(is_active=True)
    if plan.leavers:
        User.objects.filter(pk__in=plan.leavers).update(is_active=False)
        OrgUnit.objects.filter(head_id__in=plan.leavers).update(head=None)
    changed = {people[number].pk for number, _partner, _kind in plan.lines_to_open}
    changed |= set(
        ReportingLine.objects.filter(pk__in=plan.lines_to_close).values_list("employee_id", flat=True)
    )
    if changed:
        partners_changed.send(sender=ReportingLine, employee_ids=sorted(changed))
    if plan.leavers:
        people_left.send(sender=User, employee_ids=sorted(plan.leavers))


def _person_values(row: dict, units: dict[str, OrgUnit], person: User | None) -> dict:
    return {
        "given_name": row["given_name"],
        "family_name": row["family_name"],
        "email": row["email"],
        "job_kind": row["job_kind"],
        "unit_id": units[row["unit_code"]].pk,
        "language": row["language"] or (person.language if person else "en"),
    }
