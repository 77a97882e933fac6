"""Tickets, their documents, their history, their SOP steps and their outbox of emails.

Thin models: fields, labels and query classmethods. Status changes only in `models.workflow`.
"""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from peewee import (
    SQL,
    BooleanField,
    CharField,
    CompositeKey,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    TextField,
    fn,
)

from models.catalog import Layanan, PerangkatDaerah, RequiredDocument
from models.db import BaseModel, utcnow
from models.sop import (  # noqa: F401  (the state codes are re-exported for callers)
    ASSIGNED,
    CLOSED,
    INCOMPLETE,
    OPEN,
    PAUSED,
    SELESAI,
    SIGNED,
    STATES,
    VERIFIED,
)
from models.staff import User

# code -> staff label, derived from the state table (filters, choices)
STATUSES = {code: state.label for code, state in STATES.items()}

CLOSE_REASONS = {
    "fulfilled": _l("Terpenuhi"),
    "expired": _l("Kedaluwarsa: dokumen tidak dilengkapi dalam satu bulan"),
    "rejected": _l("Ditolak"),
    "withdrawn": _l("Dibatalkan oleh pemohon"),
}

CHANNEL_WEB = "web"
CHANNEL_HELPDESK = "helpdesk"
INTAKE_CHANNELS = {
    "phone": _l("Telepon"),
    "letter": _l("Surat"),
    "walk_in": _l("Datang langsung"),
    "email": _l("Email"),
}

DOCUMENT_KINDS = {
    "persyaratan": _l("Dokumen persyaratan"),
    "sla": _l("SLA"),
    "ba": _l("Berita Acara"),
    "sla_signed": _l("SLA ditandatangani"),
    "ba_signed": _l("Berita Acara ditandatangani"),
    "lampiran_pesan": _l("Lampiran percakapan"),
}
# The requester's counter-signed copies (SOP step 6); they may arrive one at a time.
SIGNED_KINDS = ("sla_signed", "ba_signed")


class Ticket(BaseModel):
    number = CharField(unique=True)
    tracking_token = CharField(unique=True)
    submission_key = CharField(null=True, unique=True)  # one ticket per submitted form

    requester_name = CharField()
    requester_nip = CharField(index=True)
    requester_position = CharField()
    requester_email = CharField(index=True)
    requester_phone = CharField()
    # The language the requester used on the form (`language.LANGUAGES`): their emails use it.
    requester_language = CharField(default="id", constraints=[SQL("DEFAULT 'id'")])
    perangkat_daerah = ForeignKeyField(PerangkatDaerah, backref="tickets", on_delete="RESTRICT")

    layanan = ForeignKeyField(Layanan, backref="tickets", on_delete="RESTRICT")
    subject = CharField()
    description = TextField()

    channel = CharField(default=CHANNEL_WEB)  # web, or helpdesk on behalf of the requester
    intake_channel = CharField(null=True)  # with helpdesk: phone, letter, walk_in, email
    received_at = DateTimeField(null=True)  # with helpdesk: when the request reached Diskominfo
    created_by = ForeignKeyField(User, null=True, backref="tickets_entered", on_delete="SET NULL")

    status = CharField(default=OPEN)  # indexed with the lists' orders (Meta.indexes)
    close_reason = CharField(null=True)
    assigned_agent = ForeignKeyField(User, null=True, backref="tickets", on_delete="RESTRICT")
    step = IntegerField(null=True)  # the SOP step the ticket waits on, None once closed
    step_started_at = DateTimeField(null=True)
    due_at = DateTimeField(null=True)  # due time of the current step (UTC): Meta.indexes
    ba_number = CharField(null=True, unique=True)  # the generated Berita Acara's number, once
    sla_number = CharField(null=True, unique=True)  # the generated SLA's number, once
    # a requester's reply that the staff answering for the current step have not opened yet
    reply_unread = BooleanField(default=False, constraints=[SQL("DEFAULT FALSE")])
    last_reply_at = DateTimeField(null=True)

    created_at = DateTimeField(default=utcnow, index=True)
    updated_at = DateTimeField(default=utcnow)
    closed_at = DateTimeField(null=True, index=True)  # the dashboard's tickets closed per month
    version = IntegerField(default=0)  # optimistic lock: every transition bumps it

    class Meta:
        # each list's filter and order in one index (migration 0009): 50 rows read, not all;
        # the home page's counts from an index alone (migration 0020): open and overdue per
        # step (status, due_at, ...), the overdue queue (due_at, status, layanan), unread replies;
        # a due-time sort's ties in the same indexes, to the id (migration 0027)
        indexes = (
            (("status", "created_at"), False),
            (("status", "due_at", "layanan", "step", "assigned_agent", "id"), False),
            (("due_at", "status", "layanan", "step", "assigned_agent", "id"), False),
            (("reply_unread", "assigned_agent"), False),
            (("assigned_agent", "status", "due_at", "layanan", "step", "id"), False),
            (("layanan", "status", "created_at"), False),
        )

    def __str__(self):
        return self.number

    @property
    def state(self):
        """The row of the state table for this ticket's status."""
        return STATES[self.status]

    @property
    def status_label(self):
        return STATES[self.status].label

    @property
    def current_step(self):
        """The row of the SOP step table the ticket waits on now, or None once closed."""
        from models.sop import step_for_status

        return step_for_status(self.status)

    @property
    def close_reason_label(self):
        return CLOSE_REASONS.get(self.close_reason, self.close_reason or "")

    @property
    def missing_document_ids(self) -> list[int]:
        """The required documents the helpdesk asked for at the last verification, in order."""
        return MissingDocument.ids_for(self.id)

    @classmethod
    def missing_document_names(cls, ticket_ids) -> dict[int, list[str]]:
        """The names of the required documents each of `ticket_ids` misses (the last
        verification's list, in the order of `missing_document_ids`), in one query; a ticket
        missing nothing is absent."""
        ids = list({int(i) for i in ticket_ids})
        if not ids:
            return {}
        rows = (
            MissingDocument.select(MissingDocument.ticket, RequiredDocument.name)
            .join(RequiredDocument)
            .where(MissingDocument.ticket.in_(ids))
            .order_by(MissingDocument.ticket, RequiredDocument.id)
            .tuples()
        )
        names: dict[int, list[str]] = {}
        for ticket_id, name in rows:
            names.setdefault(ticket_id, []).append(name)
        return names

    def is_overdue(self, now=None) -> bool:
        return self.due_at is not None and self.due_at < (now or utcnow())

    @classmethod
    def by_token(cls, token: str):
        """The ticket behind a private tracking token, or None."""
        if not token or len(token) < 20:
            return None
        return cls.get_or_none(cls.tracking_token == token)

    @classmethod
    def by_number(cls, number: str):
        return cls.get_or_none(cls.number == (number or "").strip().upper())

    @classmethod
    def overdue_condition(cls, now=None):
        """Overdue as a query condition: a due time passed and not closed (`is_overdue`'s rule
        for a row; the lists' "Terlambat" filter and queue)."""
        return (cls.due_at < (now or utcnow())) & (cls.status != CLOSED)

    @classmethod
    def overdue(cls, now=None):
        return cls.select().where(cls.overdue_condition(now))

    @classmethod
    def expired_incomplete(cls, now):
        """Incomplete tickets whose one-month window for documents has passed."""
        return cls.select(cls.id).where(cls.status == INCOMPLETE, cls.due_at <= now)


class MissingDocument(BaseModel):
    """A required document the helpdesk found missing (verification: Tidak); the rows of a
    ticket are replaced at each verification and cleared when the documents are complete."""

    ticket = ForeignKeyField(Ticket, backref="missing", on_delete="CASCADE")
    required_document = ForeignKeyField(RequiredDocument, on_delete="RESTRICT")

    class Meta:
        primary_key = CompositeKey("ticket", "required_document")

    @classmethod
    def ids_for(cls, ticket_id: int) -> list[int]:
        rows = cls.select(cls.required_document).where(cls.ticket == ticket_id)
        return sorted(r.required_document_id for r in rows)

    @classmethod
    def replace(cls, ticket_id: int, required_document_ids) -> None:
        """Make the ticket's missing list exactly `required_document_ids` (inside the caller's
        transaction)."""
        cls.delete().where(cls.ticket == ticket_id).execute()
        rows = [{"ticket": ticket_id, "required_document": i} for i in required_document_ids]
        if rows:
            cls.insert_many(rows).execute()


class TicketStep(BaseModel):
    """One SOP step of a ticket: when it started, when it was due, when it ended."""

    ticket = ForeignKeyField(Ticket, backref="steps", on_delete="CASCADE")
    step = IntegerField()
    status = CharField()  # the status the ticket waited in (incomplete: the requester's window)
    started_at = DateTimeField()
    due_at = DateTimeField(null=True)
    ended_at = DateTimeField(null=True)  # compliance reports filter on it (Meta.indexes)
    actor = ForeignKeyField(User, null=True, on_delete="SET NULL")  # who ended it
    # step 5 paused (menunggu_pemohon): since when, and the working time paused so far
    paused_at = DateTimeField(null=True)
    paused_seconds = IntegerField(default=0, constraints=[SQL("DEFAULT 0")])
    # once ended: its working time, paused time excluded (`models.step_duration`, migration 0011)
    working_seconds = IntegerField(null=True)

    class Meta:
        indexes = (
            (("ticket", "step"), False),
            (("ticket", "ended_at"), False),  # the open step of one ticket (migration 0009)
            # compliance and the dashboard: ended in a period, open and overdue; the figures
            # are read from the index alone (migration 0011 widened 0009's (ended_at, due_at))
            (("ended_at", "due_at", "status", "step", "working_seconds"), False),
            (("status", "ticket"), False),  # the tickets that went incomplete (migration 0015)
        )

    @property
    def on_time(self):
        if self.ended_at is None or self.due_at is None:
            return None
        return self.ended_at <= self.due_at


class Document(BaseModel):
    """A file of a ticket; its bytes live in the document store under `sha256`."""

    ticket = ForeignKeyField(Ticket, backref="documents", on_delete="CASCADE")
    kind = CharField(index=True)
    required_document = ForeignKeyField(RequiredDocument, null=True, on_delete="SET NULL")
    filename = CharField()
    content_type = CharField()
    size = IntegerField()
    sha256 = CharField()
    version = IntegerField(default=1)  # a regenerated or re-uploaded SLA/BA is a new version
    uploaded_by = ForeignKeyField(User, null=True, on_delete="SET NULL")  # None: the requester
    uploaded_at = DateTimeField(default=utcnow)
    # A signed copy sent back as wrong or unsigned (or signing a disputed result): kept, but it
    # no longer counts as received.
    returned_at = DateTimeField(null=True)
    # An SLA or BA the desk generated: its number and the code printed on every page, which
    # the public page `/verifikasi/<code>` finds it by (None for an uploaded file).
    number = CharField(null=True)
    verification_code = CharField(null=True, unique=True)

    def __str__(self):
        return self.filename

    @property
    def kind_label(self):
        return DOCUMENT_KINDS.get(self.kind, self.kind)

    @classmethod
    def last_version(cls, ticket_id: int, kind: str, required_document_id=None) -> int:
        """The highest version of a ticket's slot (its `kind`, and for requirement documents
        the required document it answers), 0 when the slot is empty."""
        query = cls.select(fn.MAX(cls.version)).where(cls.ticket == ticket_id, cls.kind == kind)
        if required_document_id is not None:
            query = query.where(cls.required_document == required_document_id)
        return query.scalar() or 0

    @classmethod
    def for_slots(cls, ticket_id: int) -> tuple[dict, list]:
        """The requirement documents of a ticket by slot, ({required_document_id: [versions,
        newest first]}, [extra attachments]): what the verifier reads."""
        slots: dict = {}
        extra = []
        rows = (
            cls.select()
            .where(cls.ticket == ticket_id, cls.kind == "persyaratan")
            .order_by(cls.version.desc(), cls.uploaded_at.desc(), cls.id.desc())
        )
        for doc in rows:
            if doc.required_document_id is None:
                extra.append(doc)
            else:
                slots.setdefault(doc.required_document_id, []).append(doc)
        extra.reverse()
        return slots, extra

    @classmethod
    def current(cls, ticket_id: int, kind: str):
        """The latest version of a ticket's document of `kind`, or None."""
        return (
            cls.select()
            .where(cls.ticket == ticket_id, cls.kind == kind)
            .order_by(cls.version.desc(), cls.id.desc())
            .first()
        )

    @classmethod
    def signed_in(cls, ticket_id: int) -> set[str]:
        """The kinds of SIGNED_KINDS whose current copy is in and not returned."""
        return cls.signed_in_among(
            cls.select().where(cls.ticket == ticket_id, cls.kind.in_(SIGNED_KINDS))
        )

    @staticmethod
    def signed_in_among(documents) -> set[str]:
        """`signed_in` of the documents of one ticket already read (the ticket page has them):
        per kind, the current copy is the highest version (then the latest row)."""
        current: dict = {}
        for doc in documents:
            best = current.get(doc.kind)
            if doc.kind in SIGNED_KINDS and (
                best is None or (doc.version, doc.id) > (best.version, best.id)
            ):
                current[doc.kind] = doc
        return {kind for kind, doc in current.items() if doc.returned_at is None}


# The fields of a history entry its hash covers (not `actor`: a foreign key SET NULL may change).
EVENT_HASHED = (
    "ticket_id",
    "at",
    "actor_label",
    "action",
    "from_status",
    "to_status",
    "note",
    "public",
)


class TicketEvent(BaseModel):
    """The append-only history: who did what, when, from which state to which, with a note.
    Each entry is linked into its ticket's hash chain (`models.hashchain`)."""

    ticket = ForeignKeyField(Ticket, backref="events", on_delete="CASCADE")
    at = DateTimeField(default=utcnow)
    actor = ForeignKeyField(User, null=True, on_delete="SET NULL")
    actor_label = CharField()  # the staff name, "Pemohon" or "Sistem": kept if the user goes
    action = CharField()
    from_status = CharField(null=True)
    to_status = CharField(null=True)
    note = TextField(default="")
    public = BooleanField(default=True)  # shown on the requester's tracking page
    # The ticket's hash chain (models.hashchain): the previous event's hash, and this one's.
    prev_hash = CharField(null=True)
    hash = CharField(null=True)

    class Meta:
        indexes = ((("ticket", "at"), False),)

    @classmethod
    def for_ticket(cls, ticket_id: int, public_only: bool = False):
        query = cls.select().where(cls.ticket == ticket_id)
        if public_only:
            query = query.where(cls.public == True)  # noqa: E712
        return query.order_by(cls.at, cls.id)


# Audiences of an email: the requester, or staff resolved at send time from the ticket's
# service (bidang, seksi) and roles; "agent" is the user pinned on the row.
AUDIENCE_REQUESTER = "requester"
STAFF_AUDIENCES = ("helpdesk", "admin", "kepala_bidang", "kepala_seksi", "agent")


# The outbox in words (the email outbox page, the history's "Email terkirim" entries).
NOTIFICATION_KINDS = {
    "opened": _l("Tiket dibuka"),
    "incomplete": _l("Dokumen persyaratan belum lengkap"),
    "documents_completed": _l("Dokumen persyaratan dilengkapi"),
    "disposed": _l("Disposisi kepada agen"),
    "selesai": _l("Permohonan selesai"),
    "signed": _l("Balasan SLA dan BA diterima"),
    "closed": _l("Tiket ditutup"),
    "tracking_link": _l("Tautan pelacakan dikirim ulang"),
    "reminder_overdue": _l("Pengingat: langkah melewati batas waktu"),
    "reminder_escalation": _l("Eskalasi: terlambat lebih dari satu hari kerja"),
    "reminder_deadline": _l("Pengingat: batas waktu kelengkapan dokumen"),
    "reminder_signed": _l("Pengingat: balasan SLA dan BA belum diterima"),
}
AUDIENCE_LABELS = {
    AUDIENCE_REQUESTER: _l("Pemohon"),
    "helpdesk": _l("Helpdesk bidang"),
    "admin": _l("Admin"),
    "kepala_bidang": _l("Kepala Bidang"),
    "kepala_seksi": _l("Kepala Seksi"),
    "agent": _l("Agen yang ditugasi"),
}
NOTIFICATION_STATUSES = {
    "pending": _l("Menunggu dikirim"),
    "sent": _l("Terkirim"),
    "failed": _l("Gagal (berhenti dicoba)"),
}


def in_words(labels: dict, code: str | None) -> str:
    """The label of `code` in `labels`; a code without one (added later, not yet labelled)
    still reads as words, never as `snake_case`."""
    if not code:
        return ""
    label = labels.get(code)
    return str(label) if label is not None else code.replace("_", " ").capitalize()


class Notification(BaseModel):
    """The outbox: one email to send, written in the transaction of the event it reports."""

    ticket = ForeignKeyField(Ticket, backref="notifications", on_delete="CASCADE")
    event = ForeignKeyField(TicketEvent, null=True, on_delete="SET NULL")
    kind = CharField()  # opened, incomplete, disposed, selesai, signed, closed, reminder_*...
    audience = CharField()  # "requester", or staff audiences joined by commas
    user = ForeignKeyField(User, null=True, on_delete="SET NULL")  # the pinned agent
    email = CharField(null=True)  # the requester's address, fixed when written
    status = CharField(default="pending", index=True)  # pending, sent, failed
    attempts = IntegerField(default=0)
    next_attempt_at = DateTimeField(default=utcnow, index=True)
    last_error = TextField(null=True)
    recipients = TextField(null=True)  # the addresses it went to, filled when sent
    created_at = DateTimeField(default=utcnow)
    sent_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("status", "next_attempt_at"), False),)  # the due rows (migration 0009)

    def __str__(self):
        return f"{self.kind} #{self.id}"

    @property
    def audiences(self) -> list[str]:
        return [a for a in self.audience.split(",") if a]

    @property
    def kind_label(self) -> str:
        return in_words(NOTIFICATION_KINDS, self.kind)

    @property
    def audience_label(self) -> str:
        return ", ".join(in_words(AUDIENCE_LABELS, a) for a in self.audiences)

    @property
    def status_label(self) -> str:
        return in_words(NOTIFICATION_STATUSES, self.status)

    @classmethod
    def due(cls, now=None):
        return cls.select().where(cls.status == "pending", cls.next_attempt_at <= (now or utcnow()))

    @classmethod
    def failed_ones(cls):
        """Emails given up after the last attempt (newest first): for staff to see."""
        return cls.select().where(cls.status == "failed").order_by(cls.created_at.desc())

    @classmethod
    def oldest_pending_at(cls):
        """When the oldest email still waiting was written (None: none waits), read on its
        partial index (migration 0025) with the status written as a literal: no planner
        matches a partial index's condition to a bound parameter (SQLite never; PostgreSQL
        not in the generic plan of a statement prepared after five runs)."""
        pending = cls.status == SQL("'pending'")
        return cls.select(fn.MIN(cls.created_at)).where(pending).scalar()


# The few emails waiting, in an index of their own (migration 0025): /healthz and /metrics read
# the oldest one without reading the sent ones, nearly all of the table (the status index would
# not do: by the statistics every status looks as common as "sent").
Notification.add_index(
    Notification.index(
        Notification.created_at,
        name="notification_pending_created_at",
        where=(Notification.status == "pending"),
    )
)
