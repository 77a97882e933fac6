"""Writing the outbox, and telling the queue once the transaction that wrote it has committed."""

from __future__ import annotations

from blinker import Namespace

from models.db import database, insert_returning
from models.ticket import AUDIENCE_REQUESTER, Notification

_signals = Namespace()

#: Sent after commit with `ids=[...]` of the outbox rows the transaction wrote (all of them).
notifications_committed = _signals.signal("notifications-committed")


def notify(ticket, event, kind: str, *, requester: bool = False, staff=(), user=None) -> list:
    """Write the outbox rows for one event: one to the requester, one to the staff audiences.

    Staff addresses are resolved when the email is sent (`models.recipients`), from the
    audiences named here; `user` pins the agent. Must run inside the event's transaction.
    (`notify_many` for one event.)
    """
    return notify_many(kind, [(ticket, event, user)], requester=requester, staff=staff)


def notify_many(kind: str, events, *, requester: bool = False, staff=()) -> list:
    """Write the outbox rows of many events of one kind, each `(ticket, event, user)`, as
    `notify` writes them for each (the same rows, in the same order), in one INSERT; the
    queue is told once, after commit, with the rest of the transaction's rows."""
    rows = []
    for ticket, event, user in events:
        if requester:
            rows.append(
                Notification(
                    ticket=ticket,
                    event=event,
                    kind=kind,
                    audience=AUDIENCE_REQUESTER,
                    email=ticket.requester_email,
                )
            )
        audiences = [a for a in staff if a != "agent" or user is not None]
        if audiences:
            rows.append(
                Notification(
                    ticket=ticket, event=event, kind=kind, audience=",".join(audiences), user=user
                )
            )
    if not rows:
        return rows
    columns = {name for row in rows for name in row.__data__}  # the same columns for each row
    values = [{name: row.__data__.get(name) for name in columns} for row in rows]
    # RETURNING's order is not promised: each row's id by what tells it apart (rows alike in
    # all three are alike in every field but the time, so which gets which id does not matter)
    ids: dict[tuple, list[int]] = {}
    written = insert_returning(
        Notification, values, ("id", "ticket", "event", "audience"), complete=True
    )
    for found in written:
        ids.setdefault(found[1:], []).append(found[0])
    for key in ids.values():
        key.sort(reverse=True)
    for row in rows:
        row.id = ids[(row.ticket_id, row.event_id, row.audience)].pop()
        row._dirty.clear()
    _after_commit([row.id for row in rows])
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
