"""Kepatuhan mutu baku: the counts per step, service, agency and agent for a known data set,
the period in local dates, the scope of each head, the page, its CSV, and PostgreSQL.

The data set (June 2026, times in WIB; "now" is Friday 5 June 15.00 WIB; 1 June is a holiday):

  A subdomain (sedang)  DISDIK   3 ok, 4 ok, 5 ok, 6 ok, 7 late (closed 11.00, due 10.00)
  B subdomain           DINKES   3 late, 4 late, 5 open (not yet due)
  C gangguan-aplikasi   DISDIK   3 ok, 4 ok, 5 open and overdue (due Fri 11.00)      agent Budi
  D subdomain           DISDIK   3 ok (-> incomplete), incomplete ended (not counted),
                                 3 again, open and overdue (due Thu 09.00)
  D2 subdomain          DISDIK   3 ended 4 May (outside June), incomplete open and overdue
                                 (due 4 June: not counted, the requester's window)
  E gangguan-jaringan   DINKES   3 late, 4 ok, 5 ok, 6 open and overdue (due Fri 10.00)
    (Bidang e-Government)                                                           agent Dewi
  F subdomain           BAPENDA  3 late (rejected)
  H pengembangan-apl.   DISDIK   3 ok, ended Mon 1 June 00.30 WIB = 31 May UTC; 4 open and
                                 overdue (due Tue 2 June 09.00)
Agent of A, B (and H's seksi): Galih (rekayasa-aplikasi, the demo agent).
"""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest

from models import compliance
from models.catalog import Layanan, PerangkatDaerah
from models.compliance import Period
from models.db import connection, database
from models.staff import User
from tests.helpers import export_rows, june_scenario, wib

pytestmark = pytest.mark.csrf_off  # forms are posted without their token

JUNE = Period(dt.date(2026, 6, 1), dt.date(2026, 6, 30))


NOW = wib(6, 5, 15)


def build_scenario(users):
    """The tickets of the module docstring (`tests.helpers.june_scenario`)."""
    return june_scenario(users)


@pytest.fixture
def scenario(db, users):
    return build_scenario(users)


def table(rows, names=None):
    """{label or mapped key: (ended, on_time, overdue, percent)}."""
    return {
        (names[r.key] if names else r.key): (r.ended, r.on_time, r.overdue, r.percent) for r in rows
    }


def codes(model):
    return {x.id: x.code for x in model.select()}


# Everything, as the admin sees it.
ALL_STEPS = {
    3: (7, 4, 1, 57.1),  # A C D H on time; B E F late; D open again and overdue
    4: (4, 3, 1, 75.0),  # A C E on time; B late; H open and overdue
    5: (2, 2, 1, 100.0),  # A E; C open and overdue (B open, not yet due)
    6: (1, 1, 1, 100.0),  # A; E open and overdue
    7: (1, 0, 0, 0.0),  # A closed an hour late
}
ALL_LAYANAN = {
    "permintaan-subdomain": (9, 5, 1, 55.6),
    "gangguan-aplikasi": (2, 2, 1, 100.0),
    "gangguan-jaringan": (3, 2, 1, 66.7),
    "pengembangan-aplikasi": (1, 1, 1, 100.0),
}
ALL_PD = {
    "DISDIK": (9, 8, 3, 88.9),
    "DINKES": (5, 2, 1, 40.0),
    "BAPENDA": (1, 0, 0, 0.0),
}
ALL_AGENTS = {
    "Galih Ramadhan Saputra": (2, 1, 0, 50.0),  # A: 5 on time, 7 late
    "Budi Santoso": (0, 0, 1, None),  # C: 5 open and overdue
    "Dewi Lestari": (1, 1, 0, 100.0),  # E: 5 on time (6 is not the agent's)
}


def assert_everything(admin):
    assert table(compliance.by_step(admin, JUNE, NOW)) == ALL_STEPS
    assert table(compliance.by_layanan(admin, JUNE, NOW), codes(Layanan)) == ALL_LAYANAN
    assert table(compliance.by_perangkat_daerah(admin, JUNE, NOW), codes(PerangkatDaerah)) == (
        ALL_PD
    )
    agents = {u.id: u.name for u in User.select()}
    assert table(compliance.by_agent(admin, JUNE, NOW), agents) == ALL_AGENTS


def test_admin_sees_every_count(scenario, users):
    assert_everything(users["admin"])


def test_rows_come_in_order_with_totals(scenario, users):
    admin = users["admin"]
    assert [r.key for r in compliance.by_step(admin, JUNE, NOW)] == [3, 4, 5, 6, 7]
    pds = [r.label for r in compliance.by_perangkat_daerah(admin, JUNE, NOW)]
    assert pds == sorted(pds) and len(pds) == 3
    total = compliance.totals(compliance.by_step(admin, JUNE, NOW))
    assert (total.ended, total.on_time, total.late, total.overdue, total.percent) == (
        15,
        10,
        5,
        4,
        66.7,
    )


def test_incomplete_window_is_not_counted(scenario, users):
    """D's incomplete row ended on time in June and D2's is open past its month: neither
    counts; D2's step 3 (4 May) counts in May only."""
    from models.ticket import INCOMPLETE, TicketStep

    incomplete = TicketStep.select().where(TicketStep.status == INCOMPLETE)
    assert incomplete.count() == 2  # they are there, and still not counted
    may = Period(dt.date(2026, 5, 1), dt.date(2026, 5, 31))
    steps = table(compliance.by_step(users["admin"], may, NOW))
    assert steps[3] == (1, 1, 1, 100.0)  # D2 only: H ended 31 May UTC, which is 1 June WIB
    assert [steps[n][:2] for n in (4, 5, 6, 7)] == [(0, 0)] * 4


def test_period_is_in_local_dates_with_both_ends_included(scenario, users):
    admin = users["admin"]
    one_day = Period(dt.date(2026, 6, 2), dt.date(2026, 6, 2))
    steps = table(compliance.by_step(admin, one_day, NOW))
    assert steps[3][:2] == (3, 3)  # A, C, D on Tuesday; H (Monday 00.30 WIB) is not
    assert steps[4][:2] == (2, 2)  # A, C
    first_of_june = Period(dt.date(2026, 6, 1), dt.date(2026, 6, 1))
    assert table(compliance.by_step(admin, first_of_june, NOW))[3][:2] == (1, 1)  # H
    assert JUNE.bounds() == (dt.datetime(2026, 5, 31, 17), dt.datetime(2026, 6, 30, 17))


def test_overdue_is_counted_at_now(scenario, users):
    """Before C's step 5 was due (Fri 11.00) it is not overdue; afterwards it is."""
    admin = users["admin"]
    assert table(compliance.by_step(admin, JUNE, wib(6, 5, 10, 59)))[5][2] == 0
    assert table(compliance.by_step(admin, JUNE, wib(6, 5, 11, 1)))[5][2] == 1


def test_kepala_seksi_sees_only_their_seksi(scenario, users):
    kasi = users["kepala_seksi"]  # Seksi Rekayasa Aplikasi: subdomain, pengembangan aplikasi
    assert table(compliance.by_step(kasi, JUNE, NOW)) == {
        3: (5, 3, 1, 60.0),  # A D H on time; B F late
        4: (2, 1, 1, 50.0),
        5: (1, 1, 0, 100.0),
        6: (1, 1, 0, 100.0),
        7: (1, 0, 0, 0.0),
    }
    assert table(compliance.by_layanan(kasi, JUNE, NOW), codes(Layanan)) == {
        "permintaan-subdomain": (9, 5, 1, 55.6),
        "pengembangan-aplikasi": (1, 1, 1, 100.0),
    }
    assert table(compliance.by_perangkat_daerah(kasi, JUNE, NOW), codes(PerangkatDaerah)) == {
        "DISDIK": (7, 6, 2, 85.7),
        "DINKES": (2, 0, 0, 0.0),
        "BAPENDA": (1, 0, 0, 0.0),
    }
    assert [r.label for r in compliance.by_agent(kasi, JUNE, NOW)] == ["Galih Ramadhan Saputra"]


def test_kepala_bidang_sees_only_their_bidang(scenario, users):
    kabid = users["kepala_bidang"]  # Bidang Aplikasi Informatika: everything but E
    assert table(compliance.by_step(kabid, JUNE, NOW)) == {
        3: (6, 4, 1, 66.7),
        4: (3, 2, 1, 66.7),
        5: (1, 1, 1, 100.0),
        6: (1, 1, 0, 100.0),
        7: (1, 0, 0, 0.0),
    }
    assert set(table(compliance.by_layanan(kabid, JUNE, NOW), codes(Layanan))) == {
        "permintaan-subdomain",
        "gangguan-aplikasi",
        "pengembangan-aplikasi",
    }
    assert table(compliance.by_perangkat_daerah(kabid, JUNE, NOW), codes(PerangkatDaerah)) == {
        "DISDIK": (9, 8, 3, 88.9),
        "DINKES": (2, 0, 0, 0.0),
        "BAPENDA": (1, 0, 0, 0.0),
    }
    rows = compliance.by_agent(kabid, JUNE, NOW)
    assert {r.label: (r.ended, r.on_time, r.overdue) for r in rows} == {
        "Galih Ramadhan Saputra": (2, 1, 0),
        "Budi Santoso": (0, 0, 1),
    }


def test_an_agent_counts_nothing_of_the_heads_tables_but_their_own(scenario, users):
    """The query functions apply the scope of whoever asks (the page refuses agents anyway)."""
    galih = users["agent"]
    assert set(r.label for r in compliance.by_agent(galih, JUNE, NOW)) == {"Galih Ramadhan Saputra"}
    assert set(table(compliance.by_layanan(galih, JUNE, NOW), codes(Layanan))) == {
        "permintaan-subdomain"
    }


def test_current_month_is_the_default_period():
    assert compliance.current_month(dt.date(2026, 2, 14)) == Period(
        dt.date(2026, 2, 1), dt.date(2026, 2, 28)
    )
    assert compliance.current_month(dt.date(2026, 12, 31)) == Period(
        dt.date(2026, 12, 1), dt.date(2026, 12, 31)
    )


# --- the page -------------------------------------------------------------------------------------

PAGE = "/admin/kepatuhan/?dari=2026-06-01&sampai=2026-06-30"


def cells(html, table_key, row_key):
    """The cells of one row of one table on the page, as text."""
    section = html.split(f'id="table-{table_key}"', 1)[1].split("</table>", 1)[0]
    row = section.split(f'data-key="{row_key}"', 1)[1].split("</tr>", 1)[0]
    return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td[^>]*>(.*?)</td>", row)]


def test_page_for_kepala_seksi(client, login_as, scenario):
    login_as("kepala_seksi")
    response = client.get(PAGE)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert "Kepatuhan mutu baku" in html
    assert "Periode: 1 Juni 2026 sampai 30 Juni 2026." in html
    step3 = cells(html, "langkah", 3)
    assert step3[:6] == ["3. Verifikasi dokumen", "1 hari kerja", "5", "3", "2", "60,0%"]
    assert cells(html, "langkah", 7)[2:6] == ["1", "0", "1", "0,0%"]
    assert "Permintaan subdomain jabarprov.go.id" in html
    assert "Penanganan gangguan jaringan internet" not in html  # Bidang e-Government
    assert "Penanganan gangguan aplikasi" not in html  # another seksi of the same bidang
    assert "Budi Santoso" not in html and "Dewi Lestari" not in html
    assert 'class="text-danger font-weight-bold overdue"' in html  # D's step 3, at least
    for fmt in ("csv", "xlsx"):
        link = f"/admin/kepatuhan/export/layanan/{fmt}?dari=2026-06-01&amp;sampai=2026-06-30"
        assert f'href="{link}"' in html


def test_page_for_admin_and_kepala_bidang_and_helpdesk(client, login_as, scenario):
    for role, step3 in (("admin", "7"), ("kepala_bidang", "6"), ("helpdesk", "6")):
        login_as(role)
        html = client.get(PAGE).get_data(as_text=True)
        assert cells(html, "langkah", 3)[2] == step3, role
    login_as("admin")
    html = client.get(PAGE).get_data(as_text=True)
    dewi = scenario["dewi"]
    assert cells(html, "petugas", dewi.id)[:5] == ["Dewi Lestari", "1", "1", "0", "100,0%"]
    assert cells(html, "petugas", scenario["budi"].id)[4] == "–"  # nothing ended: no percentage
    assert cells(html, "langkah", "total")[1:5] == ["15", "10", "5", "66,7%"]


def test_page_is_refused_to_an_agent_and_hidden_from_their_menu(client, login_as, db):
    login_as("kepala_seksi")
    assert "/admin/kepatuhan/" in client.get("/admin/").get_data(as_text=True)
    login_as("agent")
    assert client.get("/admin/kepatuhan/").status_code == 403
    assert client.get("/admin/kepatuhan/csv/langkah").status_code == 403
    assert client.get("/admin/kepatuhan/export/langkah/xlsx").status_code == 403
    assert "/admin/kepatuhan/" not in client.get("/admin/").get_data(as_text=True)
    client.post("/staf/logout")
    response = client.get("/admin/kepatuhan/")
    assert response.status_code == 302 and "/staf/login" in response.headers["Location"]


def test_default_period_and_bad_input(client, login_as, db):
    from deskadmin.compliance import read_period

    login_as("kepala_bidang")
    html = client.get("/admin/kepatuhan/").get_data(as_text=True)
    month = compliance.current_month()
    assert f'value="{month.first.isoformat()}"' in html
    assert f'value="{month.last.isoformat()}"' in html
    html = client.get("/admin/kepatuhan/?dari=2026-06-31&sampai=2026-06-30").get_data(True)
    assert "Tanggal awal tidak valid" in html and f'value="{month.first.isoformat()}"' in html
    html = client.get("/admin/kepatuhan/?dari=2026-07-01&sampai=2026-06-30").get_data(True)
    assert "Tanggal awal tidak boleh sesudah tanggal akhir." in html
    html = client.get("/admin/kepatuhan/?dari=0001-01-01").get_data(True)
    assert "harus antara tahun 2000 dan 2100" in html
    refused = client.get("/admin/kepatuhan/csv/langkah?dari=x")
    assert refused.status_code == 400 and "Tanggal awal tidak valid" in refused.get_data(True)
    assert client.get("/admin/kepatuhan/csv/lainnya").status_code == 404
    assert client.get("/admin/kepatuhan/export/langkah/pdf").status_code == 404
    assert client.get("/admin/kepatuhan/export/langkah/csv?sep=tab").status_code == 400
    today = dt.date(2026, 11, 28)
    assert read_period({"dari": "2026-11-10"}, today) == Period(
        dt.date(2026, 11, 10), dt.date(2026, 11, 30)
    )


def test_csv_downloads(client, login_as, scenario):
    PerangkatDaerah.update(name='=HYPERLINK("http://x.example")').where(
        PerangkatDaerah.code == "BAPENDA"
    ).execute()
    login_as("admin")
    response = client.get("/admin/kepatuhan/csv/langkah?dari=2026-06-01&sampai=2026-06-30")
    assert response.mimetype == "text/csv"
    assert "kepatuhan-langkah-20260601-20260630.csv" in response.headers["Content-Disposition"]
    rows = export_rows(response.get_data())
    assert rows[0][:3] == ["Langkah", "Mutu baku", "Selesai dalam periode"]
    assert rows[1][:6] == ["3. Verifikasi dokumen", "1 hari kerja", "7", "4", "3", "57,1"]
    assert len(rows) == 6
    response = client.get("/admin/kepatuhan/csv/perangkat-daerah?dari=2026-06-01&sampai=2026-06-30")
    rows = export_rows(response.get_data())
    assert ['\'=HYPERLINK("http://x.example")', "1", "0", "1", "0,0", "0"] in rows
    response = client.get(
        "/admin/kepatuhan/export/petugas/csv?dari=2026-06-01&sampai=2026-06-30&sep=,"
    )
    rows = export_rows(response.get_data(), delimiter=",")
    assert ["Budi Santoso", "0", "0", "0", "", "1"] in rows


def test_excel_downloads(client, login_as, scenario):
    from openpyxl import load_workbook

    login_as("kepala_seksi")
    response = client.get("/admin/kepatuhan/export/langkah/xlsx?dari=2026-06-01&sampai=2026-06-30")
    assert response.status_code == 200
    assert "kepatuhan-langkah-20260601-20260630.xlsx" in response.headers["Content-Disposition"]
    ws = load_workbook(io.BytesIO(response.get_data())).active
    title = ws["A1"].value
    assert "1 Juni 2026 sampai 30 Juni 2026" in title and "Seksi Rekayasa Aplikasi" in title
    assert [c.value for c in ws[2]][:3] == ["Langkah", "Mutu baku", "Selesai dalam periode"]
    step3 = [c.value for c in ws[3]]
    assert step3[:5] == ["3. Verifikasi dokumen", "1 hari kerja", 5, 3, 2]
    assert step3[5] == pytest.approx(0.6) and ws["F3"].number_format == "0.0%"
    assert ws.freeze_panes == "A3"


# --- PostgreSQL -----------------------------------------------------------------------------------


def test_query_functions_on_postgresql(postgres_url, make_app):
    """The same data set, the same answers, on PostgreSQL (GROUP BY, CASE, the scope)."""
    app = make_app(DATABASE_URL=postgres_url)
    with app.app_context(), connection():
        users = {u.role_names.pop(): u for u in reversed(User.select().order_by(User.id))}
        build_scenario(users)
        assert_everything(users["admin"])
        kasi = table(compliance.by_step(users["kepala_seksi"], JUNE, NOW))
        assert kasi[3] == (5, 3, 1, 60.0)
    database.close()
