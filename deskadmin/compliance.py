"""Kepatuhan mutu baku: the heads' page of on-time SOP steps (SPEC "Time standards").

Four tables for a period of local dates (GET form, default the current month): per step, per
service, per Perangkat Daerah, per agent; each also as a CSV download. The counting and its rule
are in `models.compliance`; this module only reads the form and shows the numbers.

Who: admin (everything), kepala_bidang and helpdesk (their bidang), kepala_seksi (their seksi);
an agent gets 403.
"""

from __future__ import annotations

import csv
import datetime as dt
import io

from babel.numbers import format_decimal
from flask import abort, request, send_file
from flask_admin import BaseView, expose
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_security import current_user

from deskadmin.access import StaffAccess
from deskadmin.audit import audit_staff
from deskadmin.tickets import FORMULA_STARTS
from formatting import local_date
from models import compliance
from models.db import utcnow
from models.sop import mutu_baku_step
from models.staff import ADMIN, HELPDESK, KEPALA_BIDANG, KEPALA_SEKSI

# the page's tables: (title, first column, the key of `compliance.tables`)
TABLES = {
    "langkah": (_l("Per langkah SOP"), _l("Langkah"), "step"),
    "layanan": (_l("Per layanan"), _l("Layanan"), "layanan"),
    "perangkat-daerah": (_l("Per Perangkat Daerah"), _l("Perangkat Daerah"), "perangkat_daerah"),
    "petugas": (_l("Per petugas (langkah 5 dan 7)"), _l("Petugas"), "agent"),
}

MIN_YEAR, MAX_YEAR = 2000, 2100


class PeriodError(ValueError):
    """A period that cannot be read; the message says why."""


def _parse_date(text: str, what) -> dt.date:
    try:
        value = dt.date.fromisoformat(text.strip())
    except ValueError:
        raise PeriodError(
            _("%(what)s tidak valid: tuliskan tanggal sebagai TTTT-BB-HH.", what=what)
        ) from None
    if not MIN_YEAR <= value.year <= MAX_YEAR:
        raise PeriodError(
            _(
                "%(what)s harus antara tahun %(first)d dan %(last)d.",
                what=what,
                first=MIN_YEAR,
                last=MAX_YEAR,
            )
        )
    return value


def read_period(args, today: dt.date | None = None) -> compliance.Period:
    """The period of the form's `dari` and `sampai` (local dates, both included); a missing
    one is taken from the current month. Raises PeriodError for a date that cannot be read or
    a start after the end."""
    default = compliance.current_month(today)
    first_text, last_text = args.get("dari", "").strip(), args.get("sampai", "").strip()
    first = _parse_date(first_text, _("Tanggal awal")) if first_text else default.first
    last = _parse_date(last_text, _("Tanggal akhir")) if last_text else default.last
    if first > last:
        raise PeriodError(_("Tanggal awal tidak boleh sesudah tanggal akhir."))
    return compliance.Period(first, last)


def percent_text(row, csv_format=False) -> str:
    """83,3% on the page (Indonesian decimal comma), 83.3 in the CSV; "–" / "" for none."""
    if row.percent is None:
        return "" if csv_format else "–"
    if csv_format:
        return f"{row.percent:.1f}"
    return format_decimal(row.percent, "0.0", locale=str(get_locale() or "id")) + "%"


def row_label(table: str, row) -> str:
    if table == "langkah":
        return f"{row.key}. {mutu_baku_step(row.key).name}"
    return row.label


def step_standard(number: int):
    """The time standard of staff step `number`, as the step table writes it."""
    return mutu_baku_step(number).standard


def safe_cell(value) -> str:
    """Text a spreadsheet would run as a formula gets a leading apostrophe."""
    value = str(value)
    return "'" + value if value[:1] in FORMULA_STARTS else value


class ComplianceView(StaffAccess, BaseView):
    allowed_roles = frozenset({ADMIN, KEPALA_BIDANG, KEPALA_SEKSI, HELPDESK})

    def _period(self):
        try:
            return read_period(request.args), None
        except PeriodError as exc:
            return compliance.current_month(), str(exc)

    @expose("/")
    def index(self):
        period, error = self._period()
        now = utcnow()
        counted = compliance.tables(current_user, period, now)
        tables = []
        for key, (title, column, name) in TABLES.items():
            rows = counted[name]
            tables.append((key, title, column, rows, compliance.totals(rows)))
        return self.render(
            "admin/compliance.html",
            period=period,
            error=error,
            tables=tables,
            step_standard=step_standard,
            row_label=row_label,
            percent_text=percent_text,
            local_date=local_date,
        )

    @expose("/csv/<table>")
    def csv(self, table):
        if table not in TABLES:
            abort(404)
        period, error = self._period()
        if error:
            abort(400, error)
        title, column, name = TABLES[table]
        audit_staff("export", f"kepatuhan {table}", dict(request.args))
        rows = compliance.tables(current_user, period, utcnow())[name]
        out = io.StringIO()
        writer = csv.writer(out)
        header = [column, _("Selesai dalam periode"), _("Tepat waktu"), _("Terlambat")]
        header += [_("Persentase tepat waktu"), _("Masih terbuka dan melewati batas waktu")]
        if table == "langkah":
            header.insert(1, _("Mutu baku"))
        writer.writerow(header)
        for row in rows:
            line = [safe_cell(row_label(table, row))]
            if table == "langkah":
                line.append(str(step_standard(row.key)))
            line += [row.ended, row.on_time, row.late, percent_text(row, True), row.overdue]
            writer.writerow(line)
        name = f"kepatuhan-{table}-{period.first:%Y%m%d}-{period.last:%Y%m%d}.csv"
        return send_file(
            io.BytesIO(out.getvalue().encode("utf-8")),
            mimetype="text/csv",
            as_attachment=True,
            download_name=name,
            max_age=0,
        )


def add_views(admin) -> None:
    admin.add_view(
        ComplianceView(
            name=_l("Kepatuhan mutu baku"), endpoint="compliance", url="/admin/kepatuhan"
        )
    )
