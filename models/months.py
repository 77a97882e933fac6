"""The calendar months of a period.

The rule: a period is made of whole calendar months when it starts on a 1st and ends on a
month's last day (a month, a quarter, a year); the dashboard counts such a period month by
month (each month a range of the time indexes, from local midnight of its first day, in
DESK_TIMEZONE) and keeps the months already over (`models.figure_cache`).
"""

from __future__ import annotations

import datetime as dt

from models.compliance import Period


def whole_months(period: Period) -> list[Period] | None:
    """The calendar months that make up `period` exactly, or None when it is not whole months."""
    if period.first.day != 1 or (period.last + dt.timedelta(days=1)).day != 1:
        return None
    months, year, month = [], period.first.year, period.first.month
    while (year, month) <= (period.last.year, period.last.month):
        months.append(Period.month(year, month))
        year, month = (year, month + 1) if month < 12 else (year + 1, 1)
    return months


def month_key(month: Period) -> str:
    """ "YYYY-MM" of a calendar month: the key of its counts."""
    return f"{month.first:%Y-%m}"
