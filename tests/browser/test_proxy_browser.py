"""Every form of every page through a real nginx terminating TLS (deploy/nginx/, a throw-away
certificate), the desk trusting it (DESK_TRUSTED_PROXIES=1, an https DESK_BASE_URL), in a real
chromium (issue #10 item 1). After each POST the browser is on https:// (no redirect to
http://), no request of the run left https:// and no console message spoke of mixed content or
the CSP; the forms' CSRF check passes (over https Flask-WTF demands a same-origin Referer);
cookies are Secure and HSTS is sent. Public side: the request form, the tracking page's forms
(missing documents, message, dispute, signed copies, withdrawal), the lost link. Staff side:
every button of the ticket page (conversation and exceptions included), the on-behalf intake,
two-factor setup, password change, logout."""

from __future__ import annotations

import re

import pytest
from passlib.totp import TOTP

from models.catalog import RequiredDocument
from models.db import connection
from models.seed import create_staff_user
from models.staff import User
from models.ticket import Ticket, TicketEvent
from security_headers import HSTS
from tests.helpers import (
    HttpsWatch,
    browser_log_in,
    browser_submit_request,
    real_pdf,
)
from tests.nginx import behind_nginx

pytestmark = pytest.mark.browser

NEW_PASSWORD = "Kopi-Tubruk-Sumedang-2027!"


@pytest.fixture
def app_config():
    return behind_nginx()


@pytest.fixture
def secure():
    return HttpsWatch()


def ticket(app, ticket_id) -> Ticket:
    with app.app_context(), connection():
        return Ticket.get_by_id(ticket_id)


def events(app, ticket_id) -> list[str]:
    with app.app_context(), connection():
        return [e.action for e in TicketEvent.for_ticket(ticket_id)]


def posted(page, secure, click: str, expect: str | None = None):
    """Click a form's submit button, wait for the answer, and check the walk is still sound:
    on https://, nothing insecure so far, no CSRF refusal, the expected words on the page."""
    page.click(click)
    page.wait_for_load_state()
    secure.check(page)
    text = page.locator("body").inner_text()
    assert "CSRF" not in text and "referrer" not in text.lower(), text[:600]
    refused = page.locator(".alert-danger")  # a staff action's refusal
    assert refused.count() == 0, refused.all_inner_texts()
    if expect:
        assert expect in text, text[:1200]


def test_every_public_form_through_nginx(nginx_proxy, phone_page, make_ticket, secure, tmp_path):
    base, app, page = nginx_proxy.url, nginx_proxy.app, secure.watch(phone_page)

    # The request form (step 1 is a GET form, step 2 the POST).
    number, link = browser_submit_request(page, base, tmp_path)
    secure.check(page)
    assert page.url == base + "/terkirim"
    assert link.startswith(base + "/lacak/")  # DESK_BASE_URL, the https address

    # The tracking page: a message to the desk, then the withdrawal.
    page.goto(link)
    page.fill("#body", "Apakah bisa selesai minggu ini?")
    posted(page, secure, "#kirim-balasan", "Balasan Anda terkirim")
    page.get_by_text("Permohonan ini tidak diperlukan lagi").click()
    page.get_by_label("Alasan pembatalan").fill("Sudah tidak diperlukan.")
    posted(page, secure, "form[action$='/batal'] [type=submit]", "telah dibatalkan")
    with app.app_context(), connection():
        withdrawn = Ticket.get(Ticket.number == number)
    assert withdrawn.status == "closed" and withdrawn.close_reason == "withdrawn"

    # The lost link.
    page.goto(base + "/lacak")
    page.get_by_label("Nomor tiket").fill(number)
    page.get_by_label("Email pemohon").fill("siti.rahmawati@example.go.id")
    posted(page, secure, "button:has-text('Kirim ulang tautan')", "tautan pelacakan telah dikirim")
    # the CSRF check really runs its https rule: the same POST naming no page (no Referer)
    token = page.locator("input[name=csrf_token]").input_value()
    forged = page.request.post(
        base + "/lacak", form={"csrf_token": token, "number": number, "email": "x@example.go.id"}
    )
    assert forged.status == 400 and "tautan pelacakan telah dikirim" not in forged.text()

    # Missing documents while incomplete.
    incomplete = make_ticket("incomplete")
    with app.app_context(), connection():
        missing = [RequiredDocument.get_by_id(i).name for i in incomplete.missing_document_ids]
    page.goto(f"{base}/lacak/{incomplete.tracking_token}")
    for name in missing:
        page.get_by_label(name, exact=True).set_input_files(
            str(real_pdf(tmp_path / f"{name}.pdf", name))
        )
    posted(page, secure, "form[action$='/dokumen'] [type=submit]", "Dokumen diterima")
    assert ticket(app, incomplete.id).status == "open"

    # A dispute while selesai, and the signed copies on another ticket.
    disputed = make_ticket("selesai")
    page.goto(f"{base}/lacak/{disputed.tracking_token}")
    page.get_by_label("Apa yang belum selesai?").fill("Subdomain belum bisa diakses.")
    posted(page, secure, "button:has-text('Ajukan keberatan')", "Keberatan Anda diterima")
    assert ticket(app, disputed.id).status == "assigned"
    signed = make_ticket("selesai")
    page.goto(f"{base}/lacak/{signed.tracking_token}")
    page.get_by_label("SLA yang sudah ditandatangani").set_input_files(
        str(real_pdf(tmp_path / "sla-ttd.pdf", "SLA ditandatangani"))
    )
    page.get_by_label("Berita Acara yang sudah ditandatangani").set_input_files(
        str(real_pdf(tmp_path / "ba-ttd.pdf", "BA ditandatangani"))
    )
    posted(page, secure, "button:has-text('Kirim balasan SLA dan BA')", "bertanda tangan diterima")
    assert ticket(app, signed.id).status == "signed"

    headers = page.request.get(base + "/").headers_array
    hsts = [h["value"] for h in headers if h["name"].lower() == "strict-transport-security"]
    assert hsts == [HSTS]  # one header, the desk's (nginx adds none of its own)
    cookies = page.context.cookies()
    assert cookies and all(c["secure"] for c in cookies), cookies


def test_every_staff_form_through_nginx(
    nginx_proxy, desktop_page, phone_page, make_ticket, users, secure, tmp_path
):
    base, app = nginx_proxy.url, nginx_proxy.app
    staff, requester = secure.watch(desktop_page), secure.watch(phone_page)
    walked, rejected, moved = make_ticket("open"), make_ticket("open"), make_ticket("assigned")
    returned, closing = make_ticket("signed"), make_ticket("signed")
    with app.app_context(), connection():
        second, _ = create_staff_user(
            "agen2@example.go.id", "Agen Kedua", "agent", seksi_code="rekayasa-aplikasi"
        )

    def details(t):
        staff.goto(f"{base}/admin/tiket/details/?id={t.id}")
        secure.check(staff)

    # The helpdesk: conversation, verification (incomplete, one more month, documents by
    # another channel, complete), disposition, reassignment, rejection.
    browser_log_in(staff, nginx_proxy, users["helpdesk"].email)
    secure.check(staff)
    details(walked)
    staff.fill("#message-body", "Mohon sebutkan nama subdomain.")
    posted(staff, secure, "#btn-post-message")
    staff.fill("#note-body", "Cek DNS dulu.")
    posted(staff, secure, "#btn-post-note", "Catatan internal")
    staff.locator("input[name=missing]").first.check()
    posted(staff, secure, "#btn-verify-incomplete")
    assert ticket(app, walked.id).status == "incomplete"
    staff.fill("form[action$='extend_window'] textarea[name=reason]", "Pemohon sedang dinas luar.")
    posted(staff, secure, "#btn-extend-window")
    staff.select_option("#received-channel", index=1)
    for slot in staff.locator("form[action$='receive_documents'] input[type=file]").all():
        slot.set_input_files(str(real_pdf(tmp_path / "surat.pdf", "Surat")))
    posted(staff, secure, "#btn-receive-documents")
    assert ticket(app, walked.id).status == "open"
    posted(staff, secure, "#btn-verify-complete", "Dokumen dinyatakan lengkap")
    staff.select_option("#agent-dispose", label=users["agent"].name)
    posted(staff, secure, "#btn-dispose", "Tiket didisposisikan")
    assert ticket(app, walked.id).status == "assigned"
    details(moved)
    staff.select_option("#agent-reassign", label="Agen Kedua")
    posted(staff, secure, "#btn-reassign")
    assert ticket(app, moved.id).assigned_agent_id == second.id
    details(rejected)
    staff.fill("#reason-reject", "Bukan kewenangan Diskominfo.")
    posted(staff, secure, "#btn-reject")
    assert ticket(app, rejected.id).status == "closed"

    # The on-behalf intake (a request received by phone).
    staff.goto(base + "/admin/on_behalf/")
    staff.select_option("#layanan", label="Permintaan subdomain jabarprov.go.id")
    staff.click("#btn-on-behalf-choose")
    staff.wait_for_load_state()
    staff.select_option("#intake_channel", "phone")
    for field, value in {
        "#requester_name": "Budi Santoso",
        "#requester_nip": "198001012005011001",
        "#requester_position": "Kepala Subbagian Umum",
        "#requester_email": "budi@example.go.id",
        "#requester_phone": "0227654321",
        "#subject": "Subdomain lewat telepon",
        "#description": "Permohonan diterima lewat telepon.",
    }.items():
        staff.fill(field, value)
    staff.select_option("#perangkat_daerah_id", index=1)
    posted(staff, secure, "#btn-on-behalf", "dibuat")

    # Staff settings: two-factor setup with an authenticator app, password change, logout.
    staff.goto(base + "/staf/tf-setup")
    staff.check("input[value=authenticator]")
    posted(staff, secure, "form[name=two_factor_setup_form] [type=submit]")
    key = re.search(r"\b([A-Z2-7]{4}(?:[ -]?[A-Z2-7]{4}){3,})\b", staff.content()).group(1)
    code = TOTP(key=re.sub(r"[ -]", "", key), format="base32").generate().token
    staff.fill("form[name=two_factor_verify_code_form] input[name=code]", code)
    posted(staff, secure, "form[name=two_factor_verify_code_form] [type=submit]")
    with app.app_context(), connection():
        assert User.get_by_id(users["helpdesk"].id).tf_primary_method == "authenticator"
    staff.goto(base + "/staf/change")
    staff.fill("input[name=password]", "rahasia-demo-123")
    staff.fill("input[name=new_password]", NEW_PASSWORD)
    staff.fill("input[name=new_password_confirm]", NEW_PASSWORD)
    posted(staff, secure, "form [type=submit]")
    with app.app_context(), connection():
        hashed = User.get_by_id(users["helpdesk"].id).password
    assert hashed != users["helpdesk"].password
    staff.goto(base + "/admin/")
    posted(staff, secure, "#logout-button")
    assert "/staf/login" in staff.url

    # The agent: pause (the requester answers through the proxy), pause and resume, SLA, BA,
    # Selesai; a wrong signed copy returned; Close Tiket.
    browser_log_in(staff, nginx_proxy, users["agent"].email)
    details(walked)
    staff.fill("#pause-body", "Alamat IP server tujuan?")
    posted(staff, secure, "#btn-pause")
    assert ticket(app, walked.id).status == "menunggu_pemohon"
    requester.goto(f"{base}/lacak/{walked.tracking_token}")
    requester.fill("#body", "IP server: 10.10.1.20")
    posted(requester, secure, "#kirim-balasan", "Balasan Anda terkirim")
    assert ticket(app, walked.id).status == "assigned"
    details(walked)
    staff.fill("#pause-body", "Perlu sertifikat SSL?")
    posted(staff, secure, "#btn-pause")
    posted(staff, secure, "#btn-resume")
    assert ticket(app, walked.id).status == "assigned"
    staff.select_option("#attach-kind", "sla")
    staff.set_input_files("#attach-file", str(real_pdf(tmp_path / "sla.pdf", "SLA")))
    posted(staff, secure, "#btn-attach", "Dokumen dilampirkan")
    staff.fill("#work-done", "Subdomain dibuat, DNS dan SSL diuji.")
    posted(staff, secure, "#btn-generate-ba", "Berita Acara sedang dibuat")
    posted(staff, secure, "#btn-selesai", "Tiket ditandai Selesai")
    assert ticket(app, walked.id).status == "selesai"
    details(returned)
    staff.check("#return-ba_signed")
    staff.fill("form[action$='return_signed'] textarea[name=reason]", "BA belum ditandatangani.")
    posted(staff, secure, "#btn-return-signed")
    assert ticket(app, returned.id).status == "selesai"
    details(closing)
    staff.check("#confirm-wet-ink")  # the copies are unsigned PDFs: wet-ink, checked by hand
    posted(staff, secure, "#btn-close", "Tiket ditutup")
    assert ticket(app, closing.id).status == "closed"
    staff.goto(base + "/admin/")
    posted(staff, secure, "#logout-button")

    for action in ("message", "internal_note", "paused", "answered", "resumed"):
        assert action in events(app, walked.id), action
    cookies = staff.context.cookies()
    assert cookies and all(c["secure"] for c in cookies), cookies
