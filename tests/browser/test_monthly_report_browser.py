"""The monthly report in a real chromium: the Kepala Bidang presses the compliance page's
button, lands on the request's status page ("sedang disiapkan"), which asks for its state
again by itself (static/js/desk-admin.js, under the CSP) and shows the download once the task
ran, without a reload; the report page, its
refusal of a bad period and the status page pass axe and reflow at 320 px. The queue is huey's
real SQLite file (not immediate), its tasks run by the test. Screenshots land in
test-artifacts/browser/monthly-report-*.png."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from tasks import huey
from tests.helpers import axe_violations, browser_log_in, horizontal_overflow

pytestmark = pytest.mark.browser


@pytest.fixture
def app_config():
    """The report's task waits in the queue until the test runs it (as a consumer would)."""
    return {"HUEY_IMMEDIATE": False}


def run_queued_tasks() -> list[str]:
    """Run every task waiting in the app's queue, as a consumer would; their names."""
    tasks = [huey.dequeue() for _ in range(huey.pending_count())]
    for task in tasks:
        huey.execute(task)
    return [t.name for t in tasks]


def pdf_text(path) -> str:
    with open(path, "rb") as f:
        reader = PdfReader(io.BytesIO(f.read()))
    return " ".join(" ".join(p.extract_text().split()) for p in reader.pages)


def download_when_ready(page) -> object:
    """Wait for the status page to show itself ready, then download."""
    page.wait_for_selector("#report-download", timeout=15_000)
    with page.expect_download() as info:
        page.click("#report-download")
    return info.value


def test_kepala_bidang_asks_waits_and_downloads(live_server, desktop_page, make_ticket, screenshot):
    page, base = desktop_page, live_server.url
    make_ticket("verified")
    huey.flush()  # the ticket's emails: not this test's
    browser_log_in(page, live_server, "kabid@example.go.id")

    page.goto(base + "/admin/kepatuhan/?dari=2026-06-01&sampai=2026-06-30")
    page.click("#monthly-report")
    page.wait_for_url("**/admin/laporan-bulanan/permintaan/*")
    assert "Laporan sedang disiapkan" in page.inner_text("#report-status")
    assert page.is_visible("#report-reload")
    assert axe_violations(page) == ""
    screenshot(page, "monthly-report-pending")

    page.evaluate("window.deskNotReloaded = true")
    assert run_queued_tasks() == ["tasks.monthly_report.render_monthly_report"]
    download = download_when_ready(page)  # no click on "Muat ulang"
    assert page.evaluate("window.deskNotReloaded") is True  # the region changed, not the page
    assert "Laporan siap diunduh" in page.inner_text("#report-status")
    assert axe_violations(page) == ""
    screenshot(page, "monthly-report-ready")
    assert download.suggested_filename == "lap-aptika-06-2026.pdf"  # 1-30 June: a month
    text = pdf_text(download.path())
    assert "Nomor: LAP/APTIKA/06/2026" in text and "Halaman 1 dari" in text

    page.goto(base + "/admin/laporan-bulanan/")
    assert axe_violations(page) == ""
    screenshot(page, "monthly-report-form")
    page.fill("#periode", "2026-13")
    page.click("#report-form [type=submit]")
    assert "Bulan periode harus antara 01 dan 12." in page.inner_text("#period-error")
    assert axe_violations(page) == ""
    screenshot(page, "monthly-report-error")

    page.fill("#periode", "2026-T2")
    page.click("#report-form [type=submit]")
    page.wait_for_url("**/admin/laporan-bulanan/permintaan/*")
    assert run_queued_tasks() == ["tasks.monthly_report.render_monthly_report"]
    assert download_when_ready(page).suggested_filename == "lap-aptika-tw2-2026.pdf"


def test_report_pages_reflow_at_320px(live_server, narrow_page):
    browser_log_in(narrow_page, live_server, "kasi@example.go.id")
    narrow_page.goto(live_server.url + "/admin/laporan-bulanan/")
    narrow_page.fill("#periode", "x")
    narrow_page.click("#report-form [type=submit]")
    assert narrow_page.is_visible("#period-error")
    assert horizontal_overflow(narrow_page) <= 1
    assert axe_violations(narrow_page) == ""
    narrow_page.fill("#periode", "2026-06")
    narrow_page.click("#report-form [type=submit]")
    narrow_page.wait_for_url("**/admin/laporan-bulanan/permintaan/*")
    assert narrow_page.is_visible("#report-status")
    assert horizontal_overflow(narrow_page) <= 1
    assert axe_violations(narrow_page) == ""
