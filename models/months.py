"""The calendar months of a period, and a stored UTC time's local month in SQL.

The rule: a period is made of whole calendar months when it starts on a 1st and ends on a
month's last day (a month, a quarter, a year); the local month of a stored (naive UTC) time
is computed in the database with the zone's UTC offset, which must be the same over the months
asked (every Indonesian zone: no daylight saving), else the callers count month by month.
"""

from __future__ import annotations

import datetime as dt

from peewee import SQL, SqliteDatabase, fn

from models.calendar import calendar
from models.compliance import Period
from models.ticket import Ticket


def whole_months(period: Period) -> list[Period] | None:
    """The calendar months that make up `period` exactly, or None when it is not whole months."""
    if period.first.day != 1 or (period.last + dt.timedelta(days=1)).day != 1:
        return None
    months, year, month = [], period.first.year, period.first.month
    while (year, month) <= (period.last.year, period.last.month):
        months.append(Period.month(year, month))
        year, month = (year, month + 1) if month < 12 else (year + 1, 1)
    return months


def constant_offset(periods) -> int | None:
    """The zone's UTC offset in seconds if it is the same at every bound of `periods` (no
    daylight saving between: every Indonesian zone), else None."""
    offsets = set()
    for period in periods:
        for bound in period.bounds():
            offsets.add(calendar.to_local(bound).utcoffset())
    return int(offsets.pop().total_seconds()) if len(offsets) == 1 else None


def local_month(column, offset: int):
    """The local month "YYYY-MM" of a stored UTC time, in SQL, for a fixed UTC offset."""
    if isinstance(Ticket._meta.database.obj, SqliteDatabase):
        return fn.strftime("%Y-%m", column, f"{offset:+d} seconds")
    return fn.to_char(column + SQL(f"INTERVAL '{offset:d} seconds'"), "YYYY-MM")


def month_key(month: Period) -> str:
    """The "YYYY-MM" that `local_month` gives for the times of `month`."""
    return f"{month.first:%Y-%m}"
