"""The monthly report PDF: its figures for a known data set, its number, date, pages and
signature block, the renderer's guard, the scope of each head, the page's refusals.

The data set (June 2026, times in WIB; "now" is Friday 5 June 15.00 WIB):

  A subdomain           DISDIK   3 ok, 4 ok, 5 ok, 6 ok, 7 late (closed 11.00, due 10.00)  Galih
  B subdomain           DINKES   3 late, 4 late, 5 open (not yet due)                       Galih
  C gangguan-aplikasi   DISDIK   3 ok, 4 ok, 5 open and overdue (due Fri 11.00: 4 working
                                 hours late)                                                 Budi
  E gangguan-jaringan   DINKES   3 late, 4 ok, 5 ok, 6 open and overdue (due Fri 10.00: 5
    (Bidang e-Government)        working hours late)                                        Dewi

The Kepala Bidang of Aplikasi Informatika sees A, B, C; the Kepala Seksi Rekayasa Aplikasi A
and B; the admin everything.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import os
import re
import shutil
import subprocess
import sys
import threading
import types

import pytest
from flask_babel import force_locale
from pypdf import PdfReader
from xhtml2pdf.config.resources import ResourceAccessPolicy

from models import compliance, monthly_report
from models.audit import AuditEntry
from models.catalog import Bidang, Layanan
from models.compliance import Period
from models.db import connection, utcnow
from models.report_requests import MonthlyReportRequest
from models.staff import User, UserRoles
from tasks import huey
from tasks import monthly_report as report_pdf
from tasks.berita_acara import ASSETS_DIR, resource_policy
from tests.helpers import PNG_BYTES, june_scenario, wib

pytestmark = pytest.mark.csrf_off  # the tests log in and out without the forms' tokens

JUNE = Period(dt.date(2026, 6, 1), dt.date(2026, 6, 30))
KABID_NIP = "197001012000031001"


NOW = wib(6, 5, 15)


def build_scenario(users):
    """The tickets of the module docstring (`tests.helpers.june_scenario`, without D, D2, F, H),
    the Kepala Bidang with a NIP for the signature block."""
    User.update(nip=KABID_NIP).where(User.id == users["kepala_bidang"].id).execute()
    return june_scenario(users, names=("a", "b", "c", "e"))


@pytest.fixture
def scenario(db, users):
    return build_scenario(users)


def pdf_pages(data: bytes) -> list[str]:
    """The text of each page, whitespace collapsed."""
    return [" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(data)).pages]


def render(user, period=JUNE, now=NOW, **kwargs):
    report, data = report_pdf.monthly_report_pdf(User.get_by_id(user.id), period, now, **kwargs)
    assert data.startswith(b"%PDF-")
    return report, data, pdf_pages(data)


# --- the figures ------------------------------------------------------------------------------


def test_kepala_bidang_report_holds_every_figure(scenario, users):
    report, data, pages = render(users["kepala_bidang"])
    text = " ".join(pages)
    assert report.number == "LAP/APTIKA/06/2026"
    for expected in (
        "PEMERINTAH DAERAH PROVINSI JAWA BARAT",
        "LAPORAN KEPATUHAN MUTU BAKU SERVICE DESK",
        "Nomor: LAP/APTIKA/06/2026",
        "Periode : Juni 2026 (1 Juni 2026 sampai 30 Juni 2026)",
        "Unit : Bidang Aplikasi Informatika",
        "Tanggal laporan : 5 Juni 2026",
        # per step: ended, on time, late, percent, open and overdue
        "3. Verifikasi dokumen 1 hari kerja 3 2 1 66,7% 0",
        "4. Disposisi 1 jam kerja 3 2 1 66,7% 0",
        "6. Balasan SLA dan BA 1 hari kerja 1 1 0 100,0% 0",
        "7. Close Tiket 1 jam kerja 1 0 1 0,0% 0",
        "Jumlah 9 6 3 66,7% 1",
        # per service
        "Permintaan subdomain jabarprov.go.id 7 4 3 57,1% 0",
        "Penanganan gangguan aplikasi 2 2 0 100,0% 1",
        # the overdue list: C's step 5, due Friday 11.00, 4 working hours late at 15.00
        scenario["c"].number,
        "Budi Santoso 5 Jun 2026 11.00 WIB 4,0",
        "Belum ada data survei kepuasan untuk periode ini.",
        # the signature block, the Kepala Bidang's own report: no "Disusun oleh"
        "Bandung, 5 Juni 2026",
        "Mengetahui, Kepala Bidang Aplikasi Informatika",
        f"{users['kepala_bidang'].name} NIP {KABID_NIP}",
    ):
        assert expected in text, expected
    assert "Disusun oleh" not in text
    # not this bidang's: E (e-Government) and its agent
    assert scenario["e"].number not in text and "Dewi Lestari" not in text
    assert "Penanganan gangguan jaringan" not in text
    # the same numbers as the compliance page
    kabid = users["kepala_bidang"]
    step3 = compliance.by_step(kabid, JUNE, NOW)[0]
    assert (step3.ended, step3.on_time, step3.overdue) == (3, 2, 0)
    step5 = " ".join(pages).split("5. Pengerjaan", 1)[1].split("6. Balasan", 1)[0]
    assert re.search(r"1 1 0 100,0% 1\s*$", step5), step5


def test_every_page_is_numbered_of_the_total(scenario, users, make_ticket):
    """Enough overdue steps (made on 2 June, open since) for several pages: each page says
    "Halaman i dari N" and carries the report number."""
    for _ in range(45):
        make_ticket("verified", now=wib(6, 2, 9))
    report, data, pages = render(users["kepala_bidang"])
    assert len(pages) >= 2
    for i, page in enumerate(pages, start=1):
        assert f"Halaman {i} dari {len(pages)}" in page
        assert "LAP/APTIKA/06/2026" in page
    text = " ".join(pages)
    assert "terdapat 46 langkah yang masih terbuka" in text  # 45 step 4 rows and C's step 5
    # the most overdue first: step 4 of the new tickets (due Tuesday 2 June 10.00), the first
    # OVERDUE_LIMIT of them; C's step 5 (due Friday) is counted but not listed
    overdue = text.split("3. Langkah yang melewati batas waktu", 1)[1]
    assert overdue.count("4. Disposisi") == monthly_report.OVERDUE_LIMIT == 25
    assert "Ditampilkan 25 yang paling lama terlambat" in overdue
    assert scenario["c"].number not in overdue


def test_the_overdue_list_is_cut_with_its_total_given(scenario, users, monkeypatch):
    monkeypatch.setattr(monthly_report, "OVERDUE_LIMIT", 1)
    report, data, pages = render(users["admin"])
    text = " ".join(pages)
    # E (step 6 due Friday 10.00, 5 working hours late) before C (due 11.00)
    assert report.overdue_total == 2 and len(report.overdue.rows) == 1
    assert report.overdue.rows[0][0] == scenario["e"].number
    assert "Dewi Lestari 5 Jun 2026 10.00 WIB 5,0" in text
    assert "Ditampilkan 1 yang paling lama terlambat" in text


def test_kepala_seksi_report_is_their_seksi_signed_by_their_kepala_bidang(scenario, users):
    kasi = users["kepala_seksi"]
    report, data, pages = render(kasi)
    text = " ".join(pages)
    assert report.number == "LAP/APTIKA/REKAYASA-APLIKASI/06/2026"
    assert "Unit : Seksi Rekayasa Aplikasi, Bidang Aplikasi Informatika" in text
    assert "Jumlah 7 4 3 57,1% 0" in text  # A and B only
    assert "Penanganan gangguan aplikasi" not in text and scenario["c"].number not in text
    assert "Tidak ada langkah yang melewati batas waktu pada tanggal laporan." in text
    assert "Disusun oleh, Kepala Seksi Rekayasa Aplikasi" in text
    assert "Mengetahui, Kepala Bidang Aplikasi Informatika" in text
    assert f"{users['kepala_bidang'].name} NIP {KABID_NIP}" in text
    assert f"{kasi.name} NIP {kasi.nip}" in text
    User.update(nip=None).where(User.id == kasi.id).execute()
    text = " ".join(render(User.get_by_id(kasi.id))[2])
    assert f"{kasi.name} NIP ....." in text  # no NIP on the row: a line to write it on


def test_admin_prints_the_whole_desk_or_one_bidang(scenario, users):
    admin = users["admin"]
    report, data, pages = render(admin)
    text = " ".join(pages)
    assert report.number == "LAP/DISKOMINFO/06/2026"
    assert "Unit : Seluruh bidang" in text and scenario["e"].number in text
    assert "Jumlah 12 8 4 66,7% 2" in text  # E adds 3 late, 4 ok, 5 ok, 6 open and overdue
    aptika = Bidang.get(Bidang.code == "aptika")
    report, data, pages = render(admin, bidang_id=aptika.id)
    text = " ".join(pages)
    assert report.number == "LAP/APTIKA/06/2026"
    assert "Jumlah 9 6 3 66,7% 1" in text and scenario["e"].number not in text
    assert "Disusun oleh, Admin Service Desk" in text
    assert f"NIP {KABID_NIP}" in text


def test_satisfaction_index_is_printed_when_given(scenario, users):
    skm = {
        "respondents": 12,
        "ikm": 82.53,
        "grade": "B",
        "grade_label": "Baik",
        "per_unsur": {"Persyaratan": 3.25, "Waktu Penyelesaian": 3.5},
    }
    report, data, pages = render(users["kepala_bidang"], skm=skm)
    text = " ".join(pages)
    assert "Nilai IKM : 82,53 (mutu pelayanan B, Baik)" in text
    assert "Responden : 12" in text and "Persyaratan 3,25" in text
    assert "Belum ada data survei" not in text
    summary = types.SimpleNamespace(respondents=3, ikm=90.0, grade="A", per_unsur=[3.5, 3.75])
    _, _, pages = render(users["kepala_bidang"], skm=summary)
    text = " ".join(pages)
    assert "Nilai IKM : 90,00 (mutu pelayanan A)" in text and "U1 3,50 U2 3,75" in text
    _, _, pages = render(users["kepala_bidang"], skm={"respondents": 0, "ikm": None})
    assert "Belum ada data survei kepuasan untuk periode ini." in " ".join(pages)


def test_periods_labels_and_numbers(app):
    with app.app_context(), force_locale("id"):
        assert monthly_report.parse_period("2026-06") == JUNE
        q2 = monthly_report.parse_period("2026-T2")
        assert q2 == Period(dt.date(2026, 4, 1), dt.date(2026, 6, 30))
        year = monthly_report.parse_period("2026")
        assert year == Period(dt.date(2026, 1, 1), dt.date(2026, 12, 31))
        other = Period(dt.date(2026, 6, 1), dt.date(2026, 6, 15))
        assert [monthly_report.period_label(p) for p in (JUNE, q2, year, other)] == [
            "Juni 2026",
            "Triwulan II 2026",
            "Tahun 2026",
            "1 Juni 2026 s.d. 15 Juni 2026",
        ]
        assert [monthly_report.period_code(p) for p in (JUNE, q2, year, other)] == [
            "06/2026",
            "TW2/2026",
            "2026",
            "20260601-20260615",
        ]
        assert monthly_report.period_kind(Period(dt.date(2026, 2, 1), dt.date(2026, 2, 28))) == (
            "month"
        )
        for bad in ("2026-13", "2026-00", "1999-01", "2026-T5", "juni", "2026-06-01", ""):
            with pytest.raises(monthly_report.PeriodError):
                monthly_report.parse_period(bad)


# --- the renderer's guard ---------------------------------------------------------------------


def test_names_with_markup_are_printed_as_text(scenario, users):
    Layanan.update(name='<img src="https://example.org/x.png"> <b>Layanan</b>').where(
        Layanan.code == "gangguan-aplikasi"
    ).execute()
    _, _, pages = render(users["kepala_bidang"])
    assert '<img src="https://example.org/x.png"> <b>Layanan</b>' in " ".join(pages)


def _template_with(app, extra: str) -> str:
    """The report's template with `extra` markup placed in its body."""
    with open(f"{app.root_path}/templates/pdf/monthly_report.html", encoding="utf-8") as f:
        return f.read().replace("<body>", "<body>" + extra, 1)


@pytest.mark.parametrize(
    "extra",
    [
        '<img src="https://example.org/a.png">',
        '<link rel="stylesheet" type="text/css" href="https://example.org/y.css">',
        "<style>body { background-image: url(http://example.org/bg.png); }</style>",
    ],
    ids=["img", "stylesheet", "background"],
)
def test_a_template_loading_a_remote_url_fetches_nothing(scenario, users, app, extra, monkeypatch):
    """The report goes through the BA's guard: a remote reference is refused before any DNS
    lookup or connection."""
    import socket

    calls = []
    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: calls.append(a) or [])
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: calls.append(a))
    source = _template_with(app, extra)
    monkeypatch.setattr(
        report_pdf,
        "render_template",
        lambda name, **ctx: app.jinja_env.from_string(source).render(**ctx),
    )
    _, _, pages = render(users["kepala_bidang"])
    assert "LAP/APTIKA/06/2026" in " ".join(pages)
    assert calls == []


_opened: list[str] | None = None
_recording_thread: int | None = None


def _audit(event, args):
    # Audit hooks cannot be removed: this one records only while `watch_opens` has set its
    # list, and only the thread that set it.
    if event == "open" and _opened is not None and threading.get_ident() == _recording_thread:
        if args and isinstance(args[0], str | bytes):
            _opened.append(str(args[0]))


sys.addaudithook(_audit)


@pytest.fixture
def watch_opens():
    """Every file this test's thread opens meanwhile (any API: the interpreter's audit event)."""
    global _opened, _recording_thread
    _opened, _recording_thread = [], threading.get_ident()
    yield _opened
    _opened = None


def test_a_template_reading_a_file_outside_the_assets_reads_nothing(
    scenario, users, app, tmp_path, monkeypatch, watch_opens
):
    """A local image or stylesheet outside `static/pdf/` is never opened, the bundled font is,
    and every local path is judged by the BA's guard (not by xhtml2pdf's default policy)."""
    judged = []
    check_path = ResourceAccessPolicy.check_path

    def spy(policy, path):
        judged.append((policy, str(path)))
        return check_path(policy, path)

    monkeypatch.setattr(ResourceAccessPolicy, "check_path", spy)
    secret = tmp_path / "secret.png"
    secret.write_bytes(PNG_BYTES)
    (tmp_path / "secret.css").write_text("p { color: #ff0000; }")
    extra = (
        f'<img src="{secret}"><img src="file://{secret}">'
        f'<link rel="stylesheet" type="text/css" href="{tmp_path}/secret.css">'
        '<img src="../../app.py">'
    )
    source = _template_with(app, extra)
    monkeypatch.setattr(
        report_pdf,
        "render_template",
        lambda name, **ctx: app.jinja_env.from_string(source).render(**ctx),
    )
    watch_opens.clear()
    render(users["kepala_bidang"])
    assert not [p for p in watch_opens if "secret" in p or p.endswith("app.py")]
    assert any(p.startswith(ASSETS_DIR) and p.endswith(".ttf") for p in watch_opens)
    assert any("secret" in p for _, p in judged)
    assert {policy for policy, _ in judged} == {resource_policy()}


# --- the page: asking, the status page, the download ----------------------------------------

ASK_URL = "/admin/laporan-bulanan/minta"
JUNE_FORM = {"periode": "2026-06"}
NOT_IMMEDIATE = pytest.mark.parametrize("app_config", [{"HUEY_IMMEDIATE": False}], indirect=True)


@pytest.fixture
def app_config(request):
    """`NOT_IMMEDIATE` tests queue their tasks on the real (SQLite) huey and run them."""
    return getattr(request, "param", {})


def ask(client, data=JUNE_FORM):
    """POST the form; the status page's address it leads to."""
    response = client.post(ASK_URL, data=data)
    assert response.status_code == 303, response.get_data(as_text=True)[:500]
    return response.headers["Location"]


def request_of(location: str) -> MonthlyReportRequest:
    return MonthlyReportRequest.get_by_id(int(location.rstrip("/").rsplit("/", 1)[1]))


def queued_tasks() -> list:
    return [huey.dequeue() for _ in range(huey.pending_count())]


@NOT_IMMEDIATE
def test_asking_gives_a_status_page_that_becomes_the_download(client, login_as, scenario, users):
    """Ask: a pending request and one queued task, a status page that says "sedang disiapkan"
    (its script asks for it again); the task runs: the page offers the PDF, downloaded once
    ready, with today's name and headers, audited as an export."""
    huey.flush()  # the scenario's emails
    kabid = login_as("kepala_bidang")
    assert client.get("/admin/laporan-bulanan/").status_code == 200
    location = ask(client)
    asked = request_of(location)
    assert (asked.user_id, asked.status, asked.number) == (
        kabid.id,
        "pending",
        "LAP/APTIKA/06/2026",
    )
    assert (asked.period_first, asked.period_last, asked.bidang_id) == (JUNE.first, JUNE.last, None)
    assert asked.pdf is None and asked.finished_at is None
    page = client.get(location)
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "Laporan sedang disiapkan" in html
    assert page.headers["Cache-Control"] == "private, no-store"
    # asked for again every 3 s by static/js/desk-admin.js; without script, the reload link
    assert 'data-desk-state="pending"' in html and 'data-desk-poll-seconds="3"' in html
    assert f'data-desk-poll="/admin/laporan-bulanan/permintaan/{asked.id}"' in html
    assert f'href="/admin/laporan-bulanan/permintaan/{asked.id}"' in html
    assert "report-download" not in html and "http-equiv" not in html
    early = client.get(f"{location}/unduh")  # not ready: back to its status page
    assert early.status_code == 302 and early.headers["Location"].endswith(location)

    tasks = queued_tasks()
    assert [t.name for t in tasks] == ["tasks.monthly_report.render_monthly_report"]
    huey.execute(tasks[0])
    done = MonthlyReportRequest.get_by_id(asked.id)
    assert done.status == "ready" and done.finished_at and done.pending_key is None
    assert done.sha256 == hashlib.sha256(bytes(done.pdf)).hexdigest()
    assert done.size == len(done.pdf)
    html = client.get(location).get_data(as_text=True)
    assert "Laporan siap diunduh" in html and "data-desk-poll" not in html
    assert f'href="/admin/laporan-bulanan/permintaan/{asked.id}/unduh"' in html

    before = AuditEntry.select().where(AuditEntry.action == "export").count()
    response = client.get(f"{location}/unduh")
    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.headers["Content-Disposition"] == "attachment; filename=lap-aptika-06-2026.pdf"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "sandbox" in response.headers["Content-Security-Policy"]
    text = " ".join(pdf_pages(response.data))
    assert "Nomor: LAP/APTIKA/06/2026" in text and "Jumlah 9 6 3 66,7%" in text
    entries = list(AuditEntry.select().where(AuditEntry.action == "export"))
    assert len(entries) == before + 1
    entry = entries[-1]
    assert entry.target == "laporan bulanan LAP/APTIKA/06/2026" and entry.actor_id == kabid.id
    assert "2026-06-01" in entry.detail


def test_the_task_runs_through_huey_at_once_in_immediate_mode(client, login_as, scenario, users):
    """Immediate mode (the tests' default): the task ran when queued, after the commit, so
    the status page is ready at once; the PDF in the row is the one downloaded."""
    login_as("kepala_seksi")
    location = ask(client)
    asked = request_of(location)
    assert asked.status == "ready" and asked.number == "LAP/APTIKA/REKAYASA-APLIKASI/06/2026"
    assert asked.error is None and asked.requested_at <= asked.finished_at
    assert "Laporan siap diunduh" in client.get(location).get_data(as_text=True)
    response = client.get(f"{location}/unduh")
    assert response.data == bytes(asked.pdf)
    assert "Disusun oleh, Kepala Seksi Rekayasa Aplikasi" in " ".join(pdf_pages(response.data))


@NOT_IMMEDIATE
def test_asking_twice_while_pending_reuses_the_pending_request(client, login_as, db, users):
    huey.flush()
    login_as("kepala_bidang")
    first = ask(client)
    assert ask(client) == first  # the same period, still pending: the same request
    assert ask(client, {"dari": "2026-06-01", "sampai": "2026-06-30"}) == first  # the same
    assert MonthlyReportRequest.select().count() == 1 and huey.pending_count() == 1
    other = ask(client, {"periode": "2026-T2"})  # another period: another request
    assert other != first and request_of(other).number == "LAP/APTIKA/TW2/2026"
    for task in queued_tasks():
        huey.execute(task)
    again = ask(client)  # the first is ready: a new one
    assert again not in (first, other) and request_of(again).status == "pending"
    assert MonthlyReportRequest.select().count() == 3


@NOT_IMMEDIATE
def test_the_same_period_of_another_user_is_their_own_request(client, login_as, db, users):
    huey.flush()
    login_as("kepala_bidang")
    first = ask(client)
    login_as("kepala_seksi")
    second = ask(client)
    assert second != first and request_of(second).user_id == users["kepala_seksi"].id


def test_the_pdf_is_indonesian_on_an_english_page(client, login_as, scenario):
    login_as("kepala_seksi")
    client.get("/admin/?lang=en")
    location = ask(client)
    text = " ".join(pdf_pages(client.get(f"{location}/unduh").data))
    assert "Halaman 1 dari" in text and "Disusun oleh" in text


def test_a_failed_render_says_so_and_offers_to_ask_again(
    client, login_as, scenario, users, monkeypatch
):
    from tasks.issued_pdf import RenderError

    def broken(html):
        raise RenderError("xhtml2pdf reported 1 error(s)")

    login_as("kepala_bidang")
    monkeypatch.setattr(report_pdf, "html_to_pdf", broken)
    location = ask(client)
    asked = request_of(location)
    assert asked.status == "failed" and asked.pending_key is None and asked.pdf is None
    assert "RenderError" in asked.error
    html = client.get(location).get_data(as_text=True)
    assert "Laporan ini gagal disiapkan." in html and "RenderError" not in html
    assert 'id="ask-again-form"' in html and 'name="dari" value="2026-06-01"' in html
    assert client.get(f"{location}/unduh").status_code == 302  # nothing to download
    monkeypatch.undo()
    again = ask(client, {"dari": "2026-06-01", "sampai": "2026-06-30"})  # the form's values
    assert again != location and request_of(again).status == "ready"


def queue_down(*args, **kwargs):
    """The rendering task, when the queue does not answer."""
    raise ConnectionError("redis down")


def test_the_queue_down_says_so_and_leaves_no_pending_request(
    client, login_as, db, users, monkeypatch
):
    """The request is ended as failed at once (not left pending for the re-queue): the
    person is told now, and asking again later makes a new request."""

    login_as("kepala_bidang")
    monkeypatch.setattr(report_pdf, "render_monthly_report", queue_down)
    response = client.post(ASK_URL, data=JUNE_FORM)
    assert response.status_code == 503
    html = response.get_data(as_text=True)
    assert "antrean tugas sedang tidak menjawab" in html and 'id="report-form"' in html
    (row,) = MonthlyReportRequest.select()
    assert row.status == "failed" and row.pending_key is None and "ConnectionError" in row.error
    monkeypatch.undo()
    location = ask(client)
    assert request_of(location).status == "ready" and request_of(location).id != row.id


@pytest.mark.parametrize(
    "posted, shown, held",
    [
        ({"dari": "2026-06-01", "sampai": "2026-06-30"}, 'value="2026-06"', False),
        ({"dari": "2026-04-01", "sampai": "2026-06-30"}, 'value="2026-T2"', False),
        ({"dari": "2026-06-01", "sampai": "2026-06-15"}, 'value=""', True),
    ],
)
def test_the_queue_down_form_keeps_the_period_that_was_asked_for(
    client, login_as, db, monkeypatch, posted, shown, held
):
    """Asked from the compliance page or "Minta lagi" (`dari`, `sampai`): the form shown when
    the queue does not answer asks again for that period, not for the current month; a range
    of days the field cannot write is held in hidden fields."""

    login_as("kepala_bidang")
    monkeypatch.setattr(report_pdf, "render_monthly_report", queue_down)
    response = client.post(ASK_URL, data=posted)
    assert response.status_code == 503
    html = response.get_data(as_text=True)
    field = html[html.index('id="periode"') - 80 : html.index('id="periode"') + 200]
    assert shown in field and ("required" not in field) is held
    kept = f'name="dari" value="{posted["dari"]}"' in html and "Kosongkan untuk periode" in html
    assert kept is held
    monkeypatch.undo()
    again = {"periode": ""} if held else {"periode": shown.split('"')[1]}
    if held:
        again.update(posted)
    location = ask(client, again)
    assert request_of(location).period == Period(
        dt.date.fromisoformat(posted["dari"]), dt.date.fromisoformat(posted["sampai"])
    )


def test_compliance_page_asks_for_the_report_of_its_period(client, login_as, db):
    login_as("kepala_seksi")
    html = client.get("/admin/kepatuhan/?dari=2026-06-01&sampai=2026-06-30").get_data(True)
    form = re.search(
        r'<form method="post" action="([^"]+)" id="monthly-report-form"(.*?)</form>', html, re.S
    )
    assert form is not None and form[1] == "/admin/laporan-bulanan/minta"
    form = form[2]
    assert 'name="dari" value="2026-06-01"' in form and 'name="sampai" value="2026-06-30"' in form
    assert 'form="monthly-report-form"' in html and 'id="monthly-report"' in html
    location = ask(client, {"dari": "2026-06-01", "sampai": "2026-06-30"})
    assert request_of(location).number == "LAP/APTIKA/REKAYASA-APLIKASI/06/2026"
    login_as("helpdesk")  # the compliance page, but not the report
    html = client.get("/admin/kepatuhan/").get_data(True)
    assert "laporan-bulanan" not in html
    assert client.post(ASK_URL, data=JUNE_FORM).status_code == 403
    assert client.get(location).status_code == 403


def test_agents_are_refused(client, login_as, db):
    login_as("agent")
    assert client.get("/admin/laporan-bulanan/").status_code == 403
    assert client.post(ASK_URL, data=JUNE_FORM).status_code == 403
    assert MonthlyReportRequest.select().count() == 0
    assert "laporan-bulanan" not in client.get("/admin/").get_data(True)
    client.post("/staf/logout")
    response = client.post(ASK_URL, data=JUNE_FORM)
    assert response.status_code == 302 and "/staf/login" in response.headers["Location"]


def test_the_old_address_leads_to_the_form(client, login_as, db):
    login_as("kepala_bidang")
    response = client.get("/admin/laporan-bulanan/pdf?periode=2026-06")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/admin/laporan-bulanan/?periode=2026-06")
    assert MonthlyReportRequest.select().count() == 0
    html = client.get(response.headers["Location"]).get_data(as_text=True)
    assert 'value="2026-06"' in html and 'method="post"' in html


@pytest.mark.parametrize(
    "data, message",
    [
        ({"periode": "2026-13"}, "Bulan periode harus antara 01 dan 12."),
        ({"periode": "juni"}, "Periode tidak valid"),
        ({"periode": "1999"}, "Tahun periode harus antara 2000 dan 2100."),
        ({"dari": "2026-06-31"}, "Tanggal awal tidak valid"),
        ({"dari": "2026-07-01", "sampai": "2026-06-30"}, "Tanggal awal tidak boleh sesudah"),
        ({"periode": "2026-06", "bidang": "999999"}, "Bidang tidak dikenal."),
        ({"periode": "2026-06", "bidang": "x"}, "Bidang tidak dikenal."),
        ({"periode": "2026-06", "bidang": "9" * 5000}, "Bidang tidak dikenal."),  # no int()
        ({"periode": "2026-06", "bidang": "\u0663"}, "Bidang tidak dikenal."),  # no ASCII digit
    ],
)
def test_a_bad_period_is_a_400_with_its_reason_and_records_nothing(
    client, login_as, db, data, message
):
    login_as("admin")
    before = AuditEntry.select().where(AuditEntry.action == "export").count()
    response = client.post(ASK_URL, data=data)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert message in html and 'id="report-form"' in html
    assert MonthlyReportRequest.select().count() == 0
    assert AuditEntry.select().where(AuditEntry.action == "export").count() == before


def test_a_kepala_bidang_cannot_print_another_bidang(client, login_as, scenario):
    """`bidang` is an admin's choice; anyone else keeps their own scope whatever they send."""
    login_as("kepala_bidang")
    egov = Bidang.get(Bidang.code == "egov")
    location = ask(client, {**JUNE_FORM, "bidang": str(egov.id)})
    assert request_of(location).bidang_id is None
    text = " ".join(pdf_pages(client.get(f"{location}/unduh").data))
    assert "Nomor: LAP/APTIKA/06/2026" in text and scenario["e"].number not in text


def test_an_admin_narrows_to_one_bidang(client, login_as, scenario):
    login_as("admin")
    egov = Bidang.get(Bidang.code == "egov")
    location = ask(client, {**JUNE_FORM, "bidang": str(egov.id)})
    asked = request_of(location)
    assert asked.bidang_id == egov.id and asked.number == "LAP/EGOV/06/2026"
    html = client.get(location).get_data(as_text=True)
    assert egov.name in html
    response = client.get(f"{location}/unduh")
    assert "lap-egov-06-2026.pdf" in response.headers["Content-Disposition"]


def test_a_user_who_lost_the_role_before_the_render_gets_no_report(app, db, users):
    from models.report_requests import ask as record

    kabid = users["kepala_bidang"]
    asked, new = record(kabid, JUNE, None, "LAP/APTIKA/06/2026")
    UserRoles.delete().where(UserRoles.user == kabid.id).execute()  # still active, no role
    assert report_pdf.render_monthly_report.call_local(asked.id) == "refused"
    row = MonthlyReportRequest.get_by_id(asked.id)
    assert row.status == "failed" and row.pdf is None


# --- the requests kept, re-queued, deleted ------------------------------------------------------


@NOT_IMMEDIATE
def test_a_lost_task_is_queued_again_once_then_the_request_fails(client, login_as, db, users):
    huey.flush()
    login_as("kepala_bidang")
    asked = request_of(ask(client))
    huey.flush()  # the consumer that took the task was killed: the task is gone
    at = asked.requested_at
    assert report_pdf.sweep_monthly_reports.call_local(at + dt.timedelta(minutes=5)) == {
        "requeued": 0,
        "failed": 0,
        "deleted": 0,
    }
    later = at + dt.timedelta(minutes=11)
    assert report_pdf.sweep_monthly_reports.call_local(later)["requeued"] == 1
    assert report_pdf.sweep_monthly_reports.call_local(later)["requeued"] == 0  # once
    assert [t.name for t in queued_tasks()] == ["tasks.monthly_report.render_monthly_report"]
    # that task was lost too: ten minutes after it was queued again the request fails, so
    # the person may ask again instead of waiting on a page that never becomes ready
    assert report_pdf.sweep_monthly_reports.call_local(later + dt.timedelta(minutes=5)) == {
        "requeued": 0,
        "failed": 0,
        "deleted": 0,
    }
    summary = report_pdf.sweep_monthly_reports.call_local(later + dt.timedelta(minutes=11))
    assert summary["failed"] == 1
    row = MonthlyReportRequest.get_by_id(asked.id)
    assert row.status == "failed" and row.pending_key is None
    assert request_of(ask(client)).id != asked.id


@NOT_IMMEDIATE
def test_a_requeued_task_that_runs_renders_the_report(client, login_as, db, users):
    huey.flush()
    login_as("kepala_bidang")
    asked = request_of(ask(client))
    huey.flush()
    report_pdf.sweep_monthly_reports.call_local(asked.requested_at + dt.timedelta(minutes=11))
    (task,) = queued_tasks()
    huey.execute(task)
    assert MonthlyReportRequest.get_by_id(asked.id).status == "ready"
    # a second run of the same request (the first task was late, not lost) changes nothing
    assert report_pdf.render_monthly_report.call_local(asked.id) == "not pending"


def test_finished_requests_are_deleted_after_the_days_kept(app, db, users):
    from models import report_requests

    kabid = users["kepala_bidang"]
    now = utcnow()
    days = app.config["MONTHLY_REPORT_KEEP_DAYS"]
    assert days == 7

    def made(period, status, finished_days_ago):
        asked, _ = report_requests.ask(kabid, period, None, "LAP", now=now)
        done = now - dt.timedelta(days=finished_days_ago)
        if status == "ready":
            report_requests.finish(asked.id, "LAP", b"%PDF-1.4 x", now=done)
        elif status == "failed":
            report_requests.fail(asked.id, "RenderError", now=done)
        return asked.id

    old_ready = made(JUNE, "ready", days + 1)
    old_failed = made(monthly_report.parse_period("2026-05"), "failed", days + 1)
    recent = made(monthly_report.parse_period("2026-04"), "ready", days - 1)
    waiting = made(monthly_report.parse_period("2026-03"), "pending", 0)
    MonthlyReportRequest.update(requested_at=now - dt.timedelta(days=30)).execute()
    MonthlyReportRequest.update(requeued_at=now).where(MonthlyReportRequest.id == waiting).execute()
    summary = report_pdf.sweep_monthly_reports.call_local(now)
    assert summary["deleted"] == 2
    left = {r.id for r in MonthlyReportRequest.select(MonthlyReportRequest.id)}
    assert left == {recent, waiting} and not {old_ready, old_failed} & left


def test_a_stored_pdf_that_does_not_match_is_not_served(client, login_as, scenario):
    login_as("kepala_bidang")
    location = ask(client)
    asked = request_of(location)
    MonthlyReportRequest.update(pdf=b"%PDF-1.4 altered").where(
        MonthlyReportRequest.id == asked.id
    ).execute()
    response = client.get(f"{location}/unduh")
    assert response.status_code == 410 and response.mimetype == "text/html"
    assert "Berkas laporan ini tidak tersedia lagi." in response.get_data(as_text=True)
    assert not AuditEntry.select().where(AuditEntry.action == "export").exists()


# --- the picture ------------------------------------------------------------------------------


DOCS_PNG = os.path.join(os.path.dirname(ASSETS_DIR), "..", "docs", "monthly-report.png")


@pytest.mark.skipif(
    shutil.which("pdftoppm") is None and not os.environ.get("CI"),
    reason="pdftoppm (poppler-utils) missing",
)
def test_page_one_renders_to_png(scenario, users, tmp_path, make_ticket):
    """Page 1 as an image with pdftoppm; with UPDATE_DOCS=1 it becomes docs/monthly-report.png
    (the kepala seksi's report, one overdue disposition, a satisfaction summary)."""
    make_ticket("verified", now=wib(6, 2, 9))
    skm = {"respondents": 12, "ikm": 82.53, "grade": "B", "grade_label": "Baik"}
    _, data, pages = render(users["kepala_seksi"], skm=skm)
    (tmp_path / "report.pdf").write_bytes(data)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "80", "-f", "1", "-l", "1", "-singlefile"]
        + [str(tmp_path / "report.pdf"), str(tmp_path / "page")],
        check=True,
    )
    png = (tmp_path / "page.png").read_bytes()
    assert png.startswith(b"\x89PNG") and len(png) > 10_000
    if os.environ.get("UPDATE_DOCS"):
        shutil.copyfile(tmp_path / "page.png", DOCS_PNG)


# --- the command and PostgreSQL ---------------------------------------------------------------


def test_the_command_writes_the_report_and_audits_it(runner, scenario, users, tmp_path):
    out = tmp_path / "laporan.pdf"
    result = runner.invoke(
        args=["monthly-report", "kabid@example.go.id", str(out), "--periode", "2026-06"]
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith(f"LAP/APTIKA/06/2026: {out}, ")
    assert "Jumlah 9 6 3 66,7%" in " ".join(pdf_pages(out.read_bytes()))
    entry = AuditEntry.select().order_by(AuditEntry.id.desc()).first()
    assert (entry.action, entry.actor_id) == ("export", users["kepala_bidang"].id)
    result = runner.invoke(
        args=["monthly-report", "admin@example.go.id", str(out), "--periode", "2026-06"]
        + ["--bidang", "egov"]
    )
    assert result.output.startswith("LAP/EGOV/06/2026: ")
    for args, message in (
        (["--periode", "2026-13"], "Bulan periode harus antara 01 dan 12."),
        (["--bidang", "tidak-ada"], "Bidang tidak dikenal: tidak-ada."),
    ):
        result = runner.invoke(args=["monthly-report", "admin@example.go.id", str(out), *args])
        assert result.exit_code != 0 and message in result.output
    result = runner.invoke(args=["monthly-report", "siapa@example.go.id", str(out)])
    assert result.exit_code != 0 and "Tidak ada staf aktif" in result.output


def test_the_figures_on_postgresql(postgres_url, make_app):
    """The same data set, the same report, on PostgreSQL (the overdue list's joins, the scope,
    an admin's bidang)."""
    from models.db import connection, database

    app = make_app(DATABASE_URL=postgres_url)
    with app.app_context(), connection(), force_locale("id"):
        users = {u.role_names.pop(): u for u in reversed(User.select().order_by(User.id))}
        tickets = build_scenario(users)
        report = monthly_report.collect(users["kepala_bidang"], JUNE, NOW)
        total = report.step_total
        assert (total.ended, total.on_time, total.late, total.overdue) == (9, 6, 3, 1)
        assert [r[0] for r in report.overdue.rows] == [tickets["c"].number]
        assert report.overdue.rows[0][4:] == ("Budi Santoso", wib(6, 5, 11), 4.0)
        admin = monthly_report.collect(users["admin"], JUNE, NOW)
        assert [r[0] for r in admin.overdue.rows] == [tickets["e"].number, tickets["c"].number]
        egov = Bidang.get(Bidang.code == "egov")
        narrowed = monthly_report.collect(users["admin"], JUNE, NOW, bidang_id=egov.id)
        assert [r[0] for r in narrowed.overdue.rows] == [tickets["e"].number]
        assert narrowed.number == "LAP/EGOV/06/2026"
    database.close()


def test_two_asks_at_once_make_one_request(any_app):
    """A double click: two asks of the same user, period and bidang in two threads (two
    connections; on PostgreSQL under READ COMMITTED) make one pending request, both get it."""
    from models.report_requests import ask as record
    from tests.helpers import race

    with any_app.app_context(), connection():
        kabid = User.get(User.email == "kabid@example.go.id")
    got = []

    def call():
        asked, _new = record(kabid, JUNE, None, "LAP/APTIKA/06/2026")
        got.append(asked.id)

    assert race(any_app, [call] * 4) == ["ok"] * 4
    with any_app.app_context(), connection():
        assert MonthlyReportRequest.select().count() == 1
        assert set(got) == {MonthlyReportRequest.get().id}
