"""The exception transitions through HTTP: the requester withdraws, disputes and returns the signed
copies one at a time on the tracking page (with the real CSRF token); the helpdesk records
documents received by another channel, extends the window and the agent returns a signed copy on
the staff ticket page. Refusals answer with the workflow's message and change nothing."""

from __future__ import annotations

import io
import re

from models.catalog import RequiredDocument
from models.ticket import Document, Ticket
from tests.helpers import PDF_BYTES, PNG_BYTES, csrf_token, snapshot


def track(client, ticket) -> str:
    response = client.get(f"/lacak/{ticket.tracking_token}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def post_tracking(client, ticket, path, data=None, files=None):
    token = csrf_token(client, f"/lacak/{ticket.tracking_token}")
    return client.post(
        f"/lacak/{ticket.tracking_token}/{path}",
        data={"csrf_token": token, **(data or {}), **(files or {})},
        content_type="multipart/form-data" if files else None,
    )


def staff_act(client, ticket, action, data=None):
    token = csrf_token(client, f"/admin/tiket/details/?id={ticket.id}")
    return client.post(
        f"/admin/tiket/{ticket.id}/aksi/{action}",
        data={"csrf_token": token, **(data or {})},
        content_type="multipart/form-data",
    )


def fresh(ticket) -> Ticket:
    return Ticket.get_by_id(ticket.id)


def buttons(html) -> set[str]:
    return set(re.findall(r"/aksi/(\w+)", html))


# --- the tracking page ----------------------------------------------------------------------------


def test_requester_withdraws_from_the_tracking_page(client, make_ticket):
    ticket = make_ticket("verified")
    html = track(client, ticket)
    assert f"/lacak/{ticket.tracking_token}/batal" in html
    before = snapshot(ticket.id)
    refused = post_tracking(client, ticket, "batal", {"withdraw_reason": "  "})
    assert refused.status_code == 400
    assert 'id="withdraw_reason-error"' in refused.get_data(as_text=True)
    assert snapshot(ticket.id) == before

    done = post_tracking(client, ticket, "batal", {"withdraw_reason": "Sudah tidak diperlukan"})
    assert done.status_code == 303
    assert (fresh(ticket).status, fresh(ticket).close_reason) == ("closed", "withdrawn")
    html = track(client, ticket)
    assert "Dibatalkan oleh pemohon" in html and "Sudah tidak diperlukan" in html
    assert "/batal" not in html  # nothing more to withdraw


def test_no_withdraw_form_from_selesai_and_a_late_post_is_409(client, make_ticket):
    ticket = make_ticket("selesai")
    assert f"/lacak/{ticket.tracking_token}/batal" not in track(client, ticket)
    before = snapshot(ticket.id)
    response = post_tracking(client, ticket, "batal", {"withdraw_reason": "Tidak jadi"})
    assert response.status_code == 409
    assert "tindakan ini hanya untuk" in response.get_data(as_text=True)
    assert snapshot(ticket.id) == before


def test_requester_disputes_from_the_tracking_page(client, make_ticket):
    ticket = make_ticket("selesai")
    assert f"/lacak/{ticket.tracking_token}/keberatan" in track(client, ticket)
    response = post_tracking(
        client, ticket, "keberatan", {"dispute_reason": "Subdomain belum bisa diakses"}
    )
    assert response.status_code == 303
    assert fresh(ticket).status == "assigned"
    html = track(client, ticket)
    assert "Anda mengajukan keberatan" in html and "Subdomain belum bisa diakses" in html
    assert "/keberatan" not in html and "/balasan" not in html


def test_signed_copies_one_at_a_time_and_the_page_says_which_is_missing(client, make_ticket):
    ticket = make_ticket("selesai")
    html = track(client, ticket)
    assert 'name="sla_signed"' in html and 'name="ba_signed"' in html
    response = post_tracking(
        client, ticket, "balasan", files={"ba_signed": (io.BytesIO(PDF_BYTES), "ba.pdf")}
    )
    assert response.status_code == 303
    assert fresh(ticket).status == "selesai"
    html = track(client, ticket)
    status = re.search(r'id="balasan-status">(.*?)</ul>', html, re.S).group(1)
    assert re.search(r"SLA ditandatangani</span>\s*<span class=\"badge\">Masih ditunggu", status)
    assert re.search(r"Berita Acara ditandatangani</span>\s*<span class=\"badge\">Diterima", status)
    assert 'name="sla_signed"' in html and 'name="ba_signed"' not in html
    assert "Sebagian balasan bertanda tangan diunggah" in html  # the public history

    response = post_tracking(
        client, ticket, "balasan", files={"sla_signed": (io.BytesIO(PNG_BYTES), "sla.png")}
    )
    assert response.status_code == 303 and fresh(ticket).status == "signed"


# --- the staff ticket page ------------------------------------------------------------------------


def test_helpdesk_records_a_letter_and_extends_the_window(client, login_as, make_ticket):
    ticket = make_ticket("incomplete")
    (missing,) = ticket.missing_document_ids
    login_as("helpdesk")
    html = client.get(f"/admin/tiket/details/?id={ticket.id}").get_data(as_text=True)
    assert {"receive_documents", "extend_window", "reject"} <= buttons(html)

    response = staff_act(client, ticket, "extend_window", {"reason": "Pemohon dinas luar"})
    assert response.status_code == 303
    before = snapshot(ticket.id)
    again = staff_act(client, ticket, "extend_window", {"reason": "Sekali lagi"})
    assert again.status_code == 409 and "satu kali" in again.get_data(as_text=True)
    assert snapshot(ticket.id) == before

    no_channel = staff_act(
        client,
        ticket,
        "receive_documents",
        {f"dokumen-{missing}": (io.BytesIO(PDF_BYTES), "s.pdf")},
    )
    assert no_channel.status_code == 400 and snapshot(ticket.id) == before
    response = staff_act(
        client,
        ticket,
        "receive_documents",
        {
            "channel": "letter",
            "note": "Surat 045/12",
            f"dokumen-{missing}": (io.BytesIO(PDF_BYTES), "surat.pdf"),
        },
    )
    assert response.status_code == 303
    assert fresh(ticket).status == "open"
    doc = Document.get(Document.ticket == ticket.id, Document.filename == "surat.pdf")
    assert doc.required_document_id == missing
    assert RequiredDocument.get_by_id(missing).name in doc.required_document.name


def test_agent_returns_a_signed_copy(client, login_as, make_ticket):
    ticket = make_ticket("signed")
    login_as("agent")
    html = client.get(f"/admin/tiket/details/?id={ticket.id}").get_data(as_text=True)
    assert {"close", "return_signed", "post_message", "post_note"} == buttons(html)
    before = snapshot(ticket.id)
    refused = staff_act(client, ticket, "return_signed", {"reason": "Salah berkas"})
    assert refused.status_code == 400 and snapshot(ticket.id) == before
    response = staff_act(
        client, ticket, "return_signed", {"kinds": "sla_signed", "reason": "Belum bertanda tangan"}
    )
    assert response.status_code == 303 and fresh(ticket).status == "selesai"
    html = client.get(f"/admin/tiket/details/?id={ticket.id}").get_data(as_text=True)
    assert "dikembalikan" in html
    progress = re.search(r'id="signed-progress">(.*?)</td>', html, re.S).group(1)
    assert "SLA ditandatangani: belum ada" in progress
    assert "Berita Acara ditandatangani: diterima" in progress
    tracking = track(client, ticket)
    assert 'name="sla_signed"' in tracking and 'name="ba_signed"' not in tracking
    assert "Belum bertanda tangan" in tracking
