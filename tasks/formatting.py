"""Dates as the emails and the Berita Acara show them: Indonesian, in local time."""

from __future__ import annotations

from babel.dates import format_date, format_datetime

from models.calendar import calendar

# The official abbreviations of Indonesia's three time zones.
ZONE_ABBREVIATIONS = {
    "Asia/Jakarta": "WIB",
    "Asia/Pontianak": "WIB",
    "Asia/Makassar": "WITA",
    "Asia/Jayapura": "WIT",
}


def local_datetime(utc_naive) -> str:
    """A stored (naive UTC) time as "28 November 2026, 14.05 WIB"."""
    if utc_naive is None:
        return ""
    local = calendar.to_local(utc_naive)
    zone = ZONE_ABBREVIATIONS.get(calendar.timezone, calendar.timezone)
    return f"{format_datetime(local, 'd MMMM y, HH.mm', locale='id')} {zone}"


def local_date(utc_naive, with_weekday: bool = False) -> str:
    """A stored (naive UTC) time's local date as "28 November 2026" (or "Sabtu, 28 ...")."""
    local = calendar.to_local(utc_naive).date()
    return format_date(local, "EEEE, d MMMM y" if with_weekday else "d MMMM y", locale="id")
