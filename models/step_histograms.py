"""The working durations of ended staff steps as histograms of tenths of a working hour, per
calendar month: what the dashboard's medians and 90th percentiles are read from.

The rule: the page shows a step's working duration in hours with one decimal, rounded half up
(`tenths`). Rounding is monotone, so the nearest-rank median and 90th percentile of the shown
values are the shown values of the nearest-rank median and 90th percentile: a count of steps
per tenth of an hour gives the page's figures exactly, and the counts of months add up to the
counts of a quarter or a year. Each part of a period (a calendar month, or a range of dates that
is not whole months) is one GROUP BY per dimension on the step facts (`models.step_facts`):
per (step, service, tenth), (step, Perangkat Daerah, tenth) and (step, assigned agent, tenth);
the per-step and per-duration-class counts are the services' added up. The counts of a month
already over are kept per app and scope for CACHE_SECONDS (`figure_cache`: they cannot change),
and in the database (`models.kept_figures`, as JSON: `CODEC`) for every worker; the months over
of a period added up, and the current month's days already over, too; today's steps are
counted on each request.
"""

from __future__ import annotations

import datetime as dt
from array import array
from bisect import bisect_left, bisect_right
from itertools import accumulate, groupby
from operator import itemgetter
from typing import NamedTuple

from peewee import SQL, fn

from models import figure_cache, kept_figures
from models.calendar import calendar
from models.catalog import Layanan
from models.compliance import AGENT_STEPS, Period
from models.db import utcnow
from models.months import month_key, whole_months
from models.scope import visible_tickets
from models.step_facts import StepFact

TENTH = 360  # seconds in a tenth of an hour
# the dimensions a group is keyed by: (dimension, key, step)
DIMENSIONS = ("step", "layanan", "duration", "perangkat_daerah", "agent")


def tenths(seconds: int) -> int:
    """A working duration in tenths of an hour, rounded half up (what the page shows, x 10)."""
    return (seconds + TENTH // 2) // TENTH


class Group(NamedTuple):
    """The ended steps of one (dimension, key, step): how many, how many on time, and how many
    at or below each tenth of an hour (`tenths` ascending, `cumulative` alongside)."""

    ended: int
    on_time: int
    tenths: array
    cumulative: array

    def at_most(self, tenth: int) -> int:
        """How many of the steps took at most `tenth` tenths of an hour."""
        i = bisect_right(self.tenths, tenth)
        return self.cumulative[i - 1] if i else 0

    def per_tenth(self):
        """(tenth, count) pairs, ascending."""
        before = 0
        for tenth, total in zip(self.tenths, self.cumulative, strict=True):
            yield tenth, total - before
            before = total

    def rank(self, percent: int) -> int | None:
        """The tenths at nearest rank ceil(percent / 100 * ended) (None when none ended)."""
        return nearest_rank((self,), percent)


class Combined(NamedTuple):
    """The groups of one key in several parts of a period, ranked together without merging."""

    groups: tuple

    @property
    def ended(self) -> int:
        return sum(g.ended for g in self.groups)

    @property
    def on_time(self) -> int:
        return sum(g.on_time for g in self.groups)

    def rank(self, percent: int) -> int | None:
        """As `Group.rank`, over the union of the groups."""
        return nearest_rank(self.groups, percent)


def nearest_rank(groups, percent: int) -> int | None:
    """The tenths at nearest rank ceil(percent / 100 * n) of the union of `groups` (n their
    steps): the least tenth with at least that many steps at or below it (None when empty)."""
    ended = sum(g.ended for g in groups)
    if not ended:
        return None
    rank = (ended * percent + 99) // 100
    if len(groups) == 1:
        group = groups[0]
        return group.tenths[bisect_left(group.cumulative, rank)]
    low = min(g.tenths[0] for g in groups)
    high = max(g.tenths[-1] for g in groups)
    # the largest group bounds the answer: it holds at least rank - (the others' steps) of the
    # steps at or below it, and at most rank
    big = max(groups, key=lambda g: g.ended)
    others = ended - big.ended
    if rank > others:
        low = max(low, big.tenths[bisect_left(big.cumulative, rank - others)])
    if rank <= big.ended:
        high = min(high, big.tenths[bisect_left(big.cumulative, rank)])
    pairs = [(g.tenths, g.cumulative) for g in groups]
    while low < high:  # the least integer tenth with enough steps at or below it is one seen
        middle = (low + high) // 2
        seen = 0
        for tenths, cumulative in pairs:
            i = bisect_right(tenths, middle)
            if i:
                seen += cumulative[i - 1]
        if seen >= rank:
            high = middle
        else:
            low = middle + 1
    return low


def _encode(groups: dict) -> list:
    return [
        [dimension, key, step, g.ended, g.on_time, g.tenths.tolist(), g.cumulative.tolist()]
        for (dimension, key, step), g in groups.items()
    ]


def _decode(rows: list) -> dict:
    """The groups of `_encode`'s rows; a row that is not a group raises ValueError."""
    groups = {}
    for dimension, key, step, ended, on_time, tenths_, cumulative in rows:
        if dimension not in DIMENSIONS or len(tenths_) != len(cumulative) or not tenths_:
            raise ValueError("not a histogram group")
        if cumulative[-1] != ended:
            raise ValueError("a group's counts do not add up")
        groups[(dimension, key, step)] = Group(
            int(ended), int(on_time), array("i", tenths_), array("i", cumulative)
        )
    return groups


CODEC = figure_cache.Codec(_encode, _decode)


def _scoped(user, query):
    return visible_tickets(
        user, query, layanan=StepFact.layanan_id, agent=StepFact.agent_id, ticket=StepFact.ticket
    )


def _counts(user, column, start, end, *conditions):
    """(step, `column`, tenths, count, on time) of the ended steps in [start, end) the user may
    see, in that order (one range of the step facts' covering index, grouped)."""
    tenth = (StepFact.working_seconds + TENTH // 2) / TENTH
    query = StepFact.select(
        StepFact.step, column, tenth, fn.COUNT(SQL("*")), fn.SUM(StepFact.on_time)
    ).where(StepFact.ended_at >= start, StepFact.ended_at < end, *conditions)
    # by position: the same expression twice would be two sets of parameters to PostgreSQL
    query = _scoped(user, query).group_by(SQL("1, 2, 3")).order_by(SQL("1, 2, 3"))
    # the cursor's own tuples: peewee's row wrapper costs more than the query
    sql, params = query.sql()
    return StepFact._meta.database.execute_sql(sql, params).fetchall()


def _sorted_groups(rows, dimension: str, groups: dict) -> None:
    """Groups of `dimension` from `_counts` rows (sorted by step, key, tenths): no re-sorting."""
    for (step, key), chunk in groupby(rows, key=itemgetter(0, 1)):
        if key is None:
            continue
        chunk = list(chunk)
        counts = [int(r[3]) for r in chunk]
        groups[(dimension, key, step)] = Group(
            sum(counts),
            sum(int(r[4] or 0) for r in chunk),
            array("i", (r[2] for r in chunk)),
            array("i", accumulate(counts)),
        )


def _add(groups: dict, key, tenth: int, n: int, on_time: int) -> None:
    group = groups.get(key)
    if group is None:
        group = groups[key] = [0, 0, {}]
    group[0] += n
    group[1] += on_time
    group[2][tenth] = group[2].get(tenth, 0) + n


def _group(ended: int, on_time: int, per_tenth: dict) -> Group:
    ordered = sorted(per_tenth)
    cumulative = array("i", accumulate(per_tenth[t] for t in ordered))
    return Group(ended, on_time, array("i", ordered), cumulative)


def _frozen(groups: dict) -> dict:
    return {key: _group(*value) for key, value in groups.items()}


def _count_part(user, start, end) -> dict:
    """{(dimension, key, step): Group} of the steps ended in [start, end): one GROUP BY per
    service, Perangkat Daerah and agent; the per-step and per-duration-class groups are the
    services' added up."""
    groups: dict = {}
    by_service = _counts(user, StepFact.layanan_id, start, end)
    _sorted_groups(by_service, "layanan", groups)
    by_agency = _counts(user, StepFact.perangkat_daerah_id, start, end)
    _sorted_groups(by_agency, "perangkat_daerah", groups)
    agent_steps = (StepFact.agent_id.is_null(False), StepFact.step.in_(AGENT_STEPS))
    _sorted_groups(_counts(user, StepFact.agent_id, start, end, *agent_steps), "agent", groups)
    classes = dict(Layanan.select(Layanan.id, Layanan.duration).tuples())
    folded: dict = {}
    for step, layanan, tenth, n, on_time in by_service:
        on_time = int(on_time or 0)
        _add(folded, ("step", None, step), tenth, n, on_time)
        if classes.get(layanan) is not None:
            _add(folded, ("duration", classes[layanan], step), tenth, n, on_time)
    groups.update(_frozen(folded))
    return groups


def month_histograms(user, months: list[Period]) -> list[dict]:
    """The groups of each calendar month, in order; a month already over is read once per
    CACHE_SECONDS (`figure_cache.per_month`), the others counted month by month (a range of
    the index each: cheaper than grouping a span by a local-month expression)."""

    def count(span):
        return {month_key(m): _count_part(user, *m.bounds()) for m in span}

    return figure_cache.per_month(user, "histograms", months, count, {}, weigh=len, codec=CODEC)


def merged(parts: list[dict]) -> dict:
    """The groups of several parts of a period added up into one group per key."""
    if len(parts) == 1:
        return parts[0]
    many: dict = {}
    for part in parts:
        for key, group in part.items():
            many.setdefault(key, []).append(group)
    found = {}
    for key, groups in many.items():
        if len(groups) == 1:
            found[key] = groups[0]
            continue
        per_tenth: dict = {}
        for group in groups:
            for tenth, n in group.per_tenth():
                per_tenth[tenth] = per_tenth.get(tenth, 0) + n
        ended, on_time = sum(g.ended for g in groups), sum(g.on_time for g in groups)
        found[key] = _group(ended, on_time, per_tenth)
    return found


def combined(parts: list[dict]) -> dict:
    """{key: Group or Combined} of several parts of a period, without copying their counts."""
    if len(parts) == 1:
        return parts[0]
    many: dict = {}
    for part in parts:
        for key, group in part.items():
            many.setdefault(key, []).append(group)
    return {k: g[0] if len(g) == 1 else Combined(tuple(g)) for k, g in many.items()}


def period_histograms(user, period: Period) -> dict:
    """{(dimension, key, step): Group or Combined} of the staff steps ended in the period that
    the user may see. For a period of whole months: the months already over added up, and the
    current month's days already over, each kept per app and scope for CACHE_SECONDS and in
    the database (`figure_cache.lasting`: they cannot change), and the rest (today, later
    months) counted on each request; any other period counted directly."""
    months = whole_months(period)
    if months is None:
        return _count_part(user, *period.bounds())
    today = calendar.to_local(utcnow()).date()
    over = [m for m in months if m.last < today]
    rest = months[len(over) :]
    parts = []
    if over:
        parts.append(
            figure_cache.lasting(
                user,
                kept_figures.OVER_KIND,
                Period(over[0].first, over[-1].last),
                lambda: merged(month_histograms(user, over)),
                CODEC,
                len,
            )
        )
    if rest:
        first = rest[0].first
        if first < today:
            days = Period(first, today - dt.timedelta(days=1))
            parts.append(
                figure_cache.lasting(
                    user,
                    kept_figures.DAYS_KIND,
                    days,
                    lambda: _count_part(user, *days.bounds()),
                    CODEC,
                    len,
                )
            )
            first = today
        parts.append(_count_part(user, *Period(first, rest[-1].last).bounds()))
    return combined([p for p in parts if p]) if any(parts) else {}
