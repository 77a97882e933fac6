"""SOP steps 2 and 3: a request enters (web or on behalf), verification, the requester
completes missing documents; and the lost tracking link.
"""

from __future__ import annotations

import secrets

from flask_babel import gettext as _
from peewee import IntegrityError

from language import LANGUAGES
from models import prepared
from models.calendar import calendar, kept_holidays
from models.catalog import Layanan, PerangkatDaerah, RequiredDocument
from models.db import create, utcnow, write_transaction
from models.outbox import notify
from models.scope import intake_services
from models.sequence import next_value
from models.sop import step_for_status
from models.ticket import (
    CHANNEL_HELPDESK,
    CHANNEL_WEB,
    INTAKE_CHANNELS,
    MissingDocument,
    Ticket,
    TicketStep,
)
from models.validation import check_request, normalize_nip
from models.workflow.base import (
    OPENED_STAFF,
    REQUESTER_LABEL,
    NewRequest,
    WorkflowError,
    _check_files,
    _event,
    _load,
    _load_by_token,
    _put_files,
    _store_documents,
    check,
    log_created,
    transition,
)
from models.workflow.transitions import REQUESTER_ACTOR, TRANSITIONS, actor_fits

# --- SOP step 2: a request enters the Service Desk ---------------------------------------------


def submit(
    actor,
    request: NewRequest,
    files=(),
    *,
    submission_key=None,
    intake_channel=None,
    received_at=None,
    language: str = "id",
    now=None,
    layanan: Layanan | None = None,
    perangkat_daerah: PerangkatDaerah | None = None,
    required_documents=None,
) -> Ticket:
    """Open a ticket (SOP step 2): by the requester on the web (`actor` None), or by
    helpdesk/admin on the requester's behalf (`actor` the staff user, with `intake_channel`).

    The service must be active, and the Perangkat Daerah. `layanan`, `perangkat_daerah` and
    `required_documents` are the catalogue rows the caller already read for `request` (the
    active service, the active agency, the service's required documents); each is read here
    when not given, or when it is not the one `request` names.

    On the web every required document of the service must be attached. The same
    `submission_key` never makes two tickets: the second call returns the first ticket (its
    insert refused by the key's unique index, its transaction rolled back, its files removed;
    the key is not looked up beforehand, a read that nearly every submission would pay for
    the rare form sent twice).
    Emails: Open Tiket to the requester, helpdesk of the bidang, admins, Kepala Bidang and
    Kepala Seksi. `language` is the requester's (`id` or `en`): their emails are written in it.
    """
    now = now or utcnow()
    if language not in LANGUAGES:
        raise WorkflowError(_("Bahasa tidak dikenal."))
    action = "submit" if actor is None else "submit_on_behalf"
    if actor is not None:
        if not actor_fits(TRANSITIONS[action].actor, actor):
            raise WorkflowError(_("Anda tidak berwenang mencatat permohonan."), WorkflowError.ROLE)
        if intake_channel not in INTAKE_CHANNELS:
            raise WorkflowError(
                _("Pilih saluran masuk permohonan (telepon, surat, datang langsung atau email).")
            )
        if received_at is not None and received_at > now:
            raise WorkflowError(_("Waktu permohonan diterima tidak boleh di masa depan."))
    errors = check_request(request)
    if errors:
        raise WorkflowError(" ".join(errors.values()))
    if layanan is None or layanan.id != request.layanan_id or not layanan.active:
        required_documents = None  # they were the other service's
        layanan = Layanan.get_or_none(Layanan.id == request.layanan_id, Layanan.active == True)  # noqa: E712
    if layanan is None:
        raise WorkflowError(_("Layanan yang dipilih tidak tersedia."))
    if actor is not None and not intake_services(actor).where(Layanan.id == layanan.id).exists():
        raise WorkflowError(
            _(
                "Layanan “%(name)s” bukan layanan bidang Anda; permohonan ini dicatat oleh "
                "helpdesk bidang yang menanganinya.",
                name=layanan.name,
            ),
            WorkflowError.ROLE,
        )
    pd = perangkat_daerah
    if pd is None or pd.id != request.perangkat_daerah_id or not pd.active:
        pd = PerangkatDaerah.get_or_none(
            PerangkatDaerah.id == request.perangkat_daerah_id,
            PerangkatDaerah.active == True,  # noqa: E712
        )
    if pd is None:
        raise WorkflowError(_("Perangkat Daerah yang dipilih tidak dikenal."))
    checked = _check_files(files)
    if required_documents is None or any(r.layanan_id != layanan.id for r in required_documents):
        required_documents = RequiredDocument.for_layanan(layanan.id)
    required = {r.id: r for r in required_documents}
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
        # The key is not looked up first: its unique index refuses a second ticket of one
        # form (IntegrityError below), the transaction rolled back, also when both commit at
        # the same instant.
        with _put_files(checked) as stored, write_transaction():
            local_year = calendar.to_local(now).year
            number = f"SD-{local_year}-{next_value(f'ticket-{local_year}'):06d}"
            target = TRANSITIONS[action].target
            step = step_for_status(target)
            with kept_holidays():  # read a short while per process, not per submission
                due = step.due(now, layanan)
            ticket = create(
                Ticket,
                number=number,
                tracking_token=secrets.token_urlsafe(32),
                submission_key=submission_key or None,
                requester_name=request.requester_name.strip(),
                requester_nip=normalize_nip(request.requester_nip),
                requester_position=request.requester_position.strip(),
                requester_email=request.requester_email.strip().lower(),
                requester_phone=request.requester_phone.strip(),
                requester_language=language,
                perangkat_daerah=pd,
                layanan=layanan,
                subject=request.subject.strip(),
                description=request.description.strip(),
                channel=CHANNEL_WEB if actor is None else CHANNEL_HELPDESK,
                intake_channel=intake_channel if actor is not None else None,
                received_at=(received_at or now) if actor is not None else None,
                created_by=actor,
                status=target,
                step=step.number,
                step_started_at=now,
                due_at=due,
                created_at=now,
                updated_at=now,
            )
            create(
                TicketStep,
                ticket=ticket,
                step=step.number,
                status=target,
                started_at=now,
                due_at=due,
            )
            _store_documents(ticket, stored, "persyaratan", actor, now, new_ticket=True)
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
                TRANSITIONS[action].event,
                note,
                to_status=target,
                now=now,
                label=REQUESTER_LABEL if actor is None else None,
                new_ticket=True,
            )
            log_created(ticket, action, actor)
            notify(ticket, event, "opened", requester=True, staff=OPENED_STAFF)
    except IntegrityError:
        # A form sent again (a double click, the back button): the unique key let one through.
        existing = submission_key and _submitted(submission_key)
        if not existing:
            raise
        return existing
    return ticket


def _submitted(submission_key: str) -> Ticket | None:
    """The ticket a submission key already made, or None: the id read first by a statement
    compiled once per process (`models.prepared`), then the row."""
    found = prepared.first(
        "submission-key",
        lambda key: Ticket.select(Ticket.id).where(Ticket.submission_key == key).tuples(),
        submission_key,
    )
    return None if found is None else Ticket.get_by_id(found[0])


# --- SOP step 3: verification of the requirement documents ---------------------------------------


def verify_complete(actor, ticket_id, note: str = "", *, now=None) -> Ticket:
    """Helpdesk/admin: the requirement documents are complete (Ya); the ticket awaits disposal."""
    now = now or utcnow()
    with write_transaction():
        ticket = _load(ticket_id)
        t = check("verify_complete", actor, ticket)
        from_status = transition(ticket, actor, t.action, now)
        MissingDocument.replace(ticket.id, ())
        _event(ticket, actor, t.event, note, from_status=from_status, to_status=t.target, now=now)
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
        t = check("verify_incomplete", actor, ticket)
        required = {r.id: r for r in RequiredDocument.for_layanan(ticket.layanan_id)}
        missing = sorted({int(i) for i in missing_document_ids or ()})
        if not missing and not (note or "").strip():
            raise WorkflowError(_("Pilih dokumen yang kurang atau tuliskan catatan."))
        if any(i not in required for i in missing):
            raise WorkflowError(_("Dokumen yang dipilih bukan persyaratan layanan ini."))
        from_status = transition(ticket, actor, t.action, now)
        MissingDocument.replace(ticket.id, missing)
        full_note = incomplete_note([required[i].name for i in missing], note)
        event = _event(
            ticket,
            actor,
            t.event,
            full_note,
            from_status=from_status,
            to_status=t.target,
            now=now,
        )
        notify(ticket, event, "incomplete", requester=True)
    return ticket


def incomplete_note(missing_names, note: str) -> str:
    """The history note of "documents incomplete": the line "Kurang: A, B" (when documents are
    named), then the helpdesk's own note to the requester."""
    names = ", ".join(missing_names)
    lines = (names and _("Kurang: %(names)s", names=names), (note or "").strip())
    return "\n".join(x for x in lines if x)


def helpdesk_note(event_note: str, missing_names) -> str:
    """The helpdesk's own note in an `incomplete_note` (without its "Kurang: ..." line)."""
    first, _sep, rest = (event_note or "").partition("\n")
    if missing_names and first == incomplete_note(missing_names, ""):
        return rest.strip()
    return (event_note or "").strip()


def complete_documents(token: str, files, *, now=None) -> Ticket:
    """The requester uploads the missing documents; the ticket goes back to verification.
    Email: the helpdesk of the bidang.
    """
    now = now or utcnow()
    checked = _check_files(files)
    if not checked:
        raise WorkflowError(_("Lampirkan dokumen yang diminta."))
    with _put_files(checked) as stored, write_transaction():
        ticket = _load_by_token(token)
        t = check("complete_documents", REQUESTER_ACTOR, ticket)
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
        _store_documents(ticket, stored, "persyaratan", None, now)
        from_status = transition(ticket, REQUESTER_ACTOR, t.action, now)
        MissingDocument.replace(ticket.id, ())
        event = _event(
            ticket,
            None,
            t.event,
            _("%(count)d dokumen diunggah.", count=len(checked)),
            from_status=from_status,
            to_status=t.target,
            now=now,
        )
        notify(ticket, event, "documents_completed", staff=("helpdesk",))
    return ticket


# --- the requester's lost tracking link ---------------------------------------------------------


def resend_tracking_link(number: str, email: str, *, now=None) -> bool:
    """ "Lost your link?": when the ticket number and the requester's email both match a ticket,
    email its private tracking link again (a non-public history entry and one outbox row to the
    requester). A page answers the same whether or not they match, so that nobody learns which
    tickets or addresses exist; the result (an email was queued) is for the email volume limit
    only.
    """
    now = now or utcnow()
    email = (email or "").strip().lower()
    if not email or not (number or "").strip():
        return False
    with write_transaction():
        ticket = Ticket.by_number(number)
        if ticket is None or ticket.requester_email != email:
            return False
        event = _event(ticket, None, "link_resent", now=now, public=False)
        notify(ticket, event, "tracking_link", requester=True)
    return True
