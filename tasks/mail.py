"""Sending the outbox: one task per transaction, after it committed, for the rows it wrote
(sent through one mail connection), and a periodic task that re-queues what is due and not sent
(consumer down, task lost, SMTP failed), 50 rows a task.

A row is claimed before it is sent by a conditional UPDATE that counts the attempt and moves
`next_attempt_at` a lease ahead, so two consumers given the same row send it once; a consumer
that dies mid-send leaves the row due again when the lease runs out. A task claims its rows in
one UPDATE ... RETURNING and loads them with their tickets in one query (`claim_many`), reads
the missing documents of those tickets in one more and the staff of each audience once per task
(`Ticket.missing_document_names`, `resolve`'s cache), then sends and records each on its own.
A failed attempt is retried with exponential backoff; after `MAIL_MAX_ATTEMPTS` the row is
`failed` (`Notification.failed_ones()`) until staff retry it. Every sent email is written to
the ticket's history.
"""

from __future__ import annotations

import datetime as dt
import logging
import time

from flask import current_app
from huey import crontab
from peewee import JOIN

from extensions import mail
from models.catalog import Layanan, PerangkatDaerah
from models.db import database, utcnow, write_transaction
from models.hashchain import append_ticket_event
from models.recipients import resolve
from models.staff import User
from models.ticket import Notification, Ticket, TicketEvent
from models.workflow import SYSTEM_LABEL
from tasks import app_periodic_task, app_task
from tasks.emails import compose

log = logging.getLogger("desk.mail")

MAX_BACKOFF = dt.timedelta(hours=6)
# Rows per task when the periodic re-queue finds many due (several consumers share them).
REQUEUE_CHUNK = 50
# Rows claimed by one statement within a task (a sweep's task may carry hundreds).
CLAIM_CHUNK = 50
_clock = time.monotonic  # how long a task has held its claim (a test moves it on)


def _setting(name: str) -> int:
    return int(current_app.config[name])


def backoff(attempts: int) -> dt.timedelta:
    """The wait after the `attempts`-th failed attempt: base, 2 x base, 4 x base ... 6 hours."""
    base = dt.timedelta(seconds=_setting("MAIL_RETRY_SECONDS"))
    return min(base * 2 ** max(attempts - 1, 0), MAX_BACKOFF)


def _lease() -> dt.timedelta:
    return dt.timedelta(seconds=_setting("MAIL_LEASE_SECONDS"))


def claim(notification_id: int, now) -> Notification | None:
    """Take a due pending row for sending (one attempt), or None if it is not ours to send."""
    rows = claim_many([notification_id], now)
    return rows[0] if rows else None


def claim_many(notification_ids, now) -> list[Notification]:
    """Take the due pending rows among `notification_ids` for sending (one attempt each), in
    the order given, with their tickets (service, agency), events and pinned agents (id, email,
    name, active only): one conditional UPDATE ... RETURNING, one SELECT. A row another
    consumer holds is left out."""
    ids = list(dict.fromkeys(int(i) for i in notification_ids))
    if not ids:
        return []
    claimed = {
        row.id
        for row in Notification.update(
            attempts=Notification.attempts + 1, next_attempt_at=now + _lease()
        )
        .where(
            Notification.id.in_(ids),
            Notification.status == "pending",
            Notification.next_attempt_at <= now,
        )
        .returning(Notification.id)
        .execute()
    }
    if not claimed:
        return []
    agent = User.alias()
    # Of a user, what an email shows or is sent to: not the password hash nor the second
    # factor's secret (and each column costs the statement's building and each row's reading).
    staff = [
        f for model in (User, agent) for f in (model.id, model.email, model.name, model.active)
    ]
    query = (
        Notification.select(Notification, Ticket, Layanan, PerangkatDaerah, TicketEvent, *staff)
        .join(Ticket)
        .join(Layanan, JOIN.LEFT_OUTER)
        .switch(Ticket)
        .join(PerangkatDaerah, JOIN.LEFT_OUTER)
        .switch(Ticket)
        .join(agent, JOIN.LEFT_OUTER, on=(Ticket.assigned_agent == agent.id), attr="assigned_agent")
        .switch(Notification)
        .join(TicketEvent, JOIN.LEFT_OUTER)
        .switch(Notification)
        .join(User, JOIN.LEFT_OUTER, on=(Notification.user == User.id), attr="user")
        .where(Notification.id.in_(claimed))
    )
    by_id = {row.id: row for row in query}
    return [by_id[i] for i in ids if i in by_id]


def deliver(notification_id: int, now=None, connection=None) -> str:
    """Send one outbox row if it is due and pending: 'sent', 'retry', 'failed' or 'skipped'.
    With `connection` (an open mail connection), the email goes through it."""
    now = now or utcnow()
    row = claim(notification_id, now)
    if row is None:
        return "skipped"
    return _send(row, now, connection)


def _send(row: Notification, now, connection=None, batch: dict | None = None) -> str:
    """Send one claimed row and record the outcome on it (sent, or the failed attempt).
    `batch`: what `deliver_all` keeps between the rows of a task (see `compose`, `resolve`)."""
    try:
        recipients = resolve(row, batch)
        if recipients:
            message = compose(row, recipients, batch=batch)
            if connection is not None:
                connection.open()  # once; a failure to connect is this row's failed attempt
                message.connection = connection
            message.send()
    except Exception as exc:  # noqa: BLE001 - any failure is recorded on the row and retried
        outcome = _record_failure(row, exc, now)
        if outcome == "failed":
            log.error(
                "email %s (%s) given up after %d attempts: %s", row.id, row.kind, row.attempts, exc
            )
        else:
            log.warning(
                "email %s (%s) attempt %d failed, retried later: %s",
                row.id,
                row.kind,
                row.attempts,
                exc,
            )
        return outcome
    _record_sent(row, recipients, now)
    log.info(
        "email %s (%s) of ticket %s sent to %d recipient(s)",
        row.id,
        row.kind,
        row.ticket_id,
        len(recipients),
    )
    return "sent"


def _record_failure(row, exc, now) -> str:
    gave_up = row.attempts >= _setting("MAIL_MAX_ATTEMPTS")
    Notification.update(
        status="failed" if gave_up else "pending",
        next_attempt_at=now + backoff(row.attempts),
        last_error=f"{type(exc).__name__}: {exc}"[:2000],
    ).where(Notification.id == row.id, Notification.status == "pending").execute()
    return "failed" if gave_up else "retry"


def _record_sent(row, recipients, now) -> None:
    with write_transaction():
        done = (
            Notification.update(
                status="sent", sent_at=now, recipients=",".join(recipients), last_error=None
            )
            .where(Notification.id == row.id, Notification.status == "pending")
            .execute()
        )
        if done:
            append_ticket_event(
                row.ticket_id,
                at=now,
                actor_label=SYSTEM_LABEL,
                action="notified",
                note=f"{row.kind_label}: {', '.join(recipients) or '-'}",
                public=False,
            )


@app_task()
def send_notification(notification_id: int) -> str:
    """Send one outbox row (staff's retry of one email; queues written before batches)."""
    return deliver(notification_id)


def deliver_all(notification_ids, now=None) -> dict:
    """Send several outbox rows, in order, through one mail connection (opened for the first
    email, again after a failure). The rows are claimed `CLAIM_CHUNK` at a time in one
    statement (`claim_many`); each is then sent and recorded on its own, as `deliver` does, so a
    crash between a send and its record resends at most that row once the lease runs out. A
    chunk whose sending outlasts half the lease renews the lease of its rows still unsent
    (`_renew`), so no other consumer can take a row while it waits here. Returns how many of
    each outcome."""
    ids = list(dict.fromkeys(int(i) for i in notification_ids))
    outcomes: dict[str, int] = {}

    def count(outcome, n=1):
        if n:
            outcomes[outcome] = outcomes.get(outcome, 0) + n

    connection = None
    batch: dict = {}  # the staff, seksi and template context read once for the task's rows
    try:
        for start in range(0, len(ids), CLAIM_CHUNK):
            chunk_now = now or utcnow()
            chunk = ids[start : start + CLAIM_CHUNK]
            rows = claim_many(chunk, chunk_now)
            count("skipped", len(chunk) - len(rows))
            batch["missing"] = Ticket.missing_document_names(row.ticket_id for row in rows)
            held_until, claimed_at = chunk_now + _lease(), _clock()
            while rows:
                if _clock() - claimed_at > _lease().total_seconds() / 2:
                    held_until, kept = _renew(rows, held_until)
                    count("skipped", len(rows) - len(kept))
                    rows, claimed_at = kept, _clock()
                    if not rows:
                        break
                row = rows.pop(0)
                if connection is None:
                    connection = mail.get_connection()
                outcome = _send(row, chunk_now, connection, batch)
                count(outcome)
                if outcome in ("retry", "failed"):  # the connection may be what failed
                    _close_quietly(connection)
                    connection = None
    finally:
        if connection is not None:
            _close_quietly(connection)
    return outcomes


def _renew(rows, held_until) -> tuple:
    """Extend the lease of the claimed `rows` still holding ours (`next_attempt_at` is the
    value our claim set): returns the new lease's end and those rows, in order."""
    until = utcnow() + _lease()
    kept = {
        row.id
        for row in Notification.update(next_attempt_at=until)
        .where(
            Notification.id.in_([row.id for row in rows]),
            Notification.status == "pending",
            Notification.next_attempt_at == held_until,
        )
        .returning(Notification.id)
        .execute()
    }
    return until, [row for row in rows if row.id in kept]


def _close_quietly(connection) -> None:
    try:
        connection.close()
    except Exception:  # noqa: BLE001 - a connection that fails to close is dropped
        log.debug("mail connection did not close cleanly", exc_info=True)


@app_task()
def send_notifications(notification_ids: list[int]) -> dict:
    """The task behind the outbox rows of one transaction (enqueued after its commit), and
    behind each chunk of the periodic re-queue."""
    return deliver_all(notification_ids)


def requeue_due(now=None, limit: int = 500) -> int:
    """Queue a send for every pending row that is due; returns how many.

    A row fresh from its own transaction is left to its own task for one lease.
    """
    now = now or utcnow()
    grace = dt.timedelta(seconds=_setting("MAIL_LEASE_SECONDS"))
    query = (
        Notification.select(Notification.id)
        .where(
            Notification.status == "pending",
            Notification.next_attempt_at <= now,
            (Notification.attempts > 0) | (Notification.created_at <= now - grace),
        )
        .order_by(Notification.next_attempt_at, Notification.id)
        .limit(limit)
    )
    ids = [row.id for row in query]
    for start in range(0, len(ids), REQUEUE_CHUNK):
        send_notifications(ids[start : start + REQUEUE_CHUNK])
    return len(ids)


@app_periodic_task(crontab(minute="*"))
def requeue_notifications() -> int:
    """Every minute (and when a consumer starts): re-queue the due, unsent outbox rows."""
    return requeue_due()


def retry_failed(notification_ids) -> int:
    """Staff ask to try given-up emails again: they become pending with a fresh count."""
    ids = [int(i) for i in notification_ids]
    with database.atomic():
        count = (
            Notification.update(status="pending", attempts=0, next_attempt_at=utcnow())
            .where(Notification.id.in_(ids), Notification.status == "failed")
            .execute()
        )
    for notification_id in ids:
        send_notification(notification_id)
    return count
