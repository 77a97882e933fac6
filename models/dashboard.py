"""The figures of the staff home page (dashboard), each a `models.report_table.Table`.

The rules, for every table here:

- Only the tickets the user may see count (`models.scope.visible_tickets`).
- A period is local dates (`models.compliance.Period`, DESK_TIMEZONE); a step counts in the
  period its `ended_at` falls in, a ticket in the period it was received (`created_at`) or
  closed (`closed_at`).
- Steps are the staff time standards (mutu baku) of the step table, as in `models.compliance`:
  3 verifikasi, 4 disposisi, 5 pengerjaan, 6 balasan SLA/BA, 7 close; the requester's window
  for missing documents and the paused part of step 5 are not steps of their own.
- "Tepat waktu" (on time): `ended_at <= due_at` (the due time already moved by paused time).
- Durations are working time with paused time excluded (`TicketStep.working_seconds`, stored
  when a step ends: `models.step_duration`), shown in working hours. The median and the 90th
  percentile are nearest-rank: the value at rank ceil(p * n) of the sorted durations, read by a
  window query (ROW_NUMBER / COUNT over the group), the same on SQLite and PostgreSQL.
- Overdue: an open step, not paused, whose due time has passed (now).

Every figure is counted in the database (GROUP BY, window functions, CASE per period bucket);
Python only names the rows.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from peewee import JOIN, Case, Select, fn

from models.calendar import calendar
from models.catalog import DURATION_CLASSES, Layanan, PerangkatDaerah
from models.compliance import AGENT_STEPS, Period
from models.db import utcnow
from models.report_table import Column, Table
from models.scope import visible_tickets
from models.sop import (
    AGENT,
    CLOSED,
    HELPDESK,
    INCOMPLETE,
    MUTU_BAKU_NUMBERS,
    MUTU_BAKU_STATUSES,
    STATES,
    mutu_baku_step,
    step_for_status,
)
from models.staff import User
from models.ticket import Ticket, TicketStep

TREND_MONTHS = 12
DEADLINE_ROWS = 50

STEP = Column("step", _l("Langkah SOP"))
ENDED = Column("ended", _l("Selesai dalam periode"), "int")
ON_TIME = Column("on_time_percent", _l("Tepat waktu"), "percent")
MEDIAN = Column("median_hours", _l("Median (jam kerja)"), "hours")
P90 = Column("p90_hours", _l("Persentil ke-90 (jam kerja)"), "hours")
DURATION_COLUMNS = [ENDED, ON_TIME, MEDIAN, P90]


def step_label(number: int) -> str:
    """ "5. Pengerjaan oleh petugas": the step number and its name from the step table."""
    return f"{number}. {mutu_baku_step(number).name}"


def _hours(seconds) -> float | None:
    return None if seconds is None else round(seconds / 3600, 1)


def _percent(part, whole) -> float | None:
    return round(100 * part / whole, 1) if whole else None


def _ended_in(period: Period):
    start, end = period.bounds()
    return (TicketStep.ended_at >= start) & (TicketStep.ended_at < end)


# --- durations: share on time, median, 90th percentile ---------------------------------------


@dataclass(frozen=True)
class Duration:
    """The figures of one group of ended steps."""

    key: object
    label: str
    step: int
    ended: int
    on_time: int
    median_seconds: int | None
    p90_seconds: int | None

    def cells(self) -> tuple:
        return (
            self.ended,
            _percent(self.on_time, self.ended),
            _hours(self.median_seconds),
            _hours(self.p90_seconds),
        )


def durations(user, period: Period, dimension: str | None = None, steps=MUTU_BAKU_NUMBERS):
    """The ended steps of the period per (dimension, step): how many, how many on time, the
    median and the 90th-percentile working duration. `dimension`: None (per step only),
    "layanan", "duration" (the service's duration class), "perangkat_daerah" or "agent" (the
    ticket's assigned agent, steps 5 and 7 only). Sorted by label, then step."""
    key, label, join = DIMENSIONS[dimension]
    if dimension == "agent":
        steps = tuple(s for s in steps if s in AGENT_STEPS)
    group = [key, TicketStep.step]
    window = {"partition_by": group}
    inner = TicketStep.select(
        key.alias("key"),
        label.alias("label"),
        TicketStep.step.alias("step"),
        TicketStep.working_seconds.alias("seconds"),
        fn.ROW_NUMBER()
        .over(partition_by=group, order_by=[TicketStep.working_seconds, TicketStep.id])
        .alias("rank"),
        fn.COUNT(TicketStep.id).over(**window).alias("n"),
        fn.SUM(Case(None, [(TicketStep.ended_at <= TicketStep.due_at, 1)], 0))
        .over(**window)
        .alias("on_time"),
    ).join(Ticket, on=(TicketStep.ticket == Ticket.id))
    inner = join(inner).where(
        _ended_in(period),
        TicketStep.status.in_(MUTU_BAKU_STATUSES),
        TicketStep.step.in_(steps),
        TicketStep.working_seconds.is_null(False),
    )
    inner = visible_tickets(user, inner).alias("d")
    median_rank = (inner.c.n * 50 + 99) / 100  # ceil(n / 2) in integer arithmetic
    p90_rank = (inner.c.n * 90 + 99) / 100
    query = (
        Select(
            [inner],
            [
                inner.c.key,
                inner.c.label,
                inner.c.step,
                inner.c.seconds,
                inner.c.n,
                inner.c.on_time,
                (inner.c.rank == median_rank).alias("is_median"),
                (inner.c.rank == p90_rank).alias("is_p90"),
            ],
        )
        .where((inner.c.rank == median_rank) | (inner.c.rank == p90_rank))
        .bind(TicketStep._meta.database)
    )
    found: dict = {}
    for key_value, label_value, step, seconds, n, on_time, is_median, is_p90 in query.tuples():
        row = found.setdefault(
            (key_value, step), [key_value, label_value, step, int(n), int(on_time), None, None]
        )
        if is_median:
            row[5] = seconds
        if is_p90:
            row[6] = seconds
    rows = [Duration(*row) for row in found.values()]
    if dimension is None:  # every step listed, zero when none ended
        by_step = {r.step: r for r in rows}
        return [by_step.get(s, Duration(s, step_label(s), s, 0, 0, None, None)) for s in steps]
    return sorted(rows, key=lambda r: (str(r.label), r.step))


def _no_join(query):
    return query


DIMENSIONS = {
    None: (TicketStep.step, TicketStep.step, _no_join),
    "layanan": (Layanan.id, Layanan.name, lambda q: q.switch(Ticket).join(Layanan)),
    "duration": (Layanan.duration, Layanan.duration, lambda q: q.switch(Ticket).join(Layanan)),
    "perangkat_daerah": (
        PerangkatDaerah.id,
        PerangkatDaerah.name,
        lambda q: q.switch(Ticket).join(PerangkatDaerah),
    ),
    "agent": (
        User.id,
        User.name,
        lambda q: q.switch(Ticket).join(User, JOIN.INNER, on=(Ticket.assigned_agent == User.id)),
    ),
}
DIMENSION_COLUMNS = {
    "layanan": Column("layanan", _l("Layanan")),
    "duration": Column("duration", _l("Kelas durasi")),
    "perangkat_daerah": Column("perangkat_daerah", _l("Perangkat Daerah")),
    "agent": Column("agent", _l("Petugas")),
}


def steps_table(user, period: Period) -> Table:
    """Per SOP step 3-7: ended in the period, share on time, median and p90 working hours."""
    rows = [(step_label(r.step), *r.cells()) for r in durations(user, period)]
    return Table("langkah", _l("Durasi kerja per langkah SOP"), [STEP, *DURATION_COLUMNS], rows)


def dimension_table(user, period: Period, dimension: str, slug: str, title) -> Table:
    """The step figures per (service | duration class | agency | agent, step)."""
    rows = []
    for r in durations(user, period, dimension):
        label = DURATION_CLASSES.get(r.label, r.label) if dimension == "duration" else r.label
        rows.append((str(label), step_label(r.step), *r.cells()))
    return Table(slug, title, [DIMENSION_COLUMNS[dimension], STEP, *DURATION_COLUMNS], rows)


def signed_wait_table(user, period: Period) -> Table:
    """Step 6, the wait for the signed SLA and BA, per Perangkat Daerah."""
    rows = [(r.label, *r.cells()) for r in durations(user, period, "perangkat_daerah", steps=(6,))]
    return Table(
        "balasan",
        _l("Menunggu balasan SLA dan BA bertanda tangan (langkah 6)"),
        [DIMENSION_COLUMNS["perangkat_daerah"], *DURATION_COLUMNS],
        rows,
    )


# --- open and overdue now ----------------------------------------------------------------------


def open_by_step_table(user) -> Table:
    """The tickets not closed, per state (in the order of the state table) with its step."""
    query = visible_tickets(
        user, Ticket.select(Ticket.status, fn.COUNT(Ticket.id)).where(Ticket.status != CLOSED)
    ).group_by(Ticket.status)
    counts = dict(query.tuples())
    rows = []
    for code, state in STATES.items():
        if code == CLOSED:
            continue
        step = step_for_status(code)
        rows.append((f"{step.number}. {step.name}", str(state.label), counts.get(code, 0)))
    return Table(
        "terbuka",
        _l("Tiket terbuka per langkah"),
        [STEP, Column("status", _l("Status")), Column("count", _l("Jumlah tiket"), "int")],
        rows,
    )


def _overdue_steps(user, now):
    query = (
        TicketStep.select(TicketStep.step, User.name, fn.COUNT(TicketStep.id))
        .join(Ticket, on=(TicketStep.ticket == Ticket.id))
        .join(User, JOIN.LEFT_OUTER, on=(Ticket.assigned_agent == User.id))
        .where(
            TicketStep.ended_at.is_null(True),
            TicketStep.paused_at.is_null(True),
            TicketStep.due_at < now,
            TicketStep.status.in_(MUTU_BAKU_STATUSES),
        )
        .group_by(TicketStep.step, User.name)
    )
    return list(visible_tickets(user, query).tuples())


def overdue_by_step_table(user, now=None) -> Table:
    """Open steps past their due time now, per step (every staff step listed)."""
    counts: dict = {}
    for step, _name, n in _overdue_steps(user, now or utcnow()):
        counts[step] = counts.get(step, 0) + n
    rows = [(step_label(s), counts.get(s, 0)) for s in MUTU_BAKU_NUMBERS]
    return Table(
        "terlambat-langkah",
        _l("Terlambat saat ini per langkah"),
        [STEP, Column("count", _l("Langkah terlambat"), "int")],
        rows,
    )


def overdue_by_person_table(user, now=None) -> Table:
    """Open steps past their due time now, per the one who answers for the step: the assigned
    agent (steps 5 and 7), the helpdesk (3 and 4), the requester (6). Most first."""
    owners = {HELPDESK: _("Helpdesk"), AGENT: _("Petugas belum ditentukan")}
    counts: dict = {}
    for step, name, n in _overdue_steps(user, now or utcnow()):
        owner = mutu_baku_step(step).owner
        if owner == AGENT:
            person = name or owners[AGENT]
        else:
            person = owners.get(owner) or _("Pemohon")
        counts[person] = counts.get(person, 0) + n
    rows = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return Table(
        "terlambat-petugas",
        _l("Terlambat saat ini per penanggung jawab"),
        [Column("person", _l("Penanggung jawab")), Column("count", _l("Langkah terlambat"), "int")],
        rows,
    )


# --- periods side by side: this against the last, the monthly trend --------------------------


PERIOD_COLUMNS = [
    Column("period", _l("Periode")),
    Column("received", _l("Tiket masuk"), "int"),
    Column("closed", _l("Tiket ditutup"), "int"),
    Column("ended", _l("Langkah selesai"), "int"),
    Column("on_time_percent", _l("Tepat waktu"), "percent"),
]


def _bucket_sums(query, column, periods):
    """One SELECT of SUM(CASE column in bucket) per period: the counts of all buckets at once."""
    sums = []
    for i, period in enumerate(periods):
        start, end = period.bounds()
        sums.append(fn.SUM(Case(None, [((column >= start) & (column < end), 1)], 0)).alias(f"b{i}"))
    first, _ = periods[0].bounds()
    _, last = periods[-1].bounds()
    row = query.select(*sums).where(column >= first, column < last).tuples().first()
    return [int(v or 0) for v in (row or [0] * len(periods))]


def period_figures(user, periods: list[Period]) -> list[tuple]:
    """For each period (in order, earliest first): tickets received, tickets closed, staff steps
    ended and the share of them on time."""
    ordered = sorted(periods, key=lambda p: p.first)
    tickets = visible_tickets(user, Ticket.select())
    received = _bucket_sums(tickets, Ticket.created_at, ordered)
    closed = _bucket_sums(visible_tickets(user, Ticket.select()), Ticket.closed_at, ordered)
    steps = TicketStep.select().join(Ticket, on=(TicketStep.ticket == Ticket.id))
    steps = visible_tickets(user, steps).where(TicketStep.status.in_(MUTU_BAKU_STATUSES))
    ended = _bucket_sums(steps, TicketStep.ended_at, ordered)
    on_time = _bucket_sums(
        steps.where(TicketStep.ended_at <= TicketStep.due_at), TicketStep.ended_at, ordered
    )
    figures = {
        p: (received[i], closed[i], ended[i], _percent(on_time[i], ended[i]))
        for i, p in enumerate(ordered)
    }
    return [figures[p] for p in periods]


def period_text(period: Period) -> str:
    return f"{period.first.isoformat()} – {period.last.isoformat()}"


def comparison_table(user, period: Period) -> Table:
    """This period and the previous one of the same length (`Period.previous`)."""
    previous = period.previous()
    this_row, last_row = period_figures(user, [period, previous])
    rows = [
        (_("Periode ini (%(p)s)", p=period_text(period)), *this_row),
        (_("Periode sebelumnya (%(p)s)", p=period_text(previous)), *last_row),
    ]
    return Table("banding", _l("Periode ini dibanding periode sebelumnya"), PERIOD_COLUMNS, rows)


def trend_months(period: Period) -> list[Period]:
    """The twelve calendar months ending with the month of the period's last day."""
    months, year, month = [], period.last.year, period.last.month
    for _i in range(TREND_MONTHS):
        months.append(Period.month(year, month))
        year, month = (year, month - 1) if month > 1 else (year - 1, 12)
    return months[::-1]


def trend_table(user, period: Period) -> Table:
    """The monthly trend: the twelve months up to the period's last month."""
    months = trend_months(period)
    figures = period_figures(user, months)
    rows = [(f"{m.first:%Y-%m}", *f) for m, f in zip(months, figures, strict=True)]
    return Table("tren", _l("Tren bulanan (12 bulan)"), PERIOD_COLUMNS, rows)


# --- incomplete documents ------------------------------------------------------------------------


def incomplete_table(user, period: Period) -> Table:
    """Per Perangkat Daerah: tickets received in the period, how many of them went to status
    incomplete (documents missing) at least once, and that share."""
    start, end = period.bounds()
    went_incomplete = TicketStep.select(TicketStep.ticket).where(TicketStep.status == INCOMPLETE)
    flag = Case(None, [(Ticket.id.in_(went_incomplete), 1)], 0)
    query = (
        Ticket.select(PerangkatDaerah.name, fn.COUNT(Ticket.id), fn.SUM(flag))
        .join(PerangkatDaerah)
        .where(Ticket.created_at >= start, Ticket.created_at < end)
        .group_by(PerangkatDaerah.id, PerangkatDaerah.name)
        .order_by(PerangkatDaerah.name)
    )
    rows = [
        (name, int(n), int(k or 0), _percent(int(k or 0), int(n)))
        for name, n, k in visible_tickets(user, query).tuples()
    ]
    return Table(
        "kelengkapan",
        _l("Dokumen tidak lengkap per Perangkat Daerah"),
        [
            DIMENSION_COLUMNS["perangkat_daerah"],
            Column("received", _l("Tiket masuk"), "int"),
            Column("incomplete", _l("Pernah tidak lengkap"), "int"),
            Column("incomplete_percent", _l("Persentase tidak lengkap"), "percent"),
        ],
        rows,
    )


# --- the desk's own list: overdue, due today and tomorrow, unread replies ----------------------


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


# --- the heads' tables by slug ---------------------------------------------------------------


def head_tables() -> dict:
    """slug -> callable(user, period, now) -> Table: every table of the heads' home page, in
    page order."""
    return {
        "terbuka": lambda u, p, n: open_by_step_table(u),
        "terlambat-langkah": lambda u, p, n: overdue_by_step_table(u, n),
        "terlambat-petugas": lambda u, p, n: overdue_by_person_table(u, n),
        "banding": lambda u, p, n: comparison_table(u, p),
        "langkah": lambda u, p, n: steps_table(u, p),
        "per-layanan": lambda u, p, n: dimension_table(
            u, p, "layanan", "per-layanan", _l("Durasi kerja per layanan")
        ),
        "per-kelas-durasi": lambda u, p, n: dimension_table(
            u, p, "duration", "per-kelas-durasi", _l("Durasi kerja per kelas durasi layanan")
        ),
        "per-perangkat-daerah": lambda u, p, n: dimension_table(
            u,
            p,
            "perangkat_daerah",
            "per-perangkat-daerah",
            _l("Durasi kerja per Perangkat Daerah"),
        ),
        "per-petugas": lambda u, p, n: dimension_table(
            u, p, "agent", "per-petugas", _l("Durasi kerja per petugas (langkah 5 dan 7)")
        ),
        "kelengkapan": lambda u, p, n: incomplete_table(u, p),
        "balasan": lambda u, p, n: signed_wait_table(u, p),
        "tren": lambda u, p, n: trend_table(u, p),
    }
