"""Laporan bulanan: the monthly report PDF for the Kepala Bidang's signature (staff side).

A page with the period form (month by default; a quarter or a year too) and the PDF download,
also linked from the compliance page for the period shown there. The figures, the scope, the
number and the signers are `models.monthly_report`; the PDF is `tasks.monthly_report`.

Who: admin (the whole desk, or one bidang), kepala_bidang (their bidang), kepala_seksi (their
seksi); anyone else 403. Every download is audited as an export.
"""

from __future__ import annotations

import io

from flask import request, send_file, url_for
from flask_admin import BaseView, expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_security import current_user

from deskadmin import compliance as compliance_page  # a module: it links back to this one
from deskadmin.access import StaffAccess, current_roles
from deskadmin.audit import audit_staff
from models import compliance, monthly_report
from models.catalog import Bidang
from models.db import utcnow
from models.monthly_report import PeriodError
from models.staff import ADMIN, KEPALA_BIDANG, KEPALA_SEKSI
from security_headers import sandbox
from tasks.monthly_report import monthly_report_pdf

ALLOWED_ROLES = frozenset({ADMIN, KEPALA_BIDANG, KEPALA_SEKSI})


def requested_period(args):
    """The period of `periode` (TTTT-BB, TTTT-Tn, TTTT), else of the compliance page's `dari`
    and `sampai`, else the current month. Raises PeriodError with the reason."""
    if args.get("periode", "").strip():
        return monthly_report.parse_period(args["periode"])
    if args.get("dari", "").strip() or args.get("sampai", "").strip():
        try:
            return compliance_page.read_period(args)
        except compliance_page.PeriodError as exc:
            raise PeriodError(str(exc)) from None
    return compliance.current_month()


def requested_bidang(args):
    """An admin's optional `bidang` (its id); a value that is no bidang raises PeriodError."""
    text = args.get("bidang", "").strip()
    if not text or ADMIN not in current_roles():
        return None
    if not text.isdecimal() or Bidang.get_or_none(Bidang.id == int(text)) is None:
        raise PeriodError(_("Bidang tidak dikenal."))
    return int(text)


def report_url(period) -> str | None:
    """The PDF's address for `period` if the logged-in user may print it (the compliance page's
    link), else None."""
    if not current_roles() & ALLOWED_ROLES:
        return None
    return url_for(
        "monthly_report.pdf", dari=period.first.isoformat(), sampai=period.last.isoformat()
    )


class MonthlyReportView(StaffAccess, BaseView):
    allowed_roles = ALLOWED_ROLES

    def _form(self, error=None, status=200):
        current = compliance.current_month()
        page = self.render(
            "admin/monthly_report.html",
            error=error,
            month=f"{current.first:%Y-%m}",
            value=request.args.get("periode", f"{current.first:%Y-%m}"),
            bidang_choices=(
                list(Bidang.select().order_by(Bidang.name)) if ADMIN in current_roles() else []
            ),
            chosen_bidang=request.args.get("bidang", ""),
        )
        return page, status

    @expose("/")
    def index(self):
        return self._form()

    @expose("/pdf")
    def pdf(self):
        try:
            period = requested_period(request.args)
            bidang_id = requested_bidang(request.args)
        except PeriodError as exc:
            return self._form(str(exc), 400)
        now = utcnow()
        report, data = monthly_report_pdf(current_user, period, now, bidang_id=bidang_id)
        audit_staff("export", f"laporan bulanan {report.number}", dict(request.args))
        name = report.number.lower().replace("/", "-") + ".pdf"  # lap-aptika-06-2026.pdf
        response = send_file(
            io.BytesIO(data),
            mimetype="application/pdf",
            as_attachment=True,
            download_name=name,
            max_age=0,
        )
        response.headers["Cache-Control"] = "private, no-store"  # names and figures of staff
        return sandbox(response)


def add_views(admin) -> None:
    admin.add_view(
        MonthlyReportView(
            name=_l("Laporan bulanan"), endpoint="monthly_report", url="/admin/laporan-bulanan"
        )
    )
