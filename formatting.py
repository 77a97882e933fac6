"""Dates and durations as Indonesians read them, in DESK_TIMEZONE: "28 November 2026, 14.05 WIB".

One module for every place that shows a time: the public pages, the staff pages, the emails and
the Berita Acara. Stored times are naive UTC. `views.filters` registers these as Jinja filters.
"""

from __future__ import annotations

import datetime as dt
from functools import cache

from babel.dates import format_date, get_month_names
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


@cache  # Babel's data, the same for every app
def _month_names(locale: str) -> tuple[str, ...]:
    """The month names of DATETIME_PATTERN's "MMMM" in `locale`, January at index 1."""
    names = get_month_names("wide", "format", locale)
    return ("", *(names[month] for month in range(1, 13)))


def datetime_writer(locale=None, remember: bool = False):
    """`local_datetime` as a function, with the language's month names and the time zone
    looked up once (a list page writes a hundred due and creation times). It writes what
    Babel's `format_datetime` writes for DATETIME_PATTERN ("d MMMM y, HH.mm": day and year
    unpadded, the month's wide name, hours and minutes of two digits), then the zone.
    `remember`: each time written once (a page's steps and history share many)."""
    months = _month_names(str(locale or _locale()))
    own = calendar._get_current_object()
    zone = ZONE_ABBREVIATIONS.get(own.timezone)

    def write(value) -> str:
        if not value:
            return ""
        local = _local(value) if value.tzinfo is not None else own.to_local(value)
        return (
            f"{local.day} {months[local.month]} {local.year}, "
            f"{local.hour:02d}.{local.minute:02d} {zone or local.tzname()}"
        )

    if remember:
        written: dict = {}

        def write_once(value) -> str:
            text = written.get(value)
            if text is None:
                text = written[value] = write(value)
            return text

        return write_once
    return write


def local_datetime(value) -> str:
    """A naive UTC datetime as local date and time with the zone: "28 November 2026, 14.05 WIB".
    None (or an empty value) gives an empty string."""
    return datetime_writer()(value) if value else ""


def local_date(value, with_weekday: bool = False) -> str:
    """A naive UTC datetime (as its local date) or a date: "28 November 2026" (or, with the
    weekday, "Sabtu, 28 November 2026")."""
    if not value:
        return ""
    if isinstance(value, dt.datetime):
        value = _local(value).date()
    pattern = "EEEE, " + DATE_PATTERN if with_weekday else DATE_PATTERN
    return format_date(value, pattern, locale=_locale())


def age_writer(now=None, gettext=None):
    """`age` as a function, with its three words translated once and one `now` (a list page
    writes fifty ages): the same text as gettext's `_("%(n)d hari", n=...)`. `gettext`: the
    request's catalogue's own lookup when the caller has it (`Translations.ugettext`)."""
    now = now or utcnow()
    gettext = gettext or _
    days, hours, minutes = gettext("%(n)d hari"), gettext("%(n)d jam"), gettext("%(n)d menit")

    def write(value) -> str:
        if value is None:
            return ""
        seconds = max(0, int((now - value).total_seconds()))
        if seconds >= 86400:
            return days % {"n": seconds // 86400}
        if seconds >= 3600:
            return hours % {"n": seconds // 3600}
        return minutes % {"n": seconds // 60}

    return write


def age(value, now=None) -> str:
    """How long ago `value` (naive UTC) was, roughly: "3 hari", "5 jam", "12 menit"."""
    if value is None:
        return ""
    return age_writer(now)(value)
