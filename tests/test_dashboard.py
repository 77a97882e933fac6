"""The staff home page: figures known by hand for a constructed data set, per role and scope,
in the Table objects and in the page; the working duration stored when a step ends; the period
picker.

The data set (2026, times in WIB, working hours 08-16 Monday-Friday; Monday 1 June is a
national holiday, Hari Lahir Pancasila; "now" is Tuesday 9 June 10.00):

  A permintaan-subdomain (sedang, seksi rekayasa-aplikasi), DISDIK, agent Galih
    received Fri 29 May 15.00; verified Tue 2 June 09.00: step 3 = Fri 1 h + Tue 1 h = 2 h
    (the weekend and the holiday between), on time (due Tue 15.00)
    disposed 09.30: step 4 = 0.5 h, on time
    paused Tue 10.30, answered Thu 10.30 (16 h paused), selesai Fri 5 June 09.30:
    step 5 = 24 h - 16 h = 8 h, on time
    signed Mon 8 June 09.00: step 6 = Fri 6.5 h + Mon 1 h = 7.5 h, on time
    closed Mon 11.00: step 7 = 2 h, late (due 10.00)
  B pengembangan-aplikasi (panjang, rekayasa-aplikasi), DINKES, agent Galih
    received Wed 3 June 10.00; incomplete 14.00 (step 3 = 4 h, on time); documents Thu 10.00;
    verified Mon 8 June 10.00 (step 3 = 6 + 8 + 2 = 16 h, late); disposed 10.30 (0.5 h, on
    time); step 5 open; the requester replied Mon 12.00 (unread)
  C gangguan-aplikasi (pendek, pengelolaan-aplikasi), DISDIK, agent Budi
    received Tue 2 June 10.00; verified 11.00 (1 h, on time); disposed 14.00 (3 h, late);
    step 5 open, due Fri 5 June 14.00: overdue
  D permintaan-subdomain, DISDIK, received Mon 8 June 14.00: step 3 due today 14.00
  E permintaan-subdomain, DINKES, received Fri 5 June 10.00: step 3 due Mon 10.00, overdue
  F permintaan-subdomain, BAPENDA, received Tue 9 June 08.30: step 3 due tomorrow 08.30
"""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest

from deskadmin import dashboard as dashboard_view
from deskadmin.compliance import PeriodError
from deskadmin.periods import read_choice
from models import dashboard, desk_list, workflow
from models.catalog import Holiday, Layanan, PerangkatDaerah, RequiredDocument
from models.compliance import Period
from models.seed import create_staff_user
from models.ticket import Ticket, TicketStep
from models.uploads import Upload
from tests.helpers import PDF_BYTES, PNG_BYTES, export_rows, new_request, required_uploads

pytestmark = pytest.mark.csrf_off

JUNE = Period(dt.date(2026, 6, 1), dt.date(2026, 6, 30))
HOUR = 3600


def wib(month, day, hour, minute=0):
    """A WIB (UTC+7) time of 2026 as the naive UTC the workflow stores."""
    return dt.datetime(2026, month, day, hour, minute) - dt.timedelta(hours=7)


NOW = wib(6, 9, 10)


def build(users):
    Holiday.get_or_create(date=dt.date(2026, 6, 1), defaults={"name": "Hari Lahir Pancasila"})
    budi, _ = create_staff_user(
        "budi@example.go.id", "Budi Santoso", "agent", seksi_code="pengelolaan-aplikasi"
    )
    helpdesk, galih = users["helpdesk"], users["agent"]

    def submit(code, pd, now):
        layanan = Layanan.get(Layanan.code == code)
        pd_id = PerangkatDaerah.get(PerangkatDaerah.code == pd).id
        request = new_request(layanan=layanan, perangkat_daerah_id=pd_id)
        return workflow.submit(None, request, required_uploads(layanan), now=now)

    a = submit("permintaan-subdomain", "DISDIK", wib(5, 29, 15))
    workflow.verify_complete(helpdesk, a.id, now=wib(6, 2, 9))
    workflow.dispose(helpdesk, a.id, galih.id, now=wib(6, 2, 9, 30))
    workflow.pause(galih, a.id, "Nama subdomain yang diinginkan?", now=wib(6, 2, 10, 30))
    workflow.answer_question(a.tracking_token, "desa.jabarprov.go.id", now=wib(6, 4, 10, 30))
    for kind in ("sla", "ba"):
        upload = Upload(f"{kind}.pdf", PDF_BYTES + kind.encode())
        workflow.attach_document(galih, a.id, kind, upload, now=wib(6, 5, 9))
    workflow.mark_selesai(galih, a.id, now=wib(6, 5, 9, 30))
    s, b = Upload("s.pdf", PDF_BYTES), Upload("b.png", PNG_BYTES)
    workflow.submit_signed(a.tracking_token, s, b, now=wib(6, 8, 9))
    workflow.close(galih, a.id, confirm_wet_ink=True, now=wib(6, 8, 11))

    b = submit("pengembangan-aplikasi", "DINKES", wib(6, 3, 10))
    missing = RequiredDocument.for_layanan(b.layanan_id).first()
    workflow.verify_incomplete(helpdesk, b.id, [missing.id], now=wib(6, 3, 14))
    upload = Upload("lengkap.pdf", PDF_BYTES + b"lengkap", missing.id)
    workflow.complete_documents(b.tracking_token, [upload], now=wib(6, 4, 10))
    workflow.verify_complete(helpdesk, b.id, now=wib(6, 8, 10))
    workflow.dispose(helpdesk, b.id, galih.id, now=wib(6, 8, 10, 30))
    workflow.reply(b.tracking_token, "Apakah ada kabar?", now=wib(6, 8, 12))

    c = submit("gangguan-aplikasi", "DISDIK", wib(6, 2, 10))
    workflow.verify_complete(helpdesk, c.id, now=wib(6, 2, 11))
    workflow.dispose(helpdesk, c.id, budi.id, now=wib(6, 2, 14))

    d = submit("permintaan-subdomain", "DISDIK", wib(6, 8, 14))
    e = submit("permintaan-subdomain", "DINKES", wib(6, 5, 10))
    f = submit("permintaan-subdomain", "BAPENDA", wib(6, 9, 8, 30))
    return {"A": a, "B": b, "C": c, "D": d, "E": e, "F": f, "budi": budi}


@pytest.fixture
def scenario(db, users):
    return build(users)


def rows(table):
    """The rows of a Table as tuples (its rows may be any iterable)."""
    return [tuple(r) for r in table.rows]


# --- the working duration stored on each step --------------------------------------------------


def test_each_ended_step_stores_its_working_time_without_weekend_holiday_or_pause(scenario):
    steps = TicketStep.select().where(TicketStep.ticket == scenario["A"].id).order_by(TicketStep.id)
    assert [(s.step, s.working_seconds) for s in steps] == [
        (3, 2 * HOUR),  # Friday 15-16 and Tuesday 8-9: the weekend and 1 June not counted
        (4, HOUR // 2),
        (5, 8 * HOUR),  # 24 working hours, 16 of them paused
        (6, int(7.5 * HOUR)),
        (7, 2 * HOUR),
    ]
    open_step = TicketStep.get(TicketStep.ticket == scenario["B"].id, TicketStep.ended_at >> None)
    assert open_step.working_seconds is None  # still open: no duration yet


# --- the heads' figures, as Tables ---------------------------------------------------------------

ADMIN_STEPS = [
    # step, ended, on time %, median h, p90 h
    ("3. Verifikasi dokumen", 4, 75.0, 2.0, 16.0),  # 1, 2, 4, 16 h: rank 2 and rank 4
    ("4. Disposisi", 3, 66.7, 0.5, 3.0),  # 0.5, 0.5, 3 h
    ("5. Pengerjaan oleh petugas", 1, 100.0, 8.0, 8.0),
    ("6. Balasan SLA dan BA", 1, 100.0, 7.5, 7.5),
    ("7. Close Tiket", 1, 0.0, 2.0, 2.0),
]


def test_step_durations_for_the_admin(scenario, users):
    table = dashboard.steps_table(users["admin"], JUNE)
    assert table.slug == "langkah"
    assert rows(table) == ADMIN_STEPS


def test_kepala_seksi_sees_only_their_seksi(scenario, users):
    """C (seksi pengelolaan-aplikasi) is left out: step 3 is A and B's 2, 4 and 16 h."""
    table = dashboard.steps_table(users["kepala_seksi"], JUNE)
    assert rows(table)[:2] == [
        ("3. Verifikasi dokumen", 3, 66.7, 4.0, 16.0),
        ("4. Disposisi", 2, 100.0, 0.5, 0.5),
    ]
    overdue = dashboard.overdue_by_person_table(users["kepala_seksi"], NOW)
    assert rows(overdue) == [("Helpdesk", 1)]  # E; C's agent Budi is another seksi's


def test_figures_per_duration_class_agent_and_agency(scenario, users):
    admin = users["admin"]
    by_class = rows(dashboard.dimension_table(admin, JUNE, "duration", "x", "x"))
    assert ("Panjang", "3. Verifikasi dokumen", 2, 50.0, 4.0, 16.0) in [
        (str(r[0]).split(" ")[0], *r[1:]) for r in by_class
    ]
    assert [r[1:] for r in by_class if str(r[0]).startswith("Pendek")] == [
        ("3. Verifikasi dokumen", 1, 100.0, 1.0, 1.0),
        ("4. Disposisi", 1, 0.0, 3.0, 3.0),
    ]
    by_agent = rows(dashboard.dimension_table(admin, JUNE, "agent", "x", "x"))
    assert by_agent == [
        ("Galih Ramadhan Saputra", "5. Pengerjaan oleh petugas", 1, 100.0, 8.0, 8.0),
        ("Galih Ramadhan Saputra", "7. Close Tiket", 1, 0.0, 2.0, 2.0),
    ]
    wait = rows(dashboard.signed_wait_table(admin, JUNE))
    assert [r[1:] for r in wait] == [(1, 100.0, 7.5, 7.5)]
    pd = {r[0]: r[1:] for r in rows(dashboard.incomplete_table(admin, JUNE))}
    dinkes = next(k for k in pd if "Kesehatan" in k)
    disdik = next(k for k in pd if "Pendidikan" in k)
    assert pd[dinkes] == (2, 1, 50.0)  # B went incomplete, E did not
    assert pd[disdik] == (2, 0, 0.0)  # C, D (A came in May)
    assert sum(r[0] for r in pd.values()) == 5


def test_open_and_overdue_now(scenario, users):
    admin = users["admin"]
    opened = {r[1]: r[2] for r in rows(dashboard.open_by_step_table(admin))}
    assert opened["Menunggu verifikasi"] == 3 and opened["Dikerjakan petugas"] == 2
    assert sum(opened.values()) == 5
    by_step = dict(rows(dashboard.overdue_by_step_table(admin, NOW)))
    assert by_step == {
        "3. Verifikasi dokumen": 1,
        "4. Disposisi": 0,
        "5. Pengerjaan oleh petugas": 1,
        "6. Balasan SLA dan BA": 0,
        "7. Close Tiket": 0,
    }
    assert rows(dashboard.overdue_by_person_table(admin, NOW)) == [
        ("Budi Santoso", 1),
        ("Helpdesk", 1),
    ]


def test_this_period_against_the_last_and_the_trend(scenario, users):
    admin = users["admin"]
    this, last = rows(dashboard.comparison_table(admin, JUNE))
    assert this[1:] == (5, 1, 10, 70.0)  # B-F received, A closed, 10 steps ended, 7 on time
    assert last[1:] == (1, 0, 0, None)  # May: A received
    trend = rows(dashboard.trend_table(admin, JUNE))
    assert [r[0] for r in trend] == [f"2025-{m:02d}" for m in range(7, 13)] + [
        f"2026-{m:02d}" for m in range(1, 7)
    ]
    assert trend[-1][1:] == (5, 1, 10, 70.0) and trend[-2][1:] == (1, 0, 0, None)
    assert all(r[1:] == (0, 0, 0, None) for r in trend[:-2])


# --- the desk's own list --------------------------------------------------------------------------


def test_helpdesk_and_agent_see_what_is_urgent_for_them(scenario, users):
    helpdesk, galih = users["helpdesk"], users["agent"]
    condition = dashboard_view.answers_for(helpdesk)
    assert desk_list.desk_counts(helpdesk, condition, NOW) == desk_list.DeskCounts(1, 1, 1, 0)
    table = desk_list.desk_table(helpdesk, condition, NOW)
    numbers = [r[0] for r in rows(table)]
    assert numbers == [scenario[k].number for k in "EDF"]  # overdue, today, tomorrow
    assert [r[4] for r in rows(table)] == [
        "Terlambat",
        "Jatuh tempo hari ini",
        "Jatuh tempo besok",
    ]
    condition = dashboard_view.answers_for(galih)
    assert desk_list.desk_counts(galih, condition, NOW) == desk_list.DeskCounts(0, 0, 0, 1)
    assert [r[0] for r in rows(desk_list.desk_table(galih, condition, NOW))] == [
        scenario["B"].number
    ]


# --- the page ----------------------------------------------------------------------------------


@pytest.fixture
def frozen_now(monkeypatch):
    monkeypatch.setattr(dashboard_view, "utcnow", lambda: NOW)


def _cells(html: str, slug: str) -> str:
    start = html.index(f'id="table-{slug}"')
    return html[start : html.index("</table>", start)]


def test_head_page_shows_the_figures_with_charts(client, login_as, scenario, frozen_now):
    login_as("kepala_bidang")
    response = client.get("/admin/?periode=bulan&bulan=2026-06")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    steps = _cells(html, "langkah")
    assert '<td data-key="median_hours" class="text-right">2,0</td>' in steps
    assert '<td data-key="p90_hours" class="text-right">16,0</td>' in steps
    assert '<td data-key="on_time_percent" class="text-right">75,0%</td>' in steps
    assert 'id="chart-langkah"' in html and 'id="chart-tren"' in html
    assert 'role="img"' in html and '<title id="chart-langkah-title">' in html
    assert "Budi Santoso" in _cells(html, "terlambat-petugas")
    assert 'id="desk"' not in html  # a head has no desk list of their own


def test_kepala_seksi_page_is_within_their_seksi(client, login_as, scenario, frozen_now):
    login_as("kepala_seksi")
    html = client.get("/admin/?periode=bulan&bulan=2026-06").get_data(as_text=True)
    assert '<td data-key="median_hours" class="text-right">4,0</td>' in _cells(html, "langkah")
    assert "Budi Santoso" not in html


def test_desk_page_for_helpdesk_and_agent(client, login_as, scenario, frozen_now):
    login_as("helpdesk")
    html = client.get("/admin/").get_data(as_text=True)
    desk = _cells(html, "mendesak")
    positions = [desk.index(scenario[k].number) for k in "EDF"]
    assert positions == sorted(positions)
    assert 'id="figures"' not in html
    login_as("agent")
    html = client.get("/admin/").get_data(as_text=True)
    desk = _cells(html, "mendesak")
    assert scenario["B"].number in desk and scenario["C"].number not in desk
    assert scenario["E"].number not in desk


def test_single_table_route_and_table_method(client, app, login_as, scenario, users):
    view = app.extensions["desk_admin"].index_view
    table = view.table("langkah", JUNE, users["admin"], NOW)
    assert rows(table) == ADMIN_STEPS
    assert view.table("langkah", JUNE, users["agent"]) is None  # not a head's role
    assert view.table("tidak-ada", JUNE, users["admin"]) is None
    login_as("kepala_bidang")
    page = client.get("/admin/tabel/langkah?periode=bulan&bulan=2026-06")
    assert page.status_code == 200 and "16,0" in page.get_data(as_text=True)
    assert client.get("/admin/tabel/tidak-ada").status_code == 404
    login_as("agent")
    assert client.get("/admin/tabel/langkah").status_code == 404


# --- the period picker -------------------------------------------------------------------------


def test_period_picker_reads_month_quarter_year_and_range():
    today = dt.date(2026, 8, 20)
    assert read_choice({}, today) == ("bulan", Period.month(2026, 8))
    assert read_choice({"periode": "bulan", "bulan": "2026-02"}, today)[1] == Period(
        dt.date(2026, 2, 1), dt.date(2026, 2, 28)
    )
    assert read_choice({"periode": "kuartal", "tahun": "2026", "kuartal": "2"}, today)[1] == (
        Period(dt.date(2026, 4, 1), dt.date(2026, 6, 30))
    )
    assert read_choice({"periode": "kuartal"}, today)[1] == Period.quarter(2026, 3)
    assert read_choice({"periode": "tahun", "tahun": "2025"}, today)[1] == Period.year(2025)
    custom = {"periode": "rentang", "dari": "2026-06-03", "sampai": "2026-06-09"}
    assert read_choice(custom, today)[1] == Period(dt.date(2026, 6, 3), dt.date(2026, 6, 9))


def test_previous_period_has_the_same_length():
    assert Period.month(2026, 3).previous() == Period.month(2026, 2)
    assert Period.quarter(2026, 1).previous() == Period.quarter(2025, 4)
    assert Period.year(2026).previous() == Period.year(2025)
    week = Period(dt.date(2026, 6, 3), dt.date(2026, 6, 9))
    assert week.previous() == Period(dt.date(2026, 5, 27), dt.date(2026, 6, 2))


BAD_PERIODS = [
    ({"periode": "minggu"}, "Jenis periode"),
    ({"periode": "bulan", "bulan": "2026-13"}, "Bulan tidak valid"),
    ({"periode": "bulan", "bulan": "juni"}, "Bulan tidak valid"),
    ({"periode": "kuartal", "kuartal": "5"}, "Kuartal harus"),
    ({"periode": "tahun", "tahun": "dua ribu"}, "Tahun harus"),
    ({"periode": "tahun", "tahun": "1800"}, "Tahun harus"),
    ({"periode": "rentang", "dari": "2026-06-10", "sampai": "2026-06-01"}, "tidak boleh sesudah"),
    ({"periode": "rentang", "dari": "10/06/2026"}, "TTTT-BB-HH"),
]


@pytest.mark.parametrize(("args", "message"), BAD_PERIODS)
def test_bad_period_is_a_clear_message(args, message):
    with pytest.raises(PeriodError, match=message):
        read_choice(args, dt.date(2026, 8, 20))


def test_bad_period_on_the_page_is_400_with_the_message(client, login_as, scenario):
    login_as("kepala_bidang")
    response = client.get("/admin/?periode=bulan&bulan=2026-13")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="period-error"' in html and "Bulan tidak valid" in html
    assert client.get("/admin/tabel/langkah?periode=kuartal&kuartal=9").status_code == 400
    assert Ticket.select().count() >= 6  # nothing changed


def test_figures_of_a_period_over_are_remembered_per_scope(scenario, users, app):
    """June is over (today is later): its comparison is kept per app for CACHE_SECONDS, keyed
    by the scope, so the kepala seksi never gets the admin's figures."""
    admin, kasi = users["admin"], users["kepala_seksi"]
    assert rows(dashboard.comparison_table(admin, JUNE))[0][1:] == (5, 1, 10, 70.0)
    assert rows(dashboard.comparison_table(kasi, JUNE))[0][1:3] == (4, 1)  # B D E F; A closed
    workflow.submit(None, new_request(), required_uploads(), now=wib(6, 10, 9))
    assert rows(dashboard.comparison_table(admin, JUNE))[0][1] == 5  # remembered
    app.extensions["desk_figure_cache"].clear()
    assert rows(dashboard.comparison_table(admin, JUNE))[0][1] == 6


def test_dashboard_tables_download_as_excel_and_csv_with_the_page_figures(
    client, login_as, scenario, frozen_now
):
    login_as("kepala_bidang")
    june = "periode=bulan&bulan=2026-06"
    xlsx = client.get(f"/admin/tabel/langkah/unduh/xlsx?{june}")
    assert xlsx.status_code == 200
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx.data)).active
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert "1 Juni 2026" in values[0][0] and "30 Juni 2026" in values[0][0]
    header = values[1]
    medians = [r[header.index("Median (jam kerja)")] for r in values[2:]]
    assert 2.0 in medians  # a number, as on the page ("2,0")
    csv_rows = export_rows(client.get(f"/admin/tabel/langkah/unduh/csv?{june}").data)
    assert csv_rows[0] == [str(c) for c in header]
    assert any("16,0" in r for r in csv_rows[1:])
    assert client.get(f"/admin/tabel/langkah/unduh/pdf?{june}").status_code == 404
    assert (
        client.get("/admin/tabel/langkah/unduh/csv?periode=bulan&bulan=2026-13").status_code == 400
    )
    assert 'href="/admin/tabel/langkah/unduh/xlsx?' in client.get(f"/admin/?{june}").get_data(
        as_text=True
    )
    login_as("agent")
    assert client.get(f"/admin/tabel/langkah/unduh/csv?{june}").status_code == 404


def test_the_heads_page_shows_the_satisfaction_index(client, login_as, scenario, frozen_now):
    login_as("kepala_bidang")
    html = client.get("/admin/?periode=bulan&bulan=2026-06").get_data(as_text=True)
    assert 'id="skm"' in html and 'id="table-skm-layanan"' in html
    assert "Belum cukup jawaban survei" in html  # nobody answered in the scenario
    login_as("helpdesk")
    assert 'id="skm"' not in client.get("/admin/").get_data(as_text=True)


def test_table_rows_are_escaped_html_with_the_numbers_right_aligned():
    from models.report_table import Column, Table

    table = Table(
        "x",
        "x",
        [Column("agency", "Perangkat Daerah"), Column("median_hours", "Median", "hours")],
        [("<b>Dinas</b> & Co", 2.5), ("Bapenda", None)],
    )
    assert [str(r) for r in dashboard_view.body_rows(table, dashboard_view.cell)] == [
        '<tr><th scope="row" class="font-weight-normal" data-key="agency">'
        '&lt;b&gt;Dinas&lt;/b&gt; &amp; Co</th><td data-key="median_hours" class="text-right">'
        "2,5</td></tr>",
        '<tr><th scope="row" class="font-weight-normal" data-key="agency">Bapenda</th>'
        '<td data-key="median_hours" class="text-right">–</td></tr>',
    ]
