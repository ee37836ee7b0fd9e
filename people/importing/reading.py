"""Reading the HR system's files: CSV, Excel workbooks and JSON, into checked rows."""

from __future__ import annotations

import csv
import datetime
import io
import json
import re
import warnings
import zipfile

import openpyxl

from people.importing.report import ImportReport, _

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


# --- reading files -------------------------------------------------------------------


# A workbook is a zip archive. Packed, it is held to the upload limit (MAX_IMPORT_BYTES);
# unpacked, to this, which a zip bomb exceeds before anything is read; and to this many
# rows, a few times the largest organisation, which the sheet's own claims cannot raise.
XLSX_MAGIC = b"PK\x03\x04"
MAX_XLSX_UNPACKED = 200 * 1024 * 1024
MAX_XLSX_MEMBERS = 10_000
MAX_XLSX_ROWS = 100_000
# Columns past these are not read (the files have nine at most); rows past Excel's last, neither.
MAX_XLSX_COLUMNS = 30
EXCEL_LAST_ROW = 1_048_576


def decode(data: bytes | str, *, label: str, report: ImportReport) -> str:
    """The file as text: CSV or JSON as it is, a workbook's first sheet as CSV.

    A workbook that cannot be read gives an error on line 0 (the file as a whole) and "".
    """
    if isinstance(data, str):
        return data.lstrip("\ufeff")
    if data.startswith(XLSX_MAGIC):
        return _xlsx_text(data, label=label, report=report)
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
    """The rows of a CSV, XLSX or JSON file as (line number, {column: stripped value}).

    Problems with the file as a whole (no header, missing or unknown columns) are
    reported on line 1 (a workbook that cannot be opened, on line 0) and give no rows.
    """
    errors = len(report.errors)
    text = decode(data, label=label, report=report)
    if len(report.errors) > errors:
        return []  # a workbook that cannot be read: decode said why
    if "\x00" in text:
        report.error(
            label,
            1,
            _(
                "This is not a text file (an old .xls spreadsheet or a picture?). Save it as CSV (UTF-8) "
                "or as an Excel workbook (.xlsx) and upload that."
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
            # The error as text: the report is stored as JSON.
            _("This line cannot be read as CSV (%(error)s). Check its quotes.") % {"error": str(exc)},
        )
        return []


def _xlsx_value(value) -> str:
    """A cell as the CSV text it would be: 1001 not 1001.0, dates ISO, one line."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    elif isinstance(value, datetime.datetime):
        if value.time() == datetime.time(0):
            value = value.date()
        else:
            value = value.strftime("%Y-%m-%d %H:%M:%S" if value.second else "%Y-%m-%d %H:%M")
    if isinstance(value, (datetime.date, datetime.time)):
        value = value.isoformat()
    # A line break inside a cell would move every later row off its sheet row number.
    return " ".join(str(value).replace("\x00", "").splitlines())


def _xlsx_text(data: bytes, *, label: str, report: ImportReport) -> str:
    """The first sheet of a workbook as CSV text, one line per sheet row, so that the
    checks are the CSV's and a bad row is reported with its row number in the sheet."""
    unreadable = _(
        "This file cannot be read as an Excel workbook (.xlsx). Save it again from the spreadsheet "
        "as .xlsx, or as CSV (UTF-8), and upload that."
    )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError):
        report.error(label, 0, unreadable)
        return ""
    # The sizes the archive declares bound what reading it unpacks (zipfile reads no more).
    if len(members) > MAX_XLSX_MEMBERS or sum(m.file_size for m in members) > MAX_XLSX_UNPACKED:
        report.error(
            label,
            0,
            _("This workbook unpacks to more than %(size)d MB. Upload the sheet on its own, or as CSV.")
            % {"size": MAX_XLSX_UNPACKED // (1024 * 1024)},
        )
        return ""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    rows = 0
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "no default style" and the like: nothing for HR
            workbook = openpyxl.load_workbook(
                io.BytesIO(data), read_only=True, data_only=True, keep_links=False
            )
        try:
            if not workbook.worksheets:
                return ""
            sheet = workbook.worksheets[0]
            width = None
            empty = 0  # empty rows not yet written: only those before a row with values are
            for values in sheet.iter_rows(max_row=EXCEL_LAST_ROW, max_col=MAX_XLSX_COLUMNS, values_only=True):
                cells = [_xlsx_value(v) for v in values]
                while cells and not cells[-1].strip():
                    cells.pop()
                if width is None:
                    width = len(cells)
                elif not cells:
                    empty += 1
                    continue
                rows += 1
                if rows > MAX_XLSX_ROWS:
                    report.error(
                        label,
                        0,
                        _("This workbook has more than %(rows)d rows; the import reads at most that many.")
                        % {"rows": MAX_XLSX_ROWS},
                    )
                    return ""
                out.write("\n" * empty)
                empty = 0
                writer.writerow(cells + [""] * (width - len(cells)))
        finally:
            workbook.close()
    except Exception:  # whatever a broken or hostile file makes openpyxl raise
        report.error(label, 0, unreadable)
        return ""
    return out.getvalue()


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


# One search per value: character by character in Python, a 10,000-person JSON file took 0.2 s.
_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")


def _unstorable(text: str) -> bool:
    """A NUL or half of a surrogate pair (JSON's "\\u0000", "\\ud800"): no database column
    holds it, and a name or address never has one."""
    return _UNSTORABLE.search(text) is not None


def _read_json(text, *, label, required, optional, report):
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        report.error(label, exc.lineno, _("This is not valid JSON: %(error)s.") % {"error": exc.msg})
        return []
    except RecursionError:
        report.error(label, 1, _("This JSON is nested too deeply to be a list of rows."))
        return []
    except ValueError:
        # Python refuses integers of more than 4,300 digits (a guard against slow parsing).
        report.error(label, 1, _("This JSON holds a number too long to be a value of a row."))
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
