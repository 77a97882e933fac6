"""The whole SOP in a real chromium: a requester submits on a phone, the helpdesk verifies and
disposes, the agent uploads the SLA, has the system generate the BA and marks Selesai, the
requester returns the signed copies through the tracking link, the agent closes. A screenshot of
every staff page; every email of the run really sent."""

from __future__ import annotations

import pytest

from models.db import connection
from models.ticket import Document, Notification, Ticket
from tests.helpers import DEMO_PASSWORD, fill_requester_fields, real_pdf

pytestmark = pytest.mark.browser


def submit_request(page, base, tmp_path) -> tuple[str, str]:
    page.goto(base + "/")
    page.get_by_label("Layanan yang dimohon").select_option(
        label="Permintaan subdomain jabarprov.go.id"
    )
    page.get_by_role("button", name="Lanjutkan").click()
    page.wait_for_url("**/?layanan=*")
    fill_requester_fields(page, tmp_path)
    page.get_by_role("button", name="Kirim permohonan").click()
    page.wait_for_url("**/terkirim")
    return (
        page.locator("#nomor-tiket").inner_text().strip(),
        page.locator("#tautan-pelacakan").inner_text().strip(),
    )


def log_in(page, base, email):
    page.goto(base + "/staf/login")
    page.fill("#email", email)
    page.fill("#password", DEMO_PASSWORD)
    page.click("#submit")
    page.wait_for_url(base + "/admin/**")


def log_out(page, base):
    page.click("#logout-button")
    page.wait_for_url("**/staf/login**")


def open_ticket(page, base, number, list_path="/admin/tiket/"):
    page.goto(base + list_path)
    page.get_by_role("link", name=number, exact=True).first.click()
    page.wait_for_url("**/details/**")
    assert number in page.content()


def status_of(app, number) -> str:
    with app.app_context(), connection():
        return Ticket.get(Ticket.number == number).status


@pytest.mark.parametrize("server", ["live_server", "https_server"])
def test_whole_sop_from_public_form_to_close_tiket(
    request, server, phone_page, desktop_page, screenshot, tmp_path
):
    # once over plain HTTP, once over HTTPS (a throw-away certificate): every form, both sides
    live_server = request.getfixturevalue(server)
    base, app = live_server.url, live_server.app
    requester, staff = phone_page, desktop_page

    # Steps 1-2: the requester submits on a phone.
    number, link = submit_request(requester, base, tmp_path)
    assert status_of(app, number) == "open"

    # Step 3-4: helpdesk verifies and disposes.
    staff.goto(base + "/admin/tiket/")
    assert "/staf/login" in staff.url
    screenshot(staff, "sop-01-login")
    log_in(staff, base, "helpdesk@example.go.id")
    screenshot(staff, "sop-02-helpdesk-beranda")
    staff.goto(base + "/admin/tiket/")
    assert number in staff.content()
    screenshot(staff, "sop-03-helpdesk-daftar-tiket")
    open_ticket(staff, base, number)
    screenshot(staff, "sop-04-helpdesk-tiket-baru")
    staff.click("#btn-verify-complete")
    staff.wait_for_selector("text=Dokumen dinyatakan lengkap")
    assert status_of(app, number) == "verified"
    staff.select_option("select[name=agent]", label="Galih Ramadhan Saputra")
    staff.fill("#actions form textarea[name=note]", "Mohon diproses minggu ini.")
    screenshot(staff, "sop-05-helpdesk-disposisi")
    staff.click("#btn-dispose")
    staff.wait_for_selector("text=Tiket didisposisikan")
    assert status_of(app, number) == "assigned"
    log_out(staff, base)

    # Step 5: the agent uploads the SLA, generates the BA, marks Selesai.
    log_in(staff, base, "agen@example.go.id")
    open_ticket(staff, base, number)
    screenshot(staff, "sop-06-agen-tiket")
    staff.select_option("select[name=kind]", "sla")
    staff.set_input_files("input[name=file]", str(real_pdf(tmp_path / "sla.pdf", "SLA")))
    staff.click("#btn-attach")
    staff.wait_for_selector("text=Dokumen dilampirkan")
    staff.fill("#work-done", "Subdomain ppdb.jabarprov.go.id dibuat, DNS dan SSL diuji.")
    staff.click("#btn-generate-ba")
    staff.wait_for_selector("text=Berita Acara sedang dibuat")
    staff.reload()
    assert "berita-acara-" in staff.content()
    screenshot(staff, "sop-07-agen-sla-ba")
    staff.click("#btn-selesai")
    staff.wait_for_selector("text=Tiket ditandai Selesai")
    assert status_of(app, number) == "selesai"
    log_out(staff, base)

    # Step 6: the requester downloads SLA and BA and returns the signed copies.
    requester.goto(link)
    assert requester.locator("#status-tiket").get_attribute("data-status") == "selesai"
    ba_link = requester.get_by_role("link", name="Unduh Berita Acara")
    if server == "https_server":
        # Chrome cancels a download from an origin whose certificate it does not trust (ours is
        # self-signed); the same request through the page's own cookies shows the attachment.
        answer = requester.request.get(base + ba_link.get_attribute("href"))
        assert answer.ok and "berita-acara-" in answer.headers["content-disposition"]
    else:
        with requester.expect_download() as download:
            ba_link.click()
        assert download.value.suggested_filename.startswith("berita-acara-")
    requester.get_by_label("SLA yang sudah ditandatangani").set_input_files(
        str(real_pdf(tmp_path / "sla-ttd.pdf", "SLA ditandatangani"))
    )
    requester.get_by_label("Berita Acara yang sudah ditandatangani").set_input_files(
        str(real_pdf(tmp_path / "ba-ttd.pdf", "BA ditandatangani"))
    )
    screenshot(requester, "sop-08-pemohon-balasan")
    requester.get_by_role("button", name="Kirim balasan SLA dan BA").click()
    requester.wait_for_load_state()
    assert status_of(app, number) == "signed"

    # Step 7: the agent closes.
    log_in(staff, base, "agen@example.go.id")
    open_ticket(staff, base, number)
    screenshot(staff, "sop-09-agen-siap-ditutup")
    # the copies are unsigned PDFs: wet-ink, which the agent confirms having checked
    assert staff.locator(".verdict-wet-ink").count() == 2
    staff.check("#confirm-wet-ink")
    staff.click("#btn-close")
    staff.wait_for_selector("text=Tiket ditutup")
    screenshot(staff, "sop-10-agen-ditutup")
    log_out(staff, base)

    requester.goto(link)
    assert requester.locator("#status-tiket").get_attribute("data-status") == "closed"
    screenshot(requester, "sop-11-pemohon-ditutup")

    with app.app_context(), connection():
        ticket = Ticket.get(Ticket.number == number)
        assert ticket.close_reason == "fulfilled"
        kinds = {d.kind for d in Document.select().where(Document.ticket == ticket.id)}
        assert kinds == {"persyaratan", "sla", "ba", "sla_signed", "ba_signed"}
        rows = list(Notification.select().where(Notification.ticket == ticket.id))
        assert {r.kind for r in rows} >= {"opened", "disposed", "selesai", "signed", "closed"}
        assert {r.status for r in rows} == {"sent"}
