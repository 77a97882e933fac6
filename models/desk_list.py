"""The helpdesk's and the agents' own list on the home page: the tickets whose step they answer
for that are overdue, due today or tomorrow (local dates, DESK_TIMEZONE), or have a reply not
yet read; its counts and its table (`models.report_table.Table`), in the user's scope."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from peewee import Case, fn

from models.calendar import calendar
from models.db import utcnow
from models.report_table import Column, Table
from models.scope import visible_tickets
from models.sop import (
    CLOSED,
)
from models.ticket import Ticket

DEADLINE_ROWS = 50  # the desk table's rows at most


def local_day_bounds(now) -> tuple[dt.datetime, dt.datetime]:
    """(end of today, end of tomorrow) in local dates (DESK_TIMEZONE), as naive UTC."""
    today = calendar.to_local(now).date()
    ends = []
    for days in (1, 2):
        local = dt.datetime.combine(today + dt.timedelta(days=days), dt.time(0), tzinfo=calendar.tz)
        ends.append(calendar.to_utc(local))
    return ends[0], ends[1]


@dataclass(frozen=True)
class DeskCounts:
    overdue: int
    due_today: int
    due_tomorrow: int
    unread: int


def _urgent(user, now, condition):
    end_today, end_tomorrow = local_day_bounds(now)
    query = Ticket.select().where(
        Ticket.status != CLOSED,
        condition,
        ((Ticket.due_at < end_tomorrow) | (Ticket.reply_unread == True)),  # noqa: E712
    )
    return visible_tickets(user, query), end_today, end_tomorrow


def desk_counts(user, condition, now=None) -> DeskCounts:
    """Of the tickets `condition` gives (the ones whose current step `user` answers for): how
    many are overdue, fall due later today, fall due tomorrow (local dates), carry an unread
    reply. One query."""
    now = now or utcnow()
    query, end_today, end_tomorrow = _urgent(user, now, condition)

    def count(expr):
        return fn.SUM(Case(None, [(expr, 1)], 0))

    row = (
        query.select(
            count(Ticket.due_at < now),
            count((Ticket.due_at >= now) & (Ticket.due_at < end_today)),
            count((Ticket.due_at >= end_today) & (Ticket.due_at < end_tomorrow)),
            count(Ticket.reply_unread == True),  # noqa: E712
        )
        .tuples()
        .first()
    )
    return DeskCounts(*(int(v or 0) for v in row))


def urgency(ticket, now, end_today, end_tomorrow) -> str:
    if ticket.due_at is not None and ticket.due_at < now:
        return _("Terlambat")
    if ticket.due_at is not None and ticket.due_at < end_today:
        return _("Jatuh tempo hari ini")
    if ticket.due_at is not None and ticket.due_at < end_tomorrow:
        return _("Jatuh tempo besok")
    return _("Balasan baru")


def desk_table(user, condition, now=None) -> Table:
    """The urgent tickets `user` answers for, most urgent first: by due time (overdue first),
    then the ones with only an unread reply (oldest reply first); at most DEADLINE_ROWS."""
    now = now or utcnow()
    query, end_today, end_tomorrow = _urgent(user, now, condition)
    query = query.order_by(
        Ticket.due_at.is_null(True), Ticket.due_at, Ticket.last_reply_at, Ticket.id
    ).limit(DEADLINE_ROWS)
    rows = [
        (
            t.number,
            t.subject,
            str(t.status_label),
            t.due_at,
            urgency(t, now, end_today, end_tomorrow),
            _("ya") if t.reply_unread else "",
        )
        for t in query
    ]
    return Table(
        "mendesak",
        _l("Perlu perhatian: terlambat, jatuh tempo hari ini dan besok, balasan baru"),
        [
            Column("number", _l("Nomor tiket")),
            Column("subject", _l("Perihal")),
            Column("status", _l("Status")),
            Column("due_at", _l("Batas waktu"), "datetime"),
            Column("urgency", _l("Keterangan")),
            Column("unread", _l("Balasan belum dibaca")),
        ],
        rows,
    )
