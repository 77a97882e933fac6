"""The mechanics under every transition: loading a ticket, role and state checks, the
conditional update on its version, the history row, the step bookkeeping, the due times.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from models import uploads
from models.calendar import calendar
from models.catalog import Layanan
from models.db import utcnow
from models.scope import ticket_bidang_id
from models.staff import ADMIN, AGENT, HELPDESK
from models.storage import store
from models.ticket import (
    ASSIGNED,
    INCOMPLETE,
    OPEN,
    SELESAI,
    SIGNED,
    STATUSES,
    STEP_OF_STATUS,
    VERIFIED,
    Document,
    Ticket,
    TicketEvent,
    TicketStep,
)

REQUESTER_LABEL = "Pemohon"
SYSTEM_LABEL = "Sistem"
OPENED_STAFF = ("helpdesk", "admin", "kepala_bidang", "kepala_seksi")
CLOSED_STAFF = ("helpdesk", "admin", "kepala_bidang", "kepala_seksi", "agent")


class WorkflowError(Exception):
    """A refused transition. `str(error)` is a message fit to show the person who tried."""


@dataclass(frozen=True)
class NewRequest:
    """The fields of the request form (SOP step 1), as typed."""

    requester_name: str
    requester_nip: str
    requester_position: str
    requester_email: str
    requester_phone: str
    perangkat_daerah_id: int
    layanan_id: int
    subject: str
    description: str


# --- helpers: loading, checks, the conditional update, history, steps ---------------------------


def _load(ticket_id) -> Ticket:
    ticket = Ticket.get_or_none(Ticket.id == ticket_id)
    if ticket is None:
        raise WorkflowError(_("Tiket tidak ditemukan."))
    return ticket


def _load_by_token(token: str) -> Ticket:
    ticket = Ticket.by_token(token)
    if ticket is None:
        raise WorkflowError(_("Tautan pelacakan tidak dikenal."))
    return ticket


def _expect(ticket: Ticket, *statuses: str) -> None:
    if ticket.status not in statuses:
        raise WorkflowError(
            _(
                "Tiket %(number)s berstatus \u201c%(status)s\u201d; tindakan ini hanya untuk "
                "tiket berstatus %(allowed)s.",
                number=ticket.number,
                status=ticket.status_label,
                allowed=", ".join(f"\u201c{STATUSES[s]}\u201d" for s in statuses),
            )
        )


def _refuse_role():
    raise WorkflowError(_("Anda tidak berwenang melakukan tindakan ini pada tiket ini."))


def _require_helpdesk(actor, ticket: Ticket) -> None:
    """Helpdesk of the bidang that owns the ticket's service, or an admin."""
    roles = actor.role_names if actor is not None and actor.active else set()
    if ADMIN in roles:
        return
    if HELPDESK in roles and actor.bidang_id and actor.bidang_id == ticket_bidang_id(ticket):
        return
    _refuse_role()


def _require_assigned_agent(actor, ticket: Ticket) -> None:
    roles = actor.role_names if actor is not None and actor.active else set()
    if AGENT in roles and ticket.assigned_agent_id == actor.id:
        return
    _refuse_role()


def _apply(ticket: Ticket, now, **changes) -> None:
    """The conditional UPDATE: succeeds only if nobody changed the ticket since it was read."""
    changes.update(updated_at=now)
    updated = (
        Ticket.update(version=Ticket.version + 1, **changes)
        .where(
            Ticket.id == ticket.id,
            Ticket.version == ticket.version,
            Ticket.status == ticket.status,
        )
        .execute()
    )
    if updated != 1:
        raise WorkflowError(
            _(
                "Tiket %(number)s baru saja diubah oleh orang lain. Muat ulang halaman lalu "
                "periksa statusnya.",
                number=ticket.number,
            )
        )
    for name, value in changes.items():
        setattr(ticket, name, value)
    ticket.version += 1


def _event(
    ticket,
    actor,
    action,
    note="",
    *,
    from_status=None,
    to_status=None,
    public=True,
    now=None,
    label=None,
) -> TicketEvent:
    if label is None:
        label = actor.name if actor is not None else REQUESTER_LABEL
    return TicketEvent.create(
        ticket=ticket,
        at=now or utcnow(),
        actor=actor,
        actor_label=label,
        action=action,
        from_status=from_status,
        to_status=to_status,
        note=note or "",
        public=public,
    )


def due_time(status: str, layanan: Layanan, start):
    """The due time of the step a ticket in `status` waits on, counted from `start`."""
    if status == OPEN:
        return calendar.add_working_days(start, 1)  # step 3: verification, 1 working day
    if status == INCOMPLETE:
        return calendar.add_months(start, 1)  # the requester's window, calendar time
    if status == VERIFIED:
        return calendar.add_working_hours(start, 1)  # step 4: disposition, 1 working hour
    if status == ASSIGNED:
        return calendar.due_for_duration(start, layanan.duration)  # step 5
    if status == SELESAI:
        return calendar.add_working_days(start, 1)  # step 6: signed SLA and BA, 1 working day
    if status == SIGNED:
        return calendar.add_working_hours(start, 1)  # step 7: close, 1 working hour
    return None


def _move(ticket: Ticket, actor, to_status: str, now, **changes) -> str:
    """Change status with the step bookkeeping; returns the status it came from."""
    from_status = ticket.status
    TicketStep.update(ended_at=now, actor=actor).where(
        TicketStep.ticket == ticket.id, TicketStep.ended_at.is_null(True)
    ).execute()
    due = due_time(to_status, ticket.layanan, now)
    step = STEP_OF_STATUS.get(to_status)
    _apply(
        ticket,
        now,
        status=to_status,
        step=step,
        step_started_at=now if step else None,
        due_at=due,
        **changes,
    )
    if step is not None:
        TicketStep.create(ticket=ticket, step=step, status=to_status, started_at=now, due_at=due)
    return from_status


def _store_documents(ticket, stored, kind, actor, now) -> list[Document]:
    """The Document rows of files already in the store (`_put_files`)."""
    docs = []
    for item, sha in stored:
        version = 1
        if kind != "persyaratan":
            previous = Document.current(ticket.id, kind)
            version = previous.version + 1 if previous else 1
        docs.append(
            Document.create(
                ticket=ticket,
                kind=kind,
                required_document=item.required_document_id,
                filename=item.filename,
                content_type=item.content_type,
                size=len(item.data),
                sha256=sha,
                version=version,
                uploaded_by=actor,
                uploaded_at=now,
            )
        )
    return docs


def _check_files(files) -> list:
    try:
        return [uploads.check(f) for f in files]
    except uploads.UploadRefused as exc:
        raise WorkflowError(str(exc)) from exc


def _put_files(checked) -> list:
    """Write the bytes of checked files to the store, before the transaction: a large upload
    must not hold the write lock (SQLite) or the ticket-number row lock (PostgreSQL) while it
    is written and fsynced. The store is content-addressed and idempotent; bytes of a call that
    is then refused are never referenced by any row."""
    return [(item, store.put(item.data)) for item in checked]
