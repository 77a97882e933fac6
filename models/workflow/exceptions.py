"""The exceptions around the SOP's happy path, each a row of the transition table: the
requester withdraws, the helpdesk records documents that came by another channel, extends the
one-month window once, the agent returns a wrong signed copy, the requester disputes the result.
(Rejection at any state before closing is `closing.reject`; signed copies arriving one at a time
is `fulfilment.submit_signed`.)
"""

from __future__ import annotations

from flask_babel import gettext as _

from formatting import local_datetime
from models.calendar import calendar
from models.catalog import RequiredDocument
from models.db import utcnow, write_transaction
from models.outbox import notify
from models.staff import User
from models.ticket import (
    DOCUMENT_KINDS,
    INTAKE_CHANNELS,
    SIGNED_KINDS,
    Document,
    MissingDocument,
    Ticket,
    TicketEvent,
    TicketStep,
)
from models.workflow.base import (
    WorkflowError,
    _check_files,
    _event,
    _load,
    _load_by_token,
    _put_files,
    _store_documents,
    check,
    transition,
)
from models.workflow.closing import _close
from models.workflow.transitions import REQUESTER_ACTOR

REASON_MAX = 5000  # characters of a typed reason (as the public textareas allow)


def _reason(text: str, missing_message) -> str:
    text = (text or "").strip()
    if not text:
        raise WorkflowError(missing_message)
    if len(text) > REASON_MAX:
        raise WorkflowError(_("Alasan terlalu panjang (maksimal %(n)d karakter).", n=REASON_MAX))
    return text


# --- the requester withdraws ---------------------------------------------------------------------


def withdraw(token: str, reason: str, *, now=None) -> Ticket:
    """The requester withdraws the request from the tracking page before Selesai (open,
    incomplete, verified or assigned), with a reason (required: the helpdesk and the agent
    must know why the work stops). The ticket closes with reason `withdrawn`.
    Emails as for Close Tiket: requester, helpdesk of the bidang, admins, Kepala Bidang,
    Kepala Seksi, the agent (once assigned).
    """
    now = now or utcnow()
    reason = _reason(reason, _("Tuliskan alasan pembatalan."))
    with write_transaction():
        ticket = _load_by_token(token)
        t = check("withdraw", REQUESTER_ACTOR, ticket)
        _close(ticket, REQUESTER_ACTOR, "withdrawn", t, reason, now)
    return ticket


# --- documents received by another channel -------------------------------------------------------


def receive_documents(actor, ticket_id, files, channel: str, note: str = "", *, now=None):
    """Helpdesk/admin, while the documents are incomplete: attach, on the requester's behalf,
    requirement documents that reached Diskominfo by another channel (email, letter, walk-in,
    phone: `channel`, required). When every missing document is in, the ticket goes back to
    verification (open), as when the requester uploads them; otherwise the received ones leave
    the missing list, the rest are still asked for and the window is unchanged.
    Email: the requester (what was received, what is still missing).
    """
    now = now or utcnow()
    if channel not in INTAKE_CHANNELS:
        raise WorkflowError(
            _("Pilih saluran dokumen diterima (telepon, surat, datang langsung atau email).")
        )
    checked = _check_files(files)
    if not checked:
        raise WorkflowError(_("Lampirkan dokumen yang diterima."))
    with _put_files(checked) as stored, write_transaction():
        ticket = _load(ticket_id)
        t = check("receive_documents", actor, ticket)
        required = {r.id: r for r in RequiredDocument.for_layanan(ticket.layanan_id)}
        if any(c.required_document_id not in (None, *required) for c in checked):
            raise WorkflowError(_("Dokumen persyaratan tidak sesuai dengan layanan."))
        given = {c.required_document_id for c in checked}
        still_missing = [i for i in ticket.missing_document_ids if i not in given]
        _store_documents(ticket, stored, "persyaratan", actor, now)
        partial = bool(still_missing)
        from_status = transition(ticket, actor, t.action, now, partial=partial)
        MissingDocument.replace(ticket.id, still_missing)
        names = ", ".join(required[i].name for i in sorted(given - {None})) or _(
            "%(count)d berkas", count=len(checked)
        )
        parts = [
            _("Melalui %(channel)s: %(names)s.", channel=INTAKE_CHANNELS[channel], names=names)
        ]
        if partial:
            parts.append(
                _(
                    "Masih kurang: %(names)s.",
                    names=", ".join(required[i].name for i in still_missing),
                )
            )
        if (note or "").strip():
            parts.append(note.strip())
        event = _event(
            ticket,
            actor,
            t.partial if partial else t.event,
            " ".join(parts),
            from_status=from_status,
            to_status=ticket.status,
            now=now,
        )
        notify(ticket, event, "documents_received", requester=True)
    return ticket


# --- one more month for the missing documents ----------------------------------------------------


def extend_window(actor, ticket_id, reason: str, *, now=None) -> Ticket:
    """Helpdesk/admin, while the documents are incomplete: give the requester one more
    calendar month (the window's step row and the ticket's due time both move), once per
    window, with a reason (required). A second extension of the same window is refused.
    Email: the requester, with the new deadline.
    """
    now = now or utcnow()
    reason = _reason(reason, _("Tuliskan alasan perpanjangan."))
    with write_transaction():
        ticket = _load(ticket_id)
        t = check("extend_window", actor, ticket)
        already = (
            TicketEvent.select()
            .where(
                TicketEvent.ticket == ticket.id,
                TicketEvent.action == t.event,
                TicketEvent.at >= ticket.step_started_at,
            )
            .exists()
        )
        if already:
            raise WorkflowError(
                _(
                    "Batas waktu kelengkapan tiket %(number)s sudah pernah diperpanjang (sampai "
                    "%(due)s); perpanjangan hanya dapat diberikan satu kali.",
                    number=ticket.number,
                    due=local_datetime(ticket.due_at),
                ),
                WorkflowError.STATE,
            )
        due = calendar.add_months(ticket.due_at, 1)
        transition(ticket, actor, t.action, now, due_at=due)
        TicketStep.update(due_at=due).where(
            TicketStep.ticket == ticket.id, TicketStep.ended_at.is_null(True)
        ).execute()
        event = _event(
            ticket,
            actor,
            t.event,
            _(
                "Batas waktu baru: %(due)s. Alasan: %(reason)s",
                due=local_datetime(due),
                reason=reason,
            ),
            now=now,
        )
        notify(ticket, event, "window_extended", requester=True)
    return ticket


# --- a signed copy that is wrong or unsigned -----------------------------------------------------


def return_signed(actor, ticket_id, kinds, reason: str, *, now=None) -> Ticket:
    """The assigned agent or helpdesk/admin, before Close Tiket: send back the signed SLA
    and/or BA (`kinds`: `sla_signed`, `ba_signed`) as wrong or unsigned, with a reason
    (required). The returned copies stay in the documents but no longer count; the ticket goes
    back to Selesai (a new step-6 row, a fresh due time) and the requester is told which copy
    to send again and why. Email: the requester.
    """
    now = now or utcnow()
    kinds = set(kinds or ())
    if not kinds:
        raise WorkflowError(_("Pilih balasan yang dikembalikan: SLA, Berita Acara, atau keduanya."))
    if not kinds <= set(SIGNED_KINDS):
        raise WorkflowError(_("Jenis dokumen tidak dikenal."))
    reason = _reason(reason, _("Tuliskan alasan pengembalian (misalnya belum ditandatangani)."))
    with write_transaction():
        ticket = _load(ticket_id)
        t = check("return_signed", actor, ticket)
        returned = [k for k in SIGNED_KINDS if k in kinds]
        ids = [d.id for d in (Document.current(ticket.id, k) for k in returned) if d is not None]
        from_status = transition(ticket, actor, t.action, now)
        Document.update(returned_at=now).where(Document.id.in_(ids)).execute()
        event = _event(
            ticket,
            actor,
            t.event,
            _(
                "Mohon kirim ulang: %(docs)s. Alasan: %(reason)s",
                docs=", ".join(str(DOCUMENT_KINDS[k]) for k in returned),
                reason=reason,
            ),
            from_status=from_status,
            to_status=t.target,
            now=now,
        )
        notify(ticket, event, "signed_returned", requester=True)
    return ticket


# --- the requester disputes the result -----------------------------------------------------------


def dispute(token: str, reason: str, *, now=None) -> Ticket:
    """The requester, at step 6 (Selesai): the work is not done, with a reason (required).
    The ticket goes back to the agent (assigned, a new step-5 row with a fresh due time); a
    signed copy already sent signed the disputed result and no longer counts.
    Email: the agent and the helpdesk of the bidang.
    """
    now = now or utcnow()
    reason = _reason(reason, _("Tuliskan apa yang belum selesai."))
    with write_transaction():
        ticket = _load_by_token(token)
        t = check("dispute", REQUESTER_ACTOR, ticket)
        from_status = transition(ticket, REQUESTER_ACTOR, t.action, now)
        Document.update(returned_at=now).where(
            Document.ticket == ticket.id,
            Document.kind.in_(SIGNED_KINDS),
            Document.returned_at.is_null(True),
        ).execute()
        event = _event(
            ticket, None, t.event, reason, from_status=from_status, to_status=t.target, now=now
        )
        agent = User.get_or_none(User.id == ticket.assigned_agent_id)
        notify(ticket, event, "disputed", staff=("agent", "helpdesk"), user=agent)
    return ticket
