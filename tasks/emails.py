"""What an outbox row says: subject, plain-text and HTML parts, links and attachments.

One template pair per kind in `templates/email/<kind>.txt` and `.html` (Bahasa Indonesia through
Flask-Babel). The requester's link is the private tracking page; staff get the ticket's staff
page (`staff_ticket_url`, the one place that knows its address).
"""

from __future__ import annotations

import secrets
from email.policy import Compat32
from email.utils import parseaddr

from flask import current_app
from flask_babel import force_locale, get_locale, get_translations
from flask_babel import gettext as _
from flask_mailman import EmailMultiAlternatives

from formatting import local_datetime
from language import DEFAULT, supported, template_gettext
from models.storage import store
from models.ticket import AUDIENCE_REQUESTER, STATUSES, Document, Ticket
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


# One function per kind: only the subject of the email being written is translated.
_SUBJECTS = {
    # One line whatever was stored: a header never carries a line break.
    "opened": lambda t: _("Tiket dibuka: %(subject)s", subject=" ".join(t.subject.split())),
    "incomplete": lambda t: _("Dokumen persyaratan belum lengkap"),
    "documents_completed": lambda t: _("Dokumen persyaratan telah dilengkapi"),
    "disposed": lambda t: _("Disposisi tiket kepada Anda"),
    "selesai": lambda t: _("Permohonan selesai: mohon kirim balasan SLA dan BA"),
    "signed": lambda t: _("Balasan SLA dan BA telah diterima"),
    "closed": lambda t: _("Tiket ditutup: %(reason)s", reason=t.close_reason_label),
    "tracking_link": lambda t: _("Tautan pelacakan tiket Anda"),
    "reminder_overdue": lambda t: _("Pengingat: langkah tiket melewati batas waktu"),
    "reminder_escalation": lambda t: _("Eskalasi: tiket terlambat lebih dari satu hari kerja"),
    "reminder_deadline": lambda t: _("Pengingat: batas waktu kelengkapan dokumen"),
    "reminder_signed": lambda t: _("Pengingat: balasan SLA dan BA belum diterima"),
    "documents_received": lambda t: _("Dokumen persyaratan diterima helpdesk"),
    "window_extended": lambda t: _("Batas waktu kelengkapan dokumen diperpanjang"),
    "signed_returned": lambda t: _("Balasan SLA/BA dikembalikan: mohon kirim ulang"),
    "disputed": lambda t: _("Keberatan pemohon: pekerjaan belum selesai"),
    "message": lambda t: _("Pesan dari Service Desk"),
    "question": lambda t: _("Petugas membutuhkan informasi dari Anda"),
    "requester_reply": lambda t: _("Balasan baru dari pemohon"),
}


def subject_of(kind: str, ticket) -> str:
    """The subject line of an email of `kind` about `ticket` (ticket number first)."""
    subject = _SUBJECTS.get(kind)
    return f"[{ticket.number}] {subject(ticket) if subject else kind}"


class _HeaderPolicy(Compat32):
    """compat32 (the policy of Flask-Mailman's MIME parts) with a short cut for the usual
    header: an ASCII value on one line that fits in `max_line_length` is written as it is,
    which is what compat32's folding makes of it, without a `Header` built and split for each
    of the ~18 headers of an email. Anything else is folded by compat32."""

    def fold_binary(self, name, value):
        if (
            isinstance(value, str)
            and value.isascii()
            and "\n" not in value
            and "\r" not in value
            and (not self.max_line_length or len(name) + 2 + len(value) < self.max_line_length)
        ):
            return f"{name}: {value}{self.linesep}".encode("ascii")
        return super().fold_binary(name, value)


_HEADER_POLICY = _HeaderPolicy()


class DeskEmail(EmailMultiAlternatives):
    """Flask-Mailman's message, serialised with `_HeaderPolicy` and with each multipart's
    boundary chosen here: a random token (the generator would otherwise compile a regular
    expression per email to check its own against the whole text) that no part contains."""

    def message(self):
        msg = super().message()
        for part in msg.walk():
            part.policy = _HEADER_POLICY
            if part.is_multipart() and not part.get_boundary():
                payloads = [str(p.get_payload()) for p in part.walk() if not p.is_multipart()]
                boundary = _boundary()
                while any(boundary in text for text in payloads):
                    boundary = _boundary()
                part.set_boundary(boundary)
        return msg


def _boundary() -> str:
    # "=_" never occurs in quoted-printable text; the token is not guessable in advance.
    return f"=_desk_{secrets.token_hex(16)}"


def tracking_url(ticket) -> str:
    return f"{current_app.config['BASE_URL']}/lacak/{ticket.tracking_token}"


def staff_ticket_url(ticket_id: int) -> str:
    """The staff page of a ticket (the one place that knows the staff URL pattern)."""
    return f"{current_app.config['BASE_URL']}/admin/tiket/details/?id={ticket_id}"


def message_id(row) -> str:
    """`<notification-ID.NUMBER@domain>`: the same on every attempt, so a duplicate shows."""
    domain = parseaddr(current_app.config["MAIL_FROM"])[1].rpartition("@")[2] or "localhost"
    return f"<notification-{row.id}.{row.ticket.number.lower()}@{domain}>"


def context_of(row, missing: list[str] | None = None) -> dict:
    """What the templates of `row.kind` may show. `missing`: the names of the documents the
    ticket misses when the caller read them for a batch (`Ticket.missing_document_names`);
    otherwise they are read here."""
    ticket = row.ticket
    to_requester = row.audience == AUDIENCE_REQUESTER
    # The accessor: no query when the sender loaded the agent with the ticket (tasks.mail).
    agent = ticket.assigned_agent if ticket.assigned_agent_id else None
    if missing is None:
        missing = Ticket.missing_document_names([ticket.id]).get(ticket.id, [])
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


def compose(row, recipients: list[str], batch: dict | None = None) -> DeskEmail:
    """The email of one outbox row to `recipients`, in its language (`language_of`): text and
    HTML parts, Message-ID carrying the row's id, and for Selesai the current SLA and BA as
    attachments. `batch`: what the sender of several rows keeps between them (the missing
    documents it read for all of them under "missing", the templates' common context per
    language); the email is the same with or without it.
    """
    batch = {} if batch is None else batch
    with force_locale(language_of(row)):
        return _compose(row, recipients, batch)


def _common_context(batch: dict) -> dict:
    """The templates' context shared by every email of one language: the app's context
    processors (the helpdesk's contact) and the bound gettext; made once per batch and
    language."""
    key = ("template_context", str(get_locale()))
    common = batch.get(key)
    if common is None:
        common = {}
        current_app.update_template_context(common)
        gettext = template_gettext(get_translations())
        common.update(_=gettext, gettext=gettext)
        batch[key] = common
    return common


def _render(kind: str, extension: str, ctx: dict) -> str:
    return current_app.jinja_env.get_template(f"email/{kind}.{extension}").render(ctx)


def _compose(row, recipients: list[str], batch: dict) -> DeskEmail:
    missing = batch["missing"].get(row.ticket_id, []) if "missing" in batch else None
    ctx = {**_common_context(batch), **context_of(row, missing)}
    ticket = ctx["ticket"]
    message = DeskEmail(
        subject=subject_of(row.kind, ticket),
        body=_render(row.kind, "txt", ctx),
        from_email=current_app.config["MAIL_FROM"],
        to=recipients,
        headers={
            "Message-ID": message_id(row),
            "Auto-Submitted": "auto-generated",
            "X-Service-Desk-Ticket": ticket.number,
        },
    )
    message.attach_alternative(_render(row.kind, "html", ctx), "text/html")
    if row.kind == "selesai":
        for kind in ("sla", "ba"):
            doc = Document.current(ticket.id, kind)
            if doc is not None:
                message.attach(doc.filename, store.get(doc.sha256), doc.content_type)
    return message
