"""The monthly report as an A4 PDF (xhtml2pdf), on the Berita Acara's letterhead and renderer.

Rendered synchronously (well under a second at demo size; see README "Monthly report"), always in
Indonesian whatever the page's language (it is an official letter, like the BA), through the
BA's guarded renderer `tasks.berita_acara.html_to_pdf`: every value escaped by the template, no
network, no file outside `static/pdf/`.
"""

from __future__ import annotations

from babel.dates import format_datetime
from babel.numbers import format_decimal
from flask import render_template
from flask_babel import force_locale

from formatting import ZONE_ABBREVIATIONS, local_date, local_datetime
from models import monthly_report
from models.calendar import calendar
from tasks.berita_acara import html_to_pdf

LANGUAGE = "id"


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
