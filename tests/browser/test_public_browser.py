"""A requester on a phone, in a real chromium: choose a service, fill the form, attach a real
PDF, submit, open the private tracking link, see the ticket open. Screenshots of each page."""

from __future__ import annotations

import pytest

from models.db import connection
from models.storage import store
from models.ticket import Document, Ticket
from tests.helpers import fill_requester_fields

pytestmark = pytest.mark.browser


def no_horizontal_scroll(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_requester_submits_on_a_phone_and_follows_the_ticket(
    live_server, phone_page, screenshot, tmp_path
):
    page = phone_page
    page.goto(live_server.url + "/")
    assert page.get_by_role("heading", level=1).inner_text() == "Ajukan permohonan layanan TI"
    assert no_horizontal_scroll(page)
    screenshot(page, "01-pilih-layanan")

    page.get_by_label("Layanan yang dimohon").select_option(
        label="Permintaan subdomain jabarprov.go.id"
    )
    page.get_by_role("button", name="Lanjutkan").click()
    page.wait_for_url("**/?layanan=*")
    summary = page.locator(".service-summary")
    assert "Sedang (3–7 hari kerja)" in summary.inner_text()
    assert "Surat permohonan" in summary.inner_text()
    assert no_horizontal_scroll(page)

    uploaded = fill_requester_fields(page, tmp_path)
    screenshot(page, "02-formulir")

    page.get_by_role("button", name="Kirim permohonan").click()
    page.wait_for_url("**/terkirim")
    number = page.locator("#nomor-tiket").inner_text().strip()
    link = page.locator("#tautan-pelacakan").inner_text().strip()
    assert number.startswith("SD-") and link.startswith(live_server.url + "/lacak/")
    assert "siti.rahmawati@example.go.id" in page.content()
    assert no_horizontal_scroll(page)
    screenshot(page, "03-terkirim")

    page.goto(link)
    assert page.locator("h1").inner_text().strip() == number
    status = page.locator("#status-tiket")
    assert status.get_attribute("data-status") == "open"
    assert status.inner_text() == "Menunggu verifikasi"
    assert "Permohonan diajukan" in page.locator(".timeline").inner_text()
    assert no_horizontal_scroll(page)
    screenshot(page, "04-pelacakan")

    with live_server.app.app_context(), connection():
        ticket = Ticket.get(Ticket.number == number)
        assert ticket.status == "open"
        stored = {
            d.required_document.name: store.get(d.sha256)
            for d in Document.select().where(Document.ticket == ticket.id)
        }
    assert stored == uploaded
