"""The private tracking page through Flask's test client: unknown and guessed tokens, what the
page shows (status, history without staff emails, due time, checklist), completing missing
documents, downloading the SLA/BA, returning them signed, and "Lost your link?"."""

from __future__ import annotations

import io
import re
import secrets

import pytest

from models import workflow
from models.catalog import RequiredDocument
from models.ticket import Document, Notification, Ticket, TicketEvent
from models.uploads import Upload
from tests.helpers import PDF_BYTES, PNG_BYTES, T0


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def page(client, ticket) -> str:
    response = client.get(f"/lacak/{ticket.tracking_token}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def upload(client, ticket, action, files):
    html = page(client, ticket)
    data = {"csrf_token": csrf(html), **files}
    return client.post(
        f"/lacak/{ticket.tracking_token}/{action}", data=data, content_type="multipart/form-data"
    )


def field_error(html: str, field: str) -> str:
    match = re.search(rf'id="{re.escape(field)}-error">(.*?)</p>', html, re.S)
    return re.sub(r"<[^>]+>", "", match.group(1)) if match else ""


def fresh(ticket) -> Ticket:
    return Ticket.get_by_id(ticket.id)


def counts(ticket):
    return (
        Document.select().where(Document.ticket == ticket.id).count(),
        TicketEvent.select().where(TicketEvent.ticket == ticket.id).count(),
        Notification.select().where(Notification.ticket == ticket.id).count(),
    )


# --- who may see it -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "token",
    [secrets.token_urlsafe(32), "abc", "SD-2026-000001", "x" * 43],
)
def test_unknown_or_guessed_token_is_404(client, make_ticket, token):
    make_ticket("open")
    response = client.get(f"/lacak/{token}")
    assert response.status_code == 404
    html = response.get_data(as_text=True)
    assert "Tautan pelacakan ini tidak dikenal" in html and "SD-2026" not in html
    assert client.get(f"/lacak/{token}/berkas/1").status_code == 404


def test_a_tickets_own_documents_only(client, make_ticket):
    mine, other = make_ticket("open"), make_ticket("open")
    other_doc = Document.get(Document.ticket == other.id)
    url = f"/lacak/{mine.tracking_token}/berkas/{other_doc.id}"
    assert client.get(url).status_code == 404
    own_doc = Document.get(Document.ticket == mine.id)
    assert client.get(f"/lacak/{mine.tracking_token}/berkas/{own_doc.id}").status_code == 200


# --- what the page shows ------------------------------------------------------------------------


def test_open_ticket_shows_number_service_status_due_time_and_checklist(client, make_ticket):
    ticket = make_ticket("open")
    html = page(client, ticket)
    assert ticket.number in html and "Permintaan subdomain jabarprov.go.id" in html
    assert 'data-status="open">Menunggu verifikasi<' in html
    assert "3 Juni 2026, 10.00 WIB" in html  # due: one working day after Tue 2 June 10.00
    assert "Permohonan diajukan" in html and "2 Juni 2026, 10.00 WIB" in html
    for doc in RequiredDocument.for_layanan(ticket.layanan_id):
        assert doc.name in html
    assert html.count("Diterima") == 3
    # no documents to upload while open (only the reply form, with its optional files)
    assert f"{ticket.tracking_token}/dokumen" not in html
    assert f"{ticket.tracking_token}/balasan" not in html
    response = client.get(f"/lacak/{ticket.tracking_token}")
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cache-Control"] == "no-store"


def test_history_names_the_agent_never_staff_emails_nor_the_disposition_note(
    client, db, make_ticket, users
):
    ticket = make_ticket("verified")
    workflow.dispose(
        users["helpdesk"], ticket.id, users["agent"].id, "Catatan internal: cek DNS", now=T0
    )
    html = page(client, ticket)
    assert "Didisposisikan kepada petugas teknis" in html
    assert f"Petugas: {users['agent'].name}" in html
    assert "Catatan internal" not in html
    assert "@example.go.id" not in html.replace(ticket.requester_email, "")
    assert 'data-status="assigned">Dikerjakan petugas<' in html


def test_closed_ticket_shows_reason(client, make_ticket):
    ticket = make_ticket("rejected")
    html = page(client, ticket)
    assert "Ditutup" in html and "Ditolak" in html and "Duplikat" in html


# --- SOP step 3: completing missing documents ---------------------------------------------------


def test_incomplete_shows_missing_document_note_and_deadline(client, make_ticket):
    ticket = make_ticket("incomplete")
    missing = RequiredDocument.get_by_id(ticket.missing_document_ids[0])
    html = page(client, ticket)
    assert "Menunggu kelengkapan dokumen" in html
    assert f"Kurang: {missing.name}" in html  # the helpdesk's note in the history
    assert "Lengkapi dokumen paling lambat" in html and "2 Juli 2026, 10.00 WIB" in html
    assert "Batas waktu melengkapi: <strong>2 Juli 2026, 10.00 WIB" in html  # in the history
    assert "Kurang, harap dilengkapi" in html
    assert f'name="dokumen-{missing.id}" type="file"' in html


def test_uploading_the_missing_documents_returns_ticket_to_verification(client, make_ticket):
    ticket = make_ticket("incomplete")
    missing_id = ticket.missing_document_ids[0]
    before = Document.select().where(Document.ticket == ticket.id).count()
    response = upload(
        client, ticket, "dokumen", {f"dokumen-{missing_id}": (io.BytesIO(PNG_BYTES), "scan.png")}
    )
    assert response.status_code == 303
    assert fresh(ticket).status == "open" and fresh(ticket).missing_document_ids == []
    new = Document.select().where(Document.ticket == ticket.id).order_by(Document.id.desc()).get()
    assert Document.select().where(Document.ticket == ticket.id).count() == before + 1
    assert new.required_document_id == missing_id and new.content_type == "image/png"
    event = TicketEvent.get(
        TicketEvent.ticket == ticket.id, TicketEvent.action == "documents_completed"
    )
    row = Notification.get(Notification.event == event.id)
    assert row.audience == "helpdesk"
    html = client.get(response.location).get_data(as_text=True)
    assert "Dokumen diterima" in html and "Menunggu verifikasi" in html


def test_refused_missing_document_changes_nothing(client, make_ticket):
    ticket = make_ticket("incomplete")
    missing_id = ticket.missing_document_ids[0]
    before = counts(ticket)
    fake = (io.BytesIO(b"<html>not a scan</html>"), "surat.pdf")
    response = upload(client, ticket, "dokumen", {f"dokumen-{missing_id}": fake})
    assert response.status_code == 400
    assert "bukan PDF, JPEG atau PNG" in field_error(
        response.get_data(as_text=True), f"dokumen-{missing_id}"
    )
    response = upload(client, ticket, "dokumen", {})
    assert response.status_code == 400
    assert "Lampirkan" in field_error(response.get_data(as_text=True), f"dokumen-{missing_id}")
    assert fresh(ticket).status == "incomplete" and counts(ticket) == before


def test_uploading_documents_when_not_incomplete_is_refused(client, make_ticket):
    ticket = make_ticket("open")
    before = counts(ticket)
    doc_id = RequiredDocument.for_layanan(ticket.layanan_id).first().id
    response = client.post(
        f"/lacak/{ticket.tracking_token}/dokumen",
        data={
            "csrf_token": csrf(client.get("/lacak").get_data(as_text=True)),
            f"dokumen-{doc_id}": (io.BytesIO(PDF_BYTES), "a.pdf"),
        },
        content_type="multipart/form-data",
    )
    assert response.status_code == 409  # the wrong state: the workflow's words
    assert "Menunggu verifikasi" in response.get_data(as_text=True)
    assert fresh(ticket).status == "open" and counts(ticket) == before


# --- SOP step 6: the SLA and BA, downloaded and returned signed ---------------------------------


def test_selesai_offers_sla_and_ba_as_nosniff_attachments(client, make_ticket):
    ticket = make_ticket("selesai")
    html = page(client, ticket)
    assert "Selesai, menunggu balasan SLA dan BA" in html
    for kind, body in (("sla", PDF_BYTES), ("ba", PDF_BYTES + b"ba")):
        doc = Document.current(ticket.id, kind)
        url = f"/lacak/{ticket.tracking_token}/berkas/{doc.id}"
        assert url in html
        response = client.get(url)
        assert response.status_code == 200 and response.data == body
        assert response.headers["Content-Disposition"].startswith("attachment;")
        assert doc.filename in response.headers["Content-Disposition"]
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.mimetype == "application/pdf"
    assert 'name="sla_signed"' in html and 'name="ba_signed"' in html


def test_sla_drafts_and_old_versions_are_not_for_the_requester(client, db, make_ticket, users):
    ticket = make_ticket("assigned")
    agent = users["agent"]
    old = workflow.attach_document(agent, ticket.id, "sla", Upload("v1.pdf", PDF_BYTES), now=T0)
    assert client.get(f"/lacak/{ticket.tracking_token}/berkas/{old.id}").status_code == 404
    new = workflow.attach_document(
        agent, ticket.id, "sla", Upload("v2.pdf", PDF_BYTES + b"2"), now=T0
    )
    workflow.attach_document(agent, ticket.id, "ba", Upload("ba.pdf", PDF_BYTES + b"b"), now=T0)
    workflow.mark_selesai(agent, ticket.id, now=T0)
    assert client.get(f"/lacak/{ticket.tracking_token}/berkas/{old.id}").status_code == 404
    assert client.get(f"/lacak/{ticket.tracking_token}/berkas/{new.id}").status_code == 200


def test_returning_signed_sla_and_ba_moves_ticket_to_signed_and_tells_agent(
    client, make_ticket, users
):
    ticket = make_ticket("selesai")
    response = upload(
        client,
        ticket,
        "balasan",
        {
            "sla_signed": (io.BytesIO(PDF_BYTES + b"sla-ttd"), "SLA ttd.pdf"),
            "ba_signed": (io.BytesIO(PNG_BYTES), "BA ttd.png"),
        },
    )
    assert response.status_code == 303
    assert fresh(ticket).status == "signed"
    assert Document.current(ticket.id, "sla_signed").filename == "SLA ttd.pdf"
    assert Document.current(ticket.id, "ba_signed").content_type == "image/png"
    event = TicketEvent.get(TicketEvent.ticket == ticket.id, TicketEvent.action == "signed")
    row = Notification.get(Notification.event == event.id)
    assert row.audience == "agent" and row.user_id == users["agent"].id
    html = client.get(response.location).get_data(as_text=True)
    assert "SLA dan Berita Acara bertanda tangan diterima" in html
    assert 'name="sla_signed"' not in html  # nothing more to upload


def test_a_reply_with_no_signed_copy_is_refused_and_changes_nothing(client, make_ticket):
    ticket = make_ticket("selesai")
    before = counts(ticket)
    response = upload(client, ticket, "balasan", {})
    assert response.status_code == 400
    assert "Lampirkan SLA" in field_error(response.get_data(as_text=True), "sla_signed")
    assert fresh(ticket).status == "selesai" and counts(ticket) == before


# --- "Lost your link?" --------------------------------------------------------------------------


def lost_link(client, number, email):
    html = client.get("/lacak").get_data(as_text=True)
    return client.post(
        "/lacak",
        data={"csrf_token": csrf(html), "number": number, "email": email},
        follow_redirects=True,
    )


def resent(ticket):
    return list(
        Notification.select().where(
            Notification.ticket == ticket.id, Notification.kind == "tracking_link"
        )
    )


def test_lost_link_matching_queues_the_link_to_the_requester(client, make_ticket):
    ticket = make_ticket("open")
    response = lost_link(client, f" {ticket.number.lower()} ", "SITI.Rahmawati@example.go.id")
    assert response.status_code == 200
    (row,) = resent(ticket)
    assert row.audience == "requester" and row.email == "siti.rahmawati@example.go.id"
    event = TicketEvent.get(TicketEvent.ticket == ticket.id, TicketEvent.action == "link_resent")
    assert event.public is False and row.event_id == event.id
    assert "dikirim ulang" not in page(client, ticket)  # not part of the public history


def test_lost_link_answers_the_same_when_nothing_matches(client, make_ticket):
    ticket = make_ticket("open")
    matching = lost_link(client, ticket.number, ticket.requester_email).get_data(as_text=True)
    wrong_email = lost_link(client, ticket.number, "orang.lain@example.go.id")
    unknown = lost_link(client, "SD-2026-999999", ticket.requester_email)
    strip = lambda html: re.sub(r'name="csrf_token" value="[^"]+"', "", html)  # noqa: E731
    assert strip(wrong_email.get_data(as_text=True)) == strip(matching)
    assert strip(unknown.get_data(as_text=True)) == strip(matching)
    assert len(resent(ticket)) == 1


def test_lost_link_needs_both_fields(client, make_ticket):
    html = client.get("/lacak").get_data(as_text=True)
    response = client.post("/lacak", data={"csrf_token": csrf(html), "number": "", "email": ""})
    assert response.status_code == 400
    body = response.get_data(as_text=True)
    assert "Nomor tiket wajib diisi" in body and "Alamat email wajib diisi" in body


def test_lost_link_is_rate_limited(client, make_ticket):
    ticket = make_ticket("open")
    for _ in range(5):
        assert lost_link(client, ticket.number, "x@example.go.id").status_code == 200
    assert lost_link(client, ticket.number, ticket.requester_email).status_code == 429
    assert resent(ticket) == []


def test_resend_tracking_link_workflow_rule(db, make_ticket):
    ticket = make_ticket("closed")
    assert workflow.resend_tracking_link(ticket.number, "salah@example.go.id") is False
    assert workflow.resend_tracking_link("", ticket.requester_email) is False
    assert resent(ticket) == []
    assert workflow.resend_tracking_link(ticket.number, ticket.requester_email.upper()) is True
    assert len(resent(ticket)) == 1  # any status: a closed ticket stays readable
    assert fresh(ticket).status == "closed"
