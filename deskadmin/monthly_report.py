"""Laporan bulanan: the monthly report PDF for the Kepala Bidang's signature (staff side).

A page with the period form (month by default; a quarter or a year too), also reached from the
compliance page's button for the period shown there. Asking (a POST with the form's CSRF token)
records a request and queues its rendering (`tasks.monthly_report.request_monthly_report`),
then leads to the request's status page: "sedang disiapkan" until the PDF is ready, then its
download; a failed render says so and offers to ask again. The pending page is asked for again
every few seconds by `static/js/desk-admin.js` (a file: the CSP allows no inline script), which
puts the new state in the page's live region; not a `<meta http-equiv="refresh">`, a timed
reload that axe refuses (WCAG 2.2.1); without script, its reload link. The figures, the scope, the
number and the signers are `models.monthly_report`; the request rows `models.report_requests`.

Who: admin (the whole desk, or one bidang), kepala_bidang (their bidang), kepala_seksi (their
seksi); anyone else 403. A request's status page and download are its asker's only
(`OwnRequests`): anyone else gets 404. Every download is audited as an export.
"""

from __future__ import annotations

import io
import logging

from flask import redirect, request, send_file, url_for
from flask_admin import BaseView, expose
from flask_babel import format_decimal
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_security import current_user

from deskadmin import compliance as compliance_page  # a module: it links back to this one
from deskadmin.access import OwnRequests, current_roles
from deskadmin.audit import audit_staff
from models import compliance, monthly_report, report_requests
from models.catalog import Bidang
from models.monthly_report import PeriodError
from models.staff import ADMIN
from request_guard import is_id
from security_headers import sandbox
from tasks.monthly_report import ReportQueueDown, request_monthly_report

ALLOWED_ROLES = report_requests.REPORT_ROLES
REFRESH_SECONDS = 3  # how often a pending request's status page asks for its state again
log = logging.getLogger("desk.monthly_report")


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
    if not is_id(text) or Bidang.get_or_none(Bidang.id == int(text)) is None:
        raise PeriodError(_("Bidang tidak dikenal."))
    return int(text)


def report_url(period) -> str | None:
    """The address the compliance page's button posts `period` (`dari`, `sampai`) to, asking
    for its report, if the logged-in user may print it; else None."""
    if not current_roles() & ALLOWED_ROLES:
        return None
    return url_for("monthly_report.ask")


def size_text(size: int | None) -> str:
    """A file's size as the page shows it: "48 KB" (at least 1 KB)."""
    return _("%(kb)s KB", kb=format_decimal(max(1, round((size or 0) / 1024)), "#,##0"))


class MonthlyReportView(OwnRequests, BaseView):
    allowed_roles = ALLOWED_ROLES

    def _form(self, error=None, status=200, values=None, period=None):
        """The form; after a refusal with what was posted (`values`) or, for a request that
        came as `dari`/`sampai` (the compliance page, "Minta lagi"), its `period` again: in
        the field, or held in hidden fields when it is a range of days the field cannot
        write."""
        values = request.args if values is None else values
        current = compliance.current_month()
        value, held = values.get("periode"), None
        if not value and period is not None:
            value = monthly_report.period_input(period)
            held = period if value is None else None
        page = self.render(
            "admin/monthly_report.html",
            error=error,
            month=f"{current.first:%Y-%m}",
            value=value if value is not None else ("" if held else f"{current.first:%Y-%m}"),
            held=held,
            held_label=monthly_report.period_label(held) if held else None,
            bidang_choices=(
                list(Bidang.select().order_by(Bidang.name)) if ADMIN in current_roles() else []
            ),
            chosen_bidang=values.get("bidang", ""),
        )
        return page, status

    @expose("/")
    def index(self):
        return self._form()

    @expose("/minta", methods=("POST",))
    def ask(self):
        """Ask for the report of the posted period (and an admin's bidang): a bad one is the
        form again with the reason (400) and records nothing; else the request's status page
        (the pending one of the same period and bidang, if any)."""
        try:
            period = requested_period(request.form)
            bidang_id = requested_bidang(request.form)
        except PeriodError as exc:
            return self._form(str(exc), 400, request.form)
        try:
            asked = request_monthly_report(current_user, period, bidang_id)
        except ReportQueueDown as exc:
            return self._form(str(exc), 503, request.form, period)
        return redirect(url_for(".status", request_id=asked.id), code=303)

    @expose("/permintaan/<int:request_id>")
    def status(self, request_id):
        """The request's status page, its asker's only: pending (asked for again by its
        script), ready (the download), or failed (ask again)."""
        asked = self.owned(report_requests.owned, request_id)
        return self._status_page(asked)

    def _status_page(self, asked, *, missing=False, status=200):
        bidang = Bidang.get_or_none(Bidang.id == asked.bidang_id) if asked.bidang_id else None
        page = self.render(
            "admin/monthly_report_status.html",
            asked=asked,
            state="failed" if missing else asked.status,
            missing=missing,
            period_label=monthly_report.period_label(asked.period),
            bidang=bidang,
            size=size_text(asked.size),
            refresh_seconds=REFRESH_SECONDS,
        )
        return page, status, {"Cache-Control": "private, no-store"}  # its state changes

    @expose("/permintaan/<int:request_id>/unduh")
    def download(self, request_id):
        """The ready PDF, its asker's only, audited as an export; before it is ready, its
        status page."""
        asked = self.owned(report_requests.owned, request_id)
        if asked.status != report_requests.READY:
            return redirect(url_for(".status", request_id=asked.id))
        try:
            data = report_requests.stored_pdf(asked)
        except report_requests.StoredReportError:
            log.error("monthly report request %s: stored PDF missing or altered", asked.id)
            return self._status_page(asked, missing=True, status=410)
        audit_staff(
            "export",
            f"laporan bulanan {asked.number}",
            {
                "permintaan": asked.id,
                "dari": asked.period_first.isoformat(),
                "sampai": asked.period_last.isoformat(),
                "bidang": asked.bidang_id,
            },
        )
        name = asked.number.lower().replace("/", "-") + ".pdf"  # lap-aptika-06-2026.pdf
        response = send_file(
            io.BytesIO(data),
            mimetype="application/pdf",
            as_attachment=True,
            download_name=name,
            max_age=0,
        )
        response.headers["Cache-Control"] = "private, no-store"  # names and figures of staff
        return sandbox(response)

    @expose("/pdf")
    def pdf(self):
        """The old address of the download (a GET that rendered at once): the form, with the
        period and bidang it was given."""
        args = {k: v for k, v in request.args.items() if k in ("periode", "bidang")}
        return redirect(url_for(".index", **args))


def add_views(admin) -> None:
    admin.add_view(
        MonthlyReportView(
            name=_l("Laporan bulanan"), endpoint="monthly_report", url="/admin/laporan-bulanan"
        )
    )
