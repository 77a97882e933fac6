"""A report table (`models.report_table.Table`) written as CSV or Excel, as a stream of bytes.

The rules, for every export of the desk:

- Both formats start with a title row naming the table, its period and its scope, then the
  header row, then one row per row of the table, read once from its (possibly lazy) rows: memory
  stays flat in the number of rows.
- CSV: UTF-8 with a BOM (so that Excel reads it as UTF-8); separated by `;` with a decimal comma
  where the locale writes numbers so (Indonesian: Excel in an Indonesian locale splits columns
  on `;`), by `,` with a decimal point otherwise (English). Dates and times are local
  (DESK_TIMEZONE) as `YYYY-MM-DD` / `YYYY-MM-DD HH:MM`, which Excel reads as dates.
- Excel: openpyxl's write-only workbook, written to a temporary file that is streamed out a chunk
  at a time and deleted afterwards. Dates are Excel dates in local time, numbers are numbers,
  percentages are Excel percentages, the columns have widths, and the title and header rows are
  frozen.
- A text cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return stays text: in the
  CSV with a leading apostrophe, in Excel as a string cell (openpyxl would otherwise write
  "=..." as a formula). Numbers in numeric columns (a negative one too) stay numbers.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import os
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from models.calendar import calendar
from models.report_table import Column, Table

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
NUMERIC_KINDS = ("int", "percent", "hours", "decimal")
DATE_KINDS = ("date", "datetime")
# a string beginning so is written as a string cell: formulas, and "#N/A" and the like
TEXT_CELL_STARTS = (*FORMULA_STARTS, "#")
CSV_ROWS_PER_CHUNK = 500
FILE_CHUNK_BYTES = 64 * 1024
EXCEL_MAX_ROWS = 1_048_576  # of one sheet
BOM = "\ufeff"

# Excel's display formats; the values themselves are real dates and numbers.
XLSX_FORMATS = {
    "int": "0",
    "percent": "0.0%",
    "hours": "0.0",
    "decimal": "0.00",
    "date": "dd/mm/yyyy",
    "datetime": "dd/mm/yyyy hh:mm",
}
DEFAULT_WIDTHS = {
    "text": 28,
    "int": 10,
    "percent": 12,
    "hours": 12,
    "decimal": 10,
    "date": 12,
    "datetime": 17,
}
MAX_WIDTH = 60


@dataclass(frozen=True)
class CsvFormat:
    """How a CSV separates its columns and writes a decimal number."""

    delimiter: str
    decimal: str


SEMICOLON = CsvFormat(";", ",")
COMMA = CsvFormat(",", ".")
SEPARATORS = {";": SEMICOLON, "semicolon": SEMICOLON, ",": COMMA, "comma": COMMA}
# locales whose Excel splits a CSV on ";" (those writing a decimal comma)
SEMICOLON_LOCALES = ("id",)


def csv_format(locale, sep: str | None = None) -> CsvFormat:
    """The CSV format for `locale` (Indonesian: `;` and a decimal comma; otherwise `,` and a
    decimal point), unless `sep` (`;`/`semicolon` or `,`/`comma`) chooses one. Raises
    ValueError for any other `sep`."""
    if sep:
        try:
            return SEPARATORS[sep.strip().lower()]
        except KeyError:
            raise ValueError(sep) from None
    language = str(locale or "id").split("_")[0].lower()
    return SEMICOLON if language in SEMICOLON_LOCALES else COMMA


def title_text(table: Table) -> str:
    """The title row: the table's title, its period and its scope, those that are given."""
    parts = [str(table.title), str(table.period_label or ""), str(table.scope_label or "")]
    return " — ".join(p for p in parts if p)


def guard_text(value: str) -> str:
    """A text a spreadsheet would run as a formula, with a leading apostrophe (CSV)."""
    return "'" + value if value[:1] in FORMULA_STARTS else value


def local_value(value, kind: str):
    """A date/datetime column's value as a naive local date or datetime (stored naive datetimes
    are UTC; aware ones are converted); None stays None."""
    if value is None or value == "":
        return None
    if kind == "date":
        if isinstance(value, dt.datetime):
            return local_value(value, "datetime").date()
        return value
    if isinstance(value, dt.datetime):
        if value.tzinfo is not None:
            value = value.astimezone(dt.UTC).replace(tzinfo=None)
        return calendar.to_local(value).replace(tzinfo=None)
    if isinstance(value, dt.date):
        return dt.datetime.combine(value, dt.time(0))
    return value


def _is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


# --- CSV ------------------------------------------------------------------------------------
def csv_cell(value, column: Column, fmt: CsvFormat) -> str:
    """One value as CSV text by its column's kind; text that is not a number of a numeric
    column, and any text column, passes the formula guard."""
    if value is None:
        return ""
    kind = column.kind
    if kind in NUMERIC_KINDS and _is_number(value):
        if kind == "int":
            return str(int(value))
        places = 2 if kind == "decimal" else 1
        return f"{float(value):.{places}f}".replace(".", fmt.decimal)
    if kind in DATE_KINDS and isinstance(value, dt.date):
        local = local_value(value, kind)
        return local.strftime("%Y-%m-%d" if kind == "date" else "%Y-%m-%d %H:%M")
    return guard_text(str(value))


def csv_stream(table: Table, fmt: CsvFormat = SEMICOLON, rows_per_chunk: int = CSV_ROWS_PER_CHUNK):
    """Yield the table as UTF-8 CSV bytes (the BOM first, then the title row, the header and the
    rows), `rows_per_chunk` rows per chunk, reading the rows once."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=fmt.delimiter)
    buffer.write(BOM)
    writer.writerow([guard_text(title_text(table))])
    writer.writerow([guard_text(str(c.label)) for c in table.columns])
    columns = table.columns
    pending = 0
    for row in table.rows:
        writer.writerow([csv_cell(v, c, fmt) for v, c in zip(row, columns, strict=False)])
        pending += 1
        if pending >= rows_per_chunk:
            yield buffer.getvalue().encode("utf-8")
            buffer.seek(0)
            buffer.truncate()
            pending = 0
    yield buffer.getvalue().encode("utf-8")


# --- Excel ----------------------------------------------------------------------------------
def column_width(column: Column) -> float:
    """The column's width in characters: its own, else its kind's, at least its label's."""
    width = column.width or DEFAULT_WIDTHS[column.kind]
    return min(MAX_WIDTH, max(width, len(str(column.label)) + 2))


def text_cell(ws, value: str) -> WriteOnlyCell:
    """A string cell whatever it begins with: never a formula (nor an error value such as
    "#N/A", which openpyxl would also make of a plain string)."""
    cell = WriteOnlyCell(ws)
    cell._value = value
    cell.data_type = "s"
    return cell


def xlsx_text(ws, value):
    """A text value for a row: the plain string, or a string cell where openpyxl would read it
    as a formula or an error. Characters XML cannot hold (control characters other than tab
    and line breaks) are dropped rather than failing the download."""
    text = ILLEGAL_CHARACTERS_RE.sub("", str(value))
    return text_cell(ws, text) if text[:1] in TEXT_CELL_STARTS else text


def row_converter(ws, columns: list[Column]):
    """A function making a table row into the values of a sheet row by the columns' kinds:
    numbers and dates in one formatted cell per column, set anew for every row (a write-only
    sheet writes each appended row at once, so the cell is free again: building a styled cell
    per value would cost more than writing it)."""
    formatted = []
    for column in columns:
        cell = None
        if column.kind in XLSX_FORMATS:
            cell = WriteOnlyCell(ws)
            cell.number_format = XLSX_FORMATS[column.kind]
        formatted.append(cell)
    kinds = [c.kind for c in columns]

    def convert(row):
        values = []
        for value, kind, cell in zip(row, kinds, formatted, strict=False):
            if value is None or value == "":
                values.append(None)
            elif kind in NUMERIC_KINDS and _is_number(value):
                cell._value = round(value / 100, 6) if kind == "percent" else value
                cell.data_type = "n"
                values.append(cell)
            elif kind in DATE_KINDS and isinstance(value, dt.date):
                cell._value = local_value(value, kind)
                cell.data_type = "d"
                values.append(cell)
            else:
                values.append(xlsx_text(ws, value))
        return values

    return convert


def sheet_title(table: Table) -> str:
    """The sheet's name: the slug, without the characters Excel refuses, at most 31 long."""
    name = "".join(ch for ch in str(table.slug) if ch not in "\\/?*[]:").strip("'")
    return (name or "Sheet")[:31]


def truncated_note():
    return _(
        "Baris berikutnya tidak dimuat: satu lembar Excel memuat paling banyak %(n)s baris. "
        "Unduh CSV untuk semua baris.",
        n=f"{EXCEL_MAX_ROWS:,}".replace(",", "."),
    )


def write_xlsx(table: Table, path: str) -> None:
    """Write the table as a workbook at `path` (openpyxl's write-only mode: each row goes to a
    temporary file as it is appended, strings inline, so memory does not grow with the rows).
    Beyond Excel's 1,048,576 rows a sheet cannot go: the last row then says that the rest is
    in the CSV."""
    wb = Workbook(write_only=True)
    ws = wb.create_sheet(sheet_title(table))
    for index, column in enumerate(table.columns, 1):
        ws.column_dimensions[get_column_letter(index)].width = column_width(column)
    ws.freeze_panes = "A3"  # below the title and the header
    title = text_cell(ws, title_text(table))
    title.font = Font(bold=True, size=12)
    ws.append([title])
    header = []
    for column in table.columns:
        cell = text_cell(ws, str(column.label))
        cell.font = Font(bold=True)
        header.append(cell)
    ws.append(header)
    convert = row_converter(ws, table.columns)
    room = EXCEL_MAX_ROWS - 3  # the title, the header and the note below
    for written, row in enumerate(table.rows):
        if written == room:
            ws.append([text_cell(ws, str(truncated_note()))])
            break
        ws.append(convert(row))
    wb.save(path)


def xlsx_stream(table: Table, chunk_bytes: int = FILE_CHUNK_BYTES) -> Iterator[bytes]:
    """Yield the table as an .xlsx file, `chunk_bytes` at a time: written to a temporary file
    first (a zip is complete only at its end), which is deleted afterwards, also when the
    download is abandoned."""
    handle, path = tempfile.mkstemp(prefix="desk-export-", suffix=".xlsx")
    os.close(handle)
    try:
        write_xlsx(table, path)
        with open(path, "rb") as file:
            while chunk := file.read(chunk_bytes):
                yield chunk
    finally:
        os.unlink(path)
