"""The expiry sweep's set-based batch (`models.workflow.closing.expire_overdue`): what it writes
for each ticket is what `expire()` of that ticket alone writes, field by field (ticket row, step
rows, step facts, history and its chain, outbox rows, log lines); a ticket moved on by someone
else before or during the batch is skipped, never closed twice.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading

from models import workflow
from models.db import connection, is_sqlite, write_transaction
from models.hashchain import TICKET_CHAIN_PREFIX, ChainHead, verify
from models.step_facts import StepFact
from models.ticket import Notification, Ticket, TicketEvent, TicketStep
from models.workflow import closing
from tests.helpers import T0, Statements, lock_waiters, required_uploads, wait_for

NOW = T0 + dt.timedelta(days=80)  # past every window made below
SOON = T0 + dt.timedelta(days=40)  # past a first window, not past one extended
EXPIRE_NOTE = "Dokumen persyaratan tidak dilengkapi dalam satu bulan."


def written_for(ticket_id: int) -> dict:
    """Everything the workflow wrote for one ticket, without what names the ticket itself (ids,
    number, hashes over its id) or the clock of the outbox (row defaults, the mail task)."""
    t = Ticket.get_by_id(ticket_id)
    ticket = {
        name: getattr(t, name)
        for name in (
            "status",
            "close_reason",
            "closed_at",
            "step",
            "step_started_at",
            "due_at",
            "version",
            "updated_at",
            "assigned_agent_id",
            "requester_email",
        )
    }
    steps = [
        (s.step, s.status, s.started_at, s.due_at, s.ended_at, s.actor_id)
        + (s.paused_at, s.paused_seconds, s.working_seconds)
        for s in TicketStep.select().where(TicketStep.ticket == ticket_id).order_by(TicketStep.id)
    ]
    facts = [
        (f.ended_at, f.step, f.layanan_id, f.perangkat_daerah_id, f.agent_id)
        + (f.working_seconds, f.on_time)
        for f in StepFact.select().where(StepFact.ticket == ticket_id).order_by(StepFact.id)
    ]
    events = list(
        TicketEvent.select().where(TicketEvent.ticket == ticket_id).order_by(TicketEvent.id)
    )
    history = [
        (None if e.action == "notified" else e.at, e.actor_id, e.actor_label, e.action)
        + (e.from_status, e.to_status, e.note, e.public)
        for e in events
    ]
    # the chain: each entry links to the one before it, the head to the last one
    prev = None
    for e in events:
        assert e.prev_hash == prev, e.id
        prev = e.hash
    head = ChainHead.get_by_id(f"{TICKET_CHAIN_PREFIX}{ticket_id}")
    assert (head.last_id, head.last_hash) == (events[-1].id, events[-1].hash)
    position = {e.id: i for i, e in enumerate(events)}
    outbox = [
        (n.kind, n.audience, n.user_id, n.email, n.status, n.attempts, n.last_error, n.recipients)
        + (position.get(n.event_id),)
        for n in Notification.select()
        .where(Notification.ticket == ticket_id)
        .order_by(Notification.id)
    ]
    return {"ticket": ticket, "steps": steps, "facts": facts, "history": history, "outbox": outbox}


def expiry_lines(records, number: str) -> list[str]:
    """The workflow's log lines about ticket `number`, the number made generic."""
    return [
        r.getMessage().replace(number, "<number>")
        for r in records
        if r.name == "desk.workflow" and f" {number}:" in r.getMessage()
    ]


def twins(make_ticket, users):
    """Ticket makers of different histories (submitted at different times, a window extended),
    each callable twice for two tickets alike in everything but their identity."""
    return [
        lambda: make_ticket("incomplete", now=T0),
        lambda: make_ticket("incomplete", now=T0 + dt.timedelta(hours=5, minutes=7)),
        lambda: make_ticket(
            "incomplete", now=T0 + dt.timedelta(days=2), requester_email="b@example.go.id"
        ),
        lambda: workflow.extend_window(
            users["helpdesk"],
            make_ticket("incomplete", now=T0).id,
            "Pemohon sedang dinas luar",
            now=T0 + dt.timedelta(days=20),
        ),
    ]


def test_the_batch_writes_for_each_ticket_what_expiring_it_alone_writes(make_ticket, users, caplog):
    caplog.set_level(logging.INFO, logger="desk.workflow")
    makers = twins(make_ticket, users)
    alone = []
    for make in makers:
        ticket = make()
        caplog.clear()
        assert workflow.expire(ticket.id, now=NOW) is not None
        alone.append((written_for(ticket.id), expiry_lines(caplog.records, ticket.number)))
    batch = [make() for make in makers]
    caplog.clear()
    assert workflow.expire_overdue(now=NOW) == len(batch)  # one batch: all of them at once
    for ticket, (expected, lines) in zip(batch, alone, strict=True):
        assert written_for(ticket.id) == expected
        assert expiry_lines(caplog.records, ticket.number) == lines
    assert len(lines) == 1 and lines[0].startswith("transition expire <number>: incomplete -> ")
    assert expected["ticket"]["close_reason"] == "expired"
    assert any(h[3] == "expired" and h[6] == EXPIRE_NOTE for h in expected["history"])
    assert verify() is None
    assert workflow.expire_overdue(now=NOW) == 0  # closed once


def test_small_batches_close_each_ticket_once(make_ticket):
    tickets = [make_ticket("incomplete", now=T0) for _ in range(5)]
    assert workflow.expire_overdue(now=NOW, batch_size=2) == 5
    for ticket in tickets:
        events = TicketEvent.select().where(
            TicketEvent.ticket == ticket.id, TicketEvent.action == "expired"
        )
        assert events.count() == 1
    assert verify() is None


def test_a_ticket_moved_on_after_the_batch_was_read_is_skipped(make_ticket, users, monkeypatch):
    """Between the sweep reading a batch's ids and closing it, the helpdesk extends one
    ticket's window and the requester completes another's documents: both are left as they
    were made, the third is closed."""
    due, extended, completed = (make_ticket("incomplete", now=T0) for _ in range(3))
    real_transaction = closing.write_transaction
    after = {}

    def someone_acts_first():
        if not after:
            workflow.extend_window(users["helpdesk"], extended.id, "Cuti", now=SOON)
            workflow.complete_documents(completed.tracking_token, required_uploads(), now=SOON)
            after.update({t.id: written_for(t.id) for t in (extended, completed)})
        return real_transaction()

    monkeypatch.setattr(closing, "write_transaction", someone_acts_first)
    assert workflow.expire_overdue(now=SOON) == 1
    assert Ticket.get_by_id(due.id).close_reason == "expired"
    assert Ticket.get_by_id(extended.id).status == "incomplete"
    assert Ticket.get_by_id(completed.id).status == "open"
    assert {t.id: written_for(t.id) for t in (extended, completed)} == after
    assert verify() is None


def test_a_change_between_the_read_and_the_update_refuses_the_whole_batch(make_ticket, monkeypatch):
    """A ticket whose version moved after its row was read makes the batch's UPDATE count
    differ: nothing of that attempt is kept (no ticket half closed, no history, no email), and
    the batch read again closes every ticket once."""
    tickets = [make_ticket("incomplete", now=T0) for _ in range(3)]
    real = closing.transition_many
    attempts = []
    signals = []

    def slipped_in(batch, *args, **kwargs):
        attempts.append([t.id for t in batch])
        if len(attempts) == 1:
            Ticket.update(version=Ticket.version + 1).where(Ticket.id == batch[1].id).execute()
        return real(batch, *args, **kwargs)

    def sent(_sender, ids):
        signals.append(ids)

    from models.outbox import notifications_committed

    notifications_committed.connect(sent)
    monkeypatch.setattr(closing, "transition_many", slipped_in)
    try:
        assert workflow.expire_overdue(now=NOW) == 3
    finally:
        notifications_committed.disconnect(sent)
    assert len(attempts) == 2
    for ticket in tickets:
        t = Ticket.get_by_id(ticket.id)
        assert t.close_reason == "expired" and t.version == ticket.version + 1
        events = TicketEvent.select().where(
            TicketEvent.ticket == ticket.id, TicketEvent.action == "expired"
        )
        assert events.count() == 1
        assert (
            Notification.select()
            .where(Notification.ticket == ticket.id, Notification.kind == "closed")
            .count()
            == 2
        )
    assert len(signals) == 1 and len(signals[0]) == 6  # the committed attempt's rows, once
    assert verify() is None


def test_a_writer_holding_a_ticket_of_the_batch_is_waited_for_then_its_change_wins(
    app, make_ticket, users
):
    """Another transaction holds a due ticket (extending its window) while the sweep runs: the
    sweep waits for it (PostgreSQL: the row lock of its locked read; SQLite: the write lock),
    then reads the ticket as that writer left it and skips it."""
    held, other = make_ticket("incomplete", now=T0), make_ticket("incomplete", now=T0)
    holding, release, outcome = threading.Event(), threading.Event(), {}

    def writer():
        with app.app_context(), connection():
            with write_transaction():
                workflow.extend_window(users["helpdesk"], held.id, "Cuti", now=SOON)
                holding.set()
                release.wait(20)
            outcome["writer"] = "ok"

    def sweeper():
        with app.app_context(), connection():
            outcome["closed"] = workflow.expire_overdue(now=SOON)

    thread = threading.Thread(target=writer)
    thread.start()
    assert holding.wait(20)
    sweep = threading.Thread(target=sweeper)
    sweep.start()
    if is_sqlite():
        sweep.join(0.5)  # no lock to watch: BEGIN IMMEDIATE waits (busy timeout) in any case
    else:
        url = app.config["DATABASE_URL"]
        assert wait_for(lambda: lock_waiters(url) >= 1, timeout=10)
    release.set()
    thread.join(20)
    sweep.join(20)
    assert outcome == {"writer": "ok", "closed": 1}
    assert Ticket.get_by_id(held.id).status == "incomplete"
    assert Ticket.get_by_id(held.id).due_at > SOON
    assert Ticket.get_by_id(other.id).close_reason == "expired"
    assert verify() is None


def test_insert_returning_writes_what_insert_many_writes_in_chunks(make_ticket, monkeypatch):
    """The sweep's hand-written multi-row INSERT: values converted by their fields (times,
    booleans, foreign keys), split into statements under the parameter limit, every new row's
    returned fields given back."""
    from models import db

    ticket = make_ticket("incomplete")
    event = TicketEvent.select().where(TicketEvent.ticket == ticket.id).first()
    monkeypatch.setattr(db, "MAX_PARAMETERS", 10)  # a few rows a statement
    rows = [
        {"ticket": ticket.id, "event": event.id, "kind": "closed", "audience": f"a{i}", "email": ""}
        for i in range(7)
    ]
    with connection(), write_transaction(), Statements() as statements:
        found = db.insert_returning(Notification, rows, ("id", "ticket", "audience"))
    inserts = [s for s in statements.seen if s.startswith('INSERT INTO "notification"')]
    assert len(inserts) == 7  # ten parameters a statement: one row of ten fields each
    assert sorted(a for _id, _t, a in found) == [f"a{i}" for i in range(7)]
    assert {t for _id, t, _a in found} == {ticket.id}
    with connection():
        for id_, _t, audience in found:
            row = Notification.get_by_id(id_)
            assert (row.ticket_id, row.event_id, row.audience, row.sent_at) == (
                ticket.id,
                event.id,
                audience,
                None,
            )
            assert row.status == "pending" and row.created_at is not None  # the defaults
