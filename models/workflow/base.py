"""The mechanics under every transition: loading a ticket, role and state checks, the
conditional update on its version, the history row, the step bookkeeping, the due times.
"""

from __future__ import annotations

import datetime as dt
import logging
from dataclasses import dataclass, replace

from flask_babel import gettext as _
from peewee import Case, Tuple, ValuesList

from models import hashchain, step_facts, uploads
from models.calendar import calendar
from models.catalog import Layanan
from models.db import database, insert_returning, utcnow
from models.sop import STATES, step_for_status
from models.staff import User
from models.step_duration import working_seconds
from models.storage import Staged, StoreFull, store
from models.ticket import Document, Ticket, TicketEvent, TicketStep
from models.workflow.transitions import TRANSITIONS, Transition, actor_fits, allowed_from

REQUESTER_LABEL = "Pemohon"
SYSTEM_LABEL = "Sistem"
OPENED_STAFF = ("helpdesk", "admin", "kepala_bidang", "kepala_seksi")
CLOSED_STAFF = ("helpdesk", "admin", "kepala_bidang", "kepala_seksi", "agent")

log = logging.getLogger("desk.workflow")


class WorkflowError(Exception):
    """A refused transition. `str(error)` is a message fit to show the person who tried;
    `kind` says why: the ticket is not there (`not_found`), the actor may not take this action
    (`role`), the ticket is not in a state the action is allowed from (`state`), somebody
    changed it since it was read (`stale`), or the values given are not acceptable
    (`invalid`). `http_status` is the answer a page gives for it."""

    NOT_FOUND = "not_found"
    ROLE = "role"
    STATE = "state"
    STALE = "stale"
    INVALID = "invalid"
    UNAVAILABLE = "unavailable"  # the server cannot keep it now (a full disk): 503
    HTTP_STATUS = {
        NOT_FOUND: 404,
        ROLE: 403,
        STATE: 409,
        STALE: 409,
        INVALID: 400,
        UNAVAILABLE: 503,
    }

    def __init__(self, message, kind: str = INVALID):
        super().__init__(message)
        self.kind = kind

    @property
    def http_status(self) -> int:
        return self.HTTP_STATUS[self.kind]


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
        raise WorkflowError(_("Tiket tidak ditemukan."), WorkflowError.NOT_FOUND)
    return ticket


def _load_by_token(token: str) -> Ticket:
    ticket = Ticket.by_token(token)
    if ticket is None:
        raise WorkflowError(_("Tautan pelacakan tidak dikenal."), WorkflowError.NOT_FOUND)
    return ticket


def _staff(actor):
    """The staff user behind `actor` (for foreign keys), or None for the requester/system."""
    return actor if isinstance(actor, User) else None


def check(action: str, actor, ticket: Ticket, *, bidang_id=None) -> Transition:
    """Refuse `action` on `ticket` by `actor` unless the transition table allows it: the role
    rule first (WorkflowError `role`), then the state (`state`). Returns the transition."""
    transition = TRANSITIONS[action]
    refused = _refused(transition, actor, ticket, bidang_id)
    if refused == WorkflowError.ROLE:
        raise WorkflowError(
            _("Anda tidak berwenang melakukan tindakan ini pada tiket ini."), WorkflowError.ROLE
        )
    if refused == WorkflowError.STATE:
        raise WorkflowError(
            _(
                "Tiket %(number)s berstatus \u201c%(status)s\u201d; tindakan ini hanya untuk "
                "tiket berstatus %(allowed)s.",
                number=ticket.number,
                status=ticket.status_label,
                allowed=", ".join(f"\u201c{STATES[s].label}\u201d" for s in allowed_from(action)),
            ),
            WorkflowError.STATE,
        )
    return transition


def allowed(action: str, actor, ticket: Ticket, *, bidang_id=None, fits=None) -> bool:
    """Whether `check` lets `actor` take `action` on `ticket` now (without writing the refusal
    that nobody reads: a ticket page asks this of every row of the table). `fits`: a dict the
    caller keeps while it asks of one actor and one ticket, where each role rule's answer is
    kept (it depends on them only)."""
    return _refused(TRANSITIONS[action], actor, ticket, bidang_id, fits) is None


def _refused(transition: Transition, actor, ticket: Ticket, bidang_id, fits=None) -> str | None:
    """The rule of the table that refuses: the role's (`ROLE`), else the state's (`STATE`),
    else None. `fits`: as `allowed`'s."""
    rule = transition.actor
    fit = fits.get(rule) if fits is not None else None
    if fit is None:
        fit = actor_fits(rule, actor, ticket, bidang_id=bidang_id)
        if fits is not None:
            fits[rule] = fit
    if not fit:
        return WorkflowError.ROLE
    if ticket.status not in transition.sources:
        return WorkflowError.STATE
    return None


def _apply(ticket: Ticket, now, *, refresh_facts=True, **changes) -> None:
    """The conditional UPDATE of one ticket (`_apply_many` for one): succeeds only if nobody
    changed the ticket since it was read."""
    _apply_many([ticket], now, refresh_facts=refresh_facts, **changes)


def _apply_many(tickets: list[Ticket], now, *, refresh_facts=True, **changes) -> None:
    """The conditional UPDATE of `tickets`, all given the same `changes`, in one statement: it
    succeeds only if nobody changed any of them since they were read (each one's id, version
    and status as read), else nothing is written and it is refused as `stale`. Then their step
    facts follow them (`models.step_facts`), unless the caller (`_move_many`) refreshes them
    itself once its step rows are written."""
    if not tickets:
        return
    changes.update(updated_at=now)
    as_read = ValuesList([(t.id, t.version, t.status) for t in tickets])
    updated = (
        Ticket.update(version=Ticket.version + 1, **changes)
        .where(
            Ticket.id.in_([t.id for t in tickets]),  # the primary key's index (SQLite)
            Tuple(Ticket.id, Ticket.version, Ticket.status).in_(as_read),
        )
        .execute()
    )
    if updated != len(tickets):
        raise WorkflowError(
            _(
                "Tiket %(number)s baru saja diubah oleh orang lain. Muat ulang halaman lalu "
                "periksa statusnya.",
                number=", ".join(t.number for t in tickets),
            ),
            WorkflowError.STALE,
        )
    for ticket in tickets:
        for name, value in changes.items():
            setattr(ticket, name, value)
        ticket.version += 1
    if refresh_facts:
        step_facts.refresh_many([t.id for t in tickets])


def transition(
    ticket: Ticket, actor, action: str, now, *, partial=False, keep_step=False, **changes
) -> str:
    """Apply `action`'s change to a checked ticket inside the caller's write transaction: its
    target state with the step bookkeeping, or (target None, or `partial` for an action whose
    row allows a partial delivery) only the version bump and `changes`. `keep_step`: the target
    state without the step bookkeeping, the open step row going on (step 5 paused and resumed:
    the caller moves its due time). Returns the state it came from."""
    (from_status,) = transition_many(
        [ticket], actor, action, now, partial=partial, keep_step=keep_step, **changes
    )
    return from_status


def transition_many(
    tickets: list[Ticket], actor, action: str, now, *, partial=False, keep_step=False, **changes
) -> list[str]:
    """`transition` of many checked tickets at once, all by `actor` with the same `changes`
    (the expiry sweep's batch): the same statements, each written for all of them; refused as
    a whole (`stale`) when any one was changed since it was read. Returns the state each came
    from, in the order given."""
    t = TRANSITIONS[action]
    if partial and t.partial is None:
        raise ValueError(f"{action} has no partial delivery in the transition table")
    target = None if partial else t.target
    from_statuses = [ticket.status for ticket in tickets]
    if target is None:
        _apply_many(tickets, now, **changes)
    elif keep_step:
        _apply_many(tickets, now, status=target, **changes)
    else:
        _move_many(tickets, actor, target, now, **changes)
    lines = [(tk.number, f, tk.status) for tk, f in zip(tickets, from_statuses, strict=True)]

    def log_lines():
        for number, from_status, to_status in lines:
            log.info(
                "transition %s %s: %s -> %s by %r", action, number, from_status, to_status, actor
            )

    database.after_commit(log_lines)
    return from_statuses


def log_created(ticket: Ticket, action: str, actor) -> None:
    """Log the creation of a ticket once its transaction commits."""
    number, status = ticket.number, ticket.status
    database.after_commit(
        lambda: log.info("transition %s %s: - -> %s by %r", action, number, status, actor)
    )


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
    new_ticket=False,
) -> TicketEvent:
    (event,) = _events(
        [ticket],
        actor,
        action,
        note,
        from_statuses=[from_status],
        to_status=to_status,
        public=public,
        now=now,
        label=label,
        new_tickets=new_ticket,
    )
    return event


def _events(
    tickets,
    actor,
    action,
    note="",
    *,
    from_statuses=None,
    to_status=None,
    public=True,
    now=None,
    label=None,
    new_tickets=False,
) -> list[TicketEvent]:
    """One history entry per ticket, all by `actor` with the same action and note (each from
    its own `from_statuses` entry), appended to each ticket's chain at once
    (`hashchain.append_ticket_events`; `new_tickets`: tickets this transaction inserted, whose
    chains start here); in the order given."""
    if label is None:
        label = actor.name if _staff(actor) is not None else REQUESTER_LABEL
    staff = _staff(actor)
    at = now or utcnow()
    from_statuses = from_statuses or [None] * len(tickets)
    return hashchain.append_ticket_events(
        [
            {
                "ticket_id": ticket.id,
                "at": at,
                "actor": staff.id if staff is not None else None,
                "actor_label": label,
                "action": action,
                "from_status": from_status,
                "to_status": to_status,
                "note": note or "",
                "public": public,
            }
            for ticket, from_status in zip(tickets, from_statuses, strict=True)
        ],
        new_tickets=new_tickets,
    )


def due_time(status: str, layanan: Layanan, start):
    """The due time of the step a ticket in `status` waits on, counted from `start` (the step
    table's due rule), or None when it waits on none."""
    step = step_for_status(status)
    return step.due(start, layanan) if step else None


def _move(ticket: Ticket, actor, to_status: str, now, **changes) -> None:
    """Change status with the step bookkeeping (`_move_many` for one ticket)."""
    _move_many([ticket], actor, to_status, now, **changes)


def _move_many(tickets: list[Ticket], actor, to_status: str, now, **changes) -> None:
    """Change the status of `tickets` with the step bookkeeping: end each one's open step
    (with its working duration, `models.step_duration`), start the next one. The ticket rows
    first (the conditional UPDATE, one per distinct due time), then their step rows: the order
    of every writer that locks a ticket (pause, resume), so a transition racing one waits or is
    refused as stale, never deadlocks. Each ticket's rows are those its own move would write."""
    step = step_for_status(to_status)
    by_due: dict = {}
    for ticket in tickets:
        due = step.due(now, ticket.layanan) if step else None
        by_due.setdefault(due, []).append(ticket)
    for due, group in by_due.items():
        _apply_many(
            group,
            now,
            refresh_facts=False,
            status=to_status,
            step=step.number if step else None,
            step_started_at=now if step else None,
            due_at=due,
            **changes,
        )
    ids = [ticket.id for ticket in tickets]
    open_rows = list(
        TicketStep.select().where(TicketStep.ticket.in_(ids), TicketStep.ended_at.is_null(True))
    )
    if open_rows:
        known = _holidays_known(open_rows, now)
        seconds = [
            (row.id, working_seconds(known, row.started_at, now, row.paused_seconds, row.paused_at))
            for row in open_rows
        ]
        TicketStep.update(
            ended_at=now, actor=_staff(actor), working_seconds=Case(TicketStep.id, seconds)
        ).where(TicketStep.id.in_([row.id for row in open_rows])).execute()
    if step is not None:
        TicketStep.insert_many(
            [
                {
                    "ticket": ticket.id,
                    "step": step.number,
                    "status": to_status,
                    "started_at": now,
                    "due_at": due,
                }
                for due, group in by_due.items()
                for ticket in group
            ]
        ).execute()
    step_facts.refresh_many(ids)  # after the step rows: the step just ended is a fact


def _holidays_known(rows, now):
    """The working calendar, its public holidays from the earliest start of `rows` to `now`
    read in one query instead of once per row (the same rule, `models.calendar`)."""
    own = calendar._get_current_object()
    first = own.to_local(min(min(r.started_at, r.paused_at or r.started_at) for r in rows)).date()
    # the calendar asks for the days a step spans (and `add_working_time` for windows of 62
    # days): none of them ends more than 62 days after `now`
    last = own.to_local(now).date() + dt.timedelta(days=62)
    dates = own._holiday_dates(first, last)

    def holidays(lo, hi):
        if first <= lo and hi <= last:
            return {d for d in dates if lo <= d <= hi}
        return own._holiday_dates(lo, hi)

    return replace(own, holidays=holidays)


def _store_documents(ticket, stored, kind, actor, now, *, new_ticket=False) -> list[Document]:
    """The Document rows of files already in the store (`_put_files`). A file for a slot that
    already has one (the same SLA/BA kind, or the same required document) is the slot's next
    version, the old one kept; extra attachments (no required document) are each version 1.
    `new_ticket`: a ticket this transaction inserted, which has no documents yet: with one
    file to a slot each is version 1, all written by one INSERT."""
    slots = [item.required_document_id for item, _staged in stored]
    slots = [slot for slot in slots if slot is not None]
    if new_ticket and kind == "persyaratan" and len(set(slots)) == len(slots):
        return _first_documents(ticket, stored, kind, actor, now)
    docs = []
    for item, staged in stored:
        if kind != "persyaratan":
            version = Document.last_version(ticket.id, kind) + 1
        elif item.required_document_id is not None:
            version = Document.last_version(ticket.id, kind, item.required_document_id) + 1
        else:
            version = 1
        docs.append(
            Document.create(**_document_fields(ticket, item, staged, kind, version, actor, now))
        )
    return docs


def _document_fields(ticket, item, staged, kind, version, actor, now) -> dict:
    """The fields of the Document row of one stored file (its bytes published if staged)."""
    return dict(
        ticket=ticket,
        kind=kind,
        required_document=item.required_document_id,
        filename=item.filename,
        content_type=item.content_type,
        size=len(item.data),
        sha256=store.publish(staged) if isinstance(staged, Staged) else staged,
        version=version,
        uploaded_by=_staff(actor),
        uploaded_at=now,
    )


# the columns in which a new ticket's documents can differ: rows equal in all of them are
# equal in every column, so either of their ids is right for either
_DOCUMENT_KEY = ("required_document", "filename", "content_type", "sha256")


def _first_documents(ticket, stored, kind, actor, now) -> list[Document]:
    """Version 1 of each file of a new ticket, by one INSERT (`_store_documents`)."""
    docs = [
        Document(**_document_fields(ticket, item, staged, kind, 1, actor, now))
        for item, staged in stored
    ]
    if not docs:
        return docs
    ids: dict = {}
    rows = [d.__data__ for d in docs]
    for id_, *key in insert_returning(Document, rows, ("id", *_DOCUMENT_KEY), complete=True):
        ids.setdefault(tuple(key), []).append(id_)
    for doc in docs:
        doc.id = ids[tuple(doc.__data__[name] for name in _DOCUMENT_KEY)].pop()
        doc._dirty.clear()
    return docs


def _check_files(files) -> list:
    try:
        return [uploads.check(f) for f in files]
    except uploads.UploadRefused as exc:
        raise WorkflowError(str(exc), WorkflowError.INVALID) from exc


class StagedFiles(list):
    """The (checked upload, `Staged`) pairs of one call, as a context manager: on leaving it
    (after the transaction, committed or not) the bytes that no row took are removed, so a
    refused call leaves nothing on disk. Used without `with`, unpublished bytes stay in the
    staging folder until `flask documents gc` collects them."""

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        for _item, staged in self:
            store.discard(staged)
        return False


def _put_files(checked) -> StagedFiles:
    """Write the bytes of checked files aside (staged, fsynced) before the transaction: a large
    upload must not hold the write lock (SQLite) or the ticket-number row lock (PostgreSQL)
    while it is written. `_store_documents` moves each into the store with its row (a rename);
    `with _put_files(...) as stored, write_transaction():` removes the rest when refused. A full
    disk is a WorkflowError `unavailable` and nothing is kept."""
    files = StagedFiles()
    try:
        for item in checked:
            files.append((item, store.stage(item.data)))
    except StoreFull as exc:
        files.__exit__()
        raise WorkflowError(
            _(
                "Berkas tidak dapat disimpan karena ruang penyimpanan server penuh. Belum ada "
                "yang tersimpan dan isian Anda tidak hilang: lampirkan kembali berkasnya lalu "
                "coba lagi nanti, atau hubungi helpdesk Diskominfo."
            ),
            WorkflowError.UNAVAILABLE,
        ) from exc
    except BaseException:
        files.__exit__()
        raise
    return files
