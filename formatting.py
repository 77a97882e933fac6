"""Dates and durations as Indonesians read them, in DESK_TIMEZONE: "28 November 2026, 14.05 WIB".

One module for every place that shows a time: the public pages, the staff pages, the emails and
the Berita Acara. Stored times are naive UTC. `views.filters` registers these as Jinja filters.
"""

from __future__ import annotations

import datetime as dt

from babel.dates import format_date, format_datetime
from flask import has_app_context
from flask_babel import get_locale
from flask_babel import gettext as _

from models.calendar import calendar
from models.db import utcnow

DATETIME_PATTERN = "d MMMM y, HH.mm"  # 28 November 2026, 14.05
DATE_PATTERN = "d MMMM y"

# The official abbreviations of Indonesia's three time zones.
ZONE_ABBREVIATIONS = {
    "Asia/Jakarta": "WIB",
    "Asia/Pontianak": "WIB",
    "Asia/Makassar": "WITA",
    "Asia/Jayapura": "WIT",
}


def _locale():
    if has_app_context():
        locale = get_locale()
        if locale is not None:
            return locale
    return "id"


def _local(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is not None:
        value = value.astimezone(dt.UTC).replace(tzinfo=None)
    return calendar.to_local(value)


def local_datetime(value) -> str:
    """A naive UTC datetime as local date and time with the zone: "28 November 2026, 14.05 WIB".
    None (or an empty value) gives an empty string."""
    if not value:
        return ""
    local = _local(value)
    text = format_datetime(local, DATETIME_PATTERN, tzinfo=local.tzinfo, locale=_locale())
    zone = ZONE_ABBREVIATIONS.get(calendar.timezone, local.tzname())
    return f"{text} {zone}"


def local_date(value, with_weekday: bool = False) -> str:
    """A naive UTC datetime (as its local date) or a date: "28 November 2026" (or, with the
    weekday, "Sabtu, 28 November 2026")."""
    if not value:
        return ""
    if isinstance(value, dt.datetime):
        value = _local(value).date()
    pattern = "EEEE, " + DATE_PATTERN if with_weekday else DATE_PATTERN
    return format_date(value, pattern, locale=_locale())


def age(value, now=None) -> str:
    """How long ago `value` (naive UTC) was, roughly: "3 hari", "5 jam", "12 menit"."""
    if value is None:
        return ""
    seconds = max(0, int(((now or utcnow()) - value).total_seconds()))
    if seconds >= 86400:
        return _("%(n)d hari", n=seconds // 86400)
    if seconds >= 3600:
        return _("%(n)d jam", n=seconds // 3600)
    return _("%(n)d menit", n=seconds // 60)
