"""The ticket page: every field, the documents, the history, the steps, and the SOP's actions.

Which buttons show comes from `workflow.available_actions`; every action calls one workflow
function and shows `str(WorkflowError)` when refused: the page again, with 403 for a wrong role,
409 for a wrong state or a stale version, 400 for values not accepted. Every path loads the
ticket through the user's scope first: outside it, 404. Names of steps, states and history
entries come from the SOP tables (`models.sop`, `models.workflow.transitions`).
"""

from __future__ import annotations

import io

from flask import abort, flash, redirect, request, send_file, url_for
from flask_admin import expose
from flask_babel import gettext as _
from flask_security import current_user
from peewee import JOIN

from deskadmin.audit import audit_staff
from deskadmin.page_urls import id_url
from deskadmin.ticket_cells import is_due_soon, status_badge
from deskadmin.ticket_reads import (
    admin_names,
    agent_names,
    event_rows,
    page_labels,
    required_documents,
    seksi_by_id,
    signature_checks,
    step_rows,
    ticket_documents,
    with_catalogue,
)
from deskadmin.tickets import Agent, TicketListBase
from formatting import age_writer, datetime_writer
from language import translated_template
from models import workflow
from models.catalog import DURATION_CLASSES, RequiredDocument, Seksi
from models.staff import ADMIN, User
from models.storage import CorruptDocument, store
from models.ticket import (
    DOCUMENT_KINDS,
    INTAKE_CHANNELS,
    SIGNED_KINDS,
    Document,
    Ticket,
)
from models.uploads import Upload
from models.workflow import TRANSITIONS, WorkflowError
from models.workflow.transitions import STAFF_ACTIONS
from security_headers import sandbox
from tasks.berita_acara import request_berita_acara
from tasks.sla import request_sla
from views.downloads import attachment

INLINE_TYPES = {"application/pdf", "image/jpeg", "image/png"}
# the history entries the "Percakapan" card shows: messages, notes, replies, questions
CONVERSATION_EVENTS = ("message", "internal_note", "requester_reply", "paused", "answered")


def _int_or_none(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


def _upload_from_request(name="file"):
    storage = request.files.get(name)
    if storage is None or not storage.filename:
        raise WorkflowError(_("Pilih berkas yang akan diunggah."))
    return Upload(storage.filename, storage.read())


def _received_uploads(ticket) -> list[Upload]:
    """The files the helpdesk attaches for documents received by another channel: one slot per
    required document (`dokumen-<id>`), each optional."""
    uploads = []
    for doc in RequiredDocument.for_layanan(ticket.layanan_id):
        storage = request.files.get(f"dokumen-{doc.id}")
        if storage is not None and storage.filename:
            uploads.append(Upload(storage.filename, storage.read(), doc.id))
    return uploads


def run_action(user, ticket, name):
    """Call the workflow function behind one button, with the form's plain values."""
    form = request.form
    note = form.get("note", "")
    if name == "verify_complete":
        return workflow.verify_complete(user, ticket.id, note)
    if name == "verify_incomplete":
        missing = [i for i in (_int_or_none(x) for x in form.getlist("missing")) if i is not None]
        return workflow.verify_incomplete(user, ticket.id, missing, note)
    if name == "dispose":
        return workflow.dispose(user, ticket.id, _int_or_none(form.get("agent")), note)
    if name == "reassign":
        return workflow.reassign(user, ticket.id, _int_or_none(form.get("agent")), note)
    if name == "attach_document":
        upload = _upload_from_request()
        return workflow.attach_document(user, ticket.id, form.get("kind", ""), upload, note=note)
    if name == "generate_ba":
        return request_berita_acara(user, ticket.id, form.get("work_done", ""))
    if name == "generate_sla":
        return request_sla(user, ticket.id)
    if name == "mark_selesai":
        return workflow.mark_selesai(user, ticket.id, note)
    if name == "close":
        confirm = form.get("confirm_wet_ink") == "1"
        return workflow.close(user, ticket.id, note, confirm_wet_ink=confirm)
    if name == "reject":
        return workflow.reject(user, ticket.id, form.get("reason", ""))
    if name == "receive_documents":
        return workflow.receive_documents(
            user, ticket.id, _received_uploads(ticket), form.get("channel", ""), note
        )
    if name == "extend_window":
        return workflow.extend_window(user, ticket.id, form.get("reason", ""))
    if name == "return_signed":
        kinds = form.getlist("kinds")
        return workflow.return_signed(user, ticket.id, kinds, form.get("reason", ""))
    if name == "post_message":
        files = [Upload(f.filename, f.read()) for f in request.files.getlist("files") if f.filename]
        return workflow.post_message(user, ticket.id, form.get("body", ""), files)
    if name == "post_note":
        return workflow.post_note(user, ticket.id, form.get("body", ""))
    if name == "pause":
        return workflow.pause(user, ticket.id, form.get("body", ""))
    if name == "resume":
        return workflow.resume(user, ticket.id, note)
    raise AssertionError(f"no form for staff action {name!r}")  # STAFF_ACTIONS has a form each


class TicketView(TicketListBase):
    """Every ticket in one's scope (opening on the open ones, most urgent due time first), and
    the ticket page with its actions."""

    column_default_sort = ("due_at", False)
    default_shown = "open"
    prepare_list = True  # the scope alone: its page and count compiled once per shape

    @expose("/details/")
    def details_view(self):
        ticket = with_catalogue(self.scoped_ticket(request.args.get("id"), self.page_query))
        if ticket.reply_unread and workflow.mark_replies_read(current_user, ticket.id):
            ticket.reply_unread = False  # the staff answering for the step have now read it
        return self.render_ticket(ticket)

    def page_query(self):
        """The ticket page's ticket: every column of the ticket and of its agent the name only
        (not the whole account: hashes, second factor). Its agency, its service and the
        service's seksi (whose bidang decides the desk's actions, `ticket_bidang_id`) are the
        catalogue's rows kept per process (`with_catalogue`): joined, they cost PostgreSQL more
        to plan (1.2 ms, five tables) than to read."""
        return Ticket.select(Ticket, Agent.id, Agent.name).join(
            Agent, JOIN.LEFT_OUTER, on=(Ticket.assigned_agent == Agent.id), attr="agent"
        )

    def render_ticket(self, ticket, status=200):
        slots, extra, others, missing_ids = ticket_documents(ticket.id)
        required = required_documents(ticket.layanan_id)
        missing = set(missing_ids)
        # the user itself, not the proxy: the table's ~20 rows each ask for its roles and ids
        actions = workflow.available_actions(current_user._get_current_object(), ticket)
        labels = page_labels()
        gettext, text, lookup = labels.gettext, labels.text, labels.lookup
        local_datetime = datetime_writer(remember=True)
        events = event_rows(ticket.id, labels, local_datetime)
        agents, admins = [], []
        if actions & {"dispose", "reassign"}:
            agents = [
                a for a in agent_names(ticket.layanan.seksi_id) if a.id != ticket.assigned_agent_id
            ]
            if not agents:  # the form names who can fix it
                admins = admin_names()
        page = self.render(
            translated_template("admin/ticket_detail.html"),
            _=gettext,
            gettext=gettext,
            text=text,
            ticket=ticket,
            seksi=seksi_by_id(ticket.layanan.seksi_id),
            duration_label=text(DURATION_CLASSES.get(ticket.layanan.duration, "")),
            intake_label=text(INTAKE_CHANNELS.get(ticket.intake_channel or "", "")),
            slots=slots,
            other_documents=extra + others,
            missing_ids=missing,
            sla_template=ticket.layanan.sla_template_filename,
            required=required,
            missing_names=[r.name for r in required if r.id in missing],
            intake_channels={k: text(v) for k, v in INTAKE_CHANNELS.items()}
            if "receive_documents" in actions
            else {},
            signed_kinds={k: text(DOCUMENT_KINDS[k]) for k in SIGNED_KINDS}
            if ticket.status == "selesai" or "return_signed" in actions
            else {},
            signed_in=Document.signed_in_among(others),
            signature_checks=signature_checks([d.id for d in others if d.kind in SIGNED_KINDS]),
            wet_ink_pending=[str(d.kind_label) for d in workflow.unconfirmed_wet_ink(ticket.id)]
            if "close" in actions
            else [],
            events=events,
            conversation=[e for e in events if e.action in CONVERSATION_EVENTS],
            steps=step_rows(ticket.id, labels, local_datetime),
            status_label=labels.states[ticket.status],
            overdue=ticket.is_overdue(),
            step_title=labels.step(ticket.step, ticket.status) if ticket.step else "",
            action_labels=labels.actions,
            actions=actions,
            agents=agents,
            admin_names=admins,
            status_badge=status_badge,
            due_soon=is_due_soon(ticket),
            local_datetime=local_datetime,
            age=age_writer(gettext=lookup),
            document_url=id_url(".document_view", "document_id", ticket_id=ticket.id),
            inline_types=INLINE_TYPES,
        )
        return page if status == 200 else (page, status)

    @expose("/<int:ticket_id>/aksi/<action>", methods=("POST",))
    def ticket_action(self, ticket_id, action):
        ticket = self.scoped_ticket(ticket_id)
        if action not in STAFF_ACTIONS:
            abort(404)
        try:
            run_action(current_user, ticket, action)
        except WorkflowError as exc:
            # 403 wrong role, 409 wrong state or stale version, 400 values not accepted
            flash(str(exc), "error")
            return self.render_ticket(self.scoped_ticket(ticket_id), exc.http_status)
        flash(TRANSITIONS[action].done, "success")
        return redirect(url_for(".details_view", id=ticket.id), code=303)

    @expose("/<int:ticket_id>/dokumen/<int:document_id>")
    def document_view(self, ticket_id, document_id):
        ticket = self.scoped_ticket(ticket_id)
        doc = Document.get_or_none(Document.id == document_id, Document.ticket == ticket.id)
        if doc is None:
            abort(404)
        try:
            data = store.get(doc.sha256)
        except CorruptDocument:
            abort(410)
        inline = request.args.get("inline") == "1" and doc.content_type in INLINE_TYPES
        audit_staff(
            "document_preview" if inline else "document_download",
            f"ticket {ticket.number} document {doc.id} ({doc.filename})",
            {"kind": doc.kind, "version": doc.version, "sha256": doc.sha256},
        )
        response = send_file(
            io.BytesIO(data),
            mimetype=doc.content_type,
            as_attachment=not inline,
            download_name=doc.filename,
            max_age=0,
        )
        response.headers["Cache-Control"] = "private, no-store"
        return sandbox(response, pdf_preview=inline and doc.content_type == "application/pdf")

    @expose("/<int:ticket_id>/templat-sla")
    def sla_template(self, ticket_id):
        """The SLA template of the ticket's service, for whoever may see the ticket."""
        ticket = self.scoped_ticket(ticket_id)
        return attachment(
            ticket.layanan.sla_template_sha256,
            ticket.layanan.sla_template_filename,
            ticket.layanan.sla_template_content_type,
        )

    # --- bulk disposition --------------------------------------------------------------------
    @expose("/disposisi-massal/", methods=("GET", "POST"))
    def bulk_dispose(self):
        raw = request.values.get("ids", "")
        ids = [i for i in (_int_or_none(x) for x in raw.split(",")) if i is not None]
        tickets = list(self.get_query().where(Ticket.id.in_(ids)).order_by(Ticket.number))
        if not tickets:
            abort(404)
        seksi_ids = {t.layanan.seksi_id for t in tickets}
        agents = [a for s in sorted(seksi_ids) for a in User.agents_of_seksi(s)]
        staffed = {a.seksi_id for a in agents}
        without_agent = [Seksi.get_by_id(s).name for s in sorted(seksi_ids - staffed)]
        admin_names = [u.name for u in User.with_role(ADMIN).order_by(User.name)]
        results = None
        if request.method == "POST":
            agent_id = _int_or_none(request.form.get("agent"))
            note = request.form.get("note", "")
            results = []
            for ticket_id in ids:  # ids outside the scope get the workflow's "not found"
                ticket = next((t for t in tickets if t.id == ticket_id), None)
                number = ticket.number if ticket else f"#{ticket_id}"
                try:
                    if ticket is None:
                        raise WorkflowError(_("Tiket tidak ditemukan."))
                    workflow.dispose(current_user, ticket.id, agent_id, note)
                    results.append((number, True, _("Didisposisikan.")))
                except WorkflowError as exc:
                    results.append((number, False, str(exc)))
        return self.render(
            "admin/bulk_dispose.html",
            tickets=tickets,
            agents=agents,
            ids=",".join(str(i) for i in ids),
            results=results,
            without_agent=without_agent,
            admin_names=admin_names if without_agent else [],
            status_badge=status_badge,
        )
