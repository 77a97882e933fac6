"""SOP step 7 and the other ways a ticket closes: Close Tiket, rejection, expiry."""

from __future__ import annotations

from flask_babel import gettext as _

from models.db import database, utcnow, write_transaction
from models.outbox import notify
from models.staff import User
from models.ticket import Ticket
from models.workflow import signed_copies
from models.workflow.base import (
    CLOSED_STAFF,
    SYSTEM_LABEL,
    WorkflowError,
    _event,
    _load,
    allowed,
    check,
    transition,
)
from models.workflow.transitions import SYSTEM_ACTOR, TRANSITIONS

# --- SOP step 7: Close Tiket; rejection; expiry --------------------------------------------------


def _close(ticket, actor, reason, t, note, now, label=None) -> None:
    from_status = transition(ticket, actor, t.action, now, close_reason=reason, closed_at=now)
    event = _event(
        ticket,
        actor,
        t.event,
        note,
        from_status=from_status,
        to_status=t.target,
        now=now,
        label=label,
    )
    agent = (
        User.get_or_none(User.id == ticket.assigned_agent_id) if ticket.assigned_agent_id else None
    )
    notify(ticket, event, "closed", requester=True, staff=CLOSED_STAFF, user=agent)


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
        return _expire(ticket_id, now)


def _expire(ticket_id, now) -> Ticket | None:
    ticket = Ticket.get_or_none(Ticket.id == ticket_id)
    if ticket is None or not allowed("expire", SYSTEM_ACTOR, ticket) or ticket.due_at > now:
        return None
    _close(
        ticket,
        SYSTEM_ACTOR,
        "expired",
        TRANSITIONS["expire"],
        _("Dokumen persyaratan tidak dilengkapi dalam satu bulan."),
        now,
        label=SYSTEM_LABEL,
    )
    return ticket


def expire_overdue(*, now=None, batch_size: int = 200) -> int:
    """Close every incomplete ticket past its deadline, a batch at a time; returns how many.
    Idempotent: a second run finds nothing; a missed day is caught up on the next run.
    One write transaction per batch (a commit per ticket is what a long sweep spends its time
    on), each ticket in its own savepoint: one that someone else moved on is skipped and the
    others still close. Memory holds one batch of ids, whatever the number due.
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
        with write_transaction():
            for ticket_id in ids:
                try:
                    with database.atomic():  # a savepoint
                        if _expire(ticket_id, now) is not None:
                            closed += 1
                except WorkflowError:
                    # someone acted on it at the same moment: it is no longer ours to close (the
                    # refusal comes before any after-commit callback of that ticket is registered)
                    pass
        last_id = ids[-1]
