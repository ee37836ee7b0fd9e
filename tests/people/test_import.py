import datetime
import json

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from people.importing import org_import_apply, org_import_check
from people.models import OrgUnit, ReportingLine, User
from people.selectors import current_partner_of

UNITS = """code,name,parent_code,head_employee_number
UNI,University,,1000
FAC,Faculty of Science,UNI,1001
PHY,Department of Physics,FAC,1002
"""

PEOPLE_HEADER = "employee_number,given_name,family_name,email,job_kind,unit_code,partner_employee_number,partner_kind,language\n"
PEOPLE = (
    PEOPLE_HEADER
    + """1000,Rita,Rektor,rita@uni.example,academic,UNI,,,nb
1001,Dag,Dekan,dag@uni.example,academic,FAC,1000,head_of_unit,en
1002,Hilde,Instituttleder,hilde@uni.example,academic,PHY,1001,head_of_unit,
1003,Åse,Ærlig,ase@uni.example,academic,PHY,1002,head_of_unit,nb
1004,Tor,Tekniker,tor@uni.example,technical,PHY,1002,research_group_leader,nb
"""
)


def apply(units=UNITS, people=PEOPLE, **kwargs):
    return org_import_apply(units_data=units, people_data=people, **kwargs)


def errors_of(report):
    return [(e.file, e.line, e.message) for e in report.errors]


@pytest.mark.django_db
def test_import_good_files_creates_units_people_and_lines():
    report = apply()
    assert report.ok and report.applied
    assert report.summary() == {
        "units_created": 3,
        "units_updated": 0,
        "units_unchanged": 0,
        "people_created": 5,
        "people_updated": 0,
        "people_unchanged": 0,
        "lines_opened": 4,
        "lines_closed": 0,
        # Nothing beyond the rows in a first import: nobody had an email, partner or interview.
        "leavers": 0,
        "interviews_ended": 0,
        "held_stay": 0,
        "heads_cleared": 0,
        "email_changes": 0,
        "partner_changes": 0,
        "interviews_moving": 0,
        "meetings_cancelled": 0,
        "new_in_scope": 0,
    }
    physics = OrgUnit.objects.get(code="PHY")
    assert physics.parent.code == "FAC" and physics.head.employee_number == "1002"
    assert set(OrgUnit.objects.get(code="UNI").subtree().values_list("code", flat=True)) == {
        "UNI",
        "FAC",
        "PHY",
    }
    ase = User.objects.get(employee_number="1003")
    assert (ase.given_name, ase.family_name, ase.job_kind, ase.unit.code) == (
        "Åse",
        "Ærlig",
        "academic",
        "PHY",
    )
    assert current_partner_of(ase).employee_number == "1002"
    assert current_partner_of(User.objects.get(employee_number="1000")) is None
    # Imported people log in through "forgot password"; nobody has a guessable password.
    assert not ase.has_usable_password()
    assert User.objects.get(employee_number="1002").language == "en"  # empty language: the default


@pytest.mark.django_db
def test_import_same_files_twice_changes_nothing_and_says_so():
    apply()
    lines_before = list(ReportingLine.objects.values_list("pk", "valid_to"))
    report = apply()
    assert report.ok and not report.changed and not report.applied
    assert report.summary()["units_unchanged"] == 3 and report.summary()["people_unchanged"] == 5
    assert any("Nothing to change" in note for note in report.notes)
    assert list(ReportingLine.objects.values_list("pk", "valid_to")) == lines_before


@pytest.mark.django_db
def test_import_partner_change_closes_old_line_and_keeps_history():
    apply(on=datetime.date(2026, 1, 5))
    changed = PEOPLE.replace(
        "1004,Tor,Tekniker,tor@uni.example,technical,PHY,1002,research_group_leader",
        "1004,Tor,Tekniker,tor@uni.example,technical,PHY,1003,professional_leader",
    )
    report = apply(people=changed, on=datetime.date(2026, 3, 1))
    assert report.summary()["lines_closed"] == 1 and report.summary()["lines_opened"] == 1
    assert report.summary()["people_unchanged"] == 5
    tor = User.objects.get(employee_number="1004")
    lines = list(ReportingLine.objects.filter(employee=tor).order_by("valid_from"))
    assert [(line.partner.employee_number, line.valid_from, line.valid_to) for line in lines] == [
        ("1002", datetime.date(2026, 1, 5), datetime.date(2026, 3, 1)),
        ("1003", datetime.date(2026, 3, 1), None),
    ]
    assert current_partner_of(tor, on=datetime.date(2026, 2, 1)).employee_number == "1002"
    assert current_partner_of(tor, on=datetime.date(2026, 3, 1)).employee_number == "1003"


@pytest.mark.django_db
def test_import_updates_fields_and_moves_unit_subtree():
    apply()
    units = UNITS.replace(
        "PHY,Department of Physics,FAC,1002", "PHY,Department of Physics and Astronomy,UNI,1002"
    )
    people = PEOPLE.replace("ase@uni.example", "ase.aerlig@uni.example")
    report = apply(units=units, people=people)
    assert report.summary()["units_updated"] == 1 and report.summary()["people_updated"] == 1
    physics = OrgUnit.objects.get(code="PHY")
    assert physics.name == "Department of Physics and Astronomy" and physics.parent.code == "UNI"
    assert "PHY" not in OrgUnit.objects.get(code="FAC").subtree().values_list("code", flat=True)
    assert User.objects.get(employee_number="1003").email == "ase.aerlig@uni.example"


@pytest.mark.django_db
def test_import_two_people_may_swap_email_addresses():
    apply()
    swapped = PEOPLE.replace("ase@uni.example", "SWAP").replace("tor@uni.example", "ase@uni.example")
    swapped = swapped.replace("SWAP", "tor@uni.example")
    report = apply(people=swapped)
    assert report.ok and report.summary()["people_updated"] == 2
    assert User.objects.get(employee_number="1003").email == "tor@uni.example"


@pytest.mark.django_db
def test_import_reads_semicolons_with_bom_and_windows_1252():
    units = UNITS.replace(",", ";")
    people = PEOPLE.replace(",", ";")
    report = apply(units=("\ufeff" + units).encode("utf-8"), people=people.encode("cp1252"))
    assert report.ok and report.applied
    assert User.objects.get(employee_number="1003").family_name == "Ærlig"
    assert any("Windows-1252" in note for note in report.notes)


@pytest.mark.django_db
def test_import_reads_json():
    units = json.dumps([{"code": "UNI", "name": "University", "parent_code": ""}])
    people = json.dumps(
        [
            {
                "employee_number": "1",
                "given_name": "Rita",
                "family_name": "Rektor",
                "email": "rita@uni.example",
                "job_kind": "academic",
                "unit_code": "UNI",
                "partner_employee_number": None,
                "partner_kind": None,
            }
        ]
    )
    report = apply(units=units, people=people)
    assert report.ok and report.summary()["people_created"] == 1


BAD_PEOPLE_ROWS = [
    ("1005,Ny,Person,ny@uni.example,academic,NOPE,1002,head_of_unit,nb", "Unknown unit NOPE."),
    ("1005,Ny,Person,ny@uni.example,academic,PHY,9999,head_of_unit,nb", "no person has employee number 9999"),
    ("1005,Ny,Person,not-an-email,academic,PHY,1002,head_of_unit,nb", "not a valid email address"),
    ("1003,Ny,Person,ny@uni.example,academic,PHY,1002,head_of_unit,nb", "Employee number 1003 is used twice"),
    (
        "1005,Ny,Person,tor@uni.example,academic,PHY,1002,head_of_unit,nb",
        "Email tor@uni.example is used twice",
    ),
    ("1005,Ny,Person,ny@uni.example,professor,PHY,1002,head_of_unit,nb", "Unknown job kind professor"),
    ("1005,Ny,Person,ny@uni.example,academic,PHY,1002,boss,nb", "Unknown partner kind boss"),
    (
        "1005,Ny,Person,ny@uni.example,academic,PHY,1005,head_of_unit,nb",
        "cannot be their own interview partner",
    ),
    ("1005,Ny,Person,ny@uni.example,academic,PHY,1002,head_of_unit,de", "Unknown language de"),
    ("1005,Ny,Person,ny@uni.example,academic,PHY,1002", "This line has 7 fields where the header has 9"),
]


@pytest.mark.django_db
@pytest.mark.parametrize(("row", "message"), BAD_PEOPLE_ROWS)
def test_import_bad_row_applies_nothing_and_reports_line(row, message):
    report = apply(people=PEOPLE + row + "\n")
    assert not report.ok and not report.applied
    assert len(report.errors) == 1
    error = report.errors[0]
    assert (error.file, error.line) == ("people", 7)
    assert message in error.message
    assert not User.objects.exists() and not OrgUnit.objects.exists() and not ReportingLine.objects.exists()


@pytest.mark.django_db
def test_import_reporting_cycle_is_reported_on_each_row_of_the_cycle():
    people = (
        PEOPLE_HEADER
        + """1000,Rita,Rektor,rita@uni.example,academic,UNI,,,nb
1001,Dag,Dekan,dag@uni.example,academic,FAC,1002,head_of_unit,en
1002,Hilde,Instituttleder,hilde@uni.example,academic,PHY,1001,head_of_unit,
"""
    )
    report = apply(people=people)
    assert [
        (e.line, "1001 → 1002 → 1001" in e.message or "1002 → 1001 → 1002" in e.message)
        for e in report.errors
    ] == [(3, True), (4, True)]
    assert not User.objects.exists()


@pytest.mark.django_db
def test_import_cycle_through_existing_people_is_found():
    apply()
    # 1000 (not in this file) keeps no partner; 1001 now reports to 1003, who reports to 1002 -> 1001.
    people = PEOPLE_HEADER + "1001,Dag,Dekan,dag@uni.example,academic,FAC,1003,head_of_unit,en\n"
    report = apply(units=None, people=people)
    assert not report.ok
    assert "1001 → 1003 → 1002 → 1001" in report.errors[0].message


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("units", "line", "message"),
    [
        (UNITS + "CHE,Chemistry,NOPE,\n", 5, "Unknown parent unit NOPE."),
        (UNITS + "PHY,Physics again,FAC,\n", 5, "Unit code PHY is used twice (first on line 4)"),
        (UNITS + "CHE,Chemistry,FAC,4242\n", 5, "Unknown head of unit"),
        (UNITS + "CHE,,FAC,\n", 5, "The unit name is empty."),
        (UNITS.replace("UNI,University,,1000", "UNI,University,PHY,1000"), 2, "cycle: UNI → PHY → FAC → UNI"),
        ("code;name\nUNI;University\n", 1, "Missing columns: parent_code"),
        ("code,name,parent_code,boss\nUNI,University,,\n", 1, "Unknown columns: boss"),
    ],
)
def test_import_bad_unit_rows_apply_nothing(units, line, message):
    report = apply(units=units)
    assert not report.ok
    assert any(e.file == "units" and e.line == line and message in e.message for e in report.errors), (
        errors_of(report)
    )
    assert not OrgUnit.objects.exists() and not User.objects.exists()


@pytest.mark.django_db
def test_import_reports_every_bad_row_not_only_the_first():
    people = PEOPLE + "1005,A,B,bad,academic,PHY,,,\n1006,C,D,c@uni.example,wizard,PHY,,,\n"
    report = apply(people=people)
    assert [(e.line, e.message.split()[0]) for e in report.errors] == [(7, "bad"), (8, "Unknown")]
    assert report.bad_rows == 2


@pytest.mark.django_db
def test_import_email_of_another_existing_person_is_refused():
    apply()
    people = PEOPLE_HEADER + "1005,Ny,Person,tor@uni.example,academic,PHY,1002,head_of_unit,nb\n"
    report = apply(units=None, people=people)
    assert errors_of(report) == [("people", 2, "Email tor@uni.example already belongs to employee 1004.")]


@pytest.mark.django_db
def test_import_dry_run_counts_but_writes_nothing():
    report = apply(dry_run=True)
    assert report.ok and report.changed and not report.applied
    assert report.summary()["people_created"] == 5
    assert not User.objects.exists()


@pytest.mark.django_db
def test_import_refuses_when_organisation_changed_since_preview():
    preview = org_import_check(units_data=UNITS, people_data=PEOPLE)
    meanwhile = apply(
        units="code,name,parent_code\nUNI,University,\n",
        people=PEOPLE_HEADER + "1000,Rita,Rektor,rita@uni.example,academic,UNI,,,nb\n",
    )
    assert meanwhile.applied
    report = apply(expected_summary=preview.summary())
    assert report.stale and not report.applied
    assert User.objects.count() == 1


@pytest.mark.django_db
def test_import_empty_partner_closes_the_line():
    apply()
    people = PEOPLE.replace(
        "1004,Tor,Tekniker,tor@uni.example,technical,PHY,1002,research_group_leader",
        "1004,Tor,Tekniker,tor@uni.example,technical,PHY,,",
    )
    report = apply(people=people)
    assert report.summary()["lines_closed"] == 1 and report.summary()["lines_opened"] == 0
    assert current_partner_of(User.objects.get(employee_number="1004")) is None


@pytest.mark.django_db
def test_import_query_count_does_not_grow_with_rows():
    def people_csv(n):
        rows = [
            f"{2000 + i},P{i},Q{i},p{i}@uni.example,administrative,PHY,1002,immediate_superior,nb"
            for i in range(n)
        ]
        return PEOPLE + "\n".join(rows) + "\n"

    apply()
    with CaptureQueriesContext(connection) as small:
        apply(people=people_csv(5))
    apply(people=PEOPLE)
    with CaptureQueriesContext(connection) as large:
        apply(people=people_csv(300))
    # Bulk statements, never a query per row. PostgreSQL takes 1,000 rows per statement, so
    # the count is the same; SQLite caps a statement at 999 parameters, so it takes a few
    # more batches, still nowhere near one per row.
    if connection.vendor == "postgresql":
        assert len(large.captured_queries) == len(small.captured_queries)
    else:
        assert len(large.captured_queries) <= len(small.captured_queries) + 6


@pytest.mark.django_db
def test_import_org_command_reports_and_fails_on_bad_rows(tmp_path, capsys):
    (tmp_path / "units.csv").write_text(UNITS)
    (tmp_path / "people.csv").write_text(PEOPLE + "1005,A,B,bad,academic,PHY,,,\n")
    with pytest.raises(CommandError, match="1 bad row"):
        call_command("import_org", units=tmp_path / "units.csv", people=tmp_path / "people.csv")
    assert "people line 7: bad is not a valid email address." in capsys.readouterr().err
    assert not User.objects.exists()


@pytest.mark.django_db
def test_import_org_command_dry_run_then_apply(tmp_path, capsys):
    (tmp_path / "units.csv").write_text(UNITS)
    (tmp_path / "people.csv").write_text(PEOPLE)
    args = {"units": tmp_path / "units.csv", "people": tmp_path / "people.csv"}
    call_command("import_org", dry_run=True, **args)
    assert "Dry run" in capsys.readouterr().out and not User.objects.exists()
    call_command("import_org", **args)
    assert "People: 5 created" in capsys.readouterr().out and User.objects.count() == 5
    call_command("import_org", **args)
    assert "Nothing to change" in capsys.readouterr().out


@pytest.mark.django_db
def test_import_person_in_a_bad_unit_row_is_not_blamed_twice():
    units = UNITS.replace("PHY,Department of Physics,FAC,1002", "PHY,,FAC,1002")
    report = apply(units=units)
    assert errors_of(report) == [("units", 4, "The unit name is empty.")]


@pytest.mark.django_db
def test_import_counts_a_row_with_several_problems_once():
    report = apply(people=PEOPLE + "1005,A,B,bad,wizard,NOPE,,,\n")
    assert len(report.errors) == 3 and report.bad_rows == 1


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("garbage", "message"),
    [
        ("1005,A,B,a@b.example,academic,PHY,,,\0\n", "This is not a text file"),
        ('1005,A,B,"' + "x" * 200_000 + '",academic,PHY,,,\n', "cannot be read as CSV"),
    ],
)
def test_import_unreadable_csv_is_a_bad_row_not_a_crash(garbage, message):
    report = apply(units=None, people=PEOPLE + garbage)
    assert not report.ok
    assert [e.file for e in report.errors] == ["people"] and message in report.errors[0].message
    assert not User.objects.exists()


def test_import_page_with_a_binary_file_explains(login, org):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    response = login(org.hr).post(
        reverse("people:import_start"),
        {
            "people_file": SimpleUploadedFile(
                "photo.png", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256))
            )
        },
        follow=True,
    )
    assert response.status_code == 200
    assert "bad row" in response.content.decode()
