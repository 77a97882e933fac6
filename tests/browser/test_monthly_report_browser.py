"""The monthly report in a real chromium: the Kepala Bidang follows the compliance page's link
and gets the PDF; the report page and its refusal of a bad period pass axe and reflow at
320 px. Screenshots land in test-artifacts/browser/monthly-report-*.png."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from tests.helpers import axe_violations, browser_log_in, horizontal_overflow

pytestmark = pytest.mark.browser


def test_kepala_bidang_downloads_the_report(live_server, desktop_page, make_ticket, screenshot):
    page, base = desktop_page, live_server.url
    make_ticket("verified")
    browser_log_in(page, live_server, "kabid@example.go.id")

    page.goto(base + "/admin/kepatuhan/?dari=2026-06-01&sampai=2026-06-30")
    with page.expect_download() as info:
        page.click("#monthly-report")
    download = info.value
    assert download.suggested_filename == "lap-aptika-06-2026.pdf"  # 1-30 June: a month
    with open(download.path(), "rb") as f:
        reader = PdfReader(io.BytesIO(f.read()))
    text = " ".join(" ".join(p.extract_text().split()) for p in reader.pages)
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
    with page.expect_download() as info:
        page.click("#report-form [type=submit]")
    assert info.value.suggested_filename == "lap-aptika-tw2-2026.pdf"


def test_report_page_reflows_at_320px(live_server, narrow_page):
    browser_log_in(narrow_page, live_server, "kasi@example.go.id")
    narrow_page.goto(live_server.url + "/admin/laporan-bulanan/pdf?periode=x")
    assert narrow_page.is_visible("#period-error")
    assert horizontal_overflow(narrow_page) <= 1
    assert axe_violations(narrow_page) == ""
