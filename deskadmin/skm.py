"""Survei Kepuasan: the heads' page of the satisfaction index (IKM) for a period.

The index of every answer in the period within the user's scope, the mean of each unsur, and
the tables per layanan, per bidang and per month (`models.skm`); the comments without their
tickets. Aggregates only: no page shows which ticket gave which answer, and a group with fewer
than `models.skm.MIN_RESPONDENTS` answers shows only its count.

Who: admin (everything), kepala_bidang and helpdesk (their bidang), kepala_seksi (their seksi);
an agent gets 403 (the answers are anonymous to the agent).
"""

from __future__ import annotations

from babel.numbers import format_decimal
from flask import request
from flask_admin import BaseView, expose
from flask_babel import get_locale
from flask_babel import lazy_gettext as _l
from flask_security import current_user

from deskadmin.access import StaffAccess
from deskadmin.compliance import PeriodError, read_period
from formatting import local_date
from models import compliance, skm
from models.staff import ADMIN, HELPDESK, KEPALA_BIDANG, KEPALA_SEKSI


def decimal_text(value, digits: int = 2) -> str:
    """82,50 (Indonesian decimal comma; the page's locale); "–" for none."""
    if value is None:
        return "–"
    return format_decimal(value, "0." + "0" * digits, locale=str(get_locale() or "id"))


def cell_text(column, value) -> str:
    """A table cell as the page shows it, by the column's kind."""
    if column.kind == "decimal":
        return decimal_text(value)
    return "" if value is None else str(value)


class SatisfactionView(StaffAccess, BaseView):
    allowed_roles = frozenset({ADMIN, KEPALA_BIDANG, KEPALA_SEKSI, HELPDESK})

    @expose("/")
    def index(self):
        try:
            period, error = read_period(request.args), None
        except PeriodError as exc:
            period, error = compliance.current_month(), str(exc)
        tables = [
            skm.by_layanan(current_user, period),
            skm.by_bidang(current_user, period),
            skm.by_month(current_user, period),
        ]
        return self.render(
            "admin/skm.html",
            period=period,
            error=error,
            summary=skm.summary(period, current_user),
            unsur=skm.UNSUR,
            grades=skm.GRADES,
            minimum=skm.MIN_RESPONDENTS,
            tables=tables,
            comments=skm.comments(period, current_user),
            decimal_text=decimal_text,
            cell_text=cell_text,
            local_date=local_date,
        )


def add_views(admin) -> None:
    admin.add_view(
        SatisfactionView(name=_l("Survei Kepuasan"), endpoint="skm", url="/admin/survei-kepuasan")
    )
