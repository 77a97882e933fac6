"""The whole SOP in a real chromium: a requester submits on a phone, the helpdesk verifies and
disposes, the agent uploads the SLA, has the system generate the BA and marks Selesai, the
requester returns the signed copies through the tracking link, the agent closes. A screenshot of
every staff page; every email of the run really sent. Once over plain HTTP, once over HTTPS
(werkzeug's own TLS) and once through a real nginx terminating TLS (deploy/nginx/, the desk
trusting it with DESK_TRUSTED_PROXIES=1): there every page stays on https://, with no mixed
content, Secure cookies and HSTS."""

from __future__ import annotations

import pytest

from models.db import connection
from models.ticket import Document, Notification, Ticket
from tests.helpers import HttpsWatch, browser_log_in, browser_submit_request, real_pdf
from tests.nginx import behind_nginx

pytestmark = pytest.mark.browser


@pytest.fixture
def app_config(request):
    """Behind nginx the desk trusts that one proxy, as deploy/desk.env says."""
    behind_proxy = request.node.callspec.params.get("server") == "nginx_proxy"
    return behind_nginx() if behind_proxy else {}


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


@pytest.mark.parametrize("server", ["live_server", "https_server", "nginx_proxy"])
def test_whole_sop_from_public_form_to_close_tiket(
    request, server, phone_page, desktop_page, screenshot, tmp_path
):
    # once over plain HTTP, once over HTTPS (a throw-away certificate), once through nginx
    live_server = request.getfixturevalue(server)
    base, app = live_server.url, live_server.app
    requester, staff = phone_page, desktop_page
    secure = HttpsWatch()
    for page in (requester, staff):
        secure.watch(page)

    # Steps 1-2: the requester submits on a phone.
    number, link = browser_submit_request(requester, base, tmp_path)
    assert status_of(app, number) == "open"

    # Step 3-4: helpdesk verifies and disposes.
    staff.goto(base + "/admin/tiket/")
    assert "/staf/login" in staff.url
    screenshot(staff, "sop-01-login")
    browser_log_in(staff, live_server, "helpdesk@example.go.id")
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
    browser_log_in(staff, live_server, "agen@example.go.id")
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
    if server != "live_server":
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
    browser_log_in(staff, live_server, "agen@example.go.id")
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
    if server != "live_server":
        secure.check(requester)
        answer = requester.request.get(link)
        assert answer.headers["strict-transport-security"].startswith("max-age=")
        cookies = staff.context.cookies() + requester.context.cookies()
        assert cookies and all(c["secure"] for c in cookies), cookies

    with app.app_context(), connection():
        ticket = Ticket.get(Ticket.number == number)
        assert ticket.close_reason == "fulfilled"
        kinds = {d.kind for d in Document.select().where(Document.ticket == ticket.id)}
        assert kinds == {"persyaratan", "sla", "ba", "sla_signed", "ba_signed"}
        rows = list(Notification.select().where(Notification.ticket == ticket.id))
        assert {r.kind for r in rows} >= {"opened", "disposed", "selesai", "signed", "closed"}
        assert {r.status for r in rows} == {"sent"}
