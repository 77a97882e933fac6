"""Exports in a real browser: the ticket list's export menu downloads the list as Excel (its
filter and the user's scope), the compliance page downloads a table as CSV."""

from __future__ import annotations

import io
import re
from pathlib import Path

import pytest
from openpyxl import load_workbook

from models import workflow
from models.catalog import Layanan
from tests.helpers import T0, browser_log_in, export_rows, new_request, required_uploads

pytestmark = pytest.mark.browser


def test_a_kepala_seksi_downloads_the_filtered_list_and_a_compliance_table(
    live_server, desktop_page, make_ticket
):
    page = desktop_page
    mine = make_ticket("open", subject="=SUM(1;2)")
    make_ticket("assigned", subject="Sudah didisposisi")
    other = Layanan.get(Layanan.code == "gangguan-jaringan")  # another bidang
    outside = workflow.submit(
        None, new_request(layanan=other, subject="Di luar"), required_uploads(other), now=T0
    )
    browser_log_in(page, live_server, "kasi@example.go.id")
    page.goto(live_server.url + "/admin/tiket/?flt0_0=open")
    page.get_by_role("button", name="Ekspor").click()
    with page.expect_download() as info:
        page.get_by_role("link", name="Ekspor Excel").click()
    download = info.value
    assert re.fullmatch(r"tiket-tickets-\d{8}-\d{4}\.xlsx", download.suggested_filename)
    ws = load_workbook(io.BytesIO(Path(download.path()).read_bytes())).active
    title = ws["A1"].value  # the list's filter and the scope
    assert "Status" in title and "Lingkup: Seksi Rekayasa Aplikasi" in title, title
    numbers = [row[0] for row in ws.iter_rows(min_row=3, values_only=True)]
    assert mine.number in numbers and outside.number not in numbers
    subject = next(row[3] for row in ws.iter_rows(min_row=3) if row[0].value == mine.number)
    assert subject.data_type == "s" and subject.value == "=SUM(1;2)"

    page.goto(live_server.url + "/admin/kepatuhan/")
    with page.expect_download() as info:
        page.locator("h4", has_text="Per layanan").get_by_role("link", name="Unduh CSV").click()
    rows = export_rows(Path(info.value.path()).read_bytes())
    assert rows[0][:2] == ["Layanan", "Selesai dalam periode"]
