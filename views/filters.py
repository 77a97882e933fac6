"""Dates as Indonesians read them: "28 November 2026, 14.05 WIB", in DESK_TIMEZONE.

Stored times are naive UTC. The Jinja filters `local_datetime` and `local_date` are registered
on the app by `init_app` (called from `create_app`), so the public pages, the staff pages and
the email templates all show times the same way; Python code may call the functions directly.
"""

from __future__ import annotations

import datetime as dt

from babel.dates import format_date, format_datetime
from flask import has_app_context
from flask_babel import get_locale

from models.calendar import calendar

DATETIME_PATTERN = "d MMMM y, HH.mm"  # 28 November 2026, 14.05
DATE_PATTERN = "d MMMM y"


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
    return f"{text} {local.tzname()}"


def local_date(value) -> str:
    """A naive UTC datetime (or a date) as a local date: "28 November 2026"."""
    if not value:
        return ""
    if isinstance(value, dt.datetime):
        value = _local(value).date()
    return format_date(value, DATE_PATTERN, locale=_locale())


def init_app(app) -> None:
    """Register the date filters on the app's Jinja environment."""
    app.add_template_filter(local_datetime, "local_datetime")
    app.add_template_filter(local_date, "local_date")
