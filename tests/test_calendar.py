"""Due times over working hours (Mon-Fri 08:00-16:00 WIB) and holidays."""

from __future__ import annotations

import datetime as dt

import pytest

from models.calendar import WorkingCalendar
from models.catalog import Holiday, Layanan
from models.workflow import due_time

WIB = dt.timedelta(hours=7)


def utc(local: str) -> dt.datetime:
    """A local (WIB) 'YYYY-MM-DD HH:MM' as naive UTC."""
    return dt.datetime.strptime(local, "%Y-%m-%d %H:%M") - WIB


def local(utc_value: dt.datetime) -> str:
    return (utc_value + WIB).strftime("%Y-%m-%d %H:%M")


@pytest.fixture
def cal():
    holidays = {dt.date(2026, 12, 25), dt.date(2026, 8, 17)}
    return WorkingCalendar(holidays=lambda a, b: {d for d in holidays if a <= d <= b})


def test_friday_afternoon(cal):
    friday = utc("2026-11-27 15:30")
    assert local(cal.add_working_hours(friday, 1)) == "2026-11-30 08:30"
    assert local(cal.add_working_days(friday, 1)) == "2026-11-30 15:30"
    assert local(cal.add_working_days(friday, 3)) == "2026-12-02 15:30"


def test_eve_of_a_holiday(cal):
    eve = utc("2026-12-24 15:00")  # Thursday before Christmas (Friday)
    assert local(cal.add_working_hours(eve, 1)) == "2026-12-24 16:00"
    assert local(cal.add_working_hours(eve, 2)) == "2026-12-28 09:00"
    assert local(cal.add_working_days(eve, 1)) == "2026-12-28 15:00"
    # Independence Day on a Monday
    assert local(cal.add_working_days(utc("2026-08-14 10:00"), 1)) == "2026-08-18 10:00"


def test_outside_working_hours(cal):
    assert local(cal.add_working_hours(utc("2026-11-28 10:00"), 1)) == "2026-11-30 09:00"  # Sat
    assert local(cal.add_working_hours(utc("2026-11-30 06:00"), 1)) == "2026-11-30 09:00"
    assert local(cal.add_working_hours(utc("2026-11-30 19:00"), 1)) == "2026-12-01 09:00"
    assert local(cal.add_working_days(utc("2026-11-29 23:59"), 1)) == "2026-11-30 16:00"


def test_duration_classes(cal):
    start = utc("2026-11-02 09:00")  # Monday
    assert local(cal.due_for_duration(start, "pendek")) == "2026-11-05 09:00"
    assert local(cal.due_for_duration(start, "sedang")) == "2026-11-11 09:00"
    assert local(cal.due_for_duration(start, "panjang")) == "2026-12-02 09:00"
    # a month that lands on a Saturday moves to Monday's opening
    assert local(cal.due_for_duration(utc("2026-10-28 10:00"), "panjang")) == "2026-11-30 08:00"


def test_one_month_window_across_month_ends(cal):
    assert local(cal.add_months(utc("2026-01-31 10:00"))) == "2026-02-28 10:00"
    assert local(cal.add_months(utc("2028-01-31 10:00"))) == "2028-02-29 10:00"
    assert local(cal.add_months(utc("2026-12-31 23:30"))) == "2027-01-31 23:30"
    assert local(cal.add_months(utc("2026-03-31 08:00"))) == "2026-04-30 08:00"
    # 31 January 00:30 WIB is still 30 January in UTC: the month counts in local time
    assert local(cal.add_months(utc("2026-01-31 00:30"))) == "2026-02-28 00:30"


def test_other_working_hours_from_configuration():
    cal = WorkingCalendar(
        timezone="Asia/Makassar",
        work_days=frozenset({1, 2, 3, 4, 5, 6}),
        start=dt.time(7, 30),
        end=dt.time(15, 30),
    )
    saturday = dt.datetime(2026, 11, 28, 7, 0)  # 15:00 WITA
    # Saturday works until 15:30 (half an hour), then Monday 07:30-08:00 WITA = 00:00 UTC
    assert cal.add_working_hours(saturday, 1) == dt.datetime(2026, 11, 30, 0, 0)


def test_due_time_per_status_uses_holiday_table(db):
    Holiday.create(date=dt.date(2026, 11, 30), name="Libur uji")
    sedang = Layanan.get(Layanan.code == "permintaan-subdomain")
    friday = utc("2026-11-27 15:30")
    assert local(due_time("open", sedang, friday)) == "2026-12-01 15:30"
    assert local(due_time("verified", sedang, friday)) == "2026-12-01 08:30"
    assert local(due_time("incomplete", sedang, friday)) == "2026-12-27 15:30"
    assert local(due_time("assigned", sedang, friday)) == "2026-12-09 15:30"
    assert local(due_time("signed", sedang, friday)) == "2026-12-01 08:30"
    assert due_time("closed", sedang, friday) is None


def test_working_time_between_by_hand(cal):
    # Thursday 24 Dec 15:00 to Monday 28 Dec 09:30: 1 h Thursday, Christmas Friday, a weekend,
    # 1.5 h Monday
    assert cal.working_time_between(
        utc("2026-12-24 15:00"), utc("2026-12-28 09:30")
    ) == dt.timedelta(hours=2, minutes=30)
    # inside one day, and outside working hours entirely
    assert cal.working_time_between(utc("2026-12-01 09:00"), utc("2026-12-01 10:15")) == (
        dt.timedelta(hours=1, minutes=15)
    )
    assert cal.working_time_between(utc("2026-12-05 09:00"), utc("2026-12-06 18:00")) == (
        dt.timedelta(0)
    )
    # August 2026: 21 weekdays, 17 August (Monday) a holiday: 20 days of 8 hours
    assert cal.working_time_between(utc("2026-07-31 16:00"), utc("2026-09-01 08:00")) == (
        dt.timedelta(hours=160)
    )


def test_working_time_between_is_the_inverse_of_adding_it(cal):
    """For any start and amount, the working time from the start to `add_working_time` of the
    amount is that amount (the walk over the days and the count of whole days agree)."""
    import random

    rng = random.Random(20261201)
    for _ in range(400):
        start = utc("2026-07-01 00:00") + dt.timedelta(minutes=rng.randrange(0, 60 * 24 * 200))
        amount = dt.timedelta(minutes=rng.randrange(0, 60 * 8 * 45))
        end = cal.add_working_time(start, amount)
        assert cal.working_time_between(start, end) == amount, (start, amount)
        # and a moment later outside working time adds nothing
        assert cal.working_time_between(start, end + dt.timedelta(seconds=1)) >= amount
