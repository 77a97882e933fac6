"""Working time: the due time of every SOP step, over working hours and public holidays.

All arguments and results are naive UTC datetimes (as stored); the arithmetic happens in the
configured local time zone (default Asia/Jakarta, which has no daylight saving).

- `add_working_hours(start, h)`: h hours counted only inside working hours.
- A working day is the length of one working day (default 8 hours), so "1 working day" from
  Friday 15:30 is Monday 15:30, and from a moment outside working hours it counts from the next
  opening (Saturday 10:00 -> Monday 08:00 -> Tuesday 08:00).
- `working_time_between(a, b)`: the working time inside [a, b] (a paused step's clock).
- `add_months(start, n)`: calendar months, the day clamped to the month's end (31 January + 1
  month = 28/29 February), at the same local time.

Each app has its own calendar (`app.extensions["desk_calendar"]`, made by `init_app` from its
configuration); the module's `calendar` is a proxy to the current app's, so
`from models.calendar import calendar; calendar.add_working_days(...)` works inside any app
context.
"""

from __future__ import annotations

import contextlib
import contextvars
import datetime as dt
from dataclasses import dataclass, field, replace
from functools import cached_property
from zoneinfo import ZoneInfo

from flask import current_app
from werkzeug.local import LocalProxy

UTC = dt.UTC
ONE_DAY = dt.timedelta(days=1)

DURATION_WORKING_DAYS = {"pendek": 3, "sedang": 7}  # "panjang": one calendar month
EXTENSION = "desk_calendar"


@dataclass
class WorkingCalendar:
    timezone: str = "Asia/Jakarta"
    work_days: frozenset = field(default_factory=lambda: frozenset({1, 2, 3, 4, 5}))
    start: dt.time = dt.time(8, 0)
    end: dt.time = dt.time(16, 0)
    holidays: object = None  # callable(first_date, last_date) -> set of dates; None: no holidays

    @cached_property  # read for every moment converted: a due time converts dozens
    def tz(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    @cached_property
    def day_length(self) -> dt.timedelta:
        return dt.datetime.combine(dt.date.min, self.end) - dt.datetime.combine(
            dt.date.min, self.start
        )

    # --- conversions -------------------------------------------------------------------------
    def to_local(self, utc_naive: dt.datetime) -> dt.datetime:
        return utc_naive.replace(tzinfo=UTC).astimezone(self.tz)

    def to_utc(self, local: dt.datetime) -> dt.datetime:
        return local.astimezone(UTC).replace(tzinfo=None)

    # --- working days --------------------------------------------------------------------------
    def _holiday_dates(self, first: dt.date, last: dt.date) -> set:
        return set(self.holidays(first, last)) if self.holidays else set()

    def is_working_day(self, day: dt.date, holidays: set) -> bool:
        return day.isoweekday() in self.work_days and day not in holidays

    def _working_days_from(self, day: dt.date):
        """Yield the working days from `day` on (holidays fetched a window at a time)."""
        while True:
            window_end = day + dt.timedelta(days=62)
            holidays = self._holiday_dates(day, window_end)
            while day <= window_end:
                if self.is_working_day(day, holidays):
                    yield day
                day += dt.timedelta(days=1)

    # --- the rules -------------------------------------------------------------------------------
    def add_working_time(self, start_utc: dt.datetime, amount: dt.timedelta) -> dt.datetime:
        """The moment `amount` of working time after `start_utc` (naive UTC in, naive UTC out)."""
        local = self.to_local(start_utc)
        remaining = amount
        for day in self._working_days_from(local.date()):
            opens = dt.datetime.combine(day, self.start, tzinfo=self.tz)
            closes = dt.datetime.combine(day, self.end, tzinfo=self.tz)
            begin = max(opens, local)
            if begin >= closes:
                continue
            available = closes - begin
            if remaining <= available:
                return self.to_utc(begin + remaining)
            remaining -= available
        raise AssertionError("unreachable: the working days never end")

    def working_time_between(self, start_utc: dt.datetime, end_utc: dt.datetime) -> dt.timedelta:
        """The working time from `start_utc` to `end_utc` (zero when end is not after start):
        the inverse of `add_working_time`, so a paused step's due time moves by exactly it.
        The first and last day are counted by the clock, the days between by counting the
        working days (a month-long step is a few operations, not a walk over its days)."""
        if end_utc <= start_utc:
            return dt.timedelta(0)
        begin, end = self.to_local(start_utc), self.to_local(end_utc)
        first, last = begin.date(), end.date()
        holidays = self._holiday_dates(first, last)

        def within(day):
            if not self.is_working_day(day, holidays):
                return dt.timedelta(0)
            lo = max(dt.datetime.combine(day, self.start, tzinfo=self.tz), begin)
            hi = min(dt.datetime.combine(day, self.end, tzinfo=self.tz), end)
            return hi - lo if hi > lo else dt.timedelta(0)

        if first == last:
            return within(first)
        between = self._count_working_days(first + ONE_DAY, last - ONE_DAY, holidays)
        return within(first) + self.day_length * between + within(last)

    def _count_working_days(self, first: dt.date, last: dt.date, holidays: set) -> int:
        """How many working days from `first` to `last` inclusive (0 for an empty range)."""
        if last < first:
            return 0
        weeks, rest = divmod((last - first).days + 1, 7)
        count = weeks * len(self.work_days)
        count += sum(1 for i in range(rest) if (first + i * ONE_DAY).isoweekday() in self.work_days)
        return count - sum(
            1 for h in holidays if first <= h <= last and h.isoweekday() in self.work_days
        )

    def add_working_hours(self, start_utc: dt.datetime, hours: float) -> dt.datetime:
        return self.add_working_time(start_utc, dt.timedelta(hours=hours))

    def add_working_days(self, start_utc: dt.datetime, days: int) -> dt.datetime:
        return self.add_working_time(start_utc, self.day_length * days)

    def add_months(self, start_utc: dt.datetime, months: int = 1) -> dt.datetime:
        local = self.to_local(start_utc)
        month_index = local.month - 1 + months
        year, month = local.year + month_index // 12, month_index % 12 + 1
        last_day = (dt.date(year + month // 12, month % 12 + 1, 1) - dt.timedelta(days=1)).day
        moved = local.replace(year=year, month=month, day=min(local.day, last_day))
        return self.to_utc(moved)

    def next_working_moment(self, start_utc: dt.datetime) -> dt.datetime:
        """`start_utc` if it is inside working hours, else the next opening."""
        return self.add_working_time(start_utc, dt.timedelta(0))

    def due_for_duration(self, start_utc: dt.datetime, duration: str) -> dt.datetime:
        """Step 5: the upper bound of the service's duration class."""
        if duration in DURATION_WORKING_DAYS:
            return self.add_working_days(start_utc, DURATION_WORKING_DAYS[duration])
        # panjang: one month; if that lands outside working time, at the next opening
        return self.next_working_moment(self.add_months(start_utc, 1))


# Set only inside `kept_holidays()`: (its app, the calendar of that block), for this thread or
# task only; another app's context inside the block still gets its own calendar.
_in_block: contextvars.ContextVar = contextvars.ContextVar("desk_calendar_block", default=None)


def current_calendar() -> WorkingCalendar:
    """The working calendar of the current app (an app context is needed); inside
    `kept_holidays()`, that app's calendar reading the kept holidays."""
    block = _in_block.get()
    if block is not None and block[0] is current_app._get_current_object():
        return block[1]
    return current_app.extensions[EXTENSION]


def kept_holiday_dates(first: dt.date, last: dt.date) -> set:
    """The holidays between two dates, kept a short while per app and process
    (`models.process_cache`; an edit in the catalogue forgets them)."""
    from models.catalog import Holiday
    from models.process_cache import cached

    return cached(f"holidays:{first}:{last}", lambda: Holiday.dates_between(first, last))


@contextlib.contextmanager
def kept_holidays():
    """Inside this block, `calendar` (the current app's) reads its public holidays through the
    process cache instead of the table (`kept_holiday_dates`): for a public submission's due
    time, where the table would be read on every request."""
    own = current_app.extensions[EXTENSION]
    if own.holidays is None:  # a calendar without holidays keeps none
        yield own
        return
    kept = replace(own, holidays=kept_holiday_dates)
    token = _in_block.set((current_app._get_current_object(), kept))
    try:
        yield kept
    finally:
        _in_block.reset(token)


calendar: WorkingCalendar = LocalProxy(current_calendar)  # type: ignore[assignment]


def _parse_time(value: str) -> dt.time:
    hours, minutes = str(value).split(":")
    return dt.time(int(hours), int(minutes))


def init_app(app) -> None:
    """Give `app` its own calendar from DESK_TIMEZONE, DESK_WORK_* and the Holiday table."""
    from models.catalog import Holiday

    cfg = app.config
    ZoneInfo(cfg["TIMEZONE"])  # fail early on a bad name
    own = WorkingCalendar(
        timezone=cfg["TIMEZONE"],
        work_days=frozenset(int(d) for d in str(cfg["WORK_DAYS"]).split(",") if d.strip()),
        start=_parse_time(cfg["WORK_START"]),
        end=_parse_time(cfg["WORK_END"]),
        holidays=Holiday.dates_between,
    )
    if own.end <= own.start or not own.work_days:
        raise ValueError("DESK_WORK_START must be before DESK_WORK_END, with at least one day")
    app.extensions[EXTENSION] = own
