"""The import's preview says every change and what it does beyond the rows, before anything
happens: new login emails, new partners, the open interviews that move and the booked
meetings that are cancelled, people new to a running cycle, and the importer's own account."""

import datetime
import re

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from interviews.models import Interview
from interviews.services import cycle_launch
from people.importing import org_import_apply, org_import_check
from people.models import OrgImport, User
from people.selectors import current_partner_of
from tests.factories import CycleFactory, HRRoleFactory

UNITS = """code,name,parent_code,head_employee_number
UNI,University,,1000
FAC,Faculty of Science,UNI,1001
PHY,Department of Physics,FAC,1002
CHE,Department of Chemistry,FAC,1001
"""
HEADER = "employee_number,given_name,family_name,email,job_kind,unit_code,partner_employee_number,partner_kind,language\n"
PEOPLE = HEADER + "\n".join(
    [
        "1000,Rita,Rektor,rita@uni.example,administrative,UNI,,,en",
        "1001,Dag,Dekan,dag@uni.example,academic,FAC,1000,head_of_unit,en",
        "1002,Hilde,Leder,hilde@uni.example,academic,PHY,1001,head_of_unit,en",
        *[f"{n},Person,No{n},p{n}@uni.example,academic,PHY,1002,head_of_unit,en" for n in range(1003, 1011)],
    ]
)


def _changed_file() -> str:
    rows = PEOPLE.splitlines()
    out = [rows[0]]
    for row in rows[1:]:
        number = row.split(",")[0]
        if number == "1000":
            row = "1000,Ritha,Rektor,rita@uni.example,administrative,UNI,,,nb"  # the importer
        elif number in {"1003", "1004", "1005"}:
            row = row.replace(",1002,head_of_unit,", ",1001,head_of_unit,")  # new partner
        elif number in {"1006", "1007", "1008", "1009", "1010"}:
            row = row.replace(f"p{number}@uni.example", f"person.{number}@uni.example")  # new email
        out.append(row)
    out.append("1011,Nina,Ny,nina@uni.example,academic,CHE,1001,head_of_unit,nb")  # new to the cycle
    return "\n".join(out) + "\n"


@pytest.fixture
def organisation(db):
    """The files' organisation, its cycle running, three of Hilde's talks booked."""
    report = org_import_apply(units_data=UNITS, people_data=PEOPLE)
    assert report.applied, report.errors[:3]
    rita = User.objects.get(employee_number="1000")
    rita.set_password("pw")
    rita.save()
    HRRoleFactory(user=rita, whole_organisation=True)
    cycle = CycleFactory(name="PAI 2026", units=[], state="draft")
    from people.models import OrgUnit

    cycle.units.set([OrgUnit.objects.get(code="UNI")])
    cycle_launch(cycle=cycle, by=rita)
    soon = timezone.now() + datetime.timedelta(days=20)
    for number in ("1003", "1004", "1005"):
        Interview.objects.filter(cycle=cycle, employee__employee_number=number).update(
            state="scheduled", starts_at=soon, duration_minutes=60, place="Room 1"
        )
    return rita


def _upload(client, people=None) -> OrgImport:
    client.post(
        reverse("people:import_start"),
        {
            "units_file": SimpleUploadedFile("units.csv", UNITS.encode()),
            "people_file": SimpleUploadedFile("people.csv", (people or _changed_file()).encode()),
        },
    )
    return OrgImport.objects.latest("pk")


def _impact(page: str, kind: str) -> str:
    match = re.search(rf'<details class="mb-1" data-impact="{kind}">(.*?)</details>', page, re.S)
    assert match, f"no {kind} in the preview"
    return match.group(1)


def test_preview_lists_each_consequence_and_applies_only_once_confirmed(organisation):
    client = Client()
    client.force_login(organisation)
    record = _upload(client)
    page = client.get(reverse("people:import_detail", args=[record.pk])).content.decode()

    # The importer is warned that the file changes their own account, and how.
    warning = page[page.index('id="importer-warning"') :][:600]
    assert "This file changes your own account." in warning
    assert "given name, language" in warning
    # Each consequence with its count, opening to the names.
    emails = _impact(page, "email_changes")
    assert "5 people get a new login email" in emails
    assert "Person No1006 (1006): p1006@uni.example → person.1006@uni.example" in emails
    assert "3 people get a new interview partner" in _impact(page, "partner_changes")
    moving = _impact(page, "interviews_moving")
    assert "3 open interviews move to the new partner" in moving
    assert "Person No1003 (1003), PAI 2026: from 1002 Hilde Leder to 1001 Dag Dekan" in moving
    cancelled = _impact(page, "meetings_cancelled")
    assert "3 booked meetings are cancelled; their calendar invitations are withdrawn by email" in cancelled
    assert "Person No1004 with 1002 Hilde Leder" in cancelled
    assert "Nina Ny (1011): PAI 2026" in _impact(page, "new_in_scope")
    # The diff: the fields that change, with old and new values, and no line for the rest.
    diff = page[page.index('id="diff"') :]
    person_1003 = diff[diff.index('data-key="1003"') :].split("</tbody>")[0]
    assert "interview partner" in person_1003 and "1002 Hilde Leder" in person_1003
    assert "1001 Dag Dekan" in person_1003 and "email" not in person_1003
    assert 'data-key="1002"' not in diff  # Hilde: nothing changes
    rita = diff[diff.index('data-key="1000"') :].split("</tbody>")[0]
    assert "Rita" in rita and "Ritha" in rita and "Norwegian Bokmål" in rita
    # Apply names what it does in its confirmation.
    assert "I have read what this import does:" in page
    assert 'name="confirm"' in page

    # Not confirmed: nothing happens.
    response = client.post(reverse("people:import_apply", args=[record.pk]), follow=True)
    assert "Tick the box to confirm" in response.content.decode()
    assert User.objects.get(employee_number="1006").email == "p1006@uni.example"
    assert current_partner_of(User.objects.get(employee_number="1003")).employee_number == "1002"
    assert Interview.objects.filter(state="scheduled").count() == 3
    assert mail.outbox == []

    # Confirmed: everything listed happens.
    response = client.post(reverse("people:import_apply", args=[record.pk]), {"confirm": "1"}, follow=True)
    assert "The import was applied." in response.content.decode()
    assert User.objects.get(employee_number="1006").email == "person.1006@uni.example"
    moved = Interview.objects.filter(employee__employee_number__in=["1003", "1004", "1005"])
    assert {i.partner.employee_number for i in moved} == {"1001"}
    assert {i.state for i in moved} == {"planned"}
    assert User.objects.get(employee_number="1000").given_name == "Ritha"
    assert User.objects.filter(employee_number="1011").exists()


def test_preview_without_consequences_applies_without_a_box(organisation):
    """A file that only renames a unit moves nothing and asks for no extra confirmation."""
    client = Client()
    client.force_login(organisation)
    units = UNITS.replace("Department of Chemistry", "Department of Chemistry and Biology")
    client.post(
        reverse("people:import_start"),
        {"units_file": SimpleUploadedFile("units.csv", units.encode())},
    )
    record = OrgImport.objects.latest("pk")
    page = client.get(reverse("people:import_detail", args=[record.pk])).content.decode()
    assert 'name="confirm"' not in page and "importer-warning" not in page
    assert "Department of Chemistry and Biology" in page
    response = client.post(reverse("people:import_apply", args=[record.pk]), follow=True)
    assert "The import was applied." in response.content.decode()


def test_report_is_read_in_the_readers_language(organisation):
    """Uploaded by an English-speaking HR user, read by a Norwegian one: each in their own."""
    client = Client()
    client.force_login(organisation)
    record = _upload(client, people=PEOPLE + "\n1099,A,B,ab@uni.example,academic,NOPE,,,\n")
    english = client.get(reverse("people:import_detail", args=[record.pk])).content.decode()
    assert "Unknown unit NOPE." in english
    reader = User.objects.get(employee_number="1001")
    reader.language = "nb"
    reader.save()
    HRRoleFactory(user=reader, whole_organisation=True)
    client.force_login(reader)
    norwegian = client.get(reverse("people:import_detail", args=[record.pk])).content.decode()
    assert "Ukjent enhet NOPE." in norwegian and "Unknown unit" not in norwegian


def test_a_partner_swap_that_keeps_the_partner_lists_only_the_kind(organisation):
    """Today's preview listed "E00002: E00001 -> E00001" for a change of kind only."""
    people = PEOPLE.replace(
        "1003,Person,No1003,p1003@uni.example,academic,PHY,1002,head_of_unit",
        "1003,Person,No1003,p1003@uni.example,academic,PHY,1002,research_group_leader",
    )
    report = org_import_check(units_data=UNITS, people_data=people, by=organisation)
    (diff,) = report.diff_rows()
    assert [(f["label"], f["old"], f["new"]) for f in diff["fields"]] == [
        ("partner kind", "Head of unit", "Research-group leader")
    ]
    assert report.impact.get("partner_changes") is None and not report.has_impact


def _without(numbers: set[str]) -> str:
    return "\n".join(row for row in PEOPLE.splitlines() if row.split(",")[0] not in numbers) + "\n"


def test_the_whole_organisation_mode_lists_leavers_and_ends_their_talks(
    organisation, django_capture_on_commit_callbacks
):
    client = Client()
    client.force_login(organisation)
    client.post(
        reverse("people:import_start"),
        {
            "units_file": SimpleUploadedFile("units.csv", UNITS.encode()),
            "people_file": SimpleUploadedFile("people.csv", _without({"1004", "1009"}).encode()),
            "whole_organisation": "on",
        },
    )
    record = OrgImport.objects.latest("pk")
    assert record.whole_organisation
    page = client.get(reverse("people:import_detail", args=[record.pk])).content.decode()
    leavers = _impact(page, "leavers")
    assert "2 people are not in the file and leave" in leavers
    assert "Person No1004 (1004), p1004@uni.example" in leavers and "1009" in leavers
    assert "2 open interviews of people who leave end as excused" in _impact(page, "interviews_ended")
    assert "Person No1004 with 1002 Hilde Leder" in _impact(page, "meetings_cancelled")  # 1004 was booked
    assert User.objects.get(employee_number="1004").is_active  # nothing before confirming

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            reverse("people:import_apply", args=[record.pk]), {"confirm": "1"}, follow=True
        )
    assert "The import was applied." in response.content.decode()
    left = User.objects.get(employee_number="1004")
    assert not left.is_active and current_partner_of(left) is None
    ended = Interview.objects.get(employee=left)
    assert ended.state == "excused" and ended.reason == "Left the organisation"
    # The booked meeting's calendar event is withdrawn for the partner (the leaver's account is closed).
    cancelled = [m for m in mail.outbox if "Person No1004" in m.body or "Person No1004" in m.subject]
    assert {address for m in cancelled for address in m.to} == {"hilde@uni.example"}
    assert User.objects.get(employee_number="1005").is_active  # in the file: stays
    # Signed out on their next request.
    gone = Client()
    gone.force_login(left)
    User.objects.filter(pk=left.pk).update(is_active=False)
    assert gone.get(reverse("home")).status_code == 302


def test_without_the_mode_people_missing_from_the_file_stay(organisation):
    report = org_import_check(units_data=UNITS, people_data=_without({"1004"}), by=organisation)
    assert report.ok and "leavers" not in report.impact
    assert report.summary()["people_unchanged"] == 10


def test_the_whole_organisation_mode_refuses_what_would_break(organisation):
    """The importer cannot leave by their own import, and nobody may keep a leaver as partner."""
    report = org_import_check(
        units_data=None, people_data=_without({"1000"}), by=organisation, whole_organisation=True
    )
    messages = [e.message for e in report.errors]
    assert any("would deactivate your own account" in m for m in messages)
    assert any("The partner 1000 is not in the file" in m for m in messages)  # Dag's partner
    report = org_import_check(
        units_data=None, people_data=_without({"1002"}), by=organisation, whole_organisation=True
    )
    assert [e.line for e in report.errors if "The partner 1002" in e.message] == [4, 5, 6, 7, 8, 9, 10, 11]


def test_the_preview_reads_as_many_queries_for_three_moves_as_for_eight(organisation):
    """Why: the preview compares the whole organisation with the file in a fixed number of
    reads (units, people, lines, and what the interviews app answers), however many rows change."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    def moving(numbers):
        rows = PEOPLE.splitlines()
        for i, row in enumerate(rows):
            if row.split(",")[0] in numbers:
                rows[i] = row.replace(",1002,head_of_unit,", ",1001,head_of_unit,").replace(
                    "@uni", ".new@uni"
                )
        return "\n".join(rows) + "\n"

    counts = []
    for numbers in ({"1003", "1004", "1005"}, {str(n) for n in range(1003, 1011)}):
        with CaptureQueriesContext(connection) as queries:
            report = org_import_check(units_data=UNITS, people_data=moving(numbers), by=organisation)
        assert report.impact["interviews_moving"]["count"] == len(numbers)
        assert report.impact["email_changes"]["count"] == len(numbers)
        counts.append(len(queries))
    assert counts[0] == counts[1], counts


def test_a_change_of_partner_kind_alone_lists_the_talk_it_moves(organisation):
    """A talk may be held by somebody other than the line's partner (reopened after a change
    of partner): re-stating the line moves it, so the preview says so and asks to confirm."""
    talk = Interview.objects.get(employee__employee_number="1003")
    Interview.objects.filter(pk=talk.pk).update(partner=User.objects.get(employee_number="1001"))
    people = PEOPLE.replace(
        "1003,Person,No1003,p1003@uni.example,academic,PHY,1002,head_of_unit",
        "1003,Person,No1003,p1003@uni.example,academic,PHY,1002,research_group_leader",
    )
    report = org_import_check(units_data=UNITS, people_data=people, by=organisation)
    assert report.impact["interviews_moving"]["count"] == 1 and report.needs_confirmation(organisation)
    (moving,) = [item for item in report.impact_list() if item["kind"] == "interviews_moving"]
    assert moving["rows"] == ["Person No1003 (1003), PAI 2026: from 1001 Dag Dekan to 1002 Hilde Leder"]


def test_leavers_without_lines_still_leave(organisation):
    org_import_apply(
        units_data=None, people_data=PEOPLE + "\n1099,Lone,Person,lone@uni.example,academic,PHY,,,en\n"
    )
    report = org_import_check(units_data=UNITS, people_data=PEOPLE, by=organisation, whole_organisation=True)
    assert report.changed and report.impact["leavers"]["count"] == 1
    applied = org_import_apply(units_data=UNITS, people_data=PEOPLE, whole_organisation=True, by=organisation)
    assert applied.applied and not User.objects.get(employee_number="1099").is_active


def test_the_applier_cannot_deactivate_themself_with_someone_elses_file(organisation):
    other = User.objects.get(employee_number="1001")
    HRRoleFactory(user=other, whole_organisation=True)
    without_rita = "\n".join(r for r in PEOPLE.splitlines() if not r.startswith("1000,")) + "\n"
    # Dag's partner is Rita: give him none, so that only Rita's own leaving is refused.
    without_rita = without_rita.replace("FAC,1000,head_of_unit", "FAC,,")
    uploaded = org_import_check(units_data=None, people_data=without_rita, by=other, whole_organisation=True)
    assert uploaded.ok  # Dag may upload it: Rita leaves
    report = org_import_apply(
        units_data=None, people_data=without_rita, whole_organisation=True, by=organisation
    )
    assert not report.applied and any("deactivate your own account" in e.message for e in report.errors)
    assert User.objects.get(employee_number="1000").is_active


def test_the_warning_follows_the_reader_whose_account_changes(organisation):
    client = Client()
    client.force_login(organisation)
    record = _upload(client)  # renames Rita
    dag = User.objects.get(employee_number="1001")
    HRRoleFactory(user=dag, whole_organisation=True)
    client.force_login(dag)
    page = client.get(reverse("people:import_detail", args=[record.pk])).content.decode()
    assert "importer-warning" not in page  # Dag's own account does not change
    client.force_login(organisation)
    page = client.get(reverse("people:import_detail", args=[record.pk])).content.decode()
    assert "importer-warning" in page


def test_a_unit_moved_under_a_running_cycle_brings_its_people(organisation):
    org_import_apply(
        units_data=UNITS + "ADM,Administration,,\n",
        people_data=PEOPLE + "\n1012,Ada,Adm,ada@uni.example,administrative,ADM,1000,immediate_superior,en\n",
    )
    moved = UNITS + "ADM,Administration,UNI,\n"
    report = org_import_check(units_data=moved, people_data=None, by=organisation)
    assert [row["number"] for row in report.impact["new_in_scope"]["rows"]] == ["1012"]


def test_a_leavers_held_talk_stays_and_their_headship_is_said(organisation):
    held = Interview.objects.get(employee__employee_number="1010")
    Interview.objects.filter(pk=held.pk).update(state="held")
    people = _without({"1010", "1002"}).replace(",1002,head_of_unit,", ",1001,head_of_unit,")
    units = UNITS.replace("PHY,Department of Physics,FAC,1002", "PHY,Department of Physics,FAC,")
    report = org_import_check(units_data=None, people_data=people, by=organisation, whole_organisation=True)
    assert [r["number"] for r in report.impact["held_stay"]["rows"]] == ["1010"]
    assert report.impact["heads_cleared"]["rows"][0]["unit"] == "PHY Department of Physics"
    applied = org_import_apply(units_data=units, people_data=people, whole_organisation=True, by=organisation)
    assert applied.applied, applied.errors[:3]
    held.refresh_from_db()
    assert held.state == "held"  # to be recorded and signed, or cancelled by HR


def test_unreadable_files_get_a_row_error_not_a_500(organisation):
    client = Client()
    client.force_login(organisation)
    huge = HEADER + "1099," + "A" * 140_000 + ",B,b@uni.example,academic,PHY,,,\n"
    record = _upload(client, people=huge)
    assert record.status == "rejected" and "cannot be read as CSV" in str(record.report)
    number = '[{"employee_number": ' + "1" * 5000 + "}]"
    client.post(
        reverse("people:import_start"), {"people_file": SimpleUploadedFile("people.json", number.encode())}
    )
    assert "number too long" in str(OrgImport.objects.latest("pk").report)
