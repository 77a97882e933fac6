"""The SOP, transition by transition: the only code that changes a ticket's status.

Every public function takes the acting staff user (or, for the requester, the ticket's private
token) and plain values; checks the role, the scope and the state; applies its change as one
conditional UPDATE on the ticket's expected version inside a write transaction, so that of two
concurrent calls exactly one succeeds; writes one TicketEvent; and writes the outbox rows of the
SPEC's notification table in the same transaction. A refused call raises `WorkflowError` with a
message fit to show a person, and changes nothing.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass

from flask_babel import gettext as _
from peewee import IntegrityError

from models import uploads
from models.calendar import calendar
from models.catalog import Layanan, PerangkatDaerah, RequiredDocument
from models.db import utcnow, write_transaction
from models.outbox import notify
from models.scope import ticket_bidang_id
from models.sequence import next_value
from models.staff import ADMIN, AGENT, HELPDESK, User
from models.storage import store
from models.ticket import (
    ASSIGNED,
    CHANNEL_HELPDESK,
    CHANNEL_WEB,
    CLOSED,
    INCOMPLETE,
    INTAKE_CHANNELS,
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
from models.validation import check_request, normalize_nip

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


def _store_documents(ticket, checked, kind, actor, now) -> list[Document]:
    docs = []
    for item in checked:
        sha = store.put(item.data)
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


# --- SOP step 2: a request enters the Service Desk ---------------------------------------------


def submit(
    actor,
    request: NewRequest,
    files=(),
    *,
    submission_key=None,
    intake_channel=None,
    received_at=None,
    now=None,
) -> Ticket:
    """Open a ticket (SOP step 2): by the requester on the web (`actor` None), or by
    helpdesk/admin on the requester's behalf (`actor` the staff user, with `intake_channel`).

    On the web every required document of the service must be attached. The same
    `submission_key` never makes two tickets: the second call returns the first ticket.
    Emails: Open Tiket to the requester, helpdesk of the bidang, admins, Kepala Bidang and
    Kepala Seksi.
    """
    now = now or utcnow()
    if submission_key:
        existing = Ticket.get_or_none(Ticket.submission_key == submission_key)
        if existing is not None:
            return existing
    if actor is not None:
        roles = actor.role_names if actor.active else set()
        if not roles & {ADMIN, HELPDESK}:
            _refuse_role()
        if intake_channel not in INTAKE_CHANNELS:
            raise WorkflowError(
                _("Pilih saluran masuk permohonan (telepon, surat, datang langsung atau email).")
            )
        if received_at is not None and received_at > now:
            raise WorkflowError(_("Waktu permohonan diterima tidak boleh di masa depan."))
    errors = check_request(request)
    if errors:
        raise WorkflowError(" ".join(errors.values()))
    layanan = Layanan.get_or_none(Layanan.id == request.layanan_id, Layanan.active == True)  # noqa: E712
    if layanan is None:
        raise WorkflowError(_("Layanan yang dipilih tidak tersedia."))
    pd = PerangkatDaerah.get_or_none(
        PerangkatDaerah.id == request.perangkat_daerah_id,
        PerangkatDaerah.active == True,  # noqa: E712
    )
    if pd is None:
        raise WorkflowError(_("Perangkat Daerah yang dipilih tidak dikenal."))
    checked = _check_files(files)
    required = {r.id: r for r in RequiredDocument.for_layanan(layanan.id)}
    for item in checked:
        if item.required_document_id is not None and item.required_document_id not in required:
            raise WorkflowError(_("Dokumen persyaratan tidak sesuai dengan layanan."))
    if actor is None:
        given = {item.required_document_id for item in checked}
        missing = [r.name for rid, r in required.items() if rid not in given]
        if missing:
            raise WorkflowError(
                _("Dokumen persyaratan belum dilampirkan: %(names)s.", names=", ".join(missing))
            )

    try:
        with write_transaction():
            if submission_key:  # checked again under the write lock
                existing = Ticket.get_or_none(Ticket.submission_key == submission_key)
                if existing is not None:
                    return existing
            local_year = calendar.to_local(now).year
            number = f"SD-{local_year}-{next_value(f'ticket-{local_year}'):06d}"
            due = due_time(OPEN, layanan, now)
            ticket = Ticket.create(
                number=number,
                tracking_token=secrets.token_urlsafe(32),
                submission_key=submission_key or None,
                requester_name=request.requester_name.strip(),
                requester_nip=normalize_nip(request.requester_nip),
                requester_position=request.requester_position.strip(),
                requester_email=request.requester_email.strip().lower(),
                requester_phone=request.requester_phone.strip(),
                perangkat_daerah=pd,
                layanan=layanan,
                subject=request.subject.strip(),
                description=request.description.strip(),
                channel=CHANNEL_WEB if actor is None else CHANNEL_HELPDESK,
                intake_channel=intake_channel if actor is not None else None,
                received_at=(received_at or now) if actor is not None else None,
                created_by=actor,
                status=OPEN,
                step=STEP_OF_STATUS[OPEN],
                step_started_at=now,
                due_at=due,
                created_at=now,
                updated_at=now,
            )
            TicketStep.create(ticket=ticket, step=3, status=OPEN, started_at=now, due_at=due)
            _store_documents(ticket, checked, "persyaratan", actor, now)
            note = (
                ""
                if actor is None
                else _(
                    "Dicatat oleh helpdesk (%(channel)s).", channel=INTAKE_CHANNELS[intake_channel]
                )
            )
            event = _event(
                ticket,
                actor,
                "submitted",
                note,
                to_status=OPEN,
                now=now,
                label=REQUESTER_LABEL if actor is None else None,
            )
            notify(ticket, event, "opened", requester=True, staff=OPENED_STAFF)
    except IntegrityError:
        # Two submissions of one form at the same instant: the unique key lets one through.
        existing = submission_key and Ticket.get_or_none(Ticket.submission_key == submission_key)
        if not existing:
            raise
        return existing
    return ticket


# --- SOP step 3: verification of the requirement documents ---------------------------------------


def verify_complete(actor, ticket_id, note: str = "", *, now=None) -> Ticket:
    """Helpdesk/admin: the requirement documents are complete (Ya); the ticket awaits disposal."""
    now = now or utcnow()
    with write_transaction():
        ticket = _load(ticket_id)
        _require_helpdesk(actor, ticket)
        _expect(ticket, OPEN)
        from_status = _move(ticket, actor, VERIFIED, now, missing_documents="")
        _event(
            ticket, actor, "verified", note, from_status=from_status, to_status=VERIFIED, now=now
        )
    return ticket


def verify_incomplete(
    actor, ticket_id, missing_document_ids, note: str = "", *, now=None
) -> Ticket:
    """Helpdesk/admin: documents incomplete (Tidak). The requester has one calendar month to
    upload the missing ones (named from the service's list), else the sweep closes the ticket.
    Email: the requester, with what is missing, the deadline and the link.
    """
    now = now or utcnow()
    with write_transaction():
        ticket = _load(ticket_id)
        _require_helpdesk(actor, ticket)
        _expect(ticket, OPEN)
        required = {r.id: r for r in RequiredDocument.for_layanan(ticket.layanan_id)}
        missing = sorted({int(i) for i in missing_document_ids or ()})
        if not missing and not (note or "").strip():
            raise WorkflowError(_("Pilih dokumen yang kurang atau tuliskan catatan."))
        if any(i not in required for i in missing):
            raise WorkflowError(_("Dokumen yang dipilih bukan persyaratan layanan ini."))
        from_status = _move(
            ticket, actor, INCOMPLETE, now, missing_documents=",".join(str(i) for i in missing)
        )
        names = ", ".join(required[i].name for i in missing)
        full_note = "; ".join(
            x for x in (names and _("Kurang: %(names)s", names=names), (note or "").strip()) if x
        )
        event = _event(
            ticket,
            actor,
            "incomplete",
            full_note,
            from_status=from_status,
            to_status=INCOMPLETE,
            now=now,
        )
        notify(ticket, event, "incomplete", requester=True)
    return ticket


def complete_documents(token: str, files, *, now=None) -> Ticket:
    """The requester uploads the missing documents; the ticket goes back to verification.
    Email: the helpdesk of the bidang.
    """
    now = now or utcnow()
    checked = _check_files(files)
    if not checked:
        raise WorkflowError(_("Lampirkan dokumen yang diminta."))
    with write_transaction():
        ticket = _load_by_token(token)
        _expect(ticket, INCOMPLETE)
        required = {r.id for r in RequiredDocument.for_layanan(ticket.layanan_id)}
        if any(c.required_document_id not in (None, *required) for c in checked):
            raise WorkflowError(_("Dokumen persyaratan tidak sesuai dengan layanan."))
        given = {c.required_document_id for c in checked}
        still_missing = [i for i in ticket.missing_document_ids if i not in given]
        if still_missing:
            names = [RequiredDocument.get_by_id(i).name for i in still_missing]
            raise WorkflowError(
                _("Dokumen berikut masih belum dilampirkan: %(names)s.", names=", ".join(names))
            )
        _store_documents(ticket, checked, "persyaratan", None, now)
        from_status = _move(ticket, None, OPEN, now, missing_documents="")
        event = _event(
            ticket,
            None,
            "documents_completed",
            _("%(count)d dokumen diunggah.", count=len(checked)),
            from_status=from_status,
            to_status=OPEN,
            now=now,
        )
        notify(ticket, event, "documents_completed", staff=("helpdesk",))
    return ticket


# --- SOP step 4: disposition --------------------------------------------------------------------


def _check_agent(ticket, agent_id) -> User:
    agent = User.get_or_none(User.id == agent_id)
    if agent is None or not agent.active or AGENT not in agent.role_names:
        raise WorkflowError(_("Petugas yang dipilih bukan agen aktif."))
    if agent.seksi_id != ticket.layanan.seksi_id:
        raise WorkflowError(_("Petugas harus berasal dari seksi pemilik layanan ini."))
    return agent


def dispose(actor, ticket_id, agent_id, note: str = "", *, now=None) -> Ticket:
    """Helpdesk/admin: assign a verified ticket to an agent of the service's seksi, with a note.
    Email: the agent.
    """
    now = now or utcnow()
    with write_transaction():
        ticket = _load(ticket_id)
        _require_helpdesk(actor, ticket)
        _expect(ticket, VERIFIED)
        agent = _check_agent(ticket, agent_id)
        from_status = _move(ticket, actor, ASSIGNED, now, assigned_agent=agent.id)
        event = _event(
            ticket,
            actor,
            "disposed",
            _("Kepada %(agent)s. %(note)s", agent=agent.name, note=note or "").strip(),
            from_status=from_status,
            to_status=ASSIGNED,
            now=now,
        )
        notify(ticket, event, "disposed", staff=("agent",), user=agent)
    return ticket


def reassign(actor, ticket_id, agent_id, note: str = "", *, now=None) -> Ticket:
    """Helpdesk/admin: give an assigned ticket to another agent; the step's due time stays.
    Email: the new agent.
    """
    now = now or utcnow()
    with write_transaction():
        ticket = _load(ticket_id)
        _require_helpdesk(actor, ticket)
        _expect(ticket, ASSIGNED)
        agent = _check_agent(ticket, agent_id)
        if agent.id == ticket.assigned_agent_id:
            raise WorkflowError(_("Tiket sudah ditangani petugas tersebut."))
        _apply(ticket, now, assigned_agent=agent.id)
        event = _event(
            ticket,
            actor,
            "reassigned",
            _("Kepada %(agent)s. %(note)s", agent=agent.name, note=note or "").strip(),
            from_status=ASSIGNED,
            to_status=ASSIGNED,
            now=now,
        )
        notify(ticket, event, "disposed", staff=("agent",), user=agent)
    return ticket


# --- SOP step 5: fulfilment, SLA and BA, Selesai ------------------------------------------------


def attach_document(actor, ticket_id, kind: str, file, *, note: str = "", now=None) -> Document:
    """The assigned agent attaches the SLA or the BA (a new version replaces the previous one
    as the current document; the old stays in the history) while the ticket is assigned.
    """
    now = now or utcnow()
    if kind not in ("sla", "ba"):
        raise WorkflowError(_("Jenis dokumen tidak dikenal."))
    (checked,) = _check_files([file])
    with write_transaction():
        ticket = _load(ticket_id)
        _require_assigned_agent(actor, ticket)
        _expect(ticket, ASSIGNED)
        _apply(ticket, now)  # serialises with a concurrent Selesai
        (doc,) = _store_documents(ticket, [checked], kind, actor, now)
        _event(
            ticket,
            actor,
            f"attached_{kind}",
            " ".join(x for x in (f"{doc.filename} (v{doc.version})", note) if x),
            now=now,
            public=False,
        )
    return doc


def mark_selesai(actor, ticket_id, note: str = "", *, now=None) -> Ticket:
    """The assigned agent sets Selesai; refused unless an SLA and a BA are attached.
    Email: the requester, with the SLA and the BA and the link to upload the signed copies.
    """
    now = now or utcnow()
    with write_transaction():
        ticket = _load(ticket_id)
        _require_assigned_agent(actor, ticket)
        _expect(ticket, ASSIGNED)
        missing = [
            label
            for kind, label in (("sla", "SLA"), ("ba", "Berita Acara"))
            if Document.current(ticket.id, kind) is None
        ]
        if missing:
            raise WorkflowError(
                _("Lampirkan dahulu %(docs)s sebelum menandai Selesai.", docs=" dan ".join(missing))
            )
        from_status = _move(ticket, actor, SELESAI, now)
        event = _event(
            ticket, actor, "selesai", note, from_status=from_status, to_status=SELESAI, now=now
        )
        notify(ticket, event, "selesai", requester=True)
    return ticket


# --- SOP step 6: the requester returns the counter-signed SLA and BA ----------------------------


def submit_signed(token: str, sla_signed, ba_signed, *, now=None) -> Ticket:
    """The requester uploads the counter-signed SLA and BA (both required).
    Email: the agent.
    """
    now = now or utcnow()
    if sla_signed is None or ba_signed is None:
        raise WorkflowError(_("Unggah SLA dan Berita Acara yang sudah ditandatangani, keduanya."))
    sla, ba = _check_files([sla_signed, ba_signed])
    with write_transaction():
        ticket = _load_by_token(token)
        _expect(ticket, SELESAI)
        _store_documents(ticket, [sla], "sla_signed", None, now)
        _store_documents(ticket, [ba], "ba_signed", None, now)
        from_status = _move(ticket, None, SIGNED, now)
        event = _event(ticket, None, "signed", from_status=from_status, to_status=SIGNED, now=now)
        agent = User.get_or_none(User.id == ticket.assigned_agent_id)
        notify(ticket, event, "signed", staff=("agent",), user=agent)
    return ticket


# --- SOP step 7: Close Tiket; rejection; expiry --------------------------------------------------


def _close(ticket, actor, reason, action, note, now, label=None) -> None:
    from_status = _move(ticket, actor, CLOSED, now, close_reason=reason, closed_at=now)
    event = _event(
        ticket, actor, action, note, from_status=from_status, to_status=CLOSED, now=now, label=label
    )
    agent = (
        User.get_or_none(User.id == ticket.assigned_agent_id) if ticket.assigned_agent_id else None
    )
    notify(ticket, event, "closed", requester=True, staff=CLOSED_STAFF, user=agent)


def close(actor, ticket_id, note: str = "", *, now=None) -> Ticket:
    """Close Tiket once the signed SLA and BA are in: the assigned agent, or helpdesk/admin.
    Email: requester, helpdesk of the bidang, admins, Kepala Bidang, Kepala Seksi, the agent.
    """
    now = now or utcnow()
    with write_transaction():
        ticket = _load(ticket_id)
        try:
            _require_assigned_agent(actor, ticket)
        except WorkflowError:
            _require_helpdesk(actor, ticket)
        _expect(ticket, SIGNED)
        _close(ticket, actor, "fulfilled", "closed", note, now)
    return ticket


def reject(actor, ticket_id, reason: str, *, now=None) -> Ticket:
    """Helpdesk/admin closes an open ticket as rejected (spam, out of scope, duplicate); the
    reason is required and shown to the requester. Emails as for Close Tiket.
    """
    now = now or utcnow()
    if not (reason or "").strip():
        raise WorkflowError(_("Tuliskan alasan penolakan."))
    with write_transaction():
        ticket = _load(ticket_id)
        _require_helpdesk(actor, ticket)
        _expect(ticket, OPEN)
        _close(ticket, actor, "rejected", "rejected", reason.strip(), now)
    return ticket


def expire(ticket_id, *, now=None) -> Ticket | None:
    """The sweep closes one incomplete ticket whose one-month window has passed (reason
    `expired`); returns None when there is nothing to do (already moved on, or not yet due).
    """
    now = now or utcnow()
    with write_transaction():
        ticket = Ticket.get_or_none(Ticket.id == ticket_id)
        if ticket is None or ticket.status != INCOMPLETE or ticket.due_at > now:
            return None
        _close(
            ticket,
            None,
            "expired",
            "expired",
            _("Dokumen persyaratan tidak dilengkapi dalam satu bulan."),
            now,
            label=SYSTEM_LABEL,
        )
    return ticket


def expire_overdue(*, now=None, batch_size: int = 200) -> int:
    """Close every incomplete ticket past its deadline, a batch at a time; returns how many.
    Idempotent: a second run finds nothing; a missed day is caught up on the next run.
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
        for ticket_id in ids:
            try:
                if expire(ticket_id, now=now) is not None:
                    closed += 1
            except WorkflowError:
                pass  # someone acted on it at the same moment: it is no longer ours to close
        last_id = ids[-1]


# --- the requester's lost tracking link ---------------------------------------------------------


def resend_tracking_link(number: str, email: str, *, now=None) -> None:
    """ "Lost your link?": when the ticket number and the requester's email both match a ticket,
    email its private tracking link again (a non-public history entry and one outbox row to the
    requester). Returns nothing either way, so that a page can answer the same whether or not
    they match and nobody learns which tickets or addresses exist.
    """
    now = now or utcnow()
    email = (email or "").strip().lower()
    if not email or not (number or "").strip():
        return None
    with write_transaction():
        ticket = Ticket.by_number(number)
        if ticket is None or ticket.requester_email != email:
            return None
        event = _event(ticket, None, "link_resent", now=now, public=False)
        notify(ticket, event, "tracking_link", requester=True)
    return None


# --- what a user may do now ---------------------------------------------------------------------


def available_actions(actor, ticket: Ticket) -> set[str]:
    """The staff actions `actor` may take on `ticket` now (the buttons a page should show),
    by the same rules the transitions enforce.
    """
    actions = set()
    helpdesk = assigned = False
    try:
        _require_helpdesk(actor, ticket)
        helpdesk = True
    except WorkflowError:
        pass
    try:
        _require_assigned_agent(actor, ticket)
        assigned = True
    except WorkflowError:
        pass
    status = ticket.status
    if helpdesk and status == OPEN:
        actions |= {"verify_complete", "verify_incomplete", "reject"}
    if helpdesk and status == VERIFIED:
        actions.add("dispose")
    if helpdesk and status == ASSIGNED:
        actions.add("reassign")
    if assigned and status == ASSIGNED:
        actions |= {"attach_document", "generate_ba", "mark_selesai"}
    if (helpdesk or assigned) and status == SIGNED:
        actions.add("close")
    return actions


# --- SOP step 5: the generated Berita Acara -----------------------------------------------------

BA_WORK_DONE_MAX = 5000


def prepare_berita_acara(actor, ticket_id, work_done: str, *, now=None) -> Ticket:
    """The assigned agent asks for a generated Berita Acara while the ticket is assigned, with
    the description of the work done (required, at most 5000 characters). The ticket gets its BA
    number once (sequential per local year, `BA/0001/DISKOMINFO/2026`); a regenerated BA keeps
    it. The PDF itself is rendered in the background and attached as a new `ba` version.
    """
    now = now or utcnow()
    work_done = (work_done or "").strip()
    if not work_done:
        raise WorkflowError(_("Tuliskan pekerjaan yang telah dilakukan."))
    if len(work_done) > BA_WORK_DONE_MAX:
        raise WorkflowError(
            _("Uraian pekerjaan terlalu panjang (maksimal %(n)d karakter).", n=BA_WORK_DONE_MAX)
        )
    with write_transaction():
        ticket = _load(ticket_id)
        _require_assigned_agent(actor, ticket)
        _expect(ticket, ASSIGNED)
        changes = {}
        if not ticket.ba_number:
            year = calendar.to_local(now).year
            changes["ba_number"] = f"BA/{next_value(f'ba-{year}'):04d}/DISKOMINFO/{year}"
        _apply(ticket, now, **changes)  # serialises with a concurrent Selesai or second request
        _event(
            ticket,
            actor,
            "ba_requested",
            _(
                "Berita Acara %(number)s dibuat. Pekerjaan: %(work)s",
                number=ticket.ba_number,
                work=work_done,
            ),
            now=now,
            public=False,
        )
    return ticket
