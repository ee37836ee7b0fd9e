"""Exports that a spreadsheet reads safely, and the import of the same sheets.

Every CSV neutralises what a spreadsheet would run as a formula and writes dates as ISO
8601; every XLSX twin holds real dates and numbers and each text as a string, never a
formula; file names are in the reader's language. The import reads XLSX with the CSV's
checks, and a workbook it cannot read is refused with a reason, never a 500.
"""

import csv
import datetime
import io
import zipfile

import openpyxl
import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.http import Http404
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from interviews.models import Interview
from people import importing, spreadsheets
from people.importing import org_import_apply, org_import_check
from people.importing import reading as importing_reading
from people.models import OrgImport, OrgUnit, User
from tests.factories import CycleFactory, InterviewFactory, OrgUnitFactory, UserFactory

# What a spreadsheet would take for a formula, as HR's system might hand them over.
HOSTILE = ['=HYPERLINK("http://x","y")', "+cmd", "@SUM(1)", "-2+3"]
RISKY_STARTS = ("=", "+", "-", "@", "\t", "\r")

UNITS_HEADER = ["code", "name", "parent_code", "head_employee_number"]
PEOPLE_HEADER = [
    "employee_number",
    "given_name",
    "family_name",
    "email",
    "job_kind",
    "unit_code",
    "partner_employee_number",
    "partner_kind",
    "language",
]


def _csv_text(header, rows) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue()


def _workbook(header, rows) -> bytes:
    """A workbook as HR's spreadsheet saves it: every text a string cell, numbers numbers."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for r, values in enumerate([header, *rows], start=1):
        for c, value in enumerate(values, start=1):
            if value is None or value == "":
                continue
            cell = sheet.cell(row=r, column=c, value=value)
            if isinstance(value, str):
                cell.data_type = "s"
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _content(response) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def _csv_cells(response) -> list[list[str]]:
    assert response.status_code == 200
    assert response["Content-Type"] == spreadsheets.CSV_TYPE
    return list(csv.reader(io.StringIO(_content(response).decode("utf-8-sig"), newline="")))


def _sheet(response):
    assert response.status_code == 200
    assert response["Content-Type"] == spreadsheets.XLSX_TYPE
    content = _content(response)
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                # Not one formula anywhere in the file's sheets.
                assert b"<f>" not in archive.read(name) and b"<f " not in archive.read(name), name
    return openpyxl.load_workbook(io.BytesIO(content)).worksheets[0]


def _filename(response) -> str:
    disposition = response["Content-Disposition"]
    assert disposition.startswith("attachment;")
    return disposition.split('filename="', 1)[1].rstrip('"')


# --- formula injection ---------------------------------------------------------------


@pytest.fixture
def hostile(org):
    """Units and people whose names a spreadsheet would run, brought in by the import, and a
    cycle over them with one talk booked."""
    units = [["EVIL", HOSTILE[0], "ROOT", ""], ["WORSE", HOSTILE[1], "EVIL", ""]]
    people = [
        [
            "90001",
            HOSTILE[0],
            HOSTILE[1],
            "evil1@example.org",
            "academic",
            "EVIL",
            org.director.employee_number,
        ]
        + ["head_of_unit", "en"],
        ["90002", HOSTILE[2], HOSTILE[3], "evil2@example.org", "technical", "WORSE", "90001"]
        + ["immediate_superior", "nb"],
    ]
    people_file = _csv_text(
        PEOPLE_HEADER,
        [
            [p.employee_number, p.given_name, p.family_name, p.email, p.job_kind]
            + [p.unit.code if p.unit else "", "", "", ""]
            for p in User.objects.exclude(employee_number="")
        ]
        + people,
    )
    # The organisation as it is, plus the hostile rows: the import changes nothing else.
    units_file = _csv_text(
        UNITS_HEADER,
        [[u.code, u.name, u.parent.code if u.parent else "", ""] for u in OrgUnit.objects.all()] + units,
    )
    report = org_import_apply(units_data=units_file, people_data=people_file)
    assert report.ok and report.applied, [str(e.message) for e in report.errors]
    evil, worse = OrgUnit.objects.get(code="EVIL"), OrgUnit.objects.get(code="WORSE")
    assert (evil.name, worse.name) == (HOSTILE[0], HOSTILE[1])
    first, second = User.objects.get(employee_number="90001"), User.objects.get(employee_number="90002")
    cycle = CycleFactory(name="@cycle", units=[org.root])
    InterviewFactory(cycle=cycle, employee=first, partner=org.director)
    InterviewFactory(
        cycle=cycle,
        employee=second,
        partner=first,
        state="scheduled",
        starts_at=timezone.now() + datetime.timedelta(days=3),
        duration_minutes=60,
    )
    org.hostile_cycle, org.evil, org.worse = cycle, evil, worse
    return org


def _every_export(org):
    cycle = org.hostile_cycle
    urls = []
    for fmt in spreadsheets.FORMATS:
        urls.append(reverse(f"interviews:cycle_dashboard_{fmt}", args=[cycle.pk]))
        urls.append(reverse(f"interviews:cycle_progress_{fmt}", args=[cycle.pk]))
        for unit in (org.root, org.evil, org.worse):
            urls.append(reverse(f"interviews:cycle_unit_{fmt}", args=[cycle.pk, unit.pk]))
    return urls


def test_formula_looking_names_are_text_in_every_export(login, hostile):
    client = login(hostile.hr)
    seen_csv, seen_xlsx = set(), set()
    for url in _every_export(hostile):
        response = client.get(url)
        if url.endswith(".csv"):
            for row in _csv_cells(response):
                for cell in row:
                    assert not cell.startswith(RISKY_STARTS), (url, cell)
                    seen_csv.update(name for name in HOSTILE if name in cell)
        else:
            for row in _sheet(response).iter_rows():
                for cell in row:
                    if cell.value is None:
                        continue
                    if isinstance(cell.value, str):
                        assert cell.data_type == "s", (url, cell.coordinate, cell.value)
                        seen_xlsx.update(name for name in HOSTILE if name in cell.value)
                    else:
                        assert cell.data_type in {"n", "d"}, (url, cell.coordinate, cell.value)
    # Every hostile name reached the exports (as the text it is), and was neutralised there.
    assert seen_csv == seen_xlsx == set(HOSTILE)


def test_a_neutralised_csv_cell_keeps_its_text_after_an_apostrophe(login, hostile):
    rows = _csv_cells(
        login(hostile.hr).get(reverse("interviews:cycle_dashboard_csv", args=[hostile.hostile_cycle.pk]))
    )
    evil = next(row for row in rows if row[0] == "EVIL")
    assert evil[1] == "'" + HOSTILE[0]
    # Real numbers stay numbers: the level and the counts are not prefixed.
    assert evil[2] == "1" and evil[3:].count("'") == 0
    sheet = _sheet(
        login(hostile.hr).get(reverse("interviews:cycle_dashboard_xlsx", args=[hostile.hostile_cycle.pk]))
    )
    values = [[c.value for c in row] for row in sheet.iter_rows()]
    evil = next(row for row in values if row[0] == "EVIL")
    assert evil[1] == HOSTILE[0] and evil[2] == 1  # the text itself, no apostrophe; the level a number


def test_the_cell_functions():
    assert spreadsheets.csv_cell("=1+1") == "'=1+1"
    assert spreadsheets.csv_cell("\t=1") == "'\t=1"
    assert spreadsheets.csv_cell("\r=1") == "'\r=1"
    assert spreadsheets.csv_cell("Ås") == "Ås"
    assert spreadsheets.csv_cell(-3) == -3 and spreadsheets.csv_cell(2.5) == 2.5
    assert spreadsheets.csv_cell(None) == ""
    assert spreadsheets.csv_cell(datetime.date(2027, 1, 12)) == "2027-01-12"
    moment = datetime.datetime(2027, 1, 12, 12, 30, tzinfo=datetime.UTC)
    assert spreadsheets.csv_cell(moment) == "2027-01-12 13:30"  # Oslo's wall clock in January
    with pytest.raises(Http404):
        spreadsheets.export_response("pdf", name=["x"], header=[], rows=[])


def test_another_format_is_not_found(login, org):
    client = login(org.hr)
    cycle = CycleFactory(units=[org.root])
    base = reverse("interviews:cycle_dashboard_csv", args=[cycle.pk])[: -len(".csv")]
    for suffix in (".xls", ".ods", ".pdf", ".csv.xlsx", ".XLSX"):
        assert client.get(base + suffix).status_code == 404, suffix


# --- dates, numbers, file names ------------------------------------------------------


@pytest.fixture
def booked(org):
    cycle = CycleFactory(name="Talks 2027", units=[org.root])
    InterviewFactory(
        cycle=cycle,
        employee=org.employee,
        partner=org.manager,
        state="scheduled",
        # 12:30 UTC is 13:30 in Oslo in January.
        starts_at=datetime.datetime(2027, 1, 12, 12, 30, tzinfo=datetime.UTC),
        duration_minutes=60,
    )
    InterviewFactory(cycle=cycle, employee=org.other_employee, partner=org.manager)
    return cycle


@pytest.mark.parametrize("language", ["en", "nb"])
def test_csv_dates_are_iso_8601_in_any_language(login, org, booked, language):
    org.hr.language = language
    org.hr.save(update_fields=["language"])
    rows = _csv_cells(
        login(org.hr).get(reverse("interviews:cycle_unit_csv", args=[booked.pk, org.unit_a.pk]))
    )
    employee = next(row for row in rows if row[1] == str(org.employee))
    assert "2027-01-12 13:30" in employee
    other = next(row for row in rows if row[1] == str(org.other_employee))
    assert other[5] == ""  # no meeting: an empty cell


def test_xlsx_holds_real_dates_and_numbers(login, org, booked):
    client = login(org.hr)
    sheet = _sheet(client.get(reverse("interviews:cycle_unit_xlsx", args=[booked.pk, org.unit_a.pk])))
    rows = [[c for c in row] for row in sheet.iter_rows()]
    header = [c.value for c in rows[0]]
    assert header[:6] == ["Employee number", "Employee", "Unit", "Interview partner", "State", "Meeting"]
    assert all(c.font.bold for c in rows[0])
    employee = next(row for row in rows if row[1].value == str(org.employee))
    meeting = employee[5]
    assert meeting.value == datetime.datetime(2027, 1, 12, 13, 30) and meeting.is_date
    assert meeting.number_format == spreadsheets.XLSX_DATETIME
    assert employee[0].data_type == "s"  # an employee number is an identifier: text
    assert [c.value for c in employee[8:]] == [0, 0, 0] and all(c.data_type == "n" for c in employee[8:])
    dashboard = _sheet(client.get(reverse("interviews:cycle_dashboard_xlsx", args=[booked.pk])))
    header, *rows = dashboard.iter_rows(values_only=True)
    unit_a = dict(zip(header, next(row for row in rows if row[0] == "A"), strict=True))
    assert (unit_a["Level"], unit_a["Interviews"], unit_a["Completion (%)"]) == (1, 2, 0)
    assert all(isinstance(unit_a[k], int) for k in ("Level", "Interviews", "Completion (%)", "Planned"))
    progress = _sheet(client.get(reverse("interviews:cycle_progress_xlsx", args=[booked.pk])))
    by_code = {row[0]: row for row in progress.iter_rows(values_only=True)}
    assert by_code["A"][2] == 0 and isinstance(by_code["A"][2], int)


@pytest.mark.parametrize(
    ("language", "words"),
    [
        ("en", {"dashboard": "dashboard", "unit": "interviews", "progress": "year-over-year"}),
        ("nb", {"dashboard": "oversikt", "unit": "samtaler", "progress": "aar-for-aar"}),
    ],
)
def test_file_names_are_in_the_readers_language(login, org, booked, language, words):
    org.hr.language = language
    org.hr.save(update_fields=["language"])
    client = login(org.hr)
    today = timezone.localdate().isoformat()
    for fmt in spreadsheets.FORMATS:
        dashboard = client.get(reverse(f"interviews:cycle_dashboard_{fmt}", args=[booked.pk]))
        assert _filename(dashboard) == f"{words['dashboard']}-talks-2027-{today}.{fmt}"
        unit = client.get(reverse(f"interviews:cycle_unit_{fmt}", args=[booked.pk, org.unit_a.pk]))
        assert _filename(unit) == f"{words['unit']}-talks-2027-a-{today}.{fmt}"
        progress = client.get(reverse(f"interviews:cycle_progress_{fmt}", args=[booked.pk]))
        assert _filename(progress) == f"{words['progress']}-talks-2027-{today}.{fmt}"


def test_file_names_are_ascii_whatever_the_names():
    name = spreadsheets.export_filename("oversikt", 'Økonomi og språk "2027"/../', ext="csv")
    assert name == f"oversikt-oekonomi-og-spraak-2027-{timezone.localdate().isoformat()}.csv"
    assert spreadsheets.export_filename("", "中文", ext="xlsx").startswith("export-")


def test_xlsx_text_cells_survive_control_characters_and_error_lookalikes(login, org, booked):
    org.unit_a.name = "Dept\x01 A #N/A"
    org.unit_a.save()
    sheet = _sheet(login(org.hr).get(reverse("interviews:cycle_dashboard_xlsx", args=[booked.pk])))
    row = next(r for r in sheet.iter_rows() if r[0].value == "A")
    assert row[1].value == "Dept A #N/A" and row[1].data_type == "s"


# --- query counts --------------------------------------------------------------------


def _cycle_of(org, people: int):
    cycle = CycleFactory(units=[org.root])
    for i in range(people):
        unit = OrgUnitFactory(parent=org.unit_a)
        person = UserFactory(unit=unit)
        InterviewFactory(
            cycle=cycle,
            employee=person,
            partner=org.manager,
            state="scheduled" if i % 2 else "planned",
            starts_at=timezone.now() + datetime.timedelta(days=i + 1) if i % 2 else None,
            duration_minutes=60,
        )
    return cycle


def test_xlsx_export_query_counts_do_not_grow_with_rows(login, org):
    small, big = _cycle_of(org, 1), _cycle_of(org, 12)
    client = login(org.hr)
    client.get(reverse("home"))  # warm the session
    for name in ("cycle_dashboard_xlsx", "cycle_progress_xlsx", "cycle_unit_xlsx"):
        counts = []
        for cycle in (small, big):
            args = [cycle.pk, org.unit_a.pk] if name == "cycle_unit_xlsx" else [cycle.pk]
            with CaptureQueriesContext(connection) as queries:
                response = client.get(reverse(f"interviews:{name}", args=args))
                _content(response)
            assert response.status_code == 200
            counts.append(len(queries))
        assert counts[0] == counts[1], (name, counts)
        assert Interview.objects.filter(cycle=big).count() == 12


# --- the import reads XLSX -----------------------------------------------------------

UNIT_ROWS = [
    ["UNI", "University", "", 1000],
    ["FAC", "Faculty of Science", "UNI", 1001],
    ["PHY", "Department of Physics", "FAC", 1002],
]
PEOPLE_ROWS = [
    [1000, "Rita", "Rektor", "rita@uni.example", "academic", "UNI", "", "", "nb"],
    [1001, "Dag", "Dekan", "dag@uni.example", "academic", "FAC", 1000, "head_of_unit", "en"],
    [1002, "Hilde", "Instituttleder", "hilde@uni.example", "academic", "PHY", 1001, "head_of_unit", ""],
    [1003, "Åse", "Ærlig", "ase@uni.example", "academic", "PHY", 1002, "head_of_unit", "nb"],
]


def _errors(report):
    return [(e.file, e.line, str(e.message)) for e in report.errors]


@pytest.mark.django_db
def test_xlsx_import_applies_as_the_same_csv_does():
    report = org_import_apply(
        units_data=_workbook(UNITS_HEADER, UNIT_ROWS), people_data=_workbook(PEOPLE_HEADER, PEOPLE_ROWS)
    )
    assert report.ok and report.applied, _errors(report)
    assert OrgUnit.objects.get(code="PHY").head.employee_number == "1002"  # 1002, not 1002.0
    assert User.objects.get(employee_number="1003").get_full_name() == "Åse Ærlig"
    # The same organisation as CSV: nothing to change.
    again = org_import_check(
        units_data=_csv_text(UNITS_HEADER, UNIT_ROWS), people_data=_csv_text(PEOPLE_HEADER, PEOPLE_ROWS)
    )
    assert again.ok and not again.changed


@pytest.mark.django_db
def test_xlsx_import_reports_a_bad_row_by_its_row_number_like_csv():
    bad = [1004, "Tor", "Tekniker", "bad", "technical", "PHY", 1002, "head_of_unit", ""]
    # An empty row in the sheet is skipped, and the rows after it keep their numbers.
    rows = [*PEOPLE_ROWS, [], bad]
    from_xlsx = org_import_check(
        units_data=_workbook(UNITS_HEADER, UNIT_ROWS), people_data=_workbook(PEOPLE_HEADER, rows)
    )
    from_csv = org_import_check(
        units_data=_csv_text(UNITS_HEADER, UNIT_ROWS), people_data=_csv_text(PEOPLE_HEADER, rows)
    )
    assert _errors(from_xlsx) == _errors(from_csv) == [("people", 7, "bad is not a valid email address.")]
    # Missing columns: the CSV's message, on line 1.
    no_email = org_import_check(units_data=None, people_data=_workbook(PEOPLE_HEADER[:3], [[1, "A", "B"]]))
    assert [line for _f, line, _m in _errors(no_email)] == [1]
    assert "Missing columns: email" in _errors(no_email)[0][2]


@pytest.mark.django_db
def test_xlsx_cells_become_the_csv_text():
    when = datetime.datetime(2027, 1, 12, 13, 30)
    rows = importing.read_rows(
        _workbook(
            ["code", "name", "parent_code"], [[7, when, "=1+1"], [8.0, datetime.date(2027, 1, 12), "A\nB"]]
        ),
        label="units",
        required=importing.UNIT_COLUMNS,
        optional=[],
        report=importing.ImportReport(),
    )
    assert rows == [
        (2, {"code": "7", "name": "2027-01-12 13:30", "parent_code": "=1+1"}),
        (3, {"code": "8", "name": "2027-01-12", "parent_code": "A B"}),
    ]


def test_the_import_page_takes_xlsx_files(login, org):
    client = login(org.hr)
    response = client.post(
        reverse("people:import_start"),
        {
            "units_file": SimpleUploadedFile("units.xlsx", _workbook(UNITS_HEADER, UNIT_ROWS)),
            "people_file": SimpleUploadedFile("people.xlsx", _workbook(PEOPLE_HEADER, PEOPLE_ROWS)),
        },
        follow=True,
    )
    page = response.content.decode()
    assert "What the import will change" in page, page
    record = OrgImport.objects.get()
    assert record.status == OrgImport.Status.PREVIEWED
    assert record.units_filename == "units.xlsx" and record.units_text.startswith("code,name,parent_code")
    client.post(reverse("people:import_apply", args=[record.pk]), {"confirm": "1"})
    assert User.objects.get(employee_number="1003").unit.code == "PHY"


def _zip(**members) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


@pytest.mark.parametrize(
    "data",
    [
        b"PK\x03\x04 not really a zip",
        _zip(**{"hello.txt": b"a zip, but no workbook"}),
        _workbook(UNITS_HEADER, UNIT_ROWS)[:-200],  # cut short in the upload
        _zip(**{"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<not xml"}),
    ],
    ids=["not-a-zip", "not-a-workbook", "truncated", "broken-xml"],
)
def test_an_invalid_workbook_is_refused_on_line_0_not_a_500(login, org, data):
    response = login(org.hr).post(
        reverse("people:import_start"), {"units_file": SimpleUploadedFile("units.xlsx", data)}, follow=True
    )
    assert response.status_code == 200
    record = OrgImport.objects.get()
    assert record.status == OrgImport.Status.REJECTED
    report = importing.ImportReport.from_dict(record.report)
    assert [(e.file, e.line) for e in report.errors] == [("units.xlsx", 0)]
    assert "cannot be read as an Excel workbook" in report.errors[0].message
    assert "cannot be read as an Excel workbook" in response.content.decode()
    # The command line says the same.
    same = org_import_apply(units_data=data, people_data=None)
    assert _errors(same) == [("units", 0, report.errors[0].message)] and not same.applied


@pytest.mark.django_db
def test_a_workbook_too_big_unpacked_or_too_long_is_refused(monkeypatch):
    workbook = _workbook(PEOPLE_HEADER, PEOPLE_ROWS)
    monkeypatch.setattr(importing_reading, "MAX_XLSX_UNPACKED", 2000)
    report = org_import_check(units_data=None, people_data=workbook)
    assert [(e.line, "unpacks to more than" in str(e.message)) for e in report.errors] == [(0, True)]
    monkeypatch.setattr(importing_reading, "MAX_XLSX_UNPACKED", 200 * 1024 * 1024)
    monkeypatch.setattr(importing_reading, "MAX_XLSX_ROWS", 3)
    report = org_import_check(units_data=None, people_data=workbook)
    assert [(e.line, "more than 3 rows" in str(e.message)) for e in report.errors] == [(0, True)]


@pytest.mark.django_db
def test_a_zip_bomb_is_refused_before_it_is_unpacked():
    # 201 MB of zeros packs to a megabyte: within the upload limit, far past what is read.
    out = io.BytesIO()
    with (
        zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive,
        archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as member,
    ):
        for _i in range(201):
            member.write(b"\0" * (1024 * 1024))
    assert len(out.getvalue()) < 2 * 1024 * 1024
    report = org_import_check(units_data=out.getvalue(), people_data=None)
    assert [(e.line, "unpacks to more than 200 MB" in str(e.message)) for e in report.errors] == [(0, True)]
