"""What the ticket page reads, and how: the ticket's documents, history and steps as tuples of
the columns the page shows (compiled once, `models.prepared`), the signature checks in bulk,
the catalogue's rows kept per process (its agency, service and seksi, `with_catalogue`), and
the labels of states, actions, history entries and steps translated once per language and app
(`PageLabels`). The page itself and its actions: `deskadmin/ticket_page.py`.
"""

from __future__ import annotations

import datetime as dt
from typing import NamedTuple

import flask_babel
from flask import current_app
from flask_babel import get_translations
from flask_babel.speaklater import LazyString
from peewee import SQL

from language import current_language, template_gettext
from models import prepared, workflow
from models.catalog import Layanan, PerangkatDaerah, RequiredDocument, Seksi
from models.process_cache import cached
from models.signature_records import SignatureVerdict, SignedCopyCheck
from models.sop import STATES, step_of_row
from models.staff import ADMIN, User
from models.ticket import (
    DOCUMENT_KINDS,
    Document,
    MissingDocument,
    TicketEvent,
    TicketStep,
)
from models.workflow import TRANSITIONS
from models.workflow.transitions import EVENTS

LABELS = "desk_ticket_page_labels"


def step_title(number: int, status: str):
    """ "Langkah 3: Verifikasi dokumen", from the step table, for a TicketStep row."""
    return step_of_row(number, status).title


class DocumentRow(NamedTuple):
    """A document as the ticket page shows it: the columns it reads, as a tuple (no model)."""

    id: int
    kind: str
    required_document_id: int | None
    filename: str
    content_type: str
    size: int
    version: int
    uploaded_at: dt.datetime
    returned_at: dt.datetime | None
    number: str | None
    verification_code: str | None

    @property
    def kind_label(self):
        """`Document.kind_label`: the kind's name (the kind itself when not in the table)."""
        return DOCUMENT_KINDS.get(self.kind, self.kind)

    @property
    def size_kb(self) -> float:
        """The size in KB with one decimal (what the template's `|round(1)` gives)."""
        return round(self.size / 1024, 1)


def _documents_and_missing_of(ticket_id, same_ticket_id):
    # one statement instead of two: a missing requirement is a row with no document id
    documents = Document.select(*(getattr(Document, name) for name in DocumentRow._fields)).where(
        Document.ticket == ticket_id
    )
    missing = MissingDocument.select(
        *(
            MissingDocument.required_document if name == "required_document_id" else SQL("NULL")
            for name in DocumentRow._fields
        )
    ).where(MissingDocument.ticket == same_ticket_id)
    return (documents + missing).tuples()  # UNION ALL


def ticket_documents(ticket_id: int) -> tuple[dict, list, list, list[int]]:
    """A ticket's documents and the requirements found missing, in one query (compiled once,
    `models.prepared`), as `DocumentRow`s: the requirement slots ({required_document_id:
    [versions, newest first]}) and the extra attachments, as `Document.for_slots` gives them,
    every other document (by kind, then upload), and the missing requirements' ids in order
    (`Ticket.missing_document_ids`)."""
    found = prepared.rows(
        "ticket_documents", _documents_and_missing_of, ticket_id, ticket_id, keep_plan=True
    )
    rows = [DocumentRow._make(r) for r in found if r[0] is not None]
    missing = sorted(r[2] for r in found if r[0] is None)
    requirement = sorted(
        (d for d in rows if d.kind == "persyaratan"),
        key=lambda d: (d.version, d.uploaded_at, d.id),
        reverse=True,
    )
    slots: dict = {}
    extra = []
    for doc in requirement:
        if doc.required_document_id is None:
            extra.append(doc)
        else:
            slots.setdefault(doc.required_document_id, []).append(doc)
    extra.reverse()
    others = sorted(
        (d for d in rows if d.kind != "persyaratan"), key=lambda d: (d.kind, d.uploaded_at, d.id)
    )
    return slots, extra, others, missing


def _steps_of(ticket_id: int):
    return (
        TicketStep.select(
            TicketStep.step,
            TicketStep.status,
            TicketStep.started_at,
            TicketStep.due_at,
            TicketStep.ended_at,
            TicketStep.paused_at,
            TicketStep.paused_seconds,
        )
        .where(TicketStep.ticket == ticket_id)
        .order_by(TicketStep.started_at, TicketStep.id)
        .tuples()
    )


def _events_of(ticket_id: int):
    return (
        TicketEvent.select(
            TicketEvent.at,
            TicketEvent.actor_label,
            TicketEvent.action,
            TicketEvent.from_status,
            TicketEvent.to_status,
            TicketEvent.note,
            TicketEvent.public,
        )
        .where(TicketEvent.ticket == ticket_id)
        .order_by(TicketEvent.at, TicketEvent.id)  # `TicketEvent.for_ticket`'s order
        .tuples()
    )


class StepRow(NamedTuple):
    """A row of the steps table, written: its title, its times as the page shows them."""

    title: str
    started: str
    due: str
    ended: str  # "–" while open
    paused_at: str  # "" when not paused
    paused_seconds: int
    on_time: bool | None  # `TicketStep.on_time`


class EventRow(NamedTuple):
    """A history entry, written: its time, who, its label, the change of state it made."""

    when: str
    actor_label: str
    action: str
    label: str
    changed: bool  # a state it moved to, other than the one it came from
    from_label: str  # "–" when it came from none
    to_label: str
    note: str
    public: bool


class PageLabels:
    """The ticket page's catalogue and labels in one language, found and translated once per
    app and process: `gettext`, `text` and `lookup` as `page_translations` gives them, the
    states' and the actions' labels (`text` of the tables' lazy strings), the history
    entries' and the steps' (each the first time a page shows it)."""

    def __init__(self, gettext, text, lookup):
        self.gettext, self.text, self.lookup = gettext, text, lookup
        self.states = {code: text(state.label) for code, state in STATES.items()}
        self.actions = {name: text(t.label) for name, t in TRANSITIONS.items()}
        self._events = {action: text(workflow.event_label(action)) for action in EVENTS}
        self._steps: dict = {}

    def event(self, action: str) -> str:
        """`event_label(action)`, translated."""
        label = self._events.get(action)
        return label if label is not None else self.text(workflow.event_label(action))

    def step(self, number: int, status: str) -> str:
        """`step_title(number, status)`, translated."""
        key = (number, status)
        title = self._steps.get(key)
        if title is None:  # a row's (number, status): one of the step table's few pairs
            title = self._steps[key] = self.text(step_title(number, status))
        return title


def page_labels() -> PageLabels:
    """This request's language's `PageLabels` (its catalogue is the same for every request in
    that language: Flask-Babel keeps one per locale)."""
    store = current_app.extensions.setdefault(LABELS, {})
    language = current_language()
    labels = store.get(language)
    if labels is None:
        labels = store[language] = PageLabels(*page_translations())
    return labels


def step_rows(ticket_id: int, labels: PageLabels, written) -> list[StepRow]:
    """The ticket's steps in order (one query, compiled once), their times `written`."""
    rows = []
    for number, status, started, due, ended, paused_at, paused_seconds in prepared.rows(
        "ticket_steps", _steps_of, ticket_id, keep_plan=True
    ):
        rows.append(
            StepRow(
                labels.step(number, status),
                written(started),
                written(due),
                written(ended) if ended else "–",
                written(paused_at),
                paused_seconds,
                None if ended is None or due is None else ended <= due,
            )
        )
    return rows


def event_rows(ticket_id: int, labels: PageLabels, written) -> list[EventRow]:
    """The ticket's history in order (one query, compiled once), its times `written`."""
    states, rows = labels.states, []
    for at, actor_label, action, from_status, to_status, note, public in prepared.rows(
        "ticket_events", _events_of, ticket_id, keep_plan=True
    ):
        changed = bool(to_status and from_status != to_status)
        rows.append(
            EventRow(
                written(at),
                actor_label,
                action,
                labels.event(action),
                changed,
                (states[from_status] if from_status else "–") if changed else "",
                states[to_status] if changed else "",
                note,
                public,
            )
        )
    return rows


def _agents_of(seksi_id: int):
    return User.agents_of_seksi(seksi_id).select(User.id, User.name).namedtuples()


def agent_names(seksi_id: int) -> list:
    """The agents of a seksi the disposition form offers, by name: their ids and names only,
    not their accounts (hashes, second-factor secrets); kept per process a short while like
    the catalogue (`models.process_cache`: an edit of the staff in this process forgets it;
    the disposition itself checks the agent again, `workflow.fulfilment`)."""
    return cached(
        f"agents_of_seksi:{seksi_id}",
        lambda: prepared.rows("agent_names", _agents_of, seksi_id),
    )


def admin_names() -> list[str]:
    """The admins' names, which the disposition form shows when a seksi has no agent to offer;
    kept as `agent_names` is."""
    return cached(
        "admin_names",
        lambda: [
            u.name
            for u in prepared.rows("admins", lambda: User.with_role(ADMIN).order_by(User.name))
        ],
    )


def required_documents(layanan_id: int) -> list:
    """A service's required documents, in order: the catalogue, kept a short while per process
    (`models.process_cache`; an edit in the catalogue forgets it)."""
    return cached(f"required:{layanan_id}", lambda: list(RequiredDocument.for_layanan(layanan_id)))


def seksi_by_id(seksi_id: int) -> Seksi:
    """A seksi of the catalogue, kept a short while per process like the filter choices."""
    return catalogue_row(Seksi, seksi_id)


def catalogue_row(model, row_id: int):
    """A row of the catalogue (an agency, a service with its seksi, a seksi) by id, from the
    catalogue kept per process (read a short while, forgotten at once by an edit in this
    process: `models.process_cache`); a row not kept yet (added meanwhile) is read."""

    def read():
        if model is Layanan:  # with its seksi, whose bidang decides the desk's actions
            return Layanan.select(Layanan, Seksi).join(Seksi)
        return model.select()

    rows = cached(f"catalogue:{model.__name__}", lambda: {r.id: r for r in read()})
    row = rows.get(row_id)
    return row if row is not None else read().where(model.id == row_id).get()


def with_catalogue(ticket):
    """`ticket` with its agency, its service and the service's seksi from the kept catalogue
    (read, never changed, by the page)."""
    ticket.perangkat_daerah = catalogue_row(PerangkatDaerah, ticket.perangkat_daerah_id)
    ticket.layanan = catalogue_row(Layanan, ticket.layanan_id)
    ticket._dirty.clear()  # the ids are the same: nothing for a save to write
    return ticket


def page_translations():
    """(gettext, text, lookup) bound to this request's catalogue, found once for the page
    instead of once per string. `gettext`: the templates' `_`, what Flask-Babel installs
    (Jinja's new-style gettext: escaped in HTML, always formatted with its keywords). `text`:
    a `lazy_gettext` string (its keywords too) as the text it gives now, anything else as it
    is; the same text as `str()` of it. `lookup`: the catalogue's own (`ugettext`)."""
    translations = get_translations()
    gettext, lookup = template_gettext(translations), translations.ugettext

    def text(value):
        if type(value) is not LazyString or value._func is not flask_babel.gettext:
            return value
        (string,) = value._args
        translated = lookup(string)
        if not value._kwargs:
            return translated
        return translated % {k: text(v) for k, v in value._kwargs.items()}

    return gettext, text, lookup


def _checks_of(*document_ids):
    return SignedCopyCheck.select().where(SignedCopyCheck.document.in_(list(document_ids)))


def _verdicts_of(*document_ids):
    return (
        SignatureVerdict.select(SignatureVerdict, SignedCopyCheck.document)
        .join(SignedCopyCheck)
        .where(SignedCopyCheck.document.in_(list(document_ids)))
        .order_by(SignatureVerdict.position)
    )


def signature_checks(document_ids: list[int]) -> dict:
    """{document id: (its SignedCopyCheck or None, its verdicts in the file's order)} for the
    signed copies shown, in two queries whatever their number (compiled once per number,
    `models.prepared`)."""
    if not document_ids:
        return {}
    checks = {
        c.document_id: c
        for c in prepared.rows("signature_checks", _checks_of, *document_ids, keep_plan=True)
    }
    verdicts: dict = {}
    for verdict in prepared.rows("signature_verdicts", _verdicts_of, *document_ids, keep_plan=True):
        verdicts.setdefault(verdict.check.document_id, []).append(verdict)
    return {i: (checks.get(i), verdicts.get(i, [])) for i in document_ids}
