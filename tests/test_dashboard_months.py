"""The comparison and the trend of whole months add up monthly counts: the same figures as the
periods counted directly, and a range of dates that is not whole months is counted directly."""

from __future__ import annotations

import datetime as dt

from models import dashboard
from models.compliance import Period

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
