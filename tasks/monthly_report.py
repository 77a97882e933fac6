"""The monthly report as an A4 PDF (xhtml2pdf), on the Berita Acara's letterhead and renderer,
rendered in the background.

A head asks for it (`request_monthly_report`): a `monthly_report_request` row is committed
(`models.report_requests`; the one still pending for the same user, period and bidang is reused)
and, after the commit, `render_monthly_report` is queued; it renders the PDF and keeps it in the
row (`ready`), or records why it could not (`failed`). A queue that does not answer ends the new
row as failed at once and says so (`ReportQueueDown`): no row is left pending without a task.
`sweep_monthly_reports` queues a lost task again once, ends a request lost twice as failed, and
deletes the finished requests after DESK_MONTHLY_REPORT_KEEP_DAYS.

The PDF is always in Indonesian whatever the page's language (an official letter, like the BA),
dated when it was asked, through the BA's guarded renderer `tasks.berita_acara.html_to_pdf`:
every value escaped by the template, no network, no file outside `static/pdf/`. The command
`flask monthly-report` renders it in the foreground (`monthly_report_pdf`).
"""

from __future__ import annotations

import datetime as dt
import logging

from babel.dates import format_datetime
from babel.numbers import format_decimal
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from huey import crontab
from peewee import DatabaseError

from formatting import ZONE_ABBREVIATIONS, local_date, local_datetime
from models import monthly_report, report_requests
from models.calendar import calendar
from models.db import utcnow
from models.staff import User
from tasks import app_periodic_task, app_task, queue_failure
from tasks.berita_acara import html_to_pdf

LANGUAGE = "id"
log = logging.getLogger("desk.monthly_report")


def cell(value, kind: str) -> str:
    """One table value as the report prints it: 83,3% / 12,5 / 82,53 /
    "28 Nov 2026 14.05 WIB";
    "–" for none."""
    if value is None or value == "":
        return "–"
    if kind == "percent":
        return format_decimal(value, "0.0", locale=LANGUAGE) + "%"
    if kind == "mean":  # an index or a mean on the survey's scale: two decimals
        return format_decimal(value, "0.00", locale=LANGUAGE)
    if kind == "hours":
        return format_decimal(value, "#,##0.0", locale=LANGUAGE)
    if kind == "datetime":  # short, for a narrow column: "23 Okt 2026 09.00 WIB"
        local = calendar.to_local(value)
        text = format_datetime(local, "d MMM y HH.mm", tzinfo=local.tzinfo, locale=LANGUAGE)
        return f"{text} {ZONE_ABBREVIATIONS.get(calendar.timezone, local.tzname())}"
    if kind == "date":
        return local_date(value)
    return str(value)


def render_html(report: monthly_report.MonthlyReport) -> str:
    """The report's HTML (every value escaped by the template)."""
    return render_template(
        "pdf/monthly_report.html",
        report=report,
        cell=cell,
        issued_on=local_date(report.issued_at),
        issued_at=local_datetime(report.issued_at),
        first=local_date(report.period.first),
        last=local_date(report.period.last),
    )


def monthly_report_pdf(user, period, now, *, bidang_id=None, skm=None):
    """(the report, its PDF bytes): `models.monthly_report.collect` rendered in Indonesian."""
    with force_locale(LANGUAGE):
        report = monthly_report.collect(user, period, now, bidang_id=bidang_id, skm=skm)
        return report, html_to_pdf(render_html(report))


# --- in the background ------------------------------------------------------------------------


class ReportQueueDown(Exception):
    """The report was asked for but its task could not be queued (the message says so, in the
    user's language); the request is ended as failed, so nothing waits on it."""


def request_monthly_report(user, period, bidang_id=None, *, now=None):
    """The view's entry point: record `user`'s request for the report of `period` (an admin's
    `bidang_id`) and queue its rendering after the commit; the one of the same user, period
    and bidang still pending is returned instead, and not queued again. Raises
    `ReportQueueDown` when the queue does not answer (the new request then ends as failed)."""
    now = now or utcnow()
    scope, _who = monthly_report.report_scope(user, bidang_id)
    number = monthly_report.report_number(scope, period)
    request, new = report_requests.ask(user, period, bidang_id, number, now=now)
    if not new:
        return request
    failure = queue_failure(
        render_monthly_report, request.id, what=f"monthly report {number} (request {request.id})"
    )
    if failure is not None:
        report_requests.fail(request.id, f"not queued: {failure.__class__.__name__}")
        raise ReportQueueDown(
            _(
                "Laporan %(number)s belum dapat disiapkan karena antrean tugas sedang tidak "
                "menjawab. Coba lagi beberapa saat lagi.",
                number=number,
            )
        ) from failure
    return request


@app_task()
def render_monthly_report(request_id: int) -> str:
    """Render a pending request's report (dated when it was asked) and keep it in the row;
    a render that fails ends it as failed with the reason. A request no longer pending (done
    by another run) is left alone; one whose user may no longer print the report fails."""
    request = report_requests.pending(request_id)
    if request is None:
        return "not pending"
    user = User.get_or_none(User.id == request.user_id)
    if user is None or not user.active or not user.role_names & report_requests.REPORT_ROLES:
        report_requests.fail(request_id, "the user may no longer print the monthly report")
        return "refused"
    try:
        report, pdf = monthly_report_pdf(
            user, request.period, request.requested_at, bidang_id=request.bidang_id
        )
    except DatabaseError:
        raise  # the database, not the report: the row stays pending and is queued again
    except Exception as exc:  # noqa: BLE001 - recorded on the row; the user may ask again
        log.exception("monthly report %s (request %s) failed", request.number, request_id)
        report_requests.fail(request_id, f"{exc.__class__.__name__}: {exc}")
        return "failed"
    if not report_requests.finish(request_id, report.number, pdf):
        return "not pending"
    return "ready"


def requeue_lost_reports(now=None) -> int:
    """Queue again, once, each request still pending DESK_BA_REQUEUE_MINUTES after it was
    asked (its task lost with a killed consumer): only the run that marks it queues it."""
    now = now or utcnow()
    cutoff = now - dt.timedelta(minutes=int(current_app.config["BA_REQUEUE_MINUTES"]))
    queued = 0
    for request in report_requests.lost(cutoff):
        if not report_requests.mark_requeued(request.id, now):
            continue
        log.info("re-queueing the lost monthly report request %s", request.id)
        what = f"monthly report request {request.id} (again)"
        if queue_failure(render_monthly_report, request.id, what=what) is None:
            queued += 1  # not queued: a later sweep ends it as failed
    return queued


@app_periodic_task(crontab(minute="*/5"), lock="monthly_report_requests")
def sweep_monthly_reports(now=None) -> dict:
    """Every five minutes: queue a lost report task again (once); end as failed a request
    still pending DESK_BA_REQUEUE_MINUTES after that; delete the requests finished more than
    DESK_MONTHLY_REPORT_KEEP_DAYS days ago, with their PDFs."""
    now = now or utcnow()
    config = current_app.config
    requeued = requeue_lost_reports(now)
    abandoned = report_requests.fail_abandoned(
        now - dt.timedelta(minutes=int(config["BA_REQUEUE_MINUTES"])),
        "not rendered after it was queued again",
        now=now,
    )
    purged = report_requests.purge_finished(int(config["MONTHLY_REPORT_KEEP_DAYS"]), now=now)
    return {"requeued": requeued, "failed": abandoned, "deleted": purged}
