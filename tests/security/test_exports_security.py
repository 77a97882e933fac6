"""Every staff download (the list exports, each home-page table's Excel/CSV, the monthly report
PDF, the letterhead's emblem): a sandboxing CSP (they carry requesters' text), each audited
with who and what, only within the role's scope, and junk in their address is a 400/404."""

from __future__ import annotations

import pytest

from deskadmin.dashboard import SKM_TABLES
from models import dashboard
from models.audit import AuditEntry
from models.report_requests import MonthlyReportRequest
from tests.helpers import csrf_token
from tests.test_exports import tickets  # noqa: F401 - the list exports' tickets A ... E

# ruff: noqa: F811 - `tickets` is the imported fixture

HEAD_SLUGS = [*dashboard.head_tables(), *SKM_TABLES]
MONTH = "periode=bulan&bulan=2026-06"
ASK_URL = "/admin/laporan-bulanan/minta"


def assert_sandboxed(response):
    assert response.status_code == 200
    csp = response.headers["Content-Security-Policy"]
    assert "sandbox" in csp and "default-src 'none'" in csp, csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in response.headers["Cache-Control"]


@pytest.mark.parametrize(
    "who, path",
    [
        ("admin", "/admin/tiket/export/csv/"),
        ("admin", "/admin/tiket/export/xlsx/"),
        ("kepala_bidang", f"/admin/tabel/{HEAD_SLUGS[0]}/unduh/csv?{MONTH}"),
        ("kepala_bidang", f"/admin/tabel/skm-layanan/unduh/xlsx?{MONTH}"),
        ("agent", "/admin/tabel/mendesak/unduh/csv"),
        ("admin", "/admin/kop-surat/lambang"),
    ],
    ids=["list-csv", "list-xlsx", "table-csv", "skm-xlsx", "desk-csv", "emblem"],
)
def test_every_staff_download_is_sandboxed(client, login_as, db, who, path):
    login_as(who)
    response = client.get(path)
    assert_sandboxed(response)
    if "lambang" not in path:
        assert response.headers["Content-Disposition"].startswith("attachment;")


@pytest.mark.parametrize("role", ["helpdesk", "agent"])
def test_the_desk_roles_download_no_head_table(client, login_as, db, role):
    login_as(role)
    for slug in HEAD_SLUGS:
        for fmt in ("csv", "xlsx"):
            response = client.get(f"/admin/tabel/{slug}/unduh/{fmt}?{MONTH}")
            assert response.status_code in (403, 404), (slug, fmt, response.status_code)
    token = csrf_token(client, "/admin/")
    answer = client.post(ASK_URL, data={"periode": "2026-06", "csrf_token": token})
    assert answer.status_code in (403, 404)
    assert MonthlyReportRequest.select().count() == 0


@pytest.mark.parametrize(
    "path, status",
    [
        ("/admin/tabel/tidak-ada/unduh/csv", 404),
        ("/admin/tabel/{slug}/unduh/pdf", 404),
        ("/admin/tabel/{slug}/unduh/csv?periode=bulan&bulan=2026-13", 400),
        ("/admin/tabel/{slug}/unduh/csv?periode=abad", 400),
        ("/admin/tabel/{slug}/unduh/csv?periode=rentang&dari=x&sampai=y", 400),
        ("/admin/tabel/{slug}/unduh/csv?periode=bulan&bulan=%00", 400),
        ("/admin/tabel/{slug}/unduh/csv?sep=%7C", 400),
        ("/admin/tabel/{slug}%00/unduh/csv", 404),
        ("/admin/tabel/{slug}/unduh/csv?periode=tahun&tahun=%C2%B2", 400),  # "²" is a digit
        ("/admin/tabel/{slug}/unduh/xlsx?periode=kuartal&tahun=%E2%91%A0", 400),  # "①"
    ],
)
def test_junk_in_a_table_download_is_a_400_or_404(client, login_as, db, path, status):
    login_as("kepala_bidang")
    assert client.get(path.format(slug=HEAD_SLUGS[0])).status_code == status


@pytest.mark.parametrize("bidang", ["\u00b2", "9" * 25, "-1", "x"])
def test_junk_bidang_of_the_monthly_report_is_a_400(client, login_as, db, bidang):
    login_as("admin")
    token = csrf_token(client, "/admin/laporan-bulanan/")
    data = {"periode": "2026-06", "bidang": bidang, "csrf_token": token}
    response = client.post(ASK_URL, data=data)
    assert response.status_code == 400  # the reason, or the generic page for a 64-bit overflow
    assert MonthlyReportRequest.select().count() == 0


def ask_for_the_report(client) -> str:
    """Ask for June's report through the page's form (with its CSRF token): the status page."""
    token = csrf_token(client, "/admin/laporan-bulanan/")
    answer = client.post(ASK_URL, data={"periode": "2026-06", "csrf_token": token})
    assert answer.status_code == 303
    return answer.headers["Location"]


def test_the_monthly_report_download_is_sandboxed_and_audited(client, login_as, db, users):
    login_as("kepala_bidang")
    location = ask_for_the_report(client)
    response = client.get(f"{location}/unduh")
    assert_sandboxed(response)
    assert response.headers["Content-Disposition"].startswith("attachment;")
    entry = AuditEntry.select().order_by(AuditEntry.id.desc()).first()
    assert (entry.action, entry.actor_id) == ("export", users["kepala_bidang"].id)
    assert entry.target == "laporan bulanan LAP/APTIKA/06/2026" and entry.remote_addr


def test_asking_for_the_monthly_report_needs_the_forms_token(client, login_as, db):
    """Asking records a request and queues work: a POST with the CSRF token, never a GET."""
    login_as("kepala_bidang")
    assert client.post(ASK_URL, data={"periode": "2026-06"}).status_code == 400
    assert client.get(f"{ASK_URL}?periode=2026-06").status_code == 405
    assert MonthlyReportRequest.select().count() == 0


@pytest.mark.csrf_off  # several logins in one test
def test_a_monthly_report_is_its_askers_only(client, login_as, db, users):
    """The status page and the download of a request answer 404 to anyone but the user who
    asked: the Kepala Seksi below them, the admin, and even another Kepala Bidang of the same
    bidang (the same scope, the same figures); as for a request that does not exist."""
    from models.seed import create_staff_user
    from tests.helpers import DEMO_PASSWORD

    other_head, _ = create_staff_user(
        "kabid2@example.go.id", "Kabid Kedua", "kepala_bidang", "aptika", password=DEMO_PASSWORD
    )
    login_as("kepala_bidang")
    location = ask_for_the_report(client)
    assert client.get(location).status_code == 200
    assert client.get(f"{location}/unduh").status_code == 200
    before = AuditEntry.select().where(AuditEntry.action == "export").count()
    for who in ("kepala_seksi", "admin", other_head):
        login_as(who)
        for path in (location, f"{location}/unduh"):
            answer = client.get(path)
            assert answer.status_code == 404, (who, path, answer.status_code)
            assert b"%PDF" not in answer.data and b"LAP/APTIKA" not in answer.data
        missing = location.rsplit("/", 1)[0] + "/999999"
        assert client.get(missing).status_code == 404
    assert AuditEntry.select().where(AuditEntry.action == "export").count() == before


def test_each_table_download_is_audited_with_who_and_what(client, login_as, db, users):
    login_as("kepala_bidang")
    before = AuditEntry.select().count()
    for slug in HEAD_SLUGS:
        assert client.get(f"/admin/tabel/{slug}/unduh/csv?{MONTH}").status_code == 200
        client.get(f"/admin/tabel/{slug}/unduh/csv?{MONTH}").close()
    entries = list(AuditEntry.select().where(AuditEntry.action == "export").order_by(AuditEntry.id))
    assert AuditEntry.select().count() - before >= 2 * len(HEAD_SLUGS)
    targets = {e.target for e in entries}
    for slug in HEAD_SLUGS:
        assert f"beranda {slug} csv" in targets
    assert {e.actor_id for e in entries} == {users["kepala_bidang"].id}
    assert all(e.remote_addr for e in entries) and all("2026-06" in e.detail for e in entries)


@pytest.mark.csrf_off  # two logins in one test
def test_a_kepala_seksis_table_downloads_hold_only_their_seksi(client, login_as, tickets):
    """Tickets A, B, E are of their seksi, C and D are not: every table and format counts 3."""

    def downloads(who) -> str:
        login_as(who)
        texts = []
        for slug in HEAD_SLUGS:
            for fmt in ("csv", "xlsx"):
                response = client.get(f"/admin/tabel/{slug}/unduh/{fmt}?{MONTH}")
                assert response.status_code == 200, (slug, fmt)
                texts.append(response.get_data(as_text=fmt == "csv"))
        return "\n".join(t for t in texts if isinstance(t, str))

    def received(text) -> str:  # "Periode ini (...);<tickets received>;..."
        (row,) = [line for line in text.splitlines() if line.startswith("Periode ini")]
        return row.split(";")[1]

    assert received(downloads("admin")) == "5"
    theirs = downloads("kepala_seksi")
    assert received(theirs) == "3"
    assert "Lingkup: Seksi Rekayasa Aplikasi" in theirs and "semua tiket" not in theirs
