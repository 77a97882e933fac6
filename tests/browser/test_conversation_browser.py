"""A conversation in a real chromium: the helpdesk asks the requester a question, the requester
answers from a phone, the reply shows as unread in the queue until the helpdesk opens it; the
agent pauses the work with a question, the requester answers (the clock runs again), the agent
pauses once more and resumes it. Screenshots of every page under `test-artifacts/browser/`."""

from __future__ import annotations

import pytest

from models.db import connection
from models.ticket import Ticket, TicketEvent
from tests.helpers import browser_log_in

pytestmark = pytest.mark.browser


def log_out(page, base):
    page.click("#logout-button")
    page.wait_for_url("**/staf/login**")


def ticket_state(app, ticket_id) -> Ticket:
    with app.app_context(), connection():
        return Ticket.get_by_id(ticket_id)


def requester_answers(page, url, text, screenshot, name):
    page.goto(url)
    page.fill("#body", text)
    screenshot(page, f"{name}-typed")
    page.click("#kirim-balasan")
    page.wait_for_url(url)
    assert "Balasan Anda terkirim" in page.content() and text in page.content()
    screenshot(page, name)


def test_conversation_helpdesk_asks_requester_answers_agent_pauses_and_resumes(
    live_server, phone_page, desktop_page, screenshot, make_ticket, users
):
    base, app = live_server.url, live_server.app
    ticket = make_ticket("verified")
    tracking = f"{base}/lacak/{ticket.tracking_token}"
    staff = desktop_page
    details = f"{base}/admin/tiket/details/?id={ticket.id}"

    # The helpdesk asks a question before disposing.
    browser_log_in(staff, live_server, users["helpdesk"].email)
    staff.goto(details)
    staff.fill("#message-body", "Mohon sebutkan nama subdomain yang diinginkan.")
    staff.fill("#note-body", "Cek dulu ketersediaan nama di DNS.")
    screenshot(staff, "conversation-1-helpdesk-typing")
    staff.click("#btn-post-message")
    staff.wait_for_url("**/details/**")
    staff.fill("#note-body", "Cek dulu ketersediaan nama di DNS.")
    staff.click("#btn-post-note")
    staff.wait_for_url("**/details/**")
    assert "Catatan internal (tidak terlihat pemohon)" in staff.content()
    screenshot(staff, "conversation-2-helpdesk-card")

    # The requester reads it on a phone and answers; the internal note is not there.
    phone_page.goto(tracking)
    assert "Mohon sebutkan nama subdomain" in phone_page.content()
    assert "ketersediaan nama di DNS" not in phone_page.content()
    requester_answers(
        phone_page,
        tracking,
        "Nama yang kami inginkan: layanan.jabarprov.go.id",
        screenshot,
        "conversation-3-requester-replied",
    )
    assert ticket_state(app, ticket.id).reply_unread

    # The queue shows the unread reply until the helpdesk opens the ticket.
    staff.goto(base + "/admin/balasan-pemohon-baru/")
    assert staff.locator(".reply-unread").count() == 1
    screenshot(staff, "conversation-4-queue-unread")
    staff.get_by_role("link", name=ticket.number, exact=True).first.click()
    staff.wait_for_url("**/details/**")
    assert "layanan.jabarprov.go.id" in staff.locator("#conversation").inner_text()
    assert not ticket_state(app, ticket.id).reply_unread
    staff.select_option("select[name=agent]", label=users["agent"].name)
    staff.click("#btn-dispose")
    staff.wait_for_url("**/details/**")
    log_out(staff, base)

    # The agent pauses the work with a question; the requester answers; the clock runs again.
    browser_log_in(staff, live_server, users["agent"].email)
    staff.goto(details)
    staff.fill("#pause-body", "Alamat IP server tujuan subdomain?")
    staff.click("#btn-pause")
    staff.wait_for_url("**/details/**")
    assert ticket_state(app, ticket.id).status == "menunggu_pemohon"
    assert staff.locator("#btn-resume").is_visible()
    screenshot(staff, "conversation-5-agent-paused")
    phone_page.goto(tracking)
    assert "Menunggu informasi pemohon" in phone_page.content()
    assert "Alamat IP server tujuan subdomain?" in phone_page.locator("#pertanyaan").inner_text()
    screenshot(phone_page, "conversation-6-requester-question")
    requester_answers(
        phone_page, tracking, "IP server: 10.10.1.20", screenshot, "conversation-7-answered"
    )
    assert ticket_state(app, ticket.id).status == "assigned"

    # Paused once more, then resumed by the agent ("lanjutkan").
    staff.goto(details)
    assert "10.10.1.20" in staff.locator("#conversation").inner_text()
    staff.fill("#pause-body", "Apakah perlu sertifikat SSL?")
    staff.click("#btn-pause")
    staff.wait_for_url("**/details/**")
    staff.click("#btn-resume")
    staff.wait_for_url("**/details/**")
    assert ticket_state(app, ticket.id).status == "assigned"
    screenshot(staff, "conversation-8-agent-resumed")
    with app.app_context(), connection():
        actions = [e.action for e in TicketEvent.for_ticket(ticket.id)]
    for action in ("message", "internal_note", "requester_reply", "paused", "answered", "resumed"):
        assert action in actions, action
