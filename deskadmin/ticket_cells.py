"""A ticket list's cells: what each row shows (its number with the unread-reply marker, the
state's badge, the due time with "terlambat" or "segera", the age, the agency, service and
agent), written as escaped HTML with what every row of a page shares looked up once
(`ListPage`), from plain rows read with the list's columns only (`ListRow`). The ticket page
uses the same badge and due-soon rule.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import NamedTuple

from flask import request, url_for
from flask_admin.babel import gettext as admin_gettext
from flask_babel import get_locale
from flask_babel import gettext as _
from markupsafe import Markup, escape

from formatting import age_writer, datetime_writer
from models.calendar import calendar, kept_holidays
from models.catalog import Layanan, PerangkatDaerah
from models.db import utcnow
from models.staff import User
from models.ticket import CLOSED, STATES, Ticket

Agent = User.alias("agent")

_SPECIAL = re.compile(r"[&<>\"']")  # what markupsafe's escape replaces


def escaped_text(text: str) -> str:
    """A plain `str` escaped as markupsafe escapes it, as a `str`: most of a list's texts (its
    numbers, names, dates) have nothing to escape and are given back as they are, without
    making a Markup of each (a page has 350). Not for markup (`__html__`) values."""
    return text if _SPECIAL.search(text) is None else str(escape(text))


_badges: dict = {}


def status_badge(ticket, locale: str | None = None) -> Markup:
    """The ticket's state as a coloured badge (label and colour from the state table); built once
    per state and language, not per row. `locale`: the request's language, when known."""
    key = (ticket.status, locale or str(get_locale()))
    badge = _badges.get(key)
    if badge is None:
        state = ticket.state
        badge = _badges[key] = Markup('<span class="badge badge-{} status-{}">{}</span>').format(
            state.colour, state.code, state.label
        )
    return badge


DUE_SOON_WORKING_HOURS = 4


def due_soon_limit(now=None):
    """A due time before this (UTC) is "segera": within 4 working hours from now, or later
    today (local date). Computed once per request."""
    cached = getattr(request, "_desk_due_soon", None) if request else None
    if cached is not None and now is None:
        return cached
    now = now or utcnow()
    local_now = calendar.to_local(now)
    end_of_today = calendar.to_utc(
        (local_now + dt.timedelta(days=1)).replace(hour=0, minute=0, second=0, microsecond=0)
    )
    with kept_holidays() as own:  # the catalogue's: read a short while per process
        limit = max(own.add_working_hours(now, DUE_SOON_WORKING_HOURS), end_of_today)
    if request:
        request._desk_due_soon = limit
    return limit


def is_due_soon(ticket, now=None) -> bool:
    """Not overdue yet, but due within 4 working hours or today."""
    if ticket.due_at is None or ticket.status == CLOSED or ticket.is_overdue(now):
        return False
    return ticket.due_at < due_soon_limit(now)


def ticket_page_url() -> str:
    """The ticket page's address without its `?id=` (the same for every row: built once per
    request, not once per row)."""
    url = getattr(request, "_desk_ticket_page", None)
    if url is None:
        url = request._desk_ticket_page = url_for("tickets.details_view")
    return url


def _due_words() -> tuple[str, str]:
    """ "terlambat" and "segera" in the request's language, escaped (translated once per
    request, not once per row)."""
    words = getattr(request, "_desk_due_words", None)
    if words is None:
        words = request._desk_due_words = (escape(_("terlambat")), escape(_("segera")))
    return words


class ListPage:
    """What every row of one list page shares, looked up once per page instead of once per row
    (a page has fifty): the language, one "now", the ticket page's address, the words, the
    badges, the date and age writers. Its methods write one column's cell, escaped HTML."""

    def __init__(self):
        self.now = utcnow()
        self.locale = str(get_locale())
        self.when = datetime_writer(self.locale)
        self.age = age_writer(self.now)
        self.ticket_url = escape(ticket_page_url())
        self.late, self.soon = _due_words()
        self.soon_limit = due_soon_limit()
        self.unread = (
            f' <span class="badge badge-danger reply-unread">{escape(_("Balasan baru"))}</span>'
        )
        self.select_title = escape(admin_gettext("Select record"))
        self.badges = {}

    @staticmethod
    def of(context) -> ListPage:
        """`context` when a list page's rows pass it (`rows_html`), else this request's own."""
        if isinstance(context, ListPage):
            return context
        page = getattr(request, "_desk_list_page", None)
        if page is None:
            page = request._desk_list_page = ListPage()
        return page

    def checkbox(self, ticket) -> str:
        """The row's action checkbox (Flask-Admin's list_row block)."""
        return (
            '<td><input type="checkbox" name="rowid" class="action-checkbox" '
            f'value="{int(ticket.id)}" title="{self.select_title}" /></td>'
        )

    def number(self, ticket) -> str:
        """The ticket's number as the link to its page, with the unread-reply marker: a
        requester's reply that the staff answering for the current step have not opened yet."""
        marker = self.unread if ticket.reply_unread else ""
        return (
            f'<a class="ticket-number-link" href="{self.ticket_url}?id={int(ticket.id)}">'
            f"{escaped_text(ticket.number)}</a>{marker}"
        )

    def due(self, ticket) -> str:
        """The due time, with "terlambat" when passed and "segera" when close (`is_due_soon`)."""
        due_at = ticket.due_at
        if due_at is None or ticket.status == CLOSED:
            return "–"
        text = escaped_text(self.when(due_at))
        if ticket.is_overdue(self.now):
            return (
                '<span class="text-nowrap"><span class="text-danger font-weight-bold overdue">'
                f"{text} ({self.late})</span></span>"
            )
        if due_at < self.soon_limit:
            return (
                f'<span class="text-nowrap">{text} <span class="badge badge-warning due-soon">'
                f"{self.soon}</span></span>"
            )
        return f'<span class="text-nowrap">{text}</span>'

    def status(self, ticket) -> str:
        """The state's badge (`status_badge`), built once per state on the page."""
        badge = self.badges.get(ticket.status)
        if badge is None:
            badge = self.badges[ticket.status] = str(status_badge(ticket, self.locale))
        return badge

    def created(self, ticket) -> str:
        """How long ago the ticket came in (`formatting.age`)."""
        return escaped_text(self.age(ticket.created_at))

    def agency(self, ticket) -> str:
        """The requester's Perangkat Daerah."""
        return escaped_text(ticket.perangkat_daerah.name)

    def service(self, ticket) -> str:
        """The service asked for."""
        return escaped_text(ticket.layanan.name)

    def agent(self, ticket) -> str:
        """The agent it is disposed to, "–" before the disposition."""
        return escaped_text(ticket.agent.name) if ticket.agent else "–"


# The list's own cells: column -> ListPage method. `column_formatters` are made of them, and a
# page's rows call them directly (`TicketListBase.rows_html`).
ROW_CELLS = {
    "number": ListPage.number,
    "perangkat_daerah": ListPage.agency,
    "layanan": ListPage.service,
    "status": ListPage.status,
    "assigned_agent": ListPage.agent,
    "due_at": ListPage.due,
    "created_at": ListPage.created,
}


def cell_formatter(cell):
    """A Flask-Admin column formatter writing `cell`."""

    def format_cell(view, context, model, name):
        return Markup(cell(ListPage.of(context), model))

    format_cell.cell = cell
    return format_cell


# What a list row shows (the page reads these, not every column of four tables; a ticket column
# added to `column_list` is read too, see `_row_columns`).
LIST_COLUMNS = (
    Ticket.id,
    Ticket.number,
    Ticket.subject,
    Ticket.status,
    Ticket.due_at,
    Ticket.created_at,
    Ticket.reply_unread,
    Ticket.perangkat_daerah,
    Ticket.layanan,
    Ticket.assigned_agent,
)
# ... and of the joined rows, their id and name: (the row's attributes, id, name)
LIST_RELATED = (
    (("perangkat_daerah",), PerangkatDaerah.id, PerangkatDaerah.name),
    (("layanan",), Layanan.id, Layanan.name),
    (("agent", "assigned_agent"), Agent.id, Agent.name),
)


class Named(NamedTuple):
    """A list row's agency, service or agent: what the row shows of it."""

    id: int
    name: str


class ListRow:
    """One row of a ticket list: the ticket's columns that the list reads, as attributes named as
    on a Ticket (a foreign key's id as `perangkat_daerah_id`...), its agency, service and agent
    (None without one) as `Named`; what the cells read, without the four model instances peewee
    builds per row of the join (a page has fifty)."""

    @property
    def state(self):
        """The row of the state table for the ticket's status (as `Ticket.state`)."""
        return STATES[self.status]

    is_overdue = Ticket.is_overdue  # the one rule: it reads the due time only

    @staticmethod
    def selected(columns) -> list:
        """What a query of list rows selects: the ticket `columns`, then LIST_RELATED's."""
        return [*columns, *(c for _attrs, *pair in LIST_RELATED for c in pair)]

    @classmethod
    def read(cls, query, columns) -> list[ListRow]:
        """The rows of `query` reading the ticket `columns`, then LIST_RELATED's."""
        return cls.from_tuples(query.select(*cls.selected(columns)).tuples(), columns)

    @classmethod
    def from_tuples(cls, tuples, columns) -> list[ListRow]:
        """The rows of `tuples`, each the values of `selected(columns)` in its order."""
        names = [c.object_id_name if hasattr(c, "rel_model") else c.name for c in columns]
        related = [(attrs, len(names) + 2 * i) for i, (attrs, *_pair) in enumerate(LIST_RELATED)]
        rows = []
        for values in tuples:
            row = cls.__new__(cls)
            data = row.__dict__
            data.update(zip(names, values, strict=False))  # the joined columns follow
            for attrs, at in related:
                joined = None if values[at] is None else Named(values[at], values[at + 1])
                for attr in attrs:
                    data[attr] = joined
            rows.append(row)
        return rows
