"""Every staff download (the list exports, each home-page table's Excel/CSV, the monthly report
PDF, the letterhead's emblem): a sandboxing CSP (they carry requesters' text), each audited
with who and what, only within the role's scope, and junk in their address is a 400/404."""

from __future__ import annotations

import pytest

from deskadmin.dashboard import SKM_TABLES
from models import dashboard
from models.audit import AuditEntry
from tests.test_exports import tickets  # noqa: F401 - the list exports' tickets A ... E

# ruff: noqa: F811 - `tickets` is the imported fixture

HEAD_SLUGS = [*dashboard.head_tables(), *SKM_TABLES]
MONTH = "periode=bulan&bulan=2026-06"


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
        ("kepala_bidang", "/admin/laporan-bulanan/pdf?periode=2026-06"),
        ("admin", "/admin/kop-surat/lambang"),
    ],
    ids=["list-csv", "list-xlsx", "table-csv", "skm-xlsx", "desk-csv", "monthly-pdf", "emblem"],
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
    assert client.get("/admin/laporan-bulanan/pdf?periode=2026-06").status_code in (403, 404)


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


@pytest.mark.parametrize("bidang", ["%C2%B2", "9" * 25, "-1", "x"])
def test_junk_bidang_of_the_monthly_report_is_a_400(client, login_as, db, bidang):
    login_as("admin")
    response = client.get(f"/admin/laporan-bulanan/pdf?periode=2026-06&bidang={bidang}")
    assert response.status_code == 400  # the reason, or the generic page for a 64-bit overflow


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
