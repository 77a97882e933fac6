"""What an outbox row says: subject, plain-text and HTML parts, links and attachments.

One template pair per kind in `templates/email/<kind>.txt` and `.html` (Bahasa Indonesia through
Flask-Babel). The requester's link is the private tracking page; staff get the ticket's staff
page (`staff_ticket_url`, the one place that knows its address).
"""

from __future__ import annotations

from email.utils import parseaddr

from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from flask_mailman import EmailMultiAlternatives

from formatting import local_datetime
from language import DEFAULT, supported
from models.catalog import RequiredDocument
from models.storage import store
from models.ticket import AUDIENCE_REQUESTER, STATUSES, Document
from models.workflow import helpdesk_note

KINDS = (
    "opened",
    "incomplete",
    "documents_completed",
    "disposed",
    "selesai",
    "signed",
    "closed",
    "tracking_link",
    "reminder_overdue",
    "reminder_escalation",
    "reminder_deadline",
    "reminder_signed",
    "documents_received",
    "window_extended",
    "signed_returned",
    "disputed",
    "message",
    "question",
    "requester_reply",
)


def subject_of(kind: str, ticket) -> str:
    """The subject line of an email of `kind` about `ticket` (ticket number first)."""
    subjects = {
        # One line whatever was stored: a header never carries a line break.
        "opened": _("Tiket dibuka: %(subject)s", subject=" ".join(ticket.subject.split())),
        "incomplete": _("Dokumen persyaratan belum lengkap"),
        "documents_completed": _("Dokumen persyaratan telah dilengkapi"),
        "disposed": _("Disposisi tiket kepada Anda"),
        "selesai": _("Permohonan selesai: mohon kirim balasan SLA dan BA"),
        "signed": _("Balasan SLA dan BA telah diterima"),
        "closed": _("Tiket ditutup: %(reason)s", reason=ticket.close_reason_label),
        "tracking_link": _("Tautan pelacakan tiket Anda"),
        "reminder_overdue": _("Pengingat: langkah tiket melewati batas waktu"),
        "reminder_escalation": _("Eskalasi: tiket terlambat lebih dari satu hari kerja"),
        "reminder_deadline": _("Pengingat: batas waktu kelengkapan dokumen"),
        "reminder_signed": _("Pengingat: balasan SLA dan BA belum diterima"),
        "documents_received": _("Dokumen persyaratan diterima helpdesk"),
        "window_extended": _("Batas waktu kelengkapan dokumen diperpanjang"),
        "signed_returned": _("Balasan SLA/BA dikembalikan: mohon kirim ulang"),
        "disputed": _("Keberatan pemohon: pekerjaan belum selesai"),
        "message": _("Pesan dari Service Desk"),
        "question": _("Petugas membutuhkan informasi dari Anda"),
        "requester_reply": _("Balasan baru dari pemohon"),
    }
    return f"[{ticket.number}] {subjects.get(kind, kind)}"


def tracking_url(ticket) -> str:
    return f"{current_app.config['BASE_URL']}/lacak/{ticket.tracking_token}"


def staff_ticket_url(ticket_id: int) -> str:
    """The staff page of a ticket (the one place that knows the staff URL pattern)."""
    return f"{current_app.config['BASE_URL']}/admin/tiket/details/?id={ticket_id}"


def message_id(row) -> str:
    """`<notification-ID.NUMBER@domain>`: the same on every attempt, so a duplicate shows."""
    domain = parseaddr(current_app.config["MAIL_FROM"])[1].rpartition("@")[2] or "localhost"
    return f"<notification-{row.id}.{row.ticket.number.lower()}@{domain}>"


def context_of(row) -> dict:
    """What the templates of `row.kind` may show."""
    ticket = row.ticket
    to_requester = row.audience == AUDIENCE_REQUESTER
    # The accessor: no query when the sender loaded the agent with the ticket (tasks.mail).
    agent = ticket.assigned_agent if ticket.assigned_agent_id else None
    missing = [
        RequiredDocument.get_by_id(i).name
        for i in ticket.missing_document_ids
        if RequiredDocument.get_or_none(RequiredDocument.id == i) is not None
    ]
    event = row.event if row.event_id else None
    # The status the event reported, not a later one the ticket reached before a late send.
    status = STATUSES.get(event.to_status) if event and event.to_status else ticket.status_label
    return {
        "step": ticket.current_step,
        "kind": row.kind,
        "ticket": ticket,
        "to_requester": to_requester,
        "status": str(status),
        "close_reason": str(ticket.close_reason_label),
        "note": event.note if event else "",
        "helpdesk_note": helpdesk_note(event.note, missing) if event else "",
        "link": tracking_url(ticket) if to_requester else staff_ticket_url(ticket.id),
        "agent": agent,
        "recipient_agent": row.user,
        "missing": missing,
        "due": local_datetime(ticket.due_at),
        "created": local_datetime(ticket.created_at),
    }


def language_of(row) -> str:
    """The language of an email: the requester's own (the one they used on the form) for an email
    to the requester, Bahasa Indonesia for staff."""
    if row.audience == AUDIENCE_REQUESTER:
        return supported(row.ticket.requester_language) or DEFAULT
    return DEFAULT


def compose(row, recipients: list[str]) -> EmailMultiAlternatives:
    """The email of one outbox row to `recipients`, in its language (`language_of`): text and
    HTML parts, Message-ID carrying the row's id, and for Selesai the current SLA and BA as
    attachments.
    """
    with force_locale(language_of(row)):
        return _compose(row, recipients)


def _compose(row, recipients: list[str]) -> EmailMultiAlternatives:
    ctx = context_of(row)
    ticket = ctx["ticket"]
    message = EmailMultiAlternatives(
        subject=subject_of(row.kind, ticket),
        body=render_template(f"email/{row.kind}.txt", **ctx),
        from_email=current_app.config["MAIL_FROM"],
        to=recipients,
        headers={
            "Message-ID": message_id(row),
            "Auto-Submitted": "auto-generated",
            "X-Service-Desk-Ticket": ticket.number,
        },
    )
    message.attach_alternative(render_template(f"email/{row.kind}.html", **ctx), "text/html")
    if row.kind == "selesai":
        for kind in ("sla", "ba"):
            doc = Document.current(ticket.id, kind)
            if doc is not None:
                message.attach(doc.filename, store.get(doc.sha256), doc.content_type)
    return message
