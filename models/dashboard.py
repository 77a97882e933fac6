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
  when a step ends: `models.step_duration`), shown in working hours with one decimal, rounded
  half up. The median and the 90th percentile are nearest-rank: the value at rank ceil(p * n)
  of the group's sorted durations.
- Overdue: the tickets whose current staff step is past its due time now (a paused step has
  none).

The counts are GROUP BY queries (received, closed, ended per period bucket or local month;
open; overdue; incomplete). The duration tables share the period's histograms of tenths of an
hour (`models.step_histograms`: one GROUP BY per dimension and month, the months already over
kept), which give the shown median and 90th percentile exactly.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from peewee import SQL, Case, fn

from models import figure_cache, step_histograms
from models.calendar import calendar
from models.catalog import DURATION_CLASSES, Layanan, PerangkatDaerah
from models.compliance import AGENT_STEPS, Period
from models.db import utcnow
from models.months import month_key, whole_months
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
from models.staff import ADMIN, KEPALA_BIDANG, KEPALA_SEKSI, Role, User, UserRoles
from models.step_facts import StepFact
from models.ticket import Ticket, TicketStep

TREND_MONTHS = 12

STEP = Column("step", _l("Langkah SOP"))
ENDED = Column("ended", _l("Selesai dalam periode"), "int")
ON_TIME = Column("on_time_percent", _l("Tepat waktu"), "percent")
MEDIAN = Column("median_hours", _l("Median (jam kerja)"), "hours")
P90 = Column("p90_hours", _l("Persentil ke-90 (jam kerja)"), "hours")
DURATION_COLUMNS = [ENDED, ON_TIME, MEDIAN, P90]


def step_label(number: int) -> str:
    """ "5. Pengerjaan oleh petugas": the step number and its name from the step table."""
    return f"{number}. {mutu_baku_step(number).name}"


def _hours(tenths) -> float | None:
    return None if tenths is None else tenths / 10


def _percent(part, whole) -> float | None:
    return round(100 * part / whole, 1) if whole else None


# --- durations: share on time, median, 90th percentile ---------------------------------------


@dataclass(frozen=True)
class Duration:
    """The figures of one group of ended steps (durations in tenths of a working hour)."""

    key: object
    label: str
    step: int
    ended: int
    on_time: int
    median_tenths: int | None
    p90_tenths: int | None

    def cells(self) -> tuple:
        return (
            self.ended,
            _percent(self.on_time, self.ended),
            _hours(self.median_tenths),
            _hours(self.p90_tenths),
        )


def _scoped_facts(user, query):
    """A StepFact query restricted to the steps of the tickets `user` may see (the fact row
    carries the ticket's service and agent: no join)."""
    return visible_tickets(
        user, query, layanan=StepFact.layanan_id, agent=StepFact.agent_id, ticket=StepFact.ticket
    )


def _labels(dimension, memo: dict | None = None):
    """id -> label of a dimension (small catalogue tables, read whole; once per `memo`)."""
    if memo is not None:
        if dimension not in memo:
            memo[dimension] = _labels(dimension)
        return memo[dimension]
    if dimension == "layanan":
        return dict(Layanan.select(Layanan.id, Layanan.name).tuples())
    if dimension == "perangkat_daerah":
        return dict(PerangkatDaerah.select(PerangkatDaerah.id, PerangkatDaerah.name).tuples())
    if dimension == "agent":
        return dict(User.select(User.id, User.name).tuples())
    return {}


def durations(
    user,
    period: Period,
    dimension: str | None = None,
    steps=MUTU_BAKU_NUMBERS,
    groups=None,
    labels: dict | None = None,
):
    """The ended steps of the period per (dimension, step): how many, how many on time, the
    median and the 90th-percentile working duration (nearest rank, in tenths of an hour:
    `models.step_histograms`). `dimension`: None (per step only), "layanan", "duration" (the
    service's duration class), "perangkat_daerah" or "agent" (the ticket's assigned agent,
    steps 5 and 7 only). `groups`: `period_histograms` when the page already has them;
    `labels`: the page's memo of `_labels`. Sorted by label, then step."""
    groups = step_histograms.period_histograms(user, period) if groups is None else groups
    if dimension == "agent":
        steps = tuple(s for s in steps if s in AGENT_STEPS)
    wanted = dimension or "step"
    labels = _labels(dimension, labels)
    step_labels = {s: step_label(s) for s in steps}
    found = []
    for (kind, key, step), group in groups.items():
        if kind != wanted or step not in steps:
            continue
        if dimension is None:
            label = step_labels[step]
        elif dimension == "duration":
            label = key
        else:
            label = labels.get(key, "")
        found.append(
            Duration(key, label, step, group.ended, group.on_time, group.rank(50), group.rank(90))
        )
    if dimension is None:  # every step listed, zero when none ended
        by_step = {r.step: r for r in found}
        return [by_step.get(s, Duration(s, step_labels[s], s, 0, 0, None, None)) for s in steps]
    return sorted(found, key=lambda r: (str(r.label), r.step))


DIMENSION_COLUMNS = {
    "layanan": Column("layanan", _l("Layanan")),
    "duration": Column("duration", _l("Kelas durasi")),
    "perangkat_daerah": Column("perangkat_daerah", _l("Perangkat Daerah")),
    "agent": Column("agent", _l("Petugas")),
}


def steps_table(user, period: Period, groups=None) -> Table:
    """Per SOP step 3-7: ended in the period, share on time, median and p90 working hours."""
    rows = [(step_label(r.step), *r.cells()) for r in durations(user, period, groups=groups)]
    return Table("langkah", _l("Durasi kerja per langkah SOP"), [STEP, *DURATION_COLUMNS], rows)


def dimension_table(
    user, period: Period, dimension: str, slug: str, title, groups=None, labels=None
) -> Table:
    """The step figures per (service | duration class | agency | agent, step)."""
    rows, step_labels = [], {s: step_label(s) for s in MUTU_BAKU_NUMBERS}
    for r in durations(user, period, dimension, groups=groups, labels=labels):
        label = DURATION_CLASSES.get(r.label, r.label) if dimension == "duration" else r.label
        rows.append((str(label), step_labels[r.step], *r.cells()))
    return Table(slug, title, [DIMENSION_COLUMNS[dimension], STEP, *DURATION_COLUMNS], rows)


def signed_wait_table(user, period: Period, groups=None, labels=None) -> Table:
    """Step 6, the wait for the signed SLA and BA, per Perangkat Daerah."""
    by_agency = durations(
        user, period, "perangkat_daerah", steps=(6,), groups=groups, labels=labels
    )
    rows = [(r.label, *r.cells()) for r in by_agency]
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


def overdue_steps(user, now) -> list[tuple]:
    """(step, assigned agent's name or None, count) of the tickets whose current staff step is
    past its due time: the ticket carries its open step's due time (moved with it on a resume
    or an extension; none while paused), so the ticket table alone answers."""
    query = (
        Ticket.select(Ticket.step, Ticket.assigned_agent, fn.COUNT(Ticket.id))
        .where(Ticket.status.in_(MUTU_BAKU_STATUSES), Ticket.due_at < now)
        .group_by(Ticket.step, Ticket.assigned_agent)
    )
    counts = list(visible_tickets(user, query).tuples())
    agents = {a for _s, a, _n in counts if a is not None}
    names = (
        dict(User.select(User.id, User.name).where(User.id.in_(agents)).tuples()) if agents else {}
    )
    return [(step, names.get(agent), n) for step, agent, n in counts]


def overdue_by_step_table(user, now=None, found=None) -> Table:
    """Open steps past their due time now, per step (every staff step listed); `found`: the
    result of `overdue_steps` when the page already has it."""
    counts: dict = {}
    for step, _name, n in found if found is not None else overdue_steps(user, now or utcnow()):
        counts[step] = counts.get(step, 0) + n
    rows = [(step_label(s), counts.get(s, 0)) for s in MUTU_BAKU_NUMBERS]
    return Table(
        "terlambat-langkah",
        _l("Terlambat saat ini per langkah"),
        [STEP, Column("count", _l("Langkah terlambat"), "int")],
        rows,
    )


def overdue_by_person_table(user, now=None, found=None) -> Table:
    """Open steps past their due time now, per the one who answers for the step: the assigned
    agent (steps 5 and 7), the helpdesk (3 and 4), the requester (6). Most first."""
    owners = {HELPDESK: _("Helpdesk"), AGENT: _("Petugas belum ditentukan")}
    counts: dict = {}
    for step, name, n in found if found is not None else overdue_steps(user, now or utcnow()):
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
    steps = _scoped_facts(user, StepFact.select())
    ended = _bucket_sums(steps, StepFact.ended_at, ordered)
    on_time = _bucket_sums(steps.where(StepFact.on_time == 1), StepFact.ended_at, ordered)
    figures = {
        p: (received[i], closed[i], ended[i], _percent(on_time[i], ended[i]))
        for i, p in enumerate(ordered)
    }
    return [figures[p] for p in periods]


def period_text(period: Period) -> str:
    return f"{period.first.isoformat()} – {period.last.isoformat()}"


def comparison_table(user, period: Period, memo: dict | None = None) -> Table:
    """This period and the previous one of the same length (`Period.previous`); periods of
    whole calendar months (a month, a quarter, a year) are added up from `month_counts`."""
    previous = period.previous()
    today = calendar.to_local(utcnow()).date()
    this_months, last_months = whole_months(period), whole_months(previous)
    if this_months and last_months:
        counts = month_counts(user, last_months + this_months, memo)
        last_row = _summed(counts[: len(last_months)])
        this_row = _summed(counts[len(last_months) :])
    elif period.last < today:
        this_row, last_row = figure_cache.remember(
            ("compare", figure_cache.scope_key(user), period),
            lambda: period_figures(user, [period, previous]),
        )
    else:
        this_row = period_figures(user, [period])[0]
        last_row = figure_cache.remember(
            ("period", figure_cache.scope_key(user), previous),
            lambda: period_figures(user, [previous])[0],
        )
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


def _count_month(user, month: Period) -> tuple:
    """(received, closed, steps ended, of them on time) of one month: counts of index ranges."""
    start, end = month.bounds()

    def tickets(column):
        query = Ticket.select(fn.COUNT(SQL("*"))).where(column >= start, column < end)
        return int(visible_tickets(user, query).scalar() or 0)

    steps = StepFact.select(fn.COUNT(SQL("*")), fn.SUM(StepFact.on_time)).where(
        StepFact.ended_at >= start, StepFact.ended_at < end
    )
    ended, on_time = _scoped_facts(user, steps).tuples().first() or (0, 0)
    return tickets(Ticket.created_at), tickets(Ticket.closed_at), int(ended or 0), int(on_time or 0)


def _four_counts(value) -> tuple:
    received, closed, ended, on_time = (int(v) for v in value)
    return (received, closed, ended, on_time)


MONTH_CODEC = figure_cache.Codec(list, _four_counts)


def month_counts(user, months: list[Period], memo: dict | None = None) -> list[tuple]:
    """(received, closed, steps ended, of them on time) per calendar month, in order; a month
    already over is read once per CACHE_SECONDS and kept in the database, the others once
    per `memo` (one page) (`figure_cache.per_month`), each month by counts of ranges of the
    time indexes (cheaper than grouping a span by a local-month expression)."""
    return figure_cache.per_month(
        user,
        "month",
        months,
        lambda span: {month_key(m): _count_month(user, m) for m in span},
        (0, 0, 0, 0),
        memo,
        codec=MONTH_CODEC,
    )


def _summed(counts) -> tuple:
    """(received, closed, ended, on-time share) of months' counts added up."""
    received, closed, ended, on_time = (sum(c[i] for c in counts) for i in range(4))
    return (received, closed, ended, _percent(on_time, ended))


def trend_table(user, period: Period, memo: dict | None = None) -> Table:
    """The monthly trend: the twelve months up to the period's last month (the months already
    over are read once per CACHE_SECONDS: `figure_cache`)."""
    months = trend_months(period)
    counts = month_counts(user, months, memo)
    rows = [(f"{m.first:%Y-%m}", *_summed([c])) for m, c in zip(months, counts, strict=True)]
    return Table("tren", _l("Tren bulanan (12 bulan)"), PERIOD_COLUMNS, rows)


# --- incomplete documents ------------------------------------------------------------------------


def _incomplete_counts(user, start, end) -> dict:
    """{Perangkat Daerah id: (received, went incomplete)} of the tickets received in
    [start, end)."""
    received_in = (Ticket.created_at >= start) & (Ticket.created_at < end)
    received = visible_tickets(
        user,
        Ticket.select(Ticket.perangkat_daerah, fn.COUNT(Ticket.id))
        .where(received_in)
        .group_by(Ticket.perangkat_daerah),
    )
    # the few tickets that went incomplete, from the index on the step's status
    incomplete = visible_tickets(
        user,
        TicketStep.select(Ticket.perangkat_daerah, fn.COUNT(fn.DISTINCT(Ticket.id)))
        .join(Ticket, on=(TicketStep.ticket == Ticket.id))
        .where(TicketStep.status == INCOMPLETE, received_in)
        .group_by(Ticket.perangkat_daerah),
    )
    went = dict(incomplete.tuples())
    return {agency: (int(n), int(went.get(agency, 0))) for agency, n in received.tuples()}


def _incomplete_rows(counts: dict) -> list:
    return [[agency, n, went] for agency, (n, went) in counts.items()]


def _incomplete_dict(rows: list) -> dict:
    return {
        agency if agency is None else int(agency): (int(n), int(went)) for agency, n, went in rows
    }


INCOMPLETE_CODEC = figure_cache.Codec(_incomplete_rows, _incomplete_dict)


def incomplete_counts(user, period: Period, memo: dict | None = None) -> dict:
    """{Perangkat Daerah id: (tickets received in the period, of them went incomplete at least
    once)}: for whole months, the months' counts added up (`figure_cache.per_month`: a ticket
    counts in the one month it was received in), else counted directly."""
    months = whole_months(period)
    if months is None:
        return _incomplete_counts(user, *period.bounds())
    parts = figure_cache.per_month(
        user,
        "incomplete",
        months,
        lambda span: {month_key(m): _incomplete_counts(user, *m.bounds()) for m in span},
        {},
        memo,
        codec=INCOMPLETE_CODEC,
    )
    total: dict = {}
    for part in parts:
        for agency, (n, went) in part.items():
            before = total.get(agency, (0, 0))
            total[agency] = (before[0] + n, before[1] + went)
    return total


def incomplete_table(user, period: Period, memo: dict | None = None, labels=None) -> Table:
    """Per Perangkat Daerah: tickets received in the period, how many of them went to status
    incomplete (documents missing) at least once, and that share."""
    names = _labels("perangkat_daerah", labels)
    rows = sorted(
        (names.get(pd, ""), n, went, _percent(went, n))
        for pd, (n, went) in incomplete_counts(user, period, memo).items()
        if n
    )
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


# --- the heads' tables by slug ---------------------------------------------------------------


def head_tables() -> dict:
    """slug -> callable(user, period, now) -> Table: every table of the heads' home page, in
    page order."""
    overdue: dict = {}  # one query for both overdue tables of a page

    def found(user, now):
        key = (user.id, now)
        if key not in overdue:
            overdue[key] = overdue_steps(user, now)
        return overdue[key]

    def past(slug, make):
        """A table of a period already over: the same figures for CACHE_SECONDS."""

        def table(user, period, now):
            if period.last >= calendar.to_local(now).date():
                return make(user, period, now)
            key = (slug, figure_cache.scope_key(user), period)
            return figure_cache.remember(key, lambda: make(user, period, now))

        return table

    histograms: dict = {}  # one count of the period's durations for every duration table
    memo: dict = {}  # the current month's counts, counted once for the page
    labels: dict = {}  # the catalogue's names, read once for the page

    def rows(user, period):
        key = (user.id, period)
        if key not in histograms:
            histograms[key] = step_histograms.period_histograms(user, period)
        return histograms[key]

    def per(dimension, slug, title):
        return lambda u, p, n: dimension_table(u, p, dimension, slug, title, rows(u, p), labels)

    period_tables = {
        "langkah": lambda u, p, n: steps_table(u, p, rows(u, p)),
        "per-layanan": per("layanan", "per-layanan", _l("Durasi kerja per layanan")),
        "per-kelas-durasi": per(
            "duration", "per-kelas-durasi", _l("Durasi kerja per kelas durasi layanan")
        ),
        "per-perangkat-daerah": per(
            "perangkat_daerah", "per-perangkat-daerah", _l("Durasi kerja per Perangkat Daerah")
        ),
        "per-petugas": per(
            "agent", "per-petugas", _l("Durasi kerja per petugas (langkah 5 dan 7)")
        ),
        "kelengkapan": lambda u, p, n: incomplete_table(u, p, memo, labels),
        "balasan": lambda u, p, n: signed_wait_table(u, p, rows(u, p), labels),
    }
    cached = {slug: past(slug, make) for slug, make in period_tables.items()}
    return {
        "terbuka": lambda u, p, n: open_by_step_table(u),
        "terlambat-langkah": lambda u, p, n: overdue_by_step_table(u, n, found(u, n)),
        "terlambat-petugas": lambda u, p, n: overdue_by_person_table(u, n, found(u, n)),
        "banding": lambda u, p, n: comparison_table(u, p, memo),
        **{slug: cached[slug] for slug in ("langkah", "per-layanan", "per-kelas-durasi")},
        **{slug: cached[slug] for slug in ("per-perangkat-daerah", "per-petugas")},
        **{slug: cached[slug] for slug in ("kelengkapan", "balasan")},
        "tren": lambda u, p, n: trend_table(u, p, memo),
    }


# --- the figures kept before the morning ------------------------------------------------------

HEAD_ROLES = (ADMIN, KEPALA_BIDANG, KEPALA_SEKSI)
KEPT_TABLES = ("banding", "tren", "langkah", "kelengkapan")  # those that count months


def keep_heads_figures(now=None) -> int:
    """Count the heads' page for each scope of an active head (admin, kepala bidang, kepala
    seksi; a scope counted once however many heads share it) and this year, quarter and month,
    so that the months and the current month's days already over are kept in the database
    (`models.kept_figures`) before the morning's first page. Returns the scopes counted."""
    now = now or utcnow()
    today = calendar.to_local(now).date()
    periods = [
        Period.year(today.year),
        Period.quarter(today.year, (today.month - 1) // 3 + 1),
        Period.month(today.year, today.month),
    ]
    heads = (
        User.select()
        .join(UserRoles)
        .join(Role)
        .where(User.active == True, Role.name.in_(HEAD_ROLES))  # noqa: E712
        .distinct()
        .order_by(User.id)
    )
    scopes = set()
    for user in heads:
        digest = figure_cache.scope_digest(user)
        if digest is None or digest in scopes:
            continue
        scopes.add(digest)
        for period in periods:
            tables = head_tables()
            for slug in KEPT_TABLES:
                tables[slug](user, period, now)
    return len(scopes)
