"""The requester's private tracking page at `/lacak/<token>`, and "Lost your link?".

Whoever holds the token sees the ticket's number, service, status in plain words, the public
history, the due time of the current step and the required-documents checklist, and may do
exactly what the SOP lets the requester do now: upload the missing documents while the ticket is
`incomplete` (SOP step 3), return the counter-signed SLA and BA (together or one at a time) or
dispute the result while it is `selesai` (step 6), withdraw the request before Selesai, and reply
to the desk (text and files) while it is not closed, which answers the agent's question when the
work is paused. Every change goes through `models.workflow`. Once the ticket is closed as
fulfilled, the requester may answer the satisfaction survey (SKM) once (`models.skm`). An unknown
token is a 404.
"""

from __future__ import annotations

import io

from flask import Blueprint, abort, flash, redirect, render_template, request, send_file, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError

from extensions import limiter
from models import skm, workflow
from models.catalog import RequiredDocument
from models.scope import requester_documents, requester_may_download
from models.staff import User
from models.storage import CorruptDocument, store
from models.ticket import (
    DOCUMENT_KINDS,
    INCOMPLETE,
    PAUSED,
    SELESAI,
    SIGNED_KINDS,
    Document,
    Notification,
    Ticket,
    TicketEvent,
    TicketStep,
)
from models.workflow.transitions import NOTE_HIDDEN_FROM_REQUESTER
from security_headers import sandbox
from views import forms, survey_form
from views.abuse_limits import mail_limited, mail_queued, token_limited
from views.public import csrf_refused, rate_limited, too_large

bp = Blueprint("tracking", __name__)
bp.register_error_handler(429, rate_limited)
bp.register_error_handler(413, too_large)
bp.register_error_handler(CSRFError, csrf_refused)

LOST_LINK_LIMIT = "5 per minute;20 per hour"
ACTION_LIMIT = "20 per minute"
PRIVATE_HEADERS = {
    "Cache-Control": "no-store",
    # The token must not leak to other sites; same-origin (not no-referrer) because Flask-WTF
    # refuses a form posted over HTTPS without a same-origin Referer (WTF_CSRF_SSL_STRICT).
    "Referrer-Policy": "same-origin",
    "X-Robots-Tag": "noindex",
}


def _ticket_or_404(token: str) -> Ticket:
    ticket = Ticket.by_token(token)
    if ticket is None:
        abort(404)
    return ticket


@bp.errorhandler(404)
def not_found(error):
    message = _(
        "Tautan pelacakan ini tidak dikenal. Periksa kembali tautan dari email Anda, atau minta "
        "tautan dikirim ulang."
    )
    body = render_template(
        "public/message.html", title=_("Tiket tidak ditemukan"), message=message, lost_link=True
    )
    return body, 404, PRIVATE_HEADERS


def _timeline(ticket):
    events = list(TicketEvent.for_ticket(ticket.id, public_only=True))
    agents = {}
    if events:
        rows = (
            Notification.select(Notification.event, User.name)
            .join(User, on=(Notification.user == User.id))
            .where(Notification.event.in_([e.id for e in events]))
        )
        agents = {row.event_id: row.user.name for row in rows}
    # The deadline of each request for documents: the due time of the window it opened.
    deadlines = {
        step.started_at: step.due_at
        for step in TicketStep.select().where(
            TicketStep.ticket == ticket.id, TicketStep.status == INCOMPLETE
        )
    }
    return [
        {
            "at": e.at,
            "title": workflow.public_event_label(e.action) or workflow.event_label(e.action),
            "actor": e.actor_label,
            "agent": agents.get(e.id) if e.action in NOTE_HIDDEN_FROM_REQUESTER else None,
            "note": "" if e.action in NOTE_HIDDEN_FROM_REQUESTER else e.note,
            "action": e.action,
            "deadline": deadlines.get(e.at) if e.action == "incomplete" else None,
        }
        for e in events
    ]


def _open_question(ticket) -> str:
    """The agent's question the requester is asked to answer now (while paused), or ""."""
    if ticket.status != PAUSED:
        return ""
    event = (
        TicketEvent.select()
        .where(TicketEvent.ticket == ticket.id, TicketEvent.action == "paused")
        .order_by(TicketEvent.at.desc(), TicketEvent.id.desc())
        .first()
    )
    return event.note if event else ""


def _checklist(ticket):
    """Each required document: received, missing (asked for), or not yet given."""
    received = {
        d.required_document_id
        for d in Document.select(Document.required_document).where(
            Document.ticket == ticket.id, Document.kind == "persyaratan"
        )
    }
    missing = set(ticket.missing_document_ids) if ticket.status == INCOMPLETE else set()
    rows = []
    for doc in RequiredDocument.for_layanan(ticket.layanan_id):
        state = "missing" if doc.id in missing else "received" if doc.id in received else "absent"
        rows.append({"doc": doc, "state": state})
    return rows


def _awaited_signed(ticket) -> tuple[str, ...]:
    """The signed copies still awaited (both, until one is in)."""
    received = Document.signed_in(ticket.id)
    return tuple(k for k in SIGNED_KINDS if k not in received) or SIGNED_KINDS


def _request_for_documents(ticket, required) -> tuple[list, str]:
    """While incomplete: the names of the documents asked for and the helpdesk's note."""
    if ticket.status != INCOMPLETE:
        return [], ""
    missing_ids = set(ticket.missing_document_ids)
    names = [r.name for r in required if r.id in missing_ids]
    last = (
        TicketEvent.select()
        .where(TicketEvent.ticket == ticket.id, TicketEvent.action == "incomplete")
        .order_by(TicketEvent.at.desc(), TicketEvent.id.desc())
        .first()
    )
    return names, workflow.helpdesk_note(last.note, names) if last else ""


def _render(
    ticket,
    *,
    errors=None,
    general=None,
    status=200,
    typed=None,
    reply_text="",
    answers=None,
    error_title=None,
):
    own, results = requester_documents(ticket)
    missing_ids = set(ticket.missing_document_ids)
    required = list(RequiredDocument.for_layanan(ticket.layanan_id))
    asked_names, asked_note = _request_for_documents(ticket, required)
    body = render_template(
        "public/track.html",
        ticket=ticket,
        timeline=_timeline(ticket),
        checklist=_checklist(ticket),
        own_documents=own,
        results=results,
        actions=workflow.available_actions(workflow.REQUESTER_ACTOR, ticket),
        upload_slots=[r for r in required if r.id in missing_ids] or required,
        asked_names=asked_names,
        asked_note=asked_note,
        slots_mandatory=bool(missing_ids),
        errors=errors or {},
        general=general,
        extra_field=forms.EXTRA_FIELD,
        document_field=forms.document_field,
        signed_in=Document.signed_in(ticket.id),
        signed_kinds={k: DOCUMENT_KINDS[k] for k in SIGNED_KINDS},
        awaited_signed=_awaited_signed(ticket),
        typed=typed or {},
        reason_max=workflow.REASON_MAX,
        reply_text=reply_text,
        question=_open_question(ticket),
        answers=answers or {},
        error_title=error_title,
        **survey_form.context(ticket),
    )
    return body, status, PRIVATE_HEADERS


@bp.get("/lacak/<token>")
def track(token):
    """The tracking page of the ticket behind `token` (404 when unknown)."""
    return _render(_ticket_or_404(token))


@bp.post("/lacak/<token>/dokumen")
@limiter.limit(ACTION_LIMIT)
@token_limited
def complete_documents(token):
    """While incomplete: upload the missing documents; the ticket returns to verification."""
    ticket = _ticket_or_404(token)
    required = list(RequiredDocument.for_layanan(ticket.layanan_id))
    missing = set(ticket.missing_document_ids)
    slots = [r for r in required if r.id in missing] if missing else required
    files, errors = forms.read_documents(request.files, slots, mandatory=bool(missing))
    if not errors and not files:
        errors[forms.EXTRA_FIELD] = _("Lampirkan dokumen yang diminta.")
    if errors:
        return _render(ticket, errors=errors, status=400)
    try:
        workflow.complete_documents(token, files)
    except workflow.WorkflowError as error:
        return _render(Ticket.by_token(token), general=str(error), status=error.http_status)
    flash(_("Dokumen diterima. Permohonan Anda akan diverifikasi ulang oleh helpdesk."))
    return redirect(url_for("tracking.track", token=token), 303)


@bp.post("/lacak/<token>/balasan")
@limiter.limit(ACTION_LIMIT)
@token_limited
def submit_signed(token):
    """While selesai: return the counter-signed SLA and BA, together or one at a time."""
    ticket = _ticket_or_404(token)
    awaited = _awaited_signed(ticket)
    files, errors = forms.read_signed(request.files, awaited)
    if errors:
        return _render(ticket, errors=errors, status=400)
    try:
        ticket = workflow.submit_signed(token, files.get("sla_signed"), files.get("ba_signed"))
    except workflow.WorkflowError as error:
        return _render(Ticket.by_token(token), general=str(error), status=error.http_status)
    if ticket.status == SELESAI:
        flash(_("Balasan diterima. Mohon unggah juga dokumen yang masih ditunggu."))
    else:
        flash(_("SLA dan Berita Acara bertanda tangan diterima. Terima kasih."))
    return redirect(url_for("tracking.track", token=token), 303)


def _reasoned(token, verb, field: str, done):
    """Run a requester's verb that takes a typed reason; the page again with the message (and
    what was typed) when refused."""
    reason = request.form.get(field, "")
    try:
        verb(token, reason)
    except workflow.WorkflowError as error:
        ticket = Ticket.by_token(token)
        if ticket is None:
            abort(404)
        errors = {field: str(error)} if error.kind == error.INVALID else None
        general = None if errors else str(error)
        return _render(
            ticket, errors=errors, general=general, status=error.http_status, typed={field: reason}
        )
    flash(done)
    return redirect(url_for("tracking.track", token=token), 303)


@bp.post("/lacak/<token>/batal")
@limiter.limit(ACTION_LIMIT)
def withdraw(token):
    """Before Selesai: the requester withdraws the request, with a reason."""
    _ticket_or_404(token)
    return _reasoned(
        token, workflow.withdraw, "withdraw_reason", _("Permohonan Anda telah dibatalkan.")
    )


@bp.post("/lacak/<token>/keberatan")
@limiter.limit(ACTION_LIMIT)
def dispute(token):
    """At step 6: the requester says the work is not done; the ticket goes back to the agent."""
    _ticket_or_404(token)
    return _reasoned(
        token,
        workflow.dispute,
        "dispute_reason",
        _("Keberatan Anda diterima; tiket dikembalikan kepada petugas teknis."),
    )


@bp.post("/lacak/<token>/pesan")
@limiter.limit(ACTION_LIMIT)
def reply(token):
    """While not closed: the requester's reply (text, optional files); while the agent waits for
    an answer it is the answer, and the work resumes."""
    ticket = _ticket_or_404(token)
    body = request.form.get("body", "")
    errors = {}
    files = forms.read_extra(request.files, errors)
    if not body.strip():
        errors["body"] = _("Tuliskan balasan Anda.")
    if errors:
        return _render(ticket, errors=errors, status=400, reply_text=body)
    try:
        workflow.requester_reply(token, body, files)
    except workflow.WorkflowError as error:
        return _render(
            Ticket.by_token(token), general=str(error), status=error.http_status, reply_text=body
        )
    flash(_("Balasan Anda terkirim kepada petugas Service Desk."))
    return redirect(url_for("tracking.track", token=token), 303)


@bp.post("/lacak/<token>/survei")
@limiter.limit(ACTION_LIMIT)
def survey(token):
    """Once the ticket is closed as fulfilled: the requester answers the satisfaction survey
    (SKM), once; the page again with the messages when refused."""
    ticket = _ticket_or_404(token)
    values, comment, errors = survey_form.read_answers(request.form)
    answers = {**values, survey_form.COMMENT_FIELD: comment}
    title = _("Penilaian belum dapat dikirim")
    if errors:
        return _render(ticket, errors=errors, status=400, answers=answers, error_title=title)
    try:
        skm.submit_survey(token, values, comment)
    except workflow.WorkflowError as error:
        return _render(
            ticket, general=str(error), status=error.http_status, answers=answers, error_title=title
        )
    flash(_("Terima kasih. Penilaian Anda telah kami terima."))
    return redirect(url_for("tracking.track", token=token), 303)


@bp.get("/lacak/<token>/berkas/<int:document_id>")
def download(token, document_id):
    """One document of the ticket, as an attachment, never rendered by the browser."""
    ticket = _ticket_or_404(token)
    document = Document.get_or_none(Document.id == document_id)
    if document is None or not requester_may_download(ticket, document):
        return not_found(None)
    try:
        data = store.get(document.sha256)
    except CorruptDocument:
        message = _("Berkas ini tidak dapat dibaca. Hubungi helpdesk Diskominfo.")
        return render_template("public/message.html", title=_("Berkas rusak"), message=message), 500
    response = send_file(
        io.BytesIO(data),
        mimetype=document.content_type,
        as_attachment=True,
        download_name=document.filename,
        max_age=0,
    )
    response.headers.update(PRIVATE_HEADERS)
    return sandbox(response)


@bp.route("/lacak", methods=["GET", "POST"])
@limiter.limit(LOST_LINK_LIMIT, methods=["POST"])
@mail_limited
def lost_link():
    """ "Lost your link?": ticket number + email; the answer is the same whether they match."""
    if request.method == "POST":
        number = request.form.get("number", "").strip()
        email = request.form.get("email", "").strip()
        errors = {}
        if not number:
            errors["number"] = _("Nomor tiket wajib diisi.")
        if not email:
            errors["email"] = _("Alamat email wajib diisi.")
        if errors:
            body = render_template(
                "public/lost_link.html", errors=errors, values={"number": number, "email": email}
            )
            return body, 400
        if workflow.resend_tracking_link(number, email):
            mail_queued()
        flash(
            _(
                "Jika nomor tiket dan alamat email tersebut cocok, tautan pelacakan telah dikirim "
                "ulang ke alamat email itu. Periksa juga folder spam."
            )
        )
        return redirect(url_for("tracking.lost_link"), 303)
    return render_template("public/lost_link.html", errors={}, values={})
