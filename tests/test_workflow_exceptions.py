"""The exceptions around the SOP, called directly: reject before closing, withdraw, documents by
another channel, one more month, a returned signed copy, a disputed result, signed copies one at
a time. Each: allowed and refused by state and role, nothing changed on refusal, one winner when
two act at once, its history entry, its emails and their recipients."""

from __future__ import annotations

import datetime as dt

import pytest

from models import workflow
from models.calendar import calendar
from models.catalog import RequiredDocument
from models.recipients import resolve
from models.ticket import (
    Document,
    Notification,
    Ticket,
    TicketEvent,
    TicketStep,
)
from models.uploads import Upload
from models.workflow import WorkflowError
from tests.helpers import PDF_BYTES, PNG_BYTES, T0, race, snapshot

REQUESTER = ["siti.rahmawati@example.go.id"]
AGENT = ["agen@example.go.id"]
HELPDESK = ["helpdesk@example.go.id"]
CLOSED_TO = {
    "requester": REQUESTER,
    "helpdesk,admin,kepala_bidang,kepala_seksi,agent": [
        "admin@example.go.id",
        "agen@example.go.id",
        "helpdesk@example.go.id",
        "kabid@example.go.id",
        "kasi@example.go.id",
    ],
}
LATER = T0 + dt.timedelta(days=2)


def last_event(ticket) -> TicketEvent:
    """The latest history entry but the "email sent" ones."""
    return (
        TicketEvent.select()
        .where(TicketEvent.ticket == ticket.id, TicketEvent.action != "notified")
        .order_by(-TicketEvent.id)[0]
    )


def mails_of(event) -> dict:
    rows = Notification.select().where(Notification.event == event.id).order_by(Notification.id)
    return {row.audience: resolve(row) for row in rows}


def fresh(ticket) -> Ticket:
    return Ticket.get_by_id(ticket.id)


def open_step(ticket) -> TicketStep:
    return TicketStep.get(TicketStep.ticket == ticket.id, TicketStep.ended_at.is_null(True))


def incomplete_with_two_missing(make_ticket, users):
    ticket = make_ticket("open")
    docs = [d.id for d in RequiredDocument.for_layanan(ticket.layanan_id)][:2]
    workflow.verify_incomplete(users["helpdesk"], ticket.id, docs, "Kurang dua", now=T0)
    return fresh(ticket), docs


# --- reject, at any state before closing ---------------------------------------------------------


@pytest.mark.parametrize("state", ["incomplete", "verified", "assigned", "selesai", "signed"])
def test_reject_at_any_state_before_closing(state, make_ticket, users):
    ticket = make_ticket(state)
    workflow.reject(users["helpdesk"], ticket.id, "Duplikat SD-2026-000001", now=LATER)
    ticket = fresh(ticket)
    assert (ticket.status, ticket.close_reason, ticket.step) == ("closed", "rejected", None)
    event = last_event(ticket)
    assert (event.action, event.from_status, event.to_status) == ("rejected", state, "closed")
    assert event.note == "Duplikat SD-2026-000001"
    staff = CLOSED_TO["helpdesk,admin,kepala_bidang,kepala_seksi,agent"]
    if state in ("incomplete", "verified"):  # no agent yet
        expected = {
            "requester": REQUESTER,
            "helpdesk,admin,kepala_bidang,kepala_seksi": [a for a in staff if a not in AGENT],
        }
    else:
        expected = CLOSED_TO
    assert mails_of(event) == expected


def test_reject_refused_once_closed_for_an_agent_and_without_reason(make_ticket, users):
    closed, assigned = make_ticket("closed"), make_ticket("assigned")
    for who, ticket, reason, kind in (
        ("helpdesk", closed, "Duplikat", "state"),
        ("agent", assigned, "Duplikat", "role"),
        ("kepala_bidang", assigned, "Duplikat", "role"),
        ("helpdesk", assigned, "   ", "invalid"),
    ):
        before = snapshot(ticket.id)
        with pytest.raises(WorkflowError) as refused:
            workflow.reject(users[who], ticket.id, reason)
        assert refused.value.kind == kind and str(refused.value)
        assert snapshot(ticket.id) == before


# --- withdraw by the requester --------------------------------------------------------------------


@pytest.mark.parametrize("state", ["open", "incomplete", "verified", "assigned"])
def test_requester_withdraws_before_selesai(state, make_ticket):
    ticket = make_ticket(state)
    workflow.withdraw(ticket.tracking_token, "  Sudah ditangani sendiri  ", now=LATER)
    ticket = fresh(ticket)
    assert (ticket.status, ticket.close_reason) == ("closed", "withdrawn")
    assert str(ticket.close_reason_label) == "Dibatalkan oleh pemohon"
    assert (
        TicketStep.select()
        .where(TicketStep.ticket == ticket.id, TicketStep.ended_at.is_null(True))
        .count()
        == 0
    )
    event = last_event(ticket)
    assert (event.action, event.actor_label, event.actor, event.public) == (
        "withdrawn",
        "Pemohon",
        None,
        True,
    )
    assert event.note == "Sudah ditangani sendiri"
    mails = mails_of(event)
    assert mails["requester"] == REQUESTER
    staff = next(v for k, v in mails.items() if k != "requester")
    assert ("agen@example.go.id" in staff) == (state == "assigned")
    assert "helpdesk@example.go.id" in staff and "kasi@example.go.id" in staff


@pytest.mark.parametrize("state", ["selesai", "signed", "closed"])
def test_withdraw_refused_from_selesai_on(state, make_ticket):
    ticket = make_ticket(state)
    before = snapshot(ticket.id)
    with pytest.raises(WorkflowError) as refused:
        workflow.withdraw(ticket.tracking_token, "Tidak jadi")
    assert refused.value.kind == "state"
    assert snapshot(ticket.id) == before


def test_withdraw_needs_a_reason_and_a_known_token(make_ticket):
    ticket = make_ticket("open")
    before = snapshot(ticket.id)
    with pytest.raises(WorkflowError, match="alasan pembatalan"):
        workflow.withdraw(ticket.tracking_token, " \n ")
    with pytest.raises(WorkflowError, match="terlalu panjang"):
        workflow.withdraw(ticket.tracking_token, "x" * (workflow.REASON_MAX + 1))
    with pytest.raises(WorkflowError) as unknown:
        workflow.withdraw("y" * 43, "Tidak jadi")
    assert unknown.value.kind == "not_found"
    assert snapshot(ticket.id) == before


# --- documents received by another channel ------------------------------------------------------


def test_documents_by_another_channel_one_then_the_rest(make_ticket, users, outbox):
    ticket, (first, second) = incomplete_with_two_missing(make_ticket, users)
    window = open_step(ticket)
    helpdesk = users["helpdesk"]

    workflow.receive_documents(
        helpdesk, ticket.id, [Upload("surat.pdf", PDF_BYTES, first)], "letter", "Surat no. 12"
    )
    ticket = fresh(ticket)
    assert ticket.status == "incomplete" and ticket.missing_document_ids == [second]
    assert open_step(ticket).id == window.id and ticket.due_at == window.due_at  # window kept
    event = last_event(ticket)
    assert event.action == "documents_received_partial" and event.public
    assert "Surat" in event.note and "Masih kurang" in event.note and "Surat no. 12" in event.note
    assert mails_of(event) == {"requester": REQUESTER}
    doc = Document.get(Document.ticket == ticket.id, Document.filename == "surat.pdf")
    assert (doc.required_document_id, doc.uploaded_by_id) == (first, helpdesk.id)
    (mail,) = [m for m in outbox if "diterima helpdesk" in m.subject]
    missing_name = RequiredDocument.get_by_id(second).name
    assert mail.to == REQUESTER and missing_name in mail.body

    workflow.receive_documents(
        helpdesk, ticket.id, [Upload("scan.png", PNG_BYTES, second)], "walk_in", now=LATER
    )
    ticket = fresh(ticket)
    assert ticket.status == "open" and ticket.missing_document_ids == []
    assert ticket.step == 3 and ticket.due_at == calendar.add_working_days(LATER, 1)
    event = last_event(ticket)
    assert (event.action, event.from_status, event.to_status) == (
        "documents_received",
        "incomplete",
        "open",
    )
    assert "Datang langsung" in event.note
    assert TicketStep.get_by_id(window.id).ended_at == LATER


def test_documents_by_another_channel_refusals_change_nothing(make_ticket, users):
    ticket, (first, _second) = incomplete_with_two_missing(make_ticket, users)
    good = [Upload("surat.pdf", PDF_BYTES, first)]
    cases = [
        (users["helpdesk"], good, "fax", "saluran"),
        (users["helpdesk"], [], "letter", "Lampirkan"),
        (users["helpdesk"], [Upload("x.exe", b"MZ\x90\x00", first)], "letter", None),
        (users["agent"], good, "letter", "tidak berwenang"),
        (users["kepala_seksi"], good, "letter", "tidak berwenang"),
    ]
    for actor, files, channel, message in cases:
        before = snapshot(ticket.id)
        with pytest.raises(WorkflowError, match=message):
            workflow.receive_documents(actor, ticket.id, files, channel)
        assert snapshot(ticket.id) == before
    opened = make_ticket("open")
    before = snapshot(opened.id)
    with pytest.raises(WorkflowError) as refused:
        workflow.receive_documents(users["helpdesk"], opened.id, good, "letter")
    assert refused.value.kind == "state" and snapshot(opened.id) == before


# --- one more month -------------------------------------------------------------------------------


def test_extend_the_window_once(make_ticket, users, outbox):
    ticket = make_ticket("incomplete")
    due = ticket.due_at
    workflow.extend_window(users["helpdesk"], ticket.id, "Pemohon sedang dinas luar", now=LATER)
    ticket = fresh(ticket)
    moved = calendar.add_months(due, 1)
    assert ticket.status == "incomplete" and ticket.due_at == moved
    assert open_step(ticket).due_at == moved
    assert calendar.to_local(moved).day == calendar.to_local(due).day
    assert calendar.to_local(moved).month == calendar.to_local(due).month % 12 + 1
    event = last_event(ticket)
    assert event.action == "window_extended" and "dinas luar" in event.note
    assert mails_of(event) == {"requester": REQUESTER}
    (mail,) = [m for m in outbox if "diperpanjang" in m.subject]
    assert mail.to == REQUESTER

    before = snapshot(ticket.id)
    with pytest.raises(WorkflowError, match="satu kali") as second:
        workflow.extend_window(users["admin"], ticket.id, "Sekali lagi")
    assert second.value.kind == "state" and snapshot(ticket.id) == before
    # the sweep follows the new deadline: not expired at the old one
    assert workflow.expire(ticket.id, now=due + dt.timedelta(hours=1)) is None
    assert workflow.expire(ticket.id, now=moved) is not None


def test_a_new_window_may_be_extended_again(make_ticket, users):
    ticket = make_ticket("incomplete")
    workflow.extend_window(users["helpdesk"], ticket.id, "Cuti", now=T0)
    missing = fresh(ticket).missing_document_ids
    workflow.complete_documents(
        ticket.tracking_token, [Upload("x.pdf", PDF_BYTES + b"x", i) for i in missing], now=LATER
    )
    workflow.verify_incomplete(users["helpdesk"], ticket.id, missing, "Masih salah", now=LATER)
    workflow.extend_window(users["helpdesk"], ticket.id, "Cuti lagi", now=LATER)
    assert fresh(ticket).due_at == calendar.add_months(calendar.add_months(LATER, 1), 1)


def test_extend_refusals_change_nothing(make_ticket, users):
    ticket, opened = make_ticket("incomplete"), make_ticket("open")
    for actor, target, reason, kind in (
        (users["helpdesk"], ticket, " ", "invalid"),
        (users["agent"], ticket, "Cuti", "role"),
        (users["helpdesk"], opened, "Cuti", "state"),
    ):
        before = snapshot(target.id)
        with pytest.raises(WorkflowError) as refused:
            workflow.extend_window(actor, target.id, reason)
        assert refused.value.kind == kind and snapshot(target.id) == before


# --- signed copies one at a time; a returned copy -------------------------------------------------


def test_signed_copies_arrive_separately(make_ticket, outbox):
    ticket = make_ticket("selesai")
    outbox.clear()
    workflow.submit_signed(ticket.tracking_token, None, Upload("ba.pdf", PDF_BYTES), now=LATER)
    ticket = fresh(ticket)
    assert ticket.status == "selesai" and Document.signed_in(ticket.id) == {"ba_signed"}
    event = last_event(ticket)
    assert event.action == "signed_partial" and event.public
    assert "Masih ditunggu: SLA ditandatangani" in event.note
    assert mails_of(event) == {} and outbox == []  # nobody to act yet
    workflow.submit_signed(ticket.tracking_token, Upload("sla.png", PNG_BYTES), None, now=LATER)
    ticket = fresh(ticket)
    assert ticket.status == "signed" and ticket.step == 7
    assert mails_of(last_event(ticket)) == {"agent": AGENT}


def test_return_a_wrong_signed_copy(make_ticket, users, outbox):
    ticket = make_ticket("signed")
    six = TicketStep.select().where(TicketStep.ticket == ticket.id, TicketStep.step == 6).count()
    outbox.clear()
    workflow.return_signed(
        users["agent"], ticket.id, ["ba_signed"], "Belum ditandatangani Kepala Dinas", now=LATER
    )
    ticket = fresh(ticket)
    assert ticket.status == "selesai" and ticket.step == 6
    assert ticket.due_at == calendar.add_working_days(LATER, 1)
    steps = TicketStep.select().where(TicketStep.ticket == ticket.id, TicketStep.step == 6)
    assert steps.count() == six + 1
    returned = Document.current(ticket.id, "ba_signed")
    assert returned.returned_at == LATER  # kept, no longer counted
    assert Document.signed_in(ticket.id) == {"sla_signed"}
    event = last_event(ticket)
    assert (event.action, event.from_status, event.to_status) == (
        "signed_returned",
        "signed",
        "selesai",
    )
    assert "Berita Acara ditandatangani" in event.note and "Kepala Dinas" in event.note
    assert mails_of(event) == {"requester": REQUESTER}
    (mail,) = outbox
    assert mail.to == REQUESTER and "Kepala Dinas" in mail.body and "kirim ulang" in mail.subject

    # only the returned copy is asked for again
    workflow.submit_signed(ticket.tracking_token, None, Upload("ba2.pdf", PDF_BYTES + b"2"))
    assert fresh(ticket).status == "signed"


def test_return_refusals_change_nothing(make_ticket, users):
    signed, selesai = make_ticket("signed"), make_ticket("selesai")
    for actor, target, kinds, reason, kind in (
        (users["agent"], signed, [], "Salah", "invalid"),
        (users["agent"], signed, ["sla"], "Salah", "invalid"),
        (users["agent"], signed, ["sla_signed"], "", "invalid"),
        (users["kepala_seksi"], signed, ["sla_signed"], "Salah", "role"),
        (users["agent"], selesai, ["sla_signed"], "Salah", "state"),
    ):
        before = snapshot(target.id)
        with pytest.raises(WorkflowError) as refused:
            workflow.return_signed(actor, target.id, kinds, reason)
        assert refused.value.kind == kind and snapshot(target.id) == before


# --- the requester disputes the result ------------------------------------------------------------


def test_requester_disputes_and_the_ticket_goes_back_to_the_agent(make_ticket, users, outbox):
    ticket = make_ticket("selesai")
    workflow.submit_signed(ticket.tracking_token, Upload("sla.pdf", PDF_BYTES), None)
    outbox.clear()
    workflow.dispute(ticket.tracking_token, "Subdomain belum bisa diakses", now=LATER)
    ticket = fresh(ticket)
    assert ticket.status == "assigned" and ticket.assigned_agent_id == users["agent"].id
    assert ticket.step == 5
    assert ticket.due_at == calendar.due_for_duration(LATER, ticket.layanan.duration)
    assert open_step(ticket).step == 5 and open_step(ticket).started_at == LATER
    assert Document.signed_in(ticket.id) == set()  # the copy signed the disputed result
    event = last_event(ticket)
    assert (event.action, event.from_status, event.to_status, event.actor_label) == (
        "disputed",
        "selesai",
        "assigned",
        "Pemohon",
    )
    assert event.note == "Subdomain belum bisa diakses"
    assert mails_of(event) == {"agent,helpdesk": sorted(AGENT + HELPDESK)}
    (mail,) = outbox
    assert sorted(mail.to) == sorted(AGENT + HELPDESK) and "belum bisa diakses" in mail.body
    assert workflow.available_actions(users["agent"], ticket) >= {"mark_selesai"}


@pytest.mark.parametrize("state", ["assigned", "signed", "closed"])
def test_dispute_refused_outside_step_6(state, make_ticket):
    ticket = make_ticket(state)
    before = snapshot(ticket.id)
    with pytest.raises(WorkflowError) as refused:
        workflow.dispute(ticket.tracking_token, "Belum selesai")
    assert refused.value.kind == "state" and snapshot(ticket.id) == before


def test_dispute_needs_a_reason(make_ticket):
    ticket = make_ticket("selesai")
    before = snapshot(ticket.id)
    with pytest.raises(WorkflowError, match="belum selesai"):
        workflow.dispute(ticket.tracking_token, "")
    assert snapshot(ticket.id) == before


# --- two people at once: one winner ---------------------------------------------------------------


def _race_cases(users, ticket, case, missing):
    token, hd, admin, agent = (
        ticket.tracking_token,
        users["helpdesk"],
        users["admin"],
        users["agent"],
    )
    return {
        "assigned": [
            lambda: workflow.reject(hd, ticket.id, "Duplikat"),
            lambda: workflow.withdraw(token, "Tidak jadi"),
        ],
        "incomplete": [
            lambda: workflow.extend_window(hd, ticket.id, "Cuti"),
            lambda: workflow.extend_window(admin, ticket.id, "Dinas luar"),
        ],
        "incomplete-received": [
            lambda who=who: workflow.receive_documents(
                who, ticket.id, [Upload("s.pdf", PDF_BYTES, i) for i in missing], "email"
            )
            for who in (hd, admin)
        ],
        "signed": [
            lambda: workflow.return_signed(agent, ticket.id, ["sla_signed"], "Salah"),
            lambda: workflow.return_signed(hd, ticket.id, ["ba_signed"], "Salah"),
            lambda: workflow.close(agent, ticket.id, confirm_wet_ink=True),
        ],
        "selesai": [
            lambda: workflow.dispute(token, "Belum selesai"),
            lambda: workflow.submit_signed(
                token, Upload("s.pdf", PDF_BYTES), Upload("b.png", PNG_BYTES)
            ),
        ],
    }[case]


@pytest.mark.parametrize(
    "case", ["assigned", "incomplete", "incomplete-received", "signed", "selesai"]
)
def test_two_at_once_exactly_one_wins(case, app, make_ticket, users):
    ticket = make_ticket(case.split("-")[0])
    history = TicketEvent.select().where(
        TicketEvent.ticket == ticket.id, TicketEvent.action != "notified"
    )
    before_events = history.count()
    results = race(app, _race_cases(users, ticket, case, ticket.missing_document_ids))
    assert results.count("ok") == 1, results
    after = fresh(ticket)
    assert after.version == ticket.version + 1
    assert history.count() == before_events + 1


def test_an_extended_window_is_reminded_of_again(make_ticket, users):
    from tasks.reminders import send_reminders

    ticket = make_ticket("incomplete", now=T0)
    due = ticket.due_at
    assert send_reminders(now=due - dt.timedelta(days=6))["reminder_deadline"] == 1
    assert send_reminders(now=due - dt.timedelta(days=5))["reminder_deadline"] == 0  # once
    workflow.extend_window(users["helpdesk"], ticket.id, "Pemohon cuti", now=due - dt.timedelta(5))
    moved = fresh(ticket).due_at
    assert send_reminders(now=due - dt.timedelta(hours=12))["reminder_deadline"] == 0
    assert send_reminders(now=moved - dt.timedelta(days=6))["reminder_deadline"] == 1
    assert send_reminders(now=moved - dt.timedelta(hours=12))["reminder_deadline"] == 1
    assert send_reminders(now=moved - dt.timedelta(hours=6))["reminder_deadline"] == 0


def test_on_both_back_ends_one_dispute_or_one_return_wins(any_app):
    from models.db import connection
    from models.staff import User
    from tests.helpers import new_request, required_uploads

    app = any_app
    with app.app_context(), connection():
        helpdesk = User.get(User.email == "helpdesk@example.go.id")
        agent = User.get(User.email == "agen@example.go.id")
        t = workflow.submit(None, new_request(), required_uploads(), now=T0)
        workflow.verify_complete(helpdesk, t.id, now=T0)
        workflow.dispose(helpdesk, t.id, agent.id, now=T0)
        for kind in ("sla", "ba"):
            workflow.attach_document(agent, t.id, kind, Upload(f"{kind}.pdf", PDF_BYTES), now=T0)
        workflow.mark_selesai(agent, t.id, now=T0)
    token = t.tracking_token
    results = race(
        app,
        [
            lambda: workflow.dispute(token, "Belum selesai"),
            lambda: workflow.submit_signed(
                token, Upload("s.pdf", PDF_BYTES), Upload("b.png", PNG_BYTES)
            ),
        ],
    )
    assert results.count("ok") == 1, results
    with app.app_context(), connection():
        status = Ticket.get_by_id(t.id).status
        assert status == ("assigned" if results[0] == "ok" else "signed")
        if status == "signed":
            results = race(
                app,
                [
                    lambda: workflow.return_signed(agent, t.id, ["sla_signed"], "Salah"),
                    lambda: workflow.close(agent, t.id, confirm_wet_ink=True),
                ],
            )
            assert results.count("ok") == 1, results
