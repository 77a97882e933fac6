"""The SOP transitions: happy paths with their history and outbox, every refusal, races."""

from __future__ import annotations

import datetime as dt

import pytest

from models import workflow
from models.catalog import Layanan, RequiredDocument
from models.recipients import resolve
from models.seed import create_staff_user
from models.ticket import Document, Notification, Ticket, TicketEvent, TicketStep
from models.uploads import Upload
from models.workflow import WorkflowError
from tests.helpers import PDF_BYTES, PNG_BYTES, T0, new_request, required_uploads, snapshot


def outbox_of(ticket, event_action):
    event = (
        TicketEvent.select()
        .where(TicketEvent.ticket == ticket.id, TicketEvent.action == event_action)
        .get()
    )
    rows = Notification.select().where(Notification.event == event.id).order_by(Notification.id)
    return {row.audience: resolve(row) for row in rows}


STAFF_OPENED = [
    "admin@example.go.id",
    "helpdesk@example.go.id",
    "kabid@example.go.id",
    "kasi@example.go.id",
]
REQUESTER = ["siti.rahmawati@example.go.id"]


# --- happy paths ---------------------------------------------------------------------------------


def test_submit_opens_ticket_with_documents_history_and_open_tiket_emails(db):
    ticket = workflow.submit(None, new_request(), required_uploads(), now=T0)
    assert ticket.number == "SD-2026-000001"
    assert ticket.status == "open" and ticket.channel == "web" and ticket.step == 3
    assert len(ticket.tracking_token) >= 43  # 32 random bytes, urlsafe
    docs = list(Document.select().where(Document.ticket == ticket.id))
    assert {d.kind for d in docs} == {"persyaratan"} and len(docs) == 3
    assert all(d.content_type == "application/pdf" and len(d.sha256) == 64 for d in docs)
    events = list(TicketEvent.for_ticket(ticket.id).where(TicketEvent.action != "notified"))
    assert [(e.action, e.from_status, e.to_status, e.actor_label) for e in events] == [
        ("submitted", None, "open", "Pemohon")
    ]
    assert outbox_of(ticket, "submitted") == {
        "requester": REQUESTER,
        "helpdesk,admin,kepala_bidang,kepala_seksi": STAFF_OPENED,
    }
    second = workflow.submit(None, new_request(), required_uploads(), now=T0)
    assert second.number == "SD-2026-000002"


def test_submit_on_behalf_by_helpdesk(db, users):
    received = T0 - dt.timedelta(hours=2)
    ticket = workflow.submit(
        users["helpdesk"],
        new_request(),
        [],
        intake_channel="letter",
        received_at=received,
        now=T0,
    )
    assert ticket.channel == "helpdesk" and ticket.intake_channel == "letter"
    assert ticket.received_at == received and ticket.created_by_id == users["helpdesk"].id
    (event,) = TicketEvent.for_ticket(ticket.id).where(TicketEvent.action != "notified")
    assert event.actor_id == users["helpdesk"].id and "Surat" in event.note


def test_same_submission_key_makes_one_ticket(db):
    first = workflow.submit(None, new_request(), required_uploads(), submission_key="k1", now=T0)
    again = workflow.submit(None, new_request(), required_uploads(), submission_key="k1", now=T0)
    assert first.id == again.id and Ticket.select().count() == 1


def test_verify_complete_then_dispose(make_ticket, users):
    ticket = make_ticket("open")
    workflow.verify_complete(users["helpdesk"], ticket.id, "Lengkap", now=T0)
    ticket = Ticket.get_by_id(ticket.id)
    assert ticket.status == "verified" and ticket.step == 4
    assert Notification.select().where(Notification.ticket == ticket.id).count() == 2  # opened
    workflow.dispose(users["helpdesk"], ticket.id, users["agent"].id, "Mohon segera", now=T0)
    ticket = Ticket.get_by_id(ticket.id)
    assert ticket.status == "assigned" and ticket.assigned_agent_id == users["agent"].id
    assert outbox_of(ticket, "disposed") == {"agent": ["agen@example.go.id"]}
    event = TicketEvent.get(TicketEvent.ticket == ticket.id, TicketEvent.action == "disposed")
    assert (event.from_status, event.to_status) == ("verified", "assigned")
    assert "Galih" in event.note and "Mohon segera" in event.note


def test_verify_incomplete_and_requester_completes(make_ticket, users):
    ticket = make_ticket("open")
    first_doc = RequiredDocument.for_layanan(ticket.layanan_id).first()
    workflow.verify_incomplete(
        users["helpdesk"], ticket.id, [first_doc.id], "Belum ditandatangani", now=T0
    )
    ticket = Ticket.get_by_id(ticket.id)
    assert ticket.status == "incomplete" and ticket.missing_document_ids == [first_doc.id]
    assert ticket.due_at == dt.datetime(2026, 7, 2, 3, 0)  # one calendar month
    assert outbox_of(ticket, "incomplete") == {"requester": REQUESTER}
    event = TicketEvent.get(TicketEvent.ticket == ticket.id, TicketEvent.action == "incomplete")
    assert first_doc.name in event.note and "Belum ditandatangani" in event.note

    with pytest.raises(WorkflowError, match="masih belum"):
        workflow.complete_documents(ticket.tracking_token, [Upload("x.pdf", PDF_BYTES)])
    later = T0 + dt.timedelta(days=3)
    workflow.complete_documents(
        ticket.tracking_token, [Upload("surat.pdf", PDF_BYTES + b"v2", first_doc.id)], now=later
    )
    ticket = Ticket.get_by_id(ticket.id)
    assert ticket.status == "open" and ticket.missing_document_ids == []
    assert ticket.due_at == dt.datetime(2026, 6, 8, 3, 0)  # 1 working day after Fri 5 June
    assert outbox_of(ticket, "documents_completed") == {"helpdesk": ["helpdesk@example.go.id"]}


def test_agent_attaches_sla_ba_marks_selesai_requester_signs_agent_closes(make_ticket, users):
    ticket = make_ticket("assigned")
    agent = users["agent"]
    with pytest.raises(WorkflowError, match="SLA dan Berita Acara"):
        workflow.mark_selesai(agent, ticket.id)
    workflow.attach_document(agent, ticket.id, "sla", Upload("sla.pdf", PDF_BYTES))
    with pytest.raises(WorkflowError, match="Berita Acara"):
        workflow.mark_selesai(agent, ticket.id)
    workflow.attach_document(agent, ticket.id, "ba", Upload("ba.pdf", PDF_BYTES + b"1"))
    newer = workflow.attach_document(agent, ticket.id, "ba", Upload("ba2.pdf", PDF_BYTES + b"2"))
    assert newer.version == 2 and Document.current(ticket.id, "ba").id == newer.id
    workflow.mark_selesai(agent, ticket.id, "Subdomain aktif")
    ticket = Ticket.get_by_id(ticket.id)
    assert ticket.status == "selesai" and ticket.step == 6
    assert outbox_of(ticket, "selesai") == {"requester": REQUESTER}

    with pytest.raises(WorkflowError, match="SLA atau Berita Acara"):
        workflow.submit_signed(ticket.tracking_token, None, None)
    workflow.submit_signed(ticket.tracking_token, Upload("s.pdf", PDF_BYTES), None)
    assert Ticket.get_by_id(ticket.id).status == "selesai"  # the BA is still awaited
    assert (
        not TicketEvent.select()
        .where(TicketEvent.ticket == ticket.id, TicketEvent.action == "signed")
        .exists()
    )
    workflow.submit_signed(ticket.tracking_token, None, Upload("b.png", PNG_BYTES))
    ticket = Ticket.get_by_id(ticket.id)
    assert ticket.status == "signed"
    assert Document.current(ticket.id, "ba_signed").content_type == "image/png"
    assert outbox_of(ticket, "signed") == {"agent": ["agen@example.go.id"]}

    workflow.close(agent, ticket.id, "Terima kasih", confirm_wet_ink=True)
    ticket = Ticket.get_by_id(ticket.id)
    assert ticket.status == "closed" and ticket.close_reason == "fulfilled"
    assert ticket.due_at is None and ticket.step is None
    assert outbox_of(ticket, "closed") == {
        "requester": REQUESTER,
        "helpdesk,admin,kepala_bidang,kepala_seksi,agent": sorted(
            STAFF_OPENED + ["agen@example.go.id"]
        ),
    }
    steps = list(TicketStep.select().where(TicketStep.ticket == ticket.id).order_by(TicketStep.id))
    assert [s.step for s in steps] == [3, 4, 5, 6, 7]
    assert all(s.ended_at is not None for s in steps)


def test_helpdesk_may_close_a_signed_ticket(make_ticket, users):
    ticket = make_ticket("signed")
    workflow.close(users["helpdesk"], ticket.id, confirm_wet_ink=True)
    assert Ticket.get_by_id(ticket.id).close_reason == "fulfilled"


def test_reassign_keeps_due_time_and_notifies_new_agent(make_ticket, users, db):
    ticket = make_ticket("assigned")
    other, _ = create_staff_user(
        "agen2@example.go.id", "Dewi Lestari", "agent", seksi_code="rekayasa-aplikasi"
    )
    workflow.reassign(users["helpdesk"], ticket.id, other.id, "Cuti", now=T0)
    after = Ticket.get_by_id(ticket.id)
    assert after.assigned_agent_id == other.id and after.due_at == ticket.due_at
    assert outbox_of(after, "reassigned") == {"agent": ["agen2@example.go.id"]}
    with pytest.raises(WorkflowError, match="sudah ditangani"):
        workflow.reassign(users["helpdesk"], ticket.id, other.id)


def test_reject_needs_reason_and_closes(make_ticket, users):
    ticket = make_ticket("open")
    with pytest.raises(WorkflowError, match="alasan"):
        workflow.reject(users["helpdesk"], ticket.id, "  ")
    workflow.reject(users["admin"], ticket.id, "Duplikat SD-2026-000001")
    ticket = Ticket.get_by_id(ticket.id)
    assert ticket.status == "closed" and ticket.close_reason == "rejected"
    assert set(outbox_of(ticket, "rejected")) == {
        "requester",
        "helpdesk,admin,kepala_bidang,kepala_seksi",
    }


def test_dispose_refuses_agent_of_another_seksi(make_ticket, users, db):
    ticket = make_ticket("verified")
    stranger, _ = create_staff_user(
        "agen3@example.go.id", "Budi", "agent", seksi_code="pengelolaan-aplikasi"
    )
    before = snapshot(ticket.id)
    with pytest.raises(WorkflowError, match="seksi pemilik"):
        workflow.dispose(users["helpdesk"], ticket.id, stranger.id)
    with pytest.raises(WorkflowError, match="bukan agen"):
        workflow.dispose(users["helpdesk"], ticket.id, users["kepala_seksi"].id)
    assert snapshot(ticket.id) == before


# --- the expiry sweep --------------------------------------------------------------------------


def test_sweep_closes_exactly_the_expired_incomplete_tickets(make_ticket, users):
    old = make_ticket("incomplete", now=T0)
    fresh = make_ticket("incomplete", now=T0 + dt.timedelta(days=20))
    open_old = make_ticket("open", now=T0)
    verified_old = make_ticket("verified", now=T0)
    now = dt.datetime(2026, 7, 2, 3, 0)  # exactly one month after T0
    assert workflow.expire_overdue(now=now) == 1
    assert Ticket.get_by_id(old.id).status == "closed"
    assert Ticket.get_by_id(old.id).close_reason == "expired"
    assert [Ticket.get_by_id(t.id).status for t in (fresh, open_old, verified_old)] == [
        "incomplete",
        "open",
        "verified",
    ]
    event = TicketEvent.get(TicketEvent.ticket == old.id, TicketEvent.action == "expired")
    assert event.actor_label == "Sistem" and event.from_status == "incomplete"
    assert set(outbox_of(old, "expired")) == {
        "requester",
        "helpdesk,admin,kepala_bidang,kepala_seksi",
    }
    before = snapshot(old.id)
    assert workflow.expire_overdue(now=now) == 0
    assert snapshot(old.id) == before
    # a missed month is caught up on the next run
    assert workflow.expire_overdue(now=now + dt.timedelta(days=40)) == 1


def test_sweep_works_in_batches(make_ticket):
    tickets = [make_ticket("incomplete", now=T0) for _ in range(5)]
    assert workflow.expire_overdue(now=T0 + dt.timedelta(days=40), batch_size=2) == 5
    assert {Ticket.get_by_id(t.id).status for t in tickets} == {"closed"}


def test_services_seeded_across_duration_classes(db):
    assert {s.duration for s in Layanan.select()} == {"pendek", "sedang", "panjang"}


def test_a_person_with_several_roles_gets_one_email_per_event(make_ticket, users):
    from models.staff import Role, UserRoles

    helpdesk = users["helpdesk"]
    UserRoles.create(user=helpdesk, role=Role.get(Role.name == "admin"))
    UserRoles.create(user=helpdesk, role=Role.get(Role.name == "kepala_bidang"))
    ticket = make_ticket("open")
    staff = outbox_of(ticket, "submitted")["helpdesk,admin,kepala_bidang,kepala_seksi"]
    assert staff.count("helpdesk@example.go.id") == 1
    users["kepala_seksi"].active = False
    users["kepala_seksi"].save()
    staff = outbox_of(ticket, "submitted")["helpdesk,admin,kepala_bidang,kepala_seksi"]
    assert "kasi@example.go.id" not in staff  # inactive staff are not emailed


def test_file_bytes_are_written_outside_the_write_transaction(make_ticket, users, monkeypatch):
    from models.db import database
    from models.storage import store

    depths = []
    real_stage = store.stage

    def recording_stage(data):
        depths.append(database.transaction_depth())
        return real_stage(data)

    monkeypatch.setattr(store, "stage", recording_stage)
    ticket = make_ticket("assigned")
    workflow.attach_document(users["agent"], ticket.id, "sla", Upload("s.pdf", PDF_BYTES + b"x"))
    incomplete = make_ticket("incomplete")
    doc_id = incomplete.missing_document_ids[0]
    workflow.complete_documents(
        incomplete.tracking_token, [Upload("s.pdf", PDF_BYTES + b"y", doc_id)]
    )
    assert len(depths) >= 8 and set(depths) == {0}
