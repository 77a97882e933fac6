"""Exports (issue #11 item 2): a report table as CSV and Excel, read back; the formula guard; the
ticket list's filters, search, sort and scope in its export; memory flat in the rows."""

from __future__ import annotations

import datetime as dt
import io
import tracemalloc
import zipfile

import pytest
from openpyxl import load_workbook

from models import workflow
from models.audit import AuditEntry
from models.catalog import Layanan
from models.db import connection
from models.exports import COMMA, SEMICOLON, csv_format, csv_stream, xlsx_stream
from models.report_table import Column, Table
from tests.helpers import T0, export_rows, new_request, required_uploads

FORMULAS = ["=1+1", "+62 812", "-2+3", "@SUM(A1)", "\tx", "\rx"]

COLUMNS = [
    Column("name", "Nama", width=40),
    Column("count", "Jumlah", "int"),
    Column("share", "Persentase", "percent"),
    Column("hours", "Jam kerja", "hours"),
    Column("day", "Tanggal", "date"),
    Column("at", "Waktu", "datetime"),
]
# 1 June 2026 23:30 UTC is 2 June 06:30 WIB: the date and the time are local
ROW = ("Dinas Kominfo", -5, 57.1, 12.5, dt.date(2026, 6, 1), dt.datetime(2026, 6, 1, 23, 30))


def table(rows, **kw) -> Table:
    return Table(
        slug="uji",
        title="Tabel uji",
        columns=COLUMNS,
        rows=rows,
        period_label=kw.get("period", "Juni 2026"),
        scope_label=kw.get("scope", "Lingkup: semua tiket"),
    )


def workbook(data: bytes):
    return load_workbook(io.BytesIO(data)).active


@pytest.fixture
def ctx(app):
    with app.app_context():
        yield app


def test_xlsx_reads_back_with_dates_numbers_title_widths_and_frozen_header(ctx):
    data = b"".join(xlsx_stream(table([ROW, ("Kosong", None, None, None, None, None)])))
    ws = workbook(data)
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "Tabel uji — Juni 2026 — Lingkup: semua tiket"
    assert rows[1] == ("Nama", "Jumlah", "Persentase", "Jam kerja", "Tanggal", "Waktu")
    name, count, share, hours, day, at = ws[3]
    assert count.value == -5 and count.data_type == "n"  # a negative number stays a number
    assert share.value == pytest.approx(0.571) and share.number_format == "0.0%"
    assert hours.value == 12.5 and hours.data_type == "n"
    assert day.is_date and day.value == dt.datetime(2026, 6, 1)
    assert at.is_date and at.value == dt.datetime(2026, 6, 2, 6, 30)
    assert rows[3] == ("Kosong", None, None, None, None, None)
    assert ws.freeze_panes == "A3"
    assert ws.column_dimensions["A"].width == 40  # its own
    assert ws.column_dimensions["F"].width == 17  # its kind's
    assert ws["A1"].font.bold and ws["A2"].font.bold


def test_csv_reads_back_with_bom_semicolons_and_a_decimal_comma(ctx):
    data = b"".join(csv_stream(table([ROW]), SEMICOLON))
    assert data.startswith(b"\xef\xbb\xbf")
    text = data.decode("utf-8-sig")
    assert text.splitlines()[0] == "Tabel uji — Juni 2026 — Lingkup: semua tiket"
    header, line = export_rows(data)
    assert header == ["Nama", "Jumlah", "Persentase", "Jam kerja", "Tanggal", "Waktu"]
    assert line == ["Dinas Kominfo", "-5", "57,1", "12,5", "2026-06-01", "2026-06-02 06:30"]
    header, line = export_rows(b"".join(csv_stream(table([ROW]), COMMA)), delimiter=",")
    assert line[2:4] == ["57.1", "12.5"]


def test_csv_format_by_locale_and_choice():
    assert csv_format("id") == SEMICOLON and csv_format("en") == COMMA
    assert csv_format("en", ";") == SEMICOLON and csv_format("id", "comma") == COMMA
    with pytest.raises(ValueError):
        csv_format("id", "tab")


@pytest.mark.parametrize("value", FORMULAS)
def test_every_formula_start_stays_text_in_both_formats(ctx, value):
    row = (value, -3, None, None, None, None)
    lines = export_rows(b"".join(csv_stream(table([row], scope=value))))
    assert lines[1][0] == "'" + value
    assert lines[1][1] == "-3"  # a number of a numeric column is no formula
    data = b"".join(xlsx_stream(table([row], scope=value)))
    ws = workbook(data)
    assert ws["A3"].data_type == "s" and ws["A3"].value == value
    assert ws["B3"].value == -3 and ws["B3"].data_type == "n"
    sheet = zipfile.ZipFile(io.BytesIO(data)).read("xl/worksheets/sheet1.xml")
    assert b"<f>" not in sheet and b"<f " not in sheet  # no formula anywhere


def test_text_in_a_numeric_column_and_control_characters(ctx):
    """A value that is no number in a numeric column is written as text (guarded); characters
    XML cannot hold are dropped rather than failing the download."""
    row = ("a\x00b\x07c", "=2*3", None, None, "bukan tanggal", None)
    ws = workbook(b"".join(xlsx_stream(table([row, ("#N/A",) + row[1:]]))))
    assert ws["A3"].value == "abc"
    assert ws["A4"].value == "#N/A" and ws["A4"].data_type == "s"  # not an error value
    assert ws["B3"].data_type == "s" and ws["B3"].value == "=2*3"
    assert ws["E3"].value == "bukan tanggal"
    assert export_rows(b"".join(csv_stream(table([row]))))[1][1] == "'=2*3"


def test_the_temporary_file_is_deleted_also_when_a_download_is_abandoned(ctx, tmp_path):
    import tempfile

    before = tempfile.tempdir
    tmp_path = tmp_path / "exports"
    tmp_path.mkdir()
    tempfile.tempdir = str(tmp_path)
    try:
        many = (ROW for _ in range(3000))
        stream = xlsx_stream(table(many), chunk_bytes=1024)
        assert next(stream).startswith(b"PK")
        assert [p.name for p in tmp_path.iterdir()][0].startswith("desk-export-")
        stream.close()  # the client went away
        assert not list(tmp_path.iterdir())
        b"".join(xlsx_stream(table([ROW])))
        assert not list(tmp_path.iterdir())
    finally:
        tempfile.tempdir = before


def test_excel_stops_at_its_row_limit_and_says_so(ctx, monkeypatch):
    from models import exports

    monkeypatch.setattr(exports, "EXCEL_MAX_ROWS", 6)
    ws = workbook(b"".join(xlsx_stream(table(ROW for _ in range(10)))))
    rows = list(ws.iter_rows(values_only=True))
    assert len(rows) == 6 and [r[0] for r in rows[2:5]] == ["Dinas Kominfo"] * 3
    assert "paling banyak 6 baris" in rows[5][0] and "CSV" in rows[5][0]


def peak_bytes(write, rows: int) -> int:
    """The peak of memory allocated while `write` streams a generated table of `rows` rows (a
    text, a number, a time: tracemalloc slows openpyxl down a lot, so few columns)."""

    def generated():
        for i in range(rows):
            yield (f"Perangkat Daerah {i}", -i, T0)

    columns = [COLUMNS[0], COLUMNS[1], COLUMNS[5]]
    generated_table = Table("uji", "Tabel uji", columns, rows=generated())
    tracemalloc.start()
    try:
        for _chunk in write(generated_table):
            pass
        return tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize("write", [csv_stream, xlsx_stream], ids=["csv", "xlsx"])
def test_memory_stays_flat_in_the_number_of_rows(ctx, write):
    small, large = peak_bytes(write, 2_000), peak_bytes(write, 20_000)
    # ten times the rows: the peak may not grow with them (a list of the rows would be ~10x)
    assert large < 1.5 * small + 256 * 1024, (small, large)


# --- the ticket list --------------------------------------------------------------------------
def open_ticket(code, subject):
    layanan = Layanan.get(Layanan.code == code)
    return workflow.submit(
        None, new_request(layanan=layanan, subject=subject), required_uploads(layanan), now=T0
    )


@pytest.fixture
def tickets(db, make_ticket):
    """A: subdomain (Seksi Rekayasa Aplikasi) open, B: the same service assigned, C: an aptika
    service of another seksi, D: a service of another bidang; E's subject is a formula."""
    return {
        "A": make_ticket("open", subject="Tiket A"),
        "B": make_ticket("assigned", subject="Tiket B"),
        "C": open_ticket("gangguan-aplikasi", "Tiket C"),
        "D": open_ticket("gangguan-jaringan", "Tiket D"),
        "E": make_ticket("open", subject="=HYPERLINK(1)"),
    }


def numbers(rows):
    return {row[0] for row in rows[1:]}


def test_a_kepala_seksi_exports_only_their_seksi(client, login_as, tickets):
    login_as("kepala_seksi")
    for fmt in ("csv", "xlsx"):
        response = client.get(f"/admin/tiket/export/{fmt}/")
        assert response.status_code == 200 and response.is_streamed
        if fmt == "csv":
            rows = export_rows(response.get_data())
        else:
            ws = workbook(response.get_data())
            rows = [list(r) for r in ws.iter_rows(min_row=2, values_only=True)]
            assert "Lingkup: Seksi Rekayasa Aplikasi" in ws["A1"].value
        assert numbers(rows) == {tickets[k].number for k in "ABE"}, fmt


def test_the_export_follows_the_lists_filters_search_and_sort(client, login_as, tickets):
    login_as("admin")
    rows = export_rows(client.get("/admin/tiket/export/csv/?flt0_0=assigned").get_data())
    assert numbers(rows) == {tickets["B"].number}
    rows = export_rows(client.get("/admin/tiket/export/csv/?search=Tiket+C").get_data())
    assert numbers(rows) == {tickets["C"].number}
    ascending = export_rows(client.get("/admin/tiket/export/csv/?sort=0").get_data())
    descending = export_rows(client.get("/admin/tiket/export/csv/?sort=0&desc=1").get_data())
    assert [r[0] for r in ascending[1:]] == sorted(r[0] for r in ascending[1:])
    assert [r[0] for r in descending[1:]] == [r[0] for r in ascending[1:]][::-1]
    # the list opens on the open tickets: so does its export, and its title row says so
    data = client.get("/admin/tiket/export/xlsx/").get_data()
    ws = workbook(data)
    assert "Tampilkan adalah Terbuka (belum ditutup)" in ws["A1"].value
    header = [c.value for c in ws[2]]
    created = ws.cell(3, header.index("Dibuat pada") + 1)
    assert created.is_date  # a real Excel date, in WIB
    subject = [c for c in ws["D"] if c.value == "=HYPERLINK(1)"]
    assert subject and subject[0].data_type == "s"


def test_the_export_is_audited_and_english_uses_commas(client, login_as, tickets):
    login_as("helpdesk")
    data = client.get("/admin/tiket/export/csv/?lang=en").get_data()
    rows = export_rows(data, delimiter=",")
    assert rows[0][0] == "Number"
    assert tickets["A"].number in numbers(rows)
    with connection():
        entry = AuditEntry.select().order_by(AuditEntry.id.desc()).first()
    assert entry.action == "export" and entry.target == "tickets csv"


def test_the_list_offers_both_formats_with_its_filters(client, login_as, tickets):
    login_as("helpdesk")
    html = client.get("/admin/tiket/?flt0_0=assigned&search=Tiket").get_data(as_text=True)
    for fmt, label in (("csv", "Ekspor CSV"), ("xlsx", "Ekspor Excel")):
        assert f'href="/admin/tiket/export/{fmt}/?flt0_0=assigned&amp;search=Tiket"' in html
        assert label in html


def test_bad_format_or_separator(client, login_as, tickets):
    login_as("admin")
    assert client.get("/admin/tiket/export/pdf/").status_code == 404
    assert client.get("/admin/tiket/export/xls/").status_code == 404
    response = client.get("/admin/tiket/export/csv/?sep=tab")
    assert response.status_code == 400
    assert "Pemisah kolom tidak dikenal" in response.get_data(as_text=True)


def test_export_response_headers(client, login_as, tickets):
    login_as("admin")
    response = client.get("/admin/tiket/export/xlsx/")
    assert response.mimetype == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith('attachment; filename="tiket-tickets-') and ".xlsx" in disposition
    assert response.headers["Cache-Control"] == "no-store"
    assert client.get("/admin/tiket/export/csv/").mimetype == "text/csv"
