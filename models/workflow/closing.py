"""SOP step 7 and the other ways a ticket closes: Close Tiket, rejection, expiry."""

from __future__ import annotations

import logging

from flask_babel import gettext as _

from models.db import locked, utcnow, write_transaction
from models.outbox import notify_many
from models.staff import User
from models.ticket import Ticket
from models.workflow import signed_copies
from models.workflow.base import (
    CLOSED_STAFF,
    SYSTEM_LABEL,
    WorkflowError,
    _events,
    _load,
    check,
    transition_many,
)
from models.workflow.transitions import SYSTEM_ACTOR, TRANSITIONS

log = logging.getLogger("desk.workflow")

# --- SOP step 7: Close Tiket; rejection; expiry --------------------------------------------------


def _close(ticket, actor, reason, t, note, now, label=None) -> None:
    _close_many([ticket], actor, reason, t, note, now, label=label)


def _close_many(tickets, actor, reason, t, note, now, label=None) -> None:
    """Close checked `tickets` by transition `t` with one reason and note: each one's state
    change, history entry and emails (requester, `CLOSED_STAFF`, its agent), written for all
    of them at once (`transition_many`, `_events`, `notify_many`)."""
    from_statuses = transition_many(
        tickets, actor, t.action, now, close_reason=reason, closed_at=now
    )
    events = _events(
        tickets,
        actor,
        t.event,
        note,
        from_statuses=from_statuses,
        to_status=t.target,
        now=now,
        label=label,
    )
    agent_ids = {ticket.assigned_agent_id for ticket in tickets} - {None}
    agents = {u.id: u for u in User.select().where(User.id.in_(agent_ids))} if agent_ids else {}
    notify_many(
        "closed",
        [
            (ticket, event, agents.get(ticket.assigned_agent_id))
            for ticket, event in zip(tickets, events, strict=True)
        ],
        requester=True,
        staff=CLOSED_STAFF,
    )


def close(actor, ticket_id, note: str = "", *, confirm_wet_ink: bool = False, now=None) -> Ticket:
    """Close Tiket once the signed SLA and BA are in: the assigned agent, or helpdesk/admin.
    A current signed copy that is wet-ink (a scan, no signature to verify) needs the closer's
    `confirm_wet_ink` (refused without it); the Close Tiket history entry notes it.
    Email: requester, helpdesk of the bidang, admins, Kepala Bidang, Kepala Seksi, the agent.
    """
    now = now or utcnow()
    with write_transaction():
        ticket = _load(ticket_id)
        t = check("close", actor, ticket)
        wet_ink = signed_copies.unconfirmed_wet_ink(ticket.id)
        if wet_ink and not confirm_wet_ink:
            raise WorkflowError(
                _(
                    "%(docs)s bertanda tangan basah dan tidak dapat diverifikasi: periksa "
                    "salinannya, lalu centang konfirmasi pemeriksaan sebelum menutup tiket.",
                    docs=", ".join(str(d.kind_label) for d in wet_ink),
                )
            )
        if wet_ink:
            confirmed = signed_copies.confirm_wet_ink(wet_ink, actor, now)
            note = f"{note.strip()} {confirmed}".strip() if note else confirmed
        _close(ticket, actor, "fulfilled", t, note, now)
    return ticket


def reject(actor, ticket_id, reason: str, *, now=None) -> Ticket:
    """Helpdesk/admin closes a ticket as rejected (spam, out of scope, duplicate) at any state
    before closing; the reason is required and shown to the requester. Emails as for Close
    Tiket (the agent too, once assigned).
    """
    now = now or utcnow()
    if not (reason or "").strip():
        raise WorkflowError(_("Tuliskan alasan penolakan."))
    with write_transaction():
        ticket = _load(ticket_id)
        t = check("reject", actor, ticket)
        _close(ticket, actor, "rejected", t, reason.strip(), now)
    return ticket


def expire(ticket_id, *, now=None) -> Ticket | None:
    """The sweep closes one incomplete ticket whose one-month window has passed (reason
    `expired`); returns None when there is nothing to do (already moved on, or not yet due).
    """
    now = now or utcnow()
    with write_transaction():
        closed = _expire_batch([ticket_id], now)
    return closed[0] if closed else None


def _expire_batch(ticket_ids, now) -> list[Ticket]:
    """Close as expired those of `ticket_ids` that are still incomplete and past their window
    (`check("expire")` for each; the others are skipped), inside the caller's write
    transaction; returns the tickets closed. The rows are read locked, in id order, on
    PostgreSQL (the lock a conditional UPDATE takes, the order of every batch), so a ticket
    moved on by someone else meanwhile is read as it is now, and skipped."""
    query = Ticket.select().where(Ticket.id.in_(list(ticket_ids))).order_by(Ticket.id)
    due = []
    for ticket in locked(query, "FOR NO KEY UPDATE"):
        try:
            check("expire", SYSTEM_ACTOR, ticket)
        except WorkflowError:
            continue
        if ticket.due_at <= now:
            due.append(ticket)
    if due:
        _close_many(
            due,
            SYSTEM_ACTOR,
            "expired",
            TRANSITIONS["expire"],
            _("Dokumen persyaratan tidak dilengkapi dalam satu bulan."),
            now,
            label=SYSTEM_LABEL,
        )
    return due


def expire_overdue(*, now=None, batch_size: int = 500) -> int:
    """Close every incomplete ticket past its deadline, a batch at a time; returns how many.
    Idempotent: a second run finds nothing; a missed day is caught up on the next run.
    One write transaction per batch, its tickets closed together (`_expire_batch`: a few
    statements for the whole batch); one that someone else moved on is skipped and the
    others still close. Memory holds one batch, whatever the number due.
    """
    now = now or utcnow()
    closed = 0
    last_id = 0
    while True:
        ids = [
            t.id
            for t in Ticket.expired_incomplete(now)
            .where(Ticket.id > last_id)
            .order_by(Ticket.id)
            .limit(batch_size)
        ]
        if not ids:
            return closed
        for _attempt in range(3):
            try:
                with write_transaction():
                    expired = _expire_batch(ids, now)
                closed += len(expired)
                break
            except WorkflowError as exc:
                if exc.kind != WorkflowError.STALE:
                    raise
                # changed between its locked read and the UPDATE (not expected: the rows are
                # locked, or SQLite's writers serialised); read the batch again
        else:
            log.warning(
                "expiry batch after ticket id %d refused 3 times: left to the next run", last_id
            )
        last_id = ids[-1]
