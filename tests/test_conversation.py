"""The conversation on a ticket: messages to the requester, internal notes, the requester's
replies from the tracking page, the unread-reply marker and the queue "Balasan pemohon baru".
Each verb: allowed and refused by state and role, nothing changed on refusal, the history entry,
the emails and their recipients, and concurrency. An internal note reaches no requester."""

from __future__ import annotations

import io
import uuid

import pytest

from models import workflow
from models.db import connection
from models.seed import create_staff_user
from models.storage import store
from models.ticket import Document, Notification, Ticket, TicketEvent
from models.uploads import Upload
from tests.helpers import (
    PDF_BYTES,
    PNG_BYTES,
    T0,
    export_rows,
    new_request,
    race,
    required_uploads,
    snapshot,
)


def _events(ticket, action):
    return list(
        TicketEvent.select().where(TicketEvent.ticket == ticket.id, TicketEvent.action == action)
    )


# --- messages to the requester -----------------------------------------------------------------


def test_a_message_is_public_history_and_an_email_to_the_requester(db, make_ticket, users, outbox):
    ticket = make_ticket("verified")
    outbox.clear()
    event = workflow.post_message(users["helpdesk"], ticket.id, "Mohon kirim nama subdomain.")
    assert (event.action, event.public, event.actor_id) == ("message", True, users["helpdesk"].id)
    assert event.note == "Mohon kirim nama subdomain." and event.at is not None
    (mail,) = outbox
    assert mail.to == [ticket.requester_email]
    assert ticket.number in mail.subject and "Pesan dari Service Desk" in mail.subject
    assert "Mohon kirim nama subdomain." in mail.body
    assert f"/lacak/{ticket.tracking_token}" in mail.body
    assert "balas melalui tautan pelacakan" in mail.body
    html = mail.alternatives[0][0]
    assert "Mohon kirim nama subdomain." in html and "balas melalui tautan pelacakan" in html
    assert Ticket.get_by_id(ticket.id).version == ticket.version  # appended, nothing changed


def test_the_assigned_agent_and_an_admin_write_messages_too(db, make_ticket, users):
    ticket = make_ticket("assigned")
    workflow.post_message(users["agent"], ticket.id, "Dari petugas.")
    workflow.post_message(users["admin"], ticket.id, "Dari admin.")
    assert [e.note for e in _events(ticket, "message")] == ["Dari petugas.", "Dari admin."]


@pytest.mark.parametrize("role", ["kepala_bidang", "kepala_seksi", "other_agent", "other_desk"])
def test_a_message_is_refused_to_who_may_not_act_and_changes_nothing(db, make_ticket, users, role):
    ticket = make_ticket("assigned")
    others = {
        "other_agent": lambda: create_staff_user(
            "agen2@example.go.id", "Agen Dua", "agent", seksi_code="rekayasa-aplikasi"
        )[0],
        "other_desk": lambda: create_staff_user(
            "hd2@example.go.id", "Helpdesk Lain", "helpdesk", "egov"
        )[0],
    }
    actor = others[role]() if role in others else users[role]
    before = snapshot(ticket.id)
    with pytest.raises(workflow.WorkflowError) as refused:
        workflow.post_message(actor, ticket.id, "Tidak boleh.")
    assert refused.value.kind == "role"
    assert snapshot(ticket.id) == before


def test_a_message_is_refused_once_closed_and_empty_text_is_refused(db, make_ticket, users):
    closed = make_ticket("closed")
    before = snapshot(closed.id)
    with pytest.raises(workflow.WorkflowError) as refused:
        workflow.post_message(users["admin"], closed.id, "Terlambat.")
    assert refused.value.kind == "state" and "Ditutup" in str(refused.value)
    assert snapshot(closed.id) == before
    open_ticket = make_ticket("open")
    before = snapshot(open_ticket.id)
    with pytest.raises(workflow.WorkflowError) as empty:
        workflow.post_message(users["helpdesk"], open_ticket.id, "   ")
    assert empty.value.kind == "invalid" and "Tuliskan" in str(empty.value)
    with pytest.raises(workflow.WorkflowError) as missing:
        workflow.post_message(users["helpdesk"], 10**6, "x")
    assert missing.value.kind == "not_found"
    assert snapshot(open_ticket.id) == before


# --- internal notes ------------------------------------------------------------------------------


def test_a_note_is_staff_only_in_every_state_and_sends_nothing(db, make_ticket, users, outbox):
    ticket = make_ticket("closed")
    outbox.clear()
    event = workflow.post_note(users["agent"], ticket.id, "Pemohon menelepon, sudah beres.")
    assert (event.action, event.public) == ("internal_note", False)
    assert outbox == []
    assert not Notification.select().where(Notification.event == event.id).exists()
    with pytest.raises(workflow.WorkflowError) as refused:
        workflow.post_note(users["kepala_bidang"], ticket.id, "x")
    assert refused.value.kind == "role"


def test_an_internal_note_never_reaches_the_requester(
    app, client, db, make_ticket, users, outbox, login_as
):
    """A note with a unique marker, then every kind of email, the BA PDF, the tracking page,
    every stored document's bytes and the CSV export: none contains it."""
    marker = f"RAHASIA-{uuid.uuid4().hex}"
    ticket = make_ticket("assigned")
    outbox.clear()
    workflow.post_note(users["helpdesk"], ticket.id, f"Catatan {marker}")
    workflow.post_note(users["agent"], ticket.id, marker)
    workflow.post_message(users["agent"], ticket.id, "Sedang dikerjakan.")
    workflow.pause(users["agent"], ticket.id, "Alamat IP server?")
    workflow.answer_question(ticket.tracking_token, "10.0.0.1")
    from tasks.berita_acara import request_berita_acara

    request_berita_acara(users["agent"], ticket.id, "Subdomain dibuat.")
    workflow.attach_document(users["agent"], ticket.id, "sla", Upload("sla.pdf", PDF_BYTES))
    workflow.mark_selesai(users["agent"], ticket.id, "Selesai dikerjakan.")
    workflow.submit_signed(
        ticket.tracking_token, Upload("s.pdf", PDF_BYTES), Upload("b.png", PNG_BYTES)
    )
    workflow.post_note(users["agent"], ticket.id, f"Setelah balasan {marker}")
    workflow.close(users["agent"], ticket.id, "Beres.", confirm_wet_ink=True)
    assert len(outbox) >= 6
    for mail in outbox:
        assert marker not in mail.message().as_string(), mail.subject
        for _name, content, _type in mail.attachments:
            assert marker.encode() not in content
    for doc in Document.select().where(Document.ticket == ticket.id):
        assert marker.encode() not in store.get(doc.sha256), doc.kind
    assert Document.current(ticket.id, "ba").content_type == "application/pdf"
    tracking = client.get(f"/lacak/{ticket.tracking_token}").get_data(as_text=True)
    assert "Sedang dikerjakan." in tracking and marker not in tracking
    login_as("admin")
    # closed: the list opens on open tickets, a search shows every state
    export = client.get(f"/admin/tiket/export/csv/?search={ticket.number}").get_data(as_text=True)
    assert ticket.number in export and marker not in export
    staff_page = client.get(f"/admin/tiket/details/?id={ticket.id}").get_data(as_text=True)
    assert marker in staff_page  # the staff do see it
    assert TicketEvent.select().where(TicketEvent.note.contains(marker)).count() == 3


# --- the requester's replies -------------------------------------------------------------------


def test_a_reply_before_disposition_goes_to_the_bidangs_helpdesk(db, make_ticket, users, outbox):
    ticket = make_ticket("open")
    outbox.clear()
    workflow.reply(ticket.tracking_token, "Nama subdomain: layanan.jabarprov.go.id")
    (event,) = _events(ticket, "requester_reply")
    assert (event.public, event.actor_id, event.actor_label) == (True, None, "Pemohon")
    fresh = Ticket.get_by_id(ticket.id)
    assert fresh.reply_unread and fresh.last_reply_at == event.at and fresh.status == "open"
    (mail,) = outbox
    assert mail.to == [users["helpdesk"].email]  # the helpdesk of the service's bidang only
    assert "Balasan baru dari pemohon" in mail.subject
    assert "layanan.jabarprov.go.id" in mail.body and f"?id={ticket.id}" in mail.body


@pytest.mark.parametrize("state", ["assigned", "selesai", "signed"])
def test_a_reply_after_disposition_goes_to_the_agent(db, make_ticket, users, outbox, state):
    ticket = make_ticket(state)
    outbox.clear()
    workflow.reply(ticket.tracking_token, "Pertanyaan tambahan.")
    (mail,) = outbox
    assert mail.to == [users["agent"].email]


def test_a_reply_with_files_keeps_them_for_both_sides(db, make_ticket):
    ticket = make_ticket("verified")
    workflow.reply(ticket.tracking_token, "Lampiran.", [Upload("ip.png", PNG_BYTES)])
    (doc,) = Document.select().where(
        Document.ticket == ticket.id, Document.kind == "lampiran_pesan"
    )
    assert doc.uploaded_by_id is None and doc.content_type == "image/png"
    (event,) = _events(ticket, "requester_reply")
    assert "ip.png" in event.note
    before = snapshot(ticket.id)
    with pytest.raises(workflow.WorkflowError) as refused:
        workflow.reply(ticket.tracking_token, "Bukan PDF.", [Upload("x.exe", b"MZ\x90\x00")])
    assert refused.value.kind == "invalid"
    assert snapshot(ticket.id) == before


def test_a_reply_is_refused_once_closed_or_for_an_unknown_token(db, make_ticket):
    ticket = make_ticket("closed")
    before = snapshot(ticket.id)
    with pytest.raises(workflow.WorkflowError) as refused:
        workflow.reply(ticket.tracking_token, "Masih ada?")
    assert refused.value.kind == "state"
    assert snapshot(ticket.id) == before
    with pytest.raises(workflow.WorkflowError) as unknown:
        workflow.reply("x" * 43, "Halo")
    assert unknown.value.kind == "not_found"


@pytest.mark.csrf_off
def test_the_tracking_page_shows_messages_and_takes_a_reply(client, db, make_ticket, users):
    ticket = make_ticket("verified")
    workflow.post_message(users["helpdesk"], ticket.id, "Mohon konfirmasi <b>nama</b>.")
    html = client.get(f"/lacak/{ticket.tracking_token}").get_data(as_text=True)
    assert "Pesan dari Service Desk" in html
    assert "Mohon konfirmasi &lt;b&gt;nama&lt;/b&gt;." in html  # escaped
    assert f"/lacak/{ticket.tracking_token}/pesan" in html
    empty = client.post(f"/lacak/{ticket.tracking_token}/pesan", data={"body": " "})
    assert empty.status_code == 400 and "Tuliskan balasan Anda." in empty.get_data(as_text=True)
    bad = client.post(
        f"/lacak/{ticket.tracking_token}/pesan",
        data={"body": "Ini teksnya", "lampiran": (io.BytesIO(b"<html>"), "a.html")},
        content_type="multipart/form-data",
    )
    assert bad.status_code == 400 and "Ini teksnya" in bad.get_data(as_text=True)  # text kept
    assert not _events(ticket, "requester_reply")
    sent = client.post(
        f"/lacak/{ticket.tracking_token}/pesan",
        data={"body": "Namanya layanan.", "lampiran": (io.BytesIO(PDF_BYTES), "surat.pdf")},
        content_type="multipart/form-data",
    )
    assert sent.status_code == 303
    page = client.get(f"/lacak/{ticket.tracking_token}").get_data(as_text=True)
    assert "Balasan Anda terkirim" in page and "Namanya layanan." in page and "surat.pdf" in page
    closed = make_ticket("closed")
    page = client.get(f"/lacak/{closed.tracking_token}").get_data(as_text=True)
    assert f"/lacak/{closed.tracking_token}/pesan" not in page
    refused = client.post(f"/lacak/{closed.tracking_token}/pesan", data={"body": "Halo"})
    assert refused.status_code == 409


def test_the_reply_form_needs_its_csrf_token(client, db, make_ticket):
    ticket = make_ticket("open")
    response = client.post(f"/lacak/{ticket.tracking_token}/pesan", data={"body": "Halo"})
    assert response.status_code == 400
    assert not _events(ticket, "requester_reply")


# --- the unread marker and the queue -----------------------------------------------------------


@pytest.mark.csrf_off  # login_as switches users
def test_unread_marker_queue_and_who_clears_it(client, db, make_ticket, users, login_as):
    ticket = make_ticket("verified")
    quiet = make_ticket("verified")
    workflow.reply(ticket.tracking_token, "Ada kabar?")
    login_as("kepala_bidang")  # sees the ticket, does not answer for the step: stays unread
    client.get(f"/admin/tiket/details/?id={ticket.id}")
    assert Ticket.get_by_id(ticket.id).reply_unread
    login_as("helpdesk")
    queue = client.get("/admin/balasan-pemohon-baru/").get_data(as_text=True)
    assert ticket.number in queue and quiet.number not in queue
    listing = client.get("/admin/tiket/").get_data(as_text=True)
    assert listing.count("reply-unread") == 1
    home = client.get("/admin/").get_data(as_text=True)
    assert "Balasan pemohon baru" in home
    page = client.get(f"/admin/tiket/details/?id={ticket.id}").get_data(as_text=True)
    assert "Percakapan" in page and "Ada kabar?" in page
    assert not Ticket.get_by_id(ticket.id).reply_unread
    assert ticket.number not in client.get("/admin/balasan-pemohon-baru/").get_data(as_text=True)


@pytest.mark.csrf_off
def test_after_disposition_only_the_agent_clears_it(client, db, make_ticket, users, login_as):
    ticket = make_ticket("assigned")
    workflow.reply(ticket.tracking_token, "Sudah?")
    login_as("helpdesk")
    client.get(f"/admin/tiket/details/?id={ticket.id}")
    assert Ticket.get_by_id(ticket.id).reply_unread
    # not the helpdesk's to answer any more: not in their queue (the list still marks it)
    assert ticket.number not in client.get("/admin/balasan-pemohon-baru/").get_data(as_text=True)
    assert "reply-unread" in client.get("/admin/tiket/").get_data(as_text=True)
    login_as("agent")
    assert ticket.number in client.get("/admin/balasan-pemohon-baru/").get_data(as_text=True)
    client.get(f"/admin/tiket/details/?id={ticket.id}")
    assert not Ticket.get_by_id(ticket.id).reply_unread


# --- the staff page's buttons ------------------------------------------------------------------


@pytest.mark.csrf_off
def test_staff_post_messages_and_notes_from_the_ticket_page(
    client, db, make_ticket, users, login_as, outbox
):
    ticket = make_ticket("open")
    login_as("helpdesk")
    page = client.get(f"/admin/tiket/details/?id={ticket.id}").get_data(as_text=True)
    assert "btn-post-message" in page and "btn-post-note" in page and "btn-pause" not in page
    outbox.clear()
    sent = client.post(f"/admin/tiket/{ticket.id}/aksi/post_message", data={"body": "Halo."})
    assert sent.status_code == 303 and [m.to for m in outbox] == [[ticket.requester_email]]
    noted = client.post(f"/admin/tiket/{ticket.id}/aksi/post_note", data={"body": "Cek dulu."})
    assert noted.status_code == 303 and len(outbox) == 1
    page = client.get(f"/admin/tiket/details/?id={ticket.id}").get_data(as_text=True)
    assert "Pesan dikirim kepada pemohon." in page or "Halo." in page
    assert "Catatan internal (tidak terlihat pemohon)" in page
    empty = client.post(f"/admin/tiket/{ticket.id}/aksi/post_message", data={"body": ""})
    assert empty.status_code == 400 and "Tuliskan pesan untuk pemohon." in empty.get_data(
        as_text=True
    )
    login_as("kepala_seksi")
    refused = client.post(f"/admin/tiket/{ticket.id}/aksi/post_note", data={"body": "x"})
    assert refused.status_code == 403
    assert len(_events(ticket, "internal_note")) == 1


# --- concurrency ---------------------------------------------------------------------------------


def test_two_staff_writing_at_once_both_land(any_app):
    """Appending never makes another writer's call stale: both messages are kept."""
    app = any_app
    with app.app_context(), connection():
        from models.staff import User

        helpdesk = User.get(User.email == "helpdesk@example.go.id")
        admin = User.get(User.email == "admin@example.go.id")
        ticket = workflow.submit(None, new_request(), required_uploads(), now=T0)
    results = race(
        app,
        [
            lambda: workflow.post_message(helpdesk, ticket.id, "Pesan satu."),
            lambda: workflow.post_note(admin, ticket.id, "Catatan dua."),
            lambda: workflow.reply(ticket.tracking_token, "Balasan tiga."),
        ],
    )
    assert results == ["ok", "ok", "ok"]
    with app.app_context(), connection():
        notes = {e.note for e in TicketEvent.select().where(TicketEvent.ticket == ticket.id)}
        assert {"Pesan satu.", "Catatan dua.", "Balasan tiga."} <= notes


def test_a_message_racing_a_close_lands_before_it_or_is_refused(any_app):
    app = any_app
    with app.app_context(), connection():
        from models.staff import User

        agent = User.get(User.email == "agen@example.go.id")
        helpdesk = User.get(User.email == "helpdesk@example.go.id")
        ticket = workflow.submit(None, new_request(), required_uploads(), now=T0)
        workflow.verify_complete(helpdesk, ticket.id)
        workflow.dispose(helpdesk, ticket.id, agent.id)
        workflow.attach_document(agent, ticket.id, "sla", Upload("s.pdf", PDF_BYTES))
        workflow.attach_document(agent, ticket.id, "ba", Upload("b.pdf", PDF_BYTES + b"b"))
        workflow.mark_selesai(agent, ticket.id)
        workflow.submit_signed(
            ticket.tracking_token, Upload("s.pdf", PDF_BYTES), Upload("b.png", PNG_BYTES)
        )
    results = race(
        app,
        [
            lambda: workflow.close(agent, ticket.id, confirm_wet_ink=True),
            lambda: workflow.post_message(helpdesk, ticket.id, "Terakhir."),
        ],
    )
    assert results[0] == "ok"
    with app.app_context(), connection():
        events = list(TicketEvent.for_ticket(ticket.id))
        actions = [e.action for e in events if e.action in ("closed", "message")]
        if results[1] == "ok":
            assert actions == ["message", "closed"]  # never a message after the close
        else:
            assert actions == ["closed"] and "Ditutup" in results[1]


def test_csv_export_has_no_conversation_column(client, db, make_ticket, users, login_as):
    ticket = make_ticket("open")
    workflow.post_message(users["helpdesk"], ticket.id, "Pesan publik unik-123.")
    login_as("helpdesk")
    rows = export_rows(client.get("/admin/tiket/export/csv/").get_data())
    assert any(ticket.number in row for row in rows)
    assert not any("unik-123" in cell for row in rows for cell in row)


@pytest.mark.csrf_off
def test_a_message_with_a_file_the_requester_downloads(client, db, make_ticket, users, login_as):
    ticket = make_ticket("assigned")
    login_as("agent")
    refused = client.post(
        f"/admin/tiket/{ticket.id}/aksi/post_message",
        data={"body": "Isi formulir ini.", "files": (io.BytesIO(b"MZ\x90"), "x.exe")},
        content_type="multipart/form-data",
    )
    assert refused.status_code == 400 and not _events(ticket, "message")
    sent = client.post(
        f"/admin/tiket/{ticket.id}/aksi/post_message",
        data={"body": "Isi formulir ini.", "files": (io.BytesIO(PDF_BYTES), "formulir.pdf")},
        content_type="multipart/form-data",
    )
    assert sent.status_code == 303
    (doc,) = Document.select().where(
        Document.ticket == ticket.id, Document.kind == "lampiran_pesan"
    )
    assert doc.uploaded_by_id == users["agent"].id
    (event,) = _events(ticket, "message")
    assert "formulir.pdf" in event.note
    page = client.get(f"/lacak/{ticket.tracking_token}").get_data(as_text=True)
    assert "formulir.pdf" in page and "dari petugas" in page
    download = client.get(f"/lacak/{ticket.tracking_token}/berkas/{doc.id}")
    assert download.status_code == 200 and download.data == PDF_BYTES
