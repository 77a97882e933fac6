"""Writing the outbox, and telling the queue once the transaction that wrote it has committed."""

from __future__ import annotations

from blinker import Namespace

from models.db import database
from models.ticket import AUDIENCE_REQUESTER, Notification

_signals = Namespace()

#: Sent after commit with `ids=[...]` of the outbox rows the transaction wrote (all of them).
notifications_committed = _signals.signal("notifications-committed")


def notify(ticket, event, kind: str, *, requester: bool = False, staff=(), user=None) -> list:
    """Write the outbox rows for one event: one to the requester, one to the staff audiences.

    Staff addresses are resolved when the email is sent (`models.recipients`), from the
    audiences named here; `user` pins the agent. Must run inside the event's transaction.
    """
    rows = []
    if requester:
        rows.append(
            Notification.create(
                ticket=ticket,
                event=event,
                kind=kind,
                audience=AUDIENCE_REQUESTER,
                email=ticket.requester_email,
            )
        )
    staff = [a for a in staff if a != "agent" or user is not None]
    if staff:
        rows.append(
            Notification.create(
                ticket=ticket, event=event, kind=kind, audience=",".join(staff), user=user
            )
        )
    ids = [row.id for row in rows]
    if ids:
        _after_commit(ids)
    return rows


def _after_commit(ids: list[int]) -> None:
    """Signal `ids` once the transaction commits, together with every other row the same
    transaction wrote: one signal (one enqueue) per transaction, not per row. A transaction
    that rolls back takes its list with it; outside a transaction the signal goes at once."""
    transactions = database._state.transactions
    if not transactions:
        notifications_committed.send(None, ids=list(ids))
        return
    outermost = transactions[0]
    batch = getattr(outermost, "_desk_outbox_ids", None)
    if batch is None:
        batch = outermost._desk_outbox_ids = []
        database.after_commit(lambda: notifications_committed.send(None, ids=batch))
    batch.extend(ids)
