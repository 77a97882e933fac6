"""A task's outbox rows claimed in one statement, loaded with their tickets in one query, sent
through one SMTP connection; still each email once (W6 of issue #12)."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

import tasks.mail as mail_tasks
from models import workflow
from models.db import connection, database, utcnow
from models.ticket import Notification
from tasks.mail import deliver_all
from tests.helpers import T0, Statements, new_request, required_uploads


@pytest.fixture
def app_config(smtp):
    return dict(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp.port, MAIL_BACKEND="smtp", MAIL_TIMEOUT=5)


def pending_rows(tickets: int) -> list[int]:
    """`tickets` submissions whose outbox rows (two each) are pending and due, not yet sent."""
    with database.atomic():
        for _ in range(tickets):
            workflow.submit(None, new_request(), required_uploads(), now=T0)
    Notification.update(status="pending", attempts=0, next_attempt_at=utcnow()).execute()
    return [n.id for n in Notification.select(Notification.id).order_by(Notification.id)]


def test_a_task_claims_and_loads_its_rows_once_and_sends_each(db, smtp):
    ids = pending_rows(3)
    smtp.messages.clear()
    with Statements() as handler:
        assert deliver_all(ids) == {"sent": 6}
    claims = [s for s in handler.seen if s.startswith('UPDATE "notification" SET "attempts"')]
    assert len(claims) == 1 and "RETURNING" in claims[0]
    one_row_reads = [
        s for s in handler.seen if s.startswith("SELECT") and 'FROM "notification"' in s
    ]
    assert len(one_row_reads) == 1  # the rows, their tickets, events and agents: one query
    # no ticket read again per row (but the history's lock of the ticket row on PostgreSQL)
    reads = [s for s in handler.seen if "FOR NO KEY UPDATE" not in s]
    assert 'FROM "ticket" AS' not in " ".join(reads)
    assert sorted(str(m.message["Message-ID"]).split(".")[0] for m in smtp.messages) == sorted(
        f"<notification-{i}" for i in ids
    )
    assert all(n.status == "sent" and n.attempts == 1 for n in Notification.select())
    assert deliver_all(ids) == {"skipped": 6}  # a late duplicate task sends nothing


def test_two_consumers_given_the_same_task_send_each_email_once(app, smtp):
    with app.app_context(), connection():
        ids = pending_rows(4)
    smtp.messages.clear()
    barrier = threading.Barrier(3)
    results = []

    def consumer():
        with app.app_context(), connection():
            barrier.wait()
            results.append(deliver_all(ids))

    threads = [threading.Thread(target=consumer) for _ in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sum(r.get("sent", 0) for r in results) == 8
    assert sum(r.get("skipped", 0) for r in results) == 16
    message_ids = [str(m.message["Message-ID"]) for m in smtp.messages]
    assert len(message_ids) == 8 and len(set(message_ids)) == 8


def test_a_slow_task_renews_its_lease_and_leaves_a_row_another_consumer_took(db, smtp, monkeypatch):
    """Sending that outlasts half the lease renews it for the rows still waiting; a row whose
    lease ran out meanwhile and that another consumer claimed is not sent a second time."""
    ids = pending_rows(2)
    smtp.messages.clear()
    clock = iter(range(0, 10_000, 1_000))  # every look at the clock: 1,000 s later
    monkeypatch.setattr(mail_tasks, "_clock", lambda: next(clock))
    send = mail_tasks._send
    taken = ids[-1]

    def send_then_lose_the_last_row(row, now, connection=None, batch=None):
        outcome = send(row, now, connection, batch)
        if row.id == ids[0]:  # meanwhile another consumer claims the last row for itself
            Notification.update(next_attempt_at=utcnow() + dt.timedelta(hours=1)).where(
                Notification.id == taken
            ).execute()
        return outcome

    monkeypatch.setattr(mail_tasks, "_send", send_then_lose_the_last_row)
    assert deliver_all(ids) == {"sent": 3, "skipped": 1}
    sent = {str(m.message["Message-ID"]).split(".")[0] for m in smtp.messages}
    assert sent == {f"<notification-{i}" for i in ids[:-1]}
    assert Notification.get_by_id(taken).status == "pending"  # the other consumer's to send
    renewed = Notification.get_by_id(ids[1])
    assert renewed.status == "sent"
