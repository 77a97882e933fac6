"""SOP steps 4 to 6: disposition, the SLA and the Berita Acara, Selesai, the requester's
counter-signed copies.
"""

from __future__ import annotations

from flask_babel import gettext as _

from models.calendar import calendar
from models.db import utcnow, write_transaction
from models.official_parties import missing_values
from models.operations import IssuedDocumentRequest
from models.outbox import notify
from models.sequence import next_value
from models.staff import AGENT, User
from models.ticket import DOCUMENT_KINDS, SIGNED_KINDS, Document, Ticket
from models.workflow import signed_copies
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
from models.workflow.transitions import REQUESTER_ACTOR

# --- SOP step 4: disposition --------------------------------------------------------------------


def _check_agent(ticket, agent_id) -> User:
    agent = User.get_or_none(User.id == agent_id) if agent_id is not None else None
    if agent is None or not agent.active or AGENT not in agent.role_names:
        raise WorkflowError(_("Petugas yang dipilih bukan agen aktif."))
    if agent.seksi_id != ticket.layanan.seksi_id:
        raise WorkflowError(_("Petugas harus berasal dari seksi pemilik layanan ini."))
    return agent


def dispose(actor, ticket_id, agent_id, note: str = "", *, now=None) -> Ticket:
    """Helpdesk/admin: assign a verified ticket to an agent of the service's seksi, with a note.
    Email: the agent.
    """
    return _give(actor, "dispose", ticket_id, agent_id, note, now)


def reassign(actor, ticket_id, agent_id, note: str = "", *, now=None) -> Ticket:
    """Helpdesk/admin: give an assigned ticket to another agent; the step's due time stays.
    Email: the new agent.
    """
    return _give(actor, "reassign", ticket_id, agent_id, note, now)


def _give(actor, action, ticket_id, agent_id, note, now) -> Ticket:
    """Disposisi or reassignment: the ticket to `agent_id`, the history naming the agent, the
    agent's email (the transition table says which states and whether the step moves on)."""
    now = now or utcnow()
    with write_transaction():
        ticket = _load(ticket_id)
        t = check(action, actor, ticket)
        agent = _check_agent(ticket, agent_id)
        if action == "reassign" and agent.id == ticket.assigned_agent_id:
            raise WorkflowError(_("Tiket sudah ditangani petugas tersebut."))
        from_status = transition(ticket, actor, t.action, now, assigned_agent=agent.id)
        event = _event(
            ticket,
            actor,
            t.event,
            _("Kepada %(agent)s. %(note)s", agent=agent.name, note=note or "").strip(),
            from_status=from_status,
            to_status=ticket.status,
            now=now,
        )
        notify(ticket, event, "disposed", staff=("agent",), user=agent)
    return ticket


# --- SOP step 5: fulfilment, SLA and BA, Selesai ------------------------------------------------


def attach_document(
    actor,
    ticket_id,
    kind: str,
    file,
    *,
    note: str = "",
    now=None,
    number: str | None = None,
    verification_code: str | None = None,
) -> Document:
    """The assigned agent attaches the SLA or the BA (a new version replaces the previous one
    as the current document; the old stays in the history) while the ticket is assigned. A
    document the desk generated carries its number and the verification code printed in it.
    """
    now = now or utcnow()
    if kind not in ("sla", "ba"):
        raise WorkflowError(_("Jenis dokumen tidak dikenal."))
    with _put_files(_check_files([file])) as staged, write_transaction():
        (stored,) = staged
        ticket = _load(ticket_id)
        t = check("attach_document", actor, ticket)
        transition(ticket, actor, t.action, now)  # serialises with a concurrent Selesai
        (doc,) = _store_documents(ticket, [stored], kind, actor, now)
        if number or verification_code:
            doc.number, doc.verification_code = number, verification_code
            doc.save()
        _event(
            ticket,
            actor,
            f"{t.event}_{kind}",
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
        t = check("mark_selesai", actor, ticket)
        missing = [
            label
            for kind, label in (("sla", "SLA"), ("ba", "Berita Acara"))
            if Document.current(ticket.id, kind) is None
        ]
        if missing:
            raise WorkflowError(
                _("Lampirkan dahulu %(docs)s sebelum menandai Selesai.", docs=" dan ".join(missing))
            )
        from_status = transition(ticket, actor, t.action, now)
        event = _event(
            ticket, actor, t.event, note, from_status=from_status, to_status=t.target, now=now
        )
        notify(ticket, event, "selesai", requester=True)
    return ticket


# --- SOP step 6: the requester returns the counter-signed SLA and BA ----------------------------


def submit_signed(token: str, sla_signed=None, ba_signed=None, *, now=None) -> Ticket:
    """The requester uploads the counter-signed SLA and/or BA, together or one at a time (at
    least one per call; a second copy of one already in is a new version). When both are in
    (and not returned) the ticket is ready to close (signed); until then it stays Selesai and the
    history says which one is still awaited. Each copy's signatures are checked first
    (`signed_copies.check_copies`): a broken one or a signed document that is not the issued one
    is refused and nothing is kept; the verdicts are stored and noted in the (public) history
    entry of the upload.
    Email: the agent, once both are in.
    """
    now = now or utcnow()
    given = {k: f for k, f in (("sla_signed", sla_signed), ("ba_signed", ba_signed)) if f}
    if not given:
        raise WorkflowError(_("Unggah SLA atau Berita Acara yang sudah ditandatangani."))
    with _put_files(_check_files(list(given.values()))) as staged, write_transaction():
        stored = dict(zip(given, staged, strict=True))
        ticket = _load_by_token(token)
        t = check("submit_signed", REQUESTER_ACTOR, ticket)
        verdicts = signed_copies.check_copies(ticket, stored)
        docs = {
            kind: _store_documents(ticket, [item], kind, None, now)[0]
            for kind, item in stored.items()
        }
        verdict_note = signed_copies.record(ticket, docs, verdicts)
        awaited = [k for k in SIGNED_KINDS if k not in Document.signed_in(ticket.id)]
        from_status = transition(ticket, REQUESTER_ACTOR, t.action, now, partial=bool(awaited))
        if awaited:
            note = _(
                "Diterima: %(got)s. Masih ditunggu: %(awaited)s.",
                got=", ".join(str(DOCUMENT_KINDS[k]) for k in stored),
                awaited=", ".join(str(DOCUMENT_KINDS[k]) for k in awaited),
            )
            _event(ticket, None, t.partial, f"{note} {verdict_note}", now=now)
            return ticket
        event = _event(
            ticket,
            None,
            t.event,
            verdict_note,
            from_status=from_status,
            to_status=t.target,
            now=now,
        )
        agent = User.get_or_none(User.id == ticket.assigned_agent_id)
        notify(ticket, event, "signed", staff=("agent",), user=agent)
    return ticket


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
        t = check("generate_ba", actor, ticket)
        _refuse_missing_values(ticket, actor, _("Berita Acara"), with_kepala_seksi=True)
        changes = {}
        if not ticket.ba_number:
            year = calendar.to_local(now).year
            changes["ba_number"] = f"BA/{next_value(f'ba-{year}'):04d}/DISKOMINFO/{year}"
        # serialises with a concurrent Selesai or second request
        transition(ticket, actor, t.action, now, **changes)
        # kept so that a rendering task lost with a killed consumer can be queued again
        IssuedDocumentRequest.create(
            ticket=ticket, agent=actor, kind="ba", work_done=work_done, issued_at=now
        )
        _event(
            ticket,
            actor,
            t.event,
            _(
                "Berita Acara %(number)s dibuat. Pekerjaan: %(work)s",
                number=ticket.ba_number,
                work=work_done,
            ),
            now=now,
            public=False,
        )
    return ticket


def _refuse_missing_values(ticket, actor, document_name, *, with_kepala_seksi: bool) -> None:
    missing = missing_values(ticket, actor, with_kepala_seksi=with_kepala_seksi)
    if missing:
        raise WorkflowError(
            _(
                "%(document)s belum dapat dibuat karena data berikut belum lengkap: %(values)s. "
                "Minta admin melengkapi data staf (halaman Pengguna staf) terlebih dahulu.",
                document=document_name,
                values="; ".join(missing),
            ),
            WorkflowError.INVALID,
        )


# --- SOP step 5: the generated SLA --------------------------------------------------------------


def prepare_sla(actor, ticket_id, *, now=None) -> Ticket:
    """The assigned agent asks for the SLA generated from the service's SLA template while the
    ticket is assigned (refused while a value it prints is missing). The ticket gets its SLA
    number once (`SLA/0001/DISKOMINFO/2026`); a regenerated SLA keeps it. The PDF is rendered in
    the background and attached as a new `sla` version; the agent may still upload their own.
    """
    now = now or utcnow()
    with write_transaction():
        ticket = _load(ticket_id)
        t = check("generate_sla", actor, ticket)
        _refuse_missing_values(ticket, actor, _("SLA"), with_kepala_seksi=False)
        changes = {}
        if not ticket.sla_number:
            year = calendar.to_local(now).year
            changes["sla_number"] = f"SLA/{next_value(f'sla-{year}'):04d}/DISKOMINFO/{year}"
        transition(ticket, actor, t.action, now, **changes)
        # kept so that a rendering task lost with a killed consumer can be queued again
        IssuedDocumentRequest.create(ticket=ticket, agent=actor, kind="sla", issued_at=now)
        _event(
            ticket,
            actor,
            t.event,
            _("SLA %(number)s dibuat.", number=ticket.sla_number),
            now=now,
            public=False,
        )
    return ticket
