"""The comparison and the trend of whole months add up monthly counts: the same figures as the
periods counted directly, and a range of dates that is not whole months is counted directly;
the durations' histograms of months give the same median and 90th percentile as the sorted
durations of the whole period."""

from __future__ import annotations

import datetime as dt
import random

from models import dashboard, figure_cache, step_histograms
from models.compliance import Period
from models.step_facts import StepFact

T = dt.datetime(2026, 6, 2, 2, 0)  # Tuesday 2 June 2026, 09.00 WIB


def test_whole_months_add_up_to_the_figures_of_the_period(make_ticket, users, app):
    make_ticket("closed", now=T)
    make_ticket("assigned", now=T + dt.timedelta(days=40))  # July
    admin = users["admin"]
    quarter = Period(dt.date(2026, 4, 1), dt.date(2026, 6, 30))
    next_quarter = Period(dt.date(2026, 7, 1), dt.date(2026, 9, 30))
    assert dashboard.whole_months(quarter) == [Period.month(2026, m) for m in (4, 5, 6)]
    assert dashboard.whole_months(Period(dt.date(2026, 6, 2), dt.date(2026, 6, 30))) is None
    for period in (quarter, next_quarter):
        this, last = (tuple(r)[1:] for r in dashboard.comparison_table(admin, period).rows)
        assert [this, last] == dashboard.period_figures(admin, [period, period.previous()])
    this = tuple(dashboard.comparison_table(admin, quarter).rows[0])[1:]
    assert this[:3] == (1, 1, 5)  # received, closed, the five staff steps ended
    trend = {r[0]: tuple(r)[1:] for r in dashboard.trend_table(admin, next_quarter).rows}
    assert trend["2026-06"][:3] == (1, 1, 5) and trend["2026-07"][:3] == (1, 0, 2)


def test_a_range_of_dates_is_counted_directly(make_ticket, users):
    make_ticket("closed", now=T)
    admin = users["admin"]
    days = Period(dt.date(2026, 6, 2), dt.date(2026, 6, 3))
    this, last = (tuple(r)[1:] for r in dashboard.comparison_table(admin, days).rows)
    assert this[:3] == (1, 1, 5) and last[:3] == (0, 0, 0)


def _brute_rank(seconds, percent):
    """Nearest rank of the shown values, as the page used to compute it: sort, take the value
    at rank ceil(p * n), round to a tenth of an hour half up."""
    ordered = sorted(seconds)
    return step_histograms.tenths(ordered[(len(ordered) * percent + 99) // 100 - 1])


def _part(seconds):
    groups: dict = {}
    for s in seconds:
        step_histograms._add(groups, ("step", None, 5), step_histograms.tenths(s), 1, s % 2)
    return step_histograms._frozen(groups)


def test_histograms_of_parts_give_the_exact_shown_median_and_90th_percentile():
    """Months' histograms of tenths, merged or ranked together, give the same shown figures as
    the sorted durations of the whole period (the rounding is monotone), with duplicates, one
    step, ties at the half tenth and parts of very different sizes."""
    rng = random.Random(7)
    for trial in range(300):
        sizes = [rng.choice([0, 1, 2, 5, 40, 400]) for _ in range(rng.randint(1, 13))]
        if not any(sizes):
            sizes[0] = 1
        spread = rng.choice([360, 3600, 40 * 3600, 300 * 3600])
        months = [
            [rng.choice([rng.randrange(spread), 180 * rng.randrange(1, 50)]) for _ in range(n)]
            for n in sizes
        ]
        everything = [s for month in months for s in month]
        parts = [_part(m) for m in months if m]
        key = ("step", None, 5)
        for group in (
            step_histograms.merged(parts)[key],
            step_histograms.combined(parts)[key],
            step_histograms.combined([step_histograms.merged(parts[:-1]), parts[-1]])[key]
            if len(parts) > 1
            else parts[0][key],
        ):
            assert group.ended == len(everything), trial
            assert group.on_time == sum(s % 2 for s in everything)
            for percent in (50, 90):
                assert group.rank(percent) == _brute_rank(everything, percent), (trial, percent)


def test_a_shown_duration_is_rounded_half_up_to_a_tenth_of_an_hour():
    assert [step_histograms.tenths(s) for s in (0, 179, 180, 539, 540, 3600)] == [0, 0, 1, 1, 2, 10]


def _expected_steps(period):
    """The steps table computed the old way: every fact's seconds sorted, nearest rank."""
    start, end = period.bounds()
    facts = StepFact.select().where(StepFact.ended_at >= start, StepFact.ended_at < end)
    by_step: dict = {}
    for fact in facts:
        by_step.setdefault(fact.step, []).append(fact)
    rows = []
    for step in (3, 4, 5, 6, 7):
        found = by_step.get(step, [])
        seconds = [f.working_seconds for f in found]
        on_time = sum(f.on_time for f in found)
        rows.append(
            (
                dashboard.step_label(step),
                len(found),
                round(100 * on_time / len(found), 1) if found else None,
                _brute_rank(seconds, 50) / 10 if found else None,
                _brute_rank(seconds, 90) / 10 if found else None,
            )
        )
    return rows


def test_a_quarter_of_kept_months_and_the_current_one_has_the_figures_of_its_durations(
    make_ticket, users, app, monkeypatch
):
    """Q2 2026 on 15 June: April, May and 1-14 June are over (kept), today is counted on each
    page; the figures are those of the quarter's sorted durations, by SQL's tenths as by
    Python's."""
    now = dt.datetime(2026, 6, 15, 3, 0)
    for module in (figure_cache, step_histograms):
        monkeypatch.setattr(module, "utcnow", lambda: now)
    ticket = make_ticket("open", now=T)
    rng = random.Random(3)

    def facts(months, n, first_id, today=False):
        rows = []
        for i in range(n):
            month = rng.choice(months)
            day = 15 if today else rng.randint(1, 14 if month == 6 else 28)
            seconds = rng.choice([rng.randrange(200 * 3600), 180 * rng.randrange(1, 100)])
            rows.append(
                {
                    "id": first_id + i,
                    "ticket": ticket.id,
                    "ended_at": dt.datetime(2026, month, day, rng.randint(0, 2 if today else 16)),
                    "step": rng.choice([3, 4, 5, 6, 7]),
                    "layanan_id": ticket.layanan_id,
                    "perangkat_daerah_id": ticket.perangkat_daerah_id,
                    "agent_id": users["agent"].id,
                    "working_seconds": seconds,
                    "on_time": rng.randint(0, 1),
                }
            )
        StepFact.insert_many(rows).execute()

    facts([4, 5, 6], 300, 100_000)
    quarter = Period.quarter(2026, 2)
    admin = users["admin"]
    assert [tuple(r) for r in dashboard.steps_table(admin, quarter).rows] == _expected_steps(
        quarter
    )
    agents = dashboard.dimension_table(admin, quarter, "agent", "x", "x").rows
    assert [tuple(r)[1] for r in agents] == [dashboard.step_label(5), dashboard.step_label(7)]
    expected = {r[0]: r[1:] for r in _expected_steps(quarter)}
    assert [tuple(r)[2:] for r in agents] == [expected[r[1]] for r in agents]

    facts([6], 40, 200_000, today=True)  # today's steps: seen on the next page
    assert [tuple(r) for r in dashboard.steps_table(admin, quarter).rows] == _expected_steps(
        quarter
    )
    before = [tuple(r) for r in dashboard.steps_table(admin, quarter).rows]
    facts([4, 6], 40, 300_000)  # days over are kept for CACHE_SECONDS (figure_cache's rule)
    assert [tuple(r) for r in dashboard.steps_table(admin, quarter).rows] == before
    app.extensions["desk_figure_cache"].clear()
    assert [tuple(r) for r in dashboard.steps_table(admin, quarter).rows] == _expected_steps(
        quarter
    )
    days = Period(dt.date(2026, 4, 3), dt.date(2026, 6, 10))  # not whole months: counted at once
    assert [tuple(r) for r in dashboard.steps_table(admin, days).rows] == _expected_steps(days)


def test_the_memory_of_figures_is_bounded_by_weight(monkeypatch):
    """Histograms weigh their groups: past MAX_WEIGHT the expired values go first, then all."""
    monkeypatch.setattr(figure_cache, "MAX_WEIGHT", 100)
    memory = figure_cache.Memory()
    figure_cache.keep(memory, "a", 1, 60)
    figure_cache.keep(memory, "b", 2, 30)
    figure_cache.keep(memory, "b", 3, 30)  # kept again: weighed once
    assert memory.weight == 90 and figure_cache.recall(memory, "b") == 3
    memory["a"] = (0.0, 1, 60)  # expired
    figure_cache.keep(memory, "c", 4, 50)
    assert sorted(memory) == ["b", "c"] and memory.weight == 80
    figure_cache.keep(memory, "d", 5, 40)  # nothing expired: everything goes
    assert list(memory) == ["d"] and memory.weight == 40
