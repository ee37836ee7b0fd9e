"""Tabular exports that a spreadsheet opens safely: a CSV and its XLSX twin.

Every export goes through here, so that none can forget what makes a download safe to
open in Excel or LibreOffice:

- A text that a spreadsheet would take for a formula (one starting with =, +, -, @, a tab
  or a carriage return, the OWASP list, and a few more of the same kind) is written to the
  CSV with a leading apostrophe, so that it shows as text and never runs. Real numbers are
  passed as numbers and stay numbers.
- Dates and times are ISO 8601 in the organisation's time zone (2027-01-12 13:30), which
  every spreadsheet reads the same way whatever its language.
- The XLSX twin holds real dates and numbers, and every text as a string cell: a name like
  =HYPERLINK(...) is text there, never a formula. It is what Norwegian Excel opens without
  import settings (Excel there expects semicolons in a CSV).
- File names are the reader's words, as ASCII (æøå spelled out), with the date.

People knows nothing of the other apps; the interviews' and goals' exports import this.
"""

from __future__ import annotations

import csv
import datetime
import io
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.http import Http404, HttpResponse, StreamingHttpResponse
from django.utils import timezone
from django.utils.http import content_disposition_header
from django.utils.text import slugify
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from people.audit import audit

FORMATS = ("csv", "xlsx")
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

# What a spreadsheet may take as the start of a formula: OWASP's =, +, -, @, tab and
# carriage return; a line feed and a NUL (ASVS 1.2.10) too; and the full-width forms that
# some spreadsheets read as the same signs.
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r", "\n", "\x00", "\uff1d", "\uff0b", "\uff0d", "\uff20")

CSV_DATE = "%Y-%m-%d"
CSV_DATETIME = "%Y-%m-%d %H:%M"
XLSX_DATE = "yyyy-mm-dd"
XLSX_DATETIME = "yyyy-mm-dd hh:mm"
# Excel holds at most this many characters in a cell.
XLSX_MAX_TEXT = 32_767

# The letters a slug would otherwise drop or blur (Django's slugify keeps only what decomposes
# to ASCII), spelled out as Norwegian does without them.
_SPELLED_OUT = str.maketrans({"æ": "ae", "Æ": "Ae", "ø": "oe", "Ø": "Oe", "å": "aa", "Å": "Aa", "ß": "ss"})


# --- cells -----------------------------------------------------------------------------


def local(value: datetime.datetime) -> datetime.datetime:
    """A datetime as the organisation's wall clock shows it, without a time zone."""
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    return value.replace(tzinfo=None)


def iso(value: datetime.date | datetime.datetime) -> str:
    """2027-01-12 for a date, 2027-01-12 13:30 for a moment (in the organisation's time zone)."""
    if isinstance(value, datetime.datetime):
        return local(value).strftime(CSV_DATETIME)
    return value.strftime(CSV_DATE)


def _is_number(value) -> bool:
    return isinstance(value, (int, float, Decimal)) and not isinstance(value, bool)


def neutralise(text: str) -> str:
    """A text that no spreadsheet takes as a formula: an apostrophe before a risky first sign."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def csv_cell(value) -> str | int | float | Decimal:
    """One value as a CSV cell: numbers stay numbers, dates ISO, every text neutralised."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return _("yes") if value else _("no")
    if _is_number(value):
        return value
    if isinstance(value, datetime.date):  # a datetime is a date too
        return iso(value)
    return neutralise(str(value))


def _xlsx_text(value) -> str:
    # Control characters cannot be written to the file's XML; no name or title needs one.
    return ILLEGAL_CHARACTERS_RE.sub("", str(value))[:XLSX_MAX_TEXT]


def xlsx_cell(sheet, value, *, font=None):
    """One value as a write-only XLSX cell: a number, a date, or a string, never a formula."""
    if value is None or _is_number(value):
        cell = WriteOnlyCell(sheet, value=value)
    elif isinstance(value, datetime.datetime):
        cell = WriteOnlyCell(sheet, value=local(value))
        cell.number_format = XLSX_DATETIME
    elif isinstance(value, datetime.date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = XLSX_DATE
    else:
        text = (_("yes") if value else _("no")) if isinstance(value, bool) else _xlsx_text(value)
        cell = WriteOnlyCell(sheet, value=text)
        # openpyxl makes a text starting with "=" a formula, and "#N/A" an error: a string it is.
        cell.data_type = "s"
    if font is not None:
        cell.font = font
    return cell


# --- file names ------------------------------------------------------------------------


def file_slug(text, max_length: int = 50) -> str:
    """A part of a file name: ASCII, lower case, words joined by hyphens."""
    return slugify(str(text).translate(_SPELLED_OUT))[:max_length].strip("-")


def export_filename(*parts, ext: str) -> str:
    """The parts (already in the reader's language) as a safe file name, with today's date."""
    slug = "-".join(part for part in (file_slug(p) for p in parts) if part) or "export"
    return f"{slug}-{timezone.localdate().isoformat()}.{ext}"


# --- responses -------------------------------------------------------------------------


class _Echo:
    def write(self, value):
        return value


def csv_response(filename: str, header: Sequence, rows: Iterable[Sequence]) -> StreamingHttpResponse:
    """A CSV download, streamed, that spreadsheets open with æøå intact (UTF-8 with a BOM)."""
    writer = csv.writer(_Echo())

    def lines():
        yield "\ufeff" + writer.writerow([csv_cell(v) for v in header])
        for row in rows:
            yield writer.writerow([csv_cell(v) for v in row])

    response = StreamingHttpResponse(lines(), content_type=CSV_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def _sheet_title(title: str) -> str:
    # At most 31 characters, none of []:*?/\ (Excel refuses such a workbook).
    cleaned = "".join(" " if c in "[]:*?/\\" else c for c in _xlsx_text(title)).strip().strip("'")
    return cleaned[:31].strip() or "Sheet1"


def xlsx_response(
    filename: str, header: Sequence, rows: Iterable[Sequence], *, sheet: str = ""
) -> HttpResponse:
    """An XLSX download with a header row, real dates and numbers, and text as text."""
    workbook = Workbook(write_only=True)
    worksheet = workbook.create_sheet(title=_sheet_title(sheet or filename.rsplit(".", 1)[0]))
    worksheet.freeze_panes = "A2"
    for index, label in enumerate(header, start=1):
        worksheet.column_dimensions[get_column_letter(index)].width = max(10, min(40, len(str(label)) + 2))
    bold = Font(bold=True)
    worksheet.append([xlsx_cell(worksheet, label, font=bold) for label in header])
    for row in rows:
        worksheet.append([xlsx_cell(worksheet, value) for value in row])
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
    response["Content-Disposition"] = content_disposition_header(True, filename)
    return response


def export_response(
    fmt: str, *, name: Sequence, header: Sequence, rows: Iterable[Sequence], sheet: str = ""
) -> HttpResponse:
    """The table as a download in the format asked for ("csv" or "xlsx"; anything else 404).

    name: the parts of the file name, in the reader's language (see export_filename).
    Each export is written to the audit log with its file name.
    """
    if fmt not in FORMATS:
        raise Http404
    filename = export_filename(*name, ext=fmt)
    audit("exported", detail=filename)
    if fmt == "csv":
        return csv_response(filename, header, rows)
    return xlsx_response(filename, header, rows, sheet=sheet)
