"""Compliance with the time standards (mutu baku): how many SOP steps ended on time.

The rule, for every table here:

- A step is one `TicketStep` row of a step the step table (`models.sop.STEPS`) marks as a time
  standard (mutu baku): 3 verifikasi, 4 disposisi, 5 pengerjaan, 6 balasan SLA/BA, 7 close.
  Rows of the requester's one-month window for missing documents (status "incomplete") are not
  a staff time standard: they are left out.
- "Ended" counts the steps whose `ended_at` falls in the period: from the first local date 00:00
  to the day after the last local date 00:00 (DESK_TIMEZONE, stored times are UTC).
- "On time" counts those of them with `ended_at <= due_at`; the percentage is on time / ended
  (None when nothing ended).
- "Overdue" counts the steps still open now (`ended_at` empty) whose due time has passed,
  whatever the period: what is late at this moment. A step paused now (step 5 waiting for the
  requester's answer, `paused_at` set) is not late: its clock is stopped.
- Paused time is counted out: each resume moves the step's `due_at` by the working time it was
  paused (`models.workflow.conversation`), so "on time" compares with the moved due time.
- Only the tickets the user may see count (`models.scope.visible_tickets`).

Counting happens in the database (one GROUP BY query for every table, `tables`), on SQLite
and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from peewee import Case, fn

from models.calendar import calendar
from models.catalog import Layanan, PerangkatDaerah
from models.db import utcnow
from models.scope import visible_tickets
from models.sop import AGENT, MUTU_BAKU_NUMBERS, MUTU_BAKU_STATUSES, STEPS
from models.staff import User
from models.ticket import Ticket, TicketStep

STAFF_STEPS = MUTU_BAKU_NUMBERS
# the steps the assigned agent answers for (pengerjaan and close), from the step table
AGENT_STEPS = tuple(s.number for s in STEPS if s.owner == AGENT and s.mutu_baku and s.statuses)


@dataclass(frozen=True)
class Period:
    """Local dates, both included."""

    first: dt.date
    last: dt.date

    def bounds(self) -> tuple[dt.datetime, dt.datetime]:
        """(start, end) as naive UTC: local `first` 00:00 up to (not including) local
        `last` + 1 day 00:00."""
        tz = calendar.tz
        start = dt.datetime.combine(self.first, dt.time(0), tzinfo=tz)
        end = dt.datetime.combine(self.last + dt.timedelta(days=1), dt.time(0), tzinfo=tz)
        return calendar.to_utc(start), calendar.to_utc(end)

    @property
    def days(self) -> int:
        return (self.last - self.first).days + 1

    @classmethod
    def month(cls, year: int, month: int) -> Period:
        """The calendar month `month` of `year`."""
        first = dt.date(year, month, 1)
        next_month = (first + dt.timedelta(days=32)).replace(day=1)
        return cls(first, next_month - dt.timedelta(days=1))

    @classmethod
    def quarter(cls, year: int, quarter: int) -> Period:
        """Quarter 1-4 of `year`: three calendar months."""
        first = dt.date(year, 3 * quarter - 2, 1)
        return cls(first, cls.month(year, 3 * quarter).last)

    @classmethod
    def year(cls, year: int) -> Period:
        """1 January to 31 December of `year`."""
        return cls(dt.date(year, 1, 1), dt.date(year, 12, 31))

    def previous(self) -> Period:
        """The period of the same length just before this one; a whole month, quarter or year
        gives the previous month, quarter or year (so February follows January's 31 days)."""
        whole_months = self.first.day == 1 and (self.last + dt.timedelta(days=1)).day == 1
        if whole_months:
            months = (self.last.year - self.first.year) * 12 + self.last.month - self.first.month
            index = self.first.year * 12 + self.first.month - 1 - (months + 1)
            first = dt.date(index // 12, index % 12 + 1, 1)
            return Period(first, self.first - dt.timedelta(days=1))
        return Period(self.first - dt.timedelta(days=self.days), self.first - dt.timedelta(days=1))

    def months(self) -> list[Period]:
        """The calendar months this period touches, each cut to the period."""
        result, first = [], self.first
        while first <= self.last:
            whole = Period.month(first.year, first.month)
            result.append(Period(first, min(whole.last, self.last)))
            first = whole.last + dt.timedelta(days=1)
        return result


def current_month(today: dt.date | None = None) -> Period:
    """The calendar month of `today` (default: today's local date), first to last day."""
    today = today or calendar.to_local(utcnow()).date()
    first = today.replace(day=1)
    next_month = (first + dt.timedelta(days=32)).replace(day=1)
    return Period(first, next_month - dt.timedelta(days=1))


@dataclass(frozen=True)
class Row:
    """One line of a compliance table."""

    key: object  # the step number, or the id of the service, agency or agent
    label: str
    ended: int
    on_time: int
    overdue: int

    @property
    def late(self) -> int:
        return self.ended - self.on_time

    @property
    def percent(self) -> float | None:
        """On time / ended, in percent with one decimal; None when nothing ended."""
        if not self.ended:
            return None
        return round(100 * self.on_time / self.ended, 1)


def _counted(user, period: Period, now, steps=STAFF_STEPS):
    """The three counts over the user's visible step rows, ready to be grouped."""
    start, end = period.bounds()
    now = now or utcnow()
    ended = (TicketStep.ended_at >= start) & (TicketStep.ended_at < end)
    on_time = ended & (TicketStep.ended_at <= TicketStep.due_at)
    running = TicketStep.ended_at.is_null(True) & TicketStep.paused_at.is_null(True)
    overdue = running & (TicketStep.due_at < now)
    query = (
        TicketStep.select(
            fn.SUM(Case(None, [(ended, 1)], 0)).alias("ended"),
            fn.SUM(Case(None, [(on_time, 1)], 0)).alias("on_time"),
            fn.SUM(Case(None, [(overdue, 1)], 0)).alias("overdue"),
        )
        .join(Ticket, on=(TicketStep.ticket == Ticket.id))
        .where(
            TicketStep.status.in_(MUTU_BAKU_STATUSES),
            TicketStep.step.in_(steps),
            ended | overdue,
        )
    )
    return visible_tickets(user, query)


def tables(user, period: Period, now=None) -> dict[str, list[Row]]:
    """Every table at once, from ONE GROUP BY query (per step, service, agency and agent of the
    ticket) summed here: the step rows are read once, not once per table.

    "step": per SOP step 3..7 (every step listed, zero when nothing counted; label: the step
    number as text, the view names it); "layanan": per service of the ticket, by name;
    "perangkat_daerah": per requesting agency, by name; "agent": per agent, steps 5
    (pengerjaan) and 7 (close) of the tickets assigned to them (the ticket's current agent:
    after a reassignment the step counts for the new one), by name. Only services, agencies and
    agents with a counted step are listed.
    """
    query = (
        _counted(user, period, now)
        .select_extend(
            TicketStep.step, Ticket.layanan, Ticket.perangkat_daerah, Ticket.assigned_agent
        )
        .group_by(TicketStep.step, Ticket.layanan, Ticket.perangkat_daerah, Ticket.assigned_agent)
    )
    sums: dict[str, dict] = {"step": {}, "layanan": {}, "perangkat_daerah": {}, "agent": {}}
    for ended, on_time, overdue, step, layanan, agency, agent in query.tuples():
        counts = (int(ended or 0), int(on_time or 0), int(overdue or 0))
        keys = [("step", step), ("layanan", layanan), ("perangkat_daerah", agency)]
        if agent is not None and step in AGENT_STEPS:
            keys.append(("agent", agent))
        for table, key in keys:
            total = sums[table].setdefault(key, [0, 0, 0])
            for n, value in enumerate(counts):
                total[n] += value
    names = {
        "layanan": _names(Layanan, sums["layanan"]),
        "perangkat_daerah": _names(PerangkatDaerah, sums["perangkat_daerah"]),
        "agent": _names(User, sums["agent"]),
    }
    result = {
        "step": [Row(step, str(step), *sums["step"].get(step, (0, 0, 0))) for step in STAFF_STEPS]
    }
    for table, labels in names.items():
        rows = [Row(key, labels[key], *counts) for key, counts in sums[table].items()]
        result[table] = sorted(rows, key=lambda r: (r.label, r.key))
    return result


def _names(model, ids) -> dict:
    if not ids:
        return {}
    return dict(model.select(model.id, model.name).where(model.id.in_(list(ids))).tuples())


def by_step(user, period: Period, now=None) -> list[Row]:
    """Per SOP step 3..7 (see `tables`)."""
    return tables(user, period, now)["step"]


def by_layanan(user, period: Period, now=None) -> list[Row]:
    """Per service (layanan) of the ticket, by name (see `tables`)."""
    return tables(user, period, now)["layanan"]


def by_perangkat_daerah(user, period: Period, now=None) -> list[Row]:
    """Per requesting agency (Perangkat Daerah) of the ticket, by name (see `tables`)."""
    return tables(user, period, now)["perangkat_daerah"]


def by_agent(user, period: Period, now=None) -> list[Row]:
    """Per agent: steps 5 and 7 of the tickets assigned to them, by name (see `tables`)."""
    return tables(user, period, now)["agent"]


def totals(rows: list[Row]) -> Row:
    """The sum of a table's rows (for its last line)."""
    return Row(
        None,
        "",
        sum(r.ended for r in rows),
        sum(r.on_time for r in rows),
        sum(r.overdue for r in rows),
    )
