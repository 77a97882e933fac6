"""Kepatuhan mutu baku: the heads' page of on-time SOP steps (SPEC "Time standards").

Four tables for a period of local dates (GET form, default the current month): per step, per
service, per Perangkat Daerah, per agent; each also as a CSV or Excel download
(`models.exports`). The counting and its rule
are in `models.compliance`; this module only reads the form and shows the numbers.

Who: admin (everything), kepala_bidang and helpdesk (their bidang), kepala_seksi (their seksi);
an agent gets 403.
"""

from __future__ import annotations

import datetime as dt

from babel.numbers import format_decimal
from flask import abort, request
from flask_admin import BaseView, expose
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_security import current_user

from deskadmin import monthly_report
from deskadmin.access import StaffAccess
from deskadmin.audit import audit_staff
from deskadmin.exports import FORMATS, export_response, scope_label
from errors import error_response
from formatting import local_date
from models import compliance
from models.db import utcnow
from models.report_table import Column, Table
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


def percent_text(row) -> str:
    """83,3% on the page (Indonesian decimal comma); "–" for none."""
    if row.percent is None:
        return "–"
    return format_decimal(row.percent, "0.0", locale=str(get_locale() or "id")) + "%"


def row_label(table: str, row) -> str:
    if table == "langkah":
        return f"{row.key}. {mutu_baku_step(row.key).name}"
    return row.label


def step_standard(number: int):
    """The time standard of staff step `number`, as the step table writes it."""
    return mutu_baku_step(number).standard


def compliance_table(key: str, user, period: compliance.Period, now=None) -> Table:
    """Compliance table `key` of `user`'s scope for `period` as a report table (the page's
    columns; the percentage a number, none when nothing ended)."""
    title, label, name = TABLES[key]
    columns = [Column("label", label, width=40)]
    if key == "langkah":
        columns.append(Column("standard", _l("Mutu baku"), width=24))
    columns += [
        Column("ended", _l("Selesai dalam periode"), "int"),
        Column("on_time", _l("Tepat waktu"), "int"),
        Column("late", _l("Terlambat"), "int"),
        Column("percent", _l("Persentase tepat waktu"), "percent"),
        Column("overdue", _l("Masih terbuka dan melewati batas waktu"), "int"),
    ]
    rows = []
    for row in compliance.tables(user, period, now or utcnow())[name]:
        line = [row_label(key, row)]
        if key == "langkah":
            line.append(str(step_standard(row.key)))
        rows.append((*line, row.ended, row.on_time, row.late, row.percent, row.overdue))
    return Table(
        slug=f"kepatuhan-{key}",
        title=_("Kepatuhan mutu baku: %(table)s", table=title),
        columns=columns,
        rows=rows,
        period_label=_(
            "periode %(first)s sampai %(last)s",
            first=local_date(period.first),
            last=local_date(period.last),
        ),
        scope_label=scope_label(user),
    )


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
            report_url=monthly_report.report_url(period),
        )

    @expose("/csv/<table>")
    def csv(self, table):
        """The old address of a table's CSV download."""
        return self.export(table, "csv")

    @expose("/export/<table>/<fmt>")
    def export(self, table, fmt):
        """One table of the period as CSV or Excel (`models.exports`), audited; an unknown
        table or format: 404; a period that cannot be read: 400."""
        if table not in TABLES or fmt not in FORMATS:
            abort(404)
        period, error = self._period()
        if error:
            return error_response(400, message=error)
        audit_staff("export", f"kepatuhan {table} {fmt}", dict(request.args))
        name = f"kepatuhan-{table}-{period.first:%Y%m%d}-{period.last:%Y%m%d}"
        return export_response(compliance_table(table, current_user, period), fmt, name)


def add_views(admin) -> None:
    admin.add_view(
        ComplianceView(
            name=_l("Kepatuhan mutu baku"), endpoint="compliance", url="/admin/kepatuhan"
        )
    )
