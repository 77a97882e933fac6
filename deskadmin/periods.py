"""The period picker of the staff home page: a month, a quarter, a year or a range of dates.

GET fields: `periode` = `bulan` (default; `bulan` = YYYY-MM), `kuartal` (`tahun` = YYYY and
`kuartal` = 1-4), `tahun` (`tahun` = YYYY) or `rentang` (`dari`, `sampai`: the compliance page's
fields and rules, `deskadmin.compliance.read_period`). All in local dates (DESK_TIMEZONE); an
empty field takes today's month, quarter or year.
"""

from __future__ import annotations

import datetime as dt
import re

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from deskadmin.compliance import MAX_YEAR, MIN_YEAR, PeriodError, read_period
from models.calendar import calendar
from models.compliance import Period
from models.db import utcnow

KINDS = {
    "bulan": _l("Bulan"),
    "kuartal": _l("Kuartal"),
    "tahun": _l("Tahun"),
    "rentang": _l("Rentang tanggal"),
}
MONTH = re.compile(r"^(\d{4})-(\d{2})$")


def _year(text: str, default: int) -> int:
    text = text.strip()
    if not text:
        return default
    if not text.isdecimal() or not MIN_YEAR <= int(text) <= MAX_YEAR:  # "²" is a digit
        raise PeriodError(
            _("Tahun harus angka antara %(first)d dan %(last)d.", first=MIN_YEAR, last=MAX_YEAR)
        )
    return int(text)


def read_choice(args, today: dt.date | None = None) -> tuple[str, Period]:
    """(the kind chosen, its Period) from the form's fields; PeriodError with an Indonesian
    message for anything that cannot be read."""
    today = today or calendar.to_local(utcnow()).date()
    kind = args.get("periode", "").strip() or "bulan"
    if kind not in KINDS:
        raise PeriodError(
            _("Jenis periode tidak dikenal: pilih bulan, kuartal, tahun, atau rentang.")
        )
    if kind == "bulan":
        text = args.get("bulan", "").strip()
        if not text:
            return kind, Period.month(today.year, today.month)
        match = MONTH.match(text)
        if not match or not 1 <= int(match[2]) <= 12:
            raise PeriodError(_("Bulan tidak valid: tuliskan sebagai TTTT-BB, misalnya 2026-06."))
        return kind, Period.month(_year(match[1], today.year), int(match[2]))
    if kind == "kuartal":
        year = _year(args.get("tahun", ""), today.year)
        text = args.get("kuartal", "").strip() or str((today.month - 1) // 3 + 1)
        if text not in {"1", "2", "3", "4"}:
            raise PeriodError(_("Kuartal harus 1, 2, 3, atau 4."))
        return kind, Period.quarter(year, int(text))
    if kind == "tahun":
        return kind, Period.year(_year(args.get("tahun", ""), today.year))
    return kind, read_period(args, today)
