"""An exception path in a real chromium: at step 6 the requester, on a phone, says the work is not
done; the agent finds the ticket back in "Tiket saya" with the requester's reason, fixes it and
marks Selesai again; the requester returns the signed BA first and the SLA later, and the
tracking page says which one is still awaited. Screenshots of every page."""

from __future__ import annotations

import pytest

from models.db import connection
from models.ticket import Notification, Ticket, TicketEvent
from tests.helpers import browser_log_in, real_pdf

pytestmark = pytest.mark.browser

REASON = "Subdomain ppdb.jabarprov.go.id belum bisa diakses dari jaringan sekolah."


def status_of(app, number) -> str:
    with app.app_context(), connection():
        return Ticket.get(Ticket.number == number).status


def test_requester_disputes_on_a_phone_and_the_agent_gets_it_back(
    live_server, make_ticket, phone_page, desktop_page, screenshot, tmp_path
):
    base, app = live_server.url, live_server.app
    ticket = make_ticket("selesai")
    number, link = ticket.number, f"{base}/lacak/{ticket.tracking_token}"
    requester, agent = phone_page, desktop_page

    # Step 6: the requester disputes from the phone.
    requester.goto(link)
    assert requester.locator("#status-tiket").get_attribute("data-status") == "selesai"
    requester.get_by_role("button", name="Ajukan keberatan").click()  # empty: refused
    assert requester.locator("#dispute_reason-error").is_visible()
    assert status_of(app, number) == "selesai"
    requester.get_by_label("Apa yang belum selesai?").fill(REASON)
    screenshot(requester, "exc-01-pemohon-keberatan")
    requester.get_by_role("button", name="Ajukan keberatan").click()
    requester.wait_for_selector("text=Keberatan Anda diterima")
    assert requester.locator("#status-tiket").get_attribute("data-status") == "assigned"
    assert REASON in requester.content()
    screenshot(requester, "exc-02-pemohon-dikembalikan")
    assert status_of(app, number) == "assigned"

    # The agent finds it back in "Tiket saya", with the reason in the history.
    browser_log_in(agent, live_server, "agen@example.go.id")
    agent.get_by_role("link", name="Tiket saya").first.click()
    agent.wait_for_load_state()
    screenshot(agent, "exc-03-agen-tiket-saya")
    agent.get_by_role("link", name=number, exact=True).first.click()
    agent.wait_for_url("**/details/**")
    history = agent.locator("#history").inner_text()
    assert "Keberatan pemohon: pekerjaan belum selesai" in history and REASON in history
    screenshot(agent, "exc-04-agen-keberatan")
    agent.fill(
        "#actions textarea[name=note]", "Rekaman DNS diperbaiki; diuji dari jaringan sekolah."
    )
    agent.click("#btn-selesai")
    agent.wait_for_selector("text=Tiket ditandai Selesai")
    assert status_of(app, number) == "selesai"

    # The requester returns the signed BA first; the page says the SLA is still awaited.
    requester.goto(link)
    requester.get_by_label("Berita Acara yang sudah ditandatangani").set_input_files(
        str(real_pdf(tmp_path / "ba-ttd.pdf", "BA ditandatangani"))
    )
    requester.get_by_role("button", name="Kirim balasan SLA dan BA").click()
    requester.wait_for_selector("text=Mohon unggah juga dokumen yang masih ditunggu")
    awaited = requester.locator("#balasan-status").inner_text()
    assert awaited.index("SLA ditandatangani") < awaited.index("Masih ditunggu")
    assert awaited.index("Berita Acara ditandatangani") < awaited.index("Diterima")
    assert requester.get_by_label("Berita Acara yang sudah ditandatangani").count() == 0
    screenshot(requester, "exc-05-pemohon-sla-masih-ditunggu")
    requester.get_by_label("SLA yang sudah ditandatangani").set_input_files(
        str(real_pdf(tmp_path / "sla-ttd.pdf", "SLA ditandatangani"))
    )
    requester.get_by_role("button", name="Kirim balasan").click()
    requester.wait_for_selector("text=SLA dan Berita Acara bertanda tangan diterima")
    screenshot(requester, "exc-06-pemohon-balasan-lengkap")
    assert status_of(app, number) == "signed"

    with app.app_context(), connection():
        actions = [
            e.action
            for e in TicketEvent.select()
            .where(TicketEvent.ticket == ticket.id, TicketEvent.action != "notified")
            .order_by(TicketEvent.id)
        ]
        assert actions[-4:] == ["disputed", "selesai", "signed_partial", "signed"]
        disputed = Notification.get(
            Notification.ticket == ticket.id, Notification.kind == "disputed"
        )
        assert disputed.status == "sent" and "agen@example.go.id" in disputed.recipients
