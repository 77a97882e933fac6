"""Dates as staff read them: Indonesian local time ("28 November 2026, 14.05 WIB")."""

from __future__ import annotations

from flask_babel import gettext as _

from models.calendar import calendar
from models.db import utcnow

MONTHS = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)
ZONE_NAMES = {"Asia/Jakarta": "WIB", "Asia/Pontianak": "WIB", "Asia/Makassar": "WITA"}
ZONE_NAMES["Asia/Jayapura"] = "WIT"


def local_datetime(value) -> str:
    """A stored naive-UTC moment in the configured local time, the Indonesian way."""
    if value is None:
        return "–"
    local = calendar.to_local(value)
    zone = ZONE_NAMES.get(calendar.timezone, local.tzname())
    return f"{local.day} {MONTHS[local.month - 1]} {local.year}, {local:%H.%M} {zone}"


def indonesian_date(value) -> str:
    """A calendar date the Indonesian way: "17 Agustus 2026"."""
    if value is None:
        return "–"
    return f"{value.day} {MONTHS[value.month - 1]} {value.year}"


def age(value, now=None) -> str:
    """How long ago `value` was, roughly: "3 hari", "5 jam", "12 menit"."""
    if value is None:
        return "–"
    seconds = max(0, int(((now or utcnow()) - value).total_seconds()))
    if seconds >= 86400:
        return _("%(n)d hari", n=seconds // 86400)
    if seconds >= 3600:
        return _("%(n)d jam", n=seconds // 3600)
    return _("%(n)d menit", n=seconds // 60)
