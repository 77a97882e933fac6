"""Sending the outbox: one task per transaction, after it committed, for the rows it wrote
(sent through one mail connection), and a periodic task that re-queues what is due and not sent
(consumer down, task lost, SMTP failed), 50 rows a task.

A row is claimed before it is sent by a conditional UPDATE that counts the attempt and moves
`next_attempt_at` a lease ahead, so two consumers given the same row send it once; a consumer
that dies mid-send leaves the row due again when the lease runs out. A failed attempt is retried
with exponential backoff; after `MAIL_MAX_ATTEMPTS` the row is `failed` (`Notification.
failed_ones()`) until staff retry it. Every sent email is written to the ticket's history.
"""

from __future__ import annotations

import datetime as dt
import logging

from flask import current_app
from huey import crontab

from extensions import mail
from models.db import database, utcnow, write_transaction
from models.hashchain import append_ticket_event
from models.recipients import resolve
from models.ticket import Notification
from models.workflow import SYSTEM_LABEL
from tasks import app_periodic_task, app_task
from tasks.emails import compose

log = logging.getLogger("desk.mail")

MAX_BACKOFF = dt.timedelta(hours=6)
# Rows per task when the periodic re-queue finds many due (several consumers share them).
REQUEUE_CHUNK = 50


def _setting(name: str) -> int:
    return int(current_app.config[name])


def backoff(attempts: int) -> dt.timedelta:
    """The wait after the `attempts`-th failed attempt: base, 2 x base, 4 x base ... 6 hours."""
    base = dt.timedelta(seconds=_setting("MAIL_RETRY_SECONDS"))
    return min(base * 2 ** max(attempts - 1, 0), MAX_BACKOFF)


def claim(notification_id: int, now) -> Notification | None:
    """Take a due pending row for sending (one attempt), or None if it is not ours to send."""
    lease = dt.timedelta(seconds=_setting("MAIL_LEASE_SECONDS"))
    claimed = (
        Notification.update(attempts=Notification.attempts + 1, next_attempt_at=now + lease)
        .where(
            Notification.id == notification_id,
            Notification.status == "pending",
            Notification.next_attempt_at <= now,
        )
        .execute()
    )
    return Notification.get_by_id(notification_id) if claimed == 1 else None


def deliver(notification_id: int, now=None, connection=None) -> str:
    """Send one outbox row if it is due and pending: 'sent', 'retry', 'failed' or 'skipped'.
    With `connection` (an open mail connection), the email goes through it."""
    now = now or utcnow()
    row = claim(notification_id, now)
    if row is None:
        return "skipped"
    try:
        recipients = resolve(row)
        if recipients:
            message = compose(row, recipients)
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
    email, again after a failure); each row is claimed, sent and recorded on its own as
    `deliver` does. Returns how many of each outcome."""
    outcomes: dict[str, int] = {}
    connection = None
    try:
        for notification_id in notification_ids:
            if connection is None:
                connection = mail.get_connection()
            outcome = deliver(notification_id, now, connection)
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
            if outcome in ("retry", "failed"):  # the connection may be what failed
                _close_quietly(connection)
                connection = None
    finally:
        if connection is not None:
            _close_quietly(connection)
    return outcomes


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
