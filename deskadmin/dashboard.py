"""The staff home page (`/admin/`): per role, within the role's scope.

- helpdesk and agent: their queues with counts, the tickets whose step they answer for that are
  overdue, fall due today or tomorrow (local dates) or carry an unread reply, most urgent first;
- heads (kepala_bidang, kepala_seksi) and admin: the figures of `models.dashboard` for a period
  (the picker: `deskadmin.periods`), with an SVG chart (`deskadmin.charts`) beside the tables
  that people would rather look at.

Each table has a slug; `DeskIndexView.table(slug, period, user)` returns it as a
`models.report_table.Table` (for the exports), `/admin/tabel/<slug>` shows it alone.
"""

from __future__ import annotations

from flask import abort, request
from flask_admin import AdminIndexView, expose
from flask_babel import gettext as _
from flask_security import current_user
from markupsafe import Markup, escape

from deskadmin import charts
from deskadmin.access import StaffAccess, current_roles
from deskadmin.audit import audit_staff
from deskadmin.compliance import PeriodError
from deskadmin.exports import FORMATS, export_response, scope_label
from deskadmin.periods import KINDS, read_choice
from deskadmin.queues import QUEUES, answers_for
from formatting import local_date, local_datetime
from models import dashboard, desk_list, skm
from models.compliance import Period, current_month
from models.db import utcnow
from models.scope import visible_tickets
from models.staff import ADMIN, AGENT, HELPDESK, KEPALA_BIDANG, KEPALA_SEKSI

DESK_ROLES = frozenset({HELPDESK, AGENT})
HEAD_ROLES = frozenset({ADMIN, KEPALA_BIDANG, KEPALA_SEKSI})
DESK_SLUG = "mendesak"
# the satisfaction index's tables on the heads' page (anonymous aggregates, `models.skm`)
SKM_TABLES = {"skm-layanan": skm.by_layanan, "skm-bidang": skm.by_bidang}

# slug -> (chart kind, label column, value columns): the tables drawn as well as listed
CHARTS = {
    "terbuka": ("bar", "status", ["count"]),
    "terlambat-langkah": ("bar", "step", ["count"]),
    "terlambat-petugas": ("bar", "person", ["count"]),
    "langkah": ("bar", "step", ["on_time_percent"]),
    "kelengkapan": ("bar", "perangkat_daerah", ["incomplete_percent"]),
    "tren": ("line", "period", ["received", "closed"]),
}


def chart(table):
    """The SVG chart of `table` if it is one of CHARTS, else None."""
    spec = CHARTS.get(table.slug)
    if spec is None:
        return None
    kind, label, values = spec
    if kind == "line":
        return charts.line_chart(table, label, values, f"chart-{table.slug}")
    return charts.bar_chart(table, label, values[0], f"chart-{table.slug}")


RIGHT_ALIGNED = ("int", "percent", "hours")


def body_rows(table, cell) -> list[Markup]:
    """The body rows of `table` as HTML, one string a row (the first column a row header,
    numbers right-aligned, each cell's text escaped): the page's hundreds of cells without a
    template loop per cell."""
    columns = [
        (escape(c.key), ' class="text-right"' if c.kind in RIGHT_ALIGNED else "", c)
        for c in table.columns
    ]
    (first_key, _, first), rest = columns[0], columns[1:]
    rows = []
    for row in table.rows:
        parts = [
            f'<tr><th scope="row" class="font-weight-normal" data-key="{first_key}">'
            f"{escape(cell(first, row[0]))}</th>"
        ]
        for i, (key, align, column) in enumerate(rest, 1):
            parts.append(f'<td data-key="{key}"{align}>{escape(cell(column, row[i]))}</td>')
        parts.append("</tr>")
        rows.append(Markup("".join(parts)))
    return rows


def cell(column, value) -> str:
    """A table cell as text: percentages and hours with an Indonesian decimal comma."""
    if value is None or value == "":
        return "–" if column.kind in ("percent", "hours", "decimal") else ""
    if column.kind == "percent":
        return f"{value:.1f}%".replace(".", ",")
    if column.kind == "hours":
        return f"{value:.1f}".replace(".", ",")
    if column.kind == "decimal":
        return f"{value:.2f}".replace(".", ",")
    if column.kind == "datetime":
        return local_datetime(value)
    if column.kind == "date":
        return local_date(value)
    return str(value)


class DeskIndexView(StaffAccess, AdminIndexView):
    """The landing page after login: the desk's queues and urgent tickets, the heads' figures."""

    def table(self, slug: str, period: Period, user, now=None):
        """The home page's table `slug` for `user` and `period` (None for an unknown slug or
        one the user's roles do not show)."""
        roles = user.role_names if user is not None and user.active else set()
        if slug == DESK_SLUG and roles & (DESK_ROLES | {ADMIN}):
            return desk_list.desk_table(user, answers_for(user), now)
        if not roles & HEAD_ROLES:
            return None
        if slug in SKM_TABLES:
            return SKM_TABLES[slug](user, period)
        make = dashboard.head_tables().get(slug)
        if make is None:
            return None
        return make(user, period, now or utcnow())

    def _period(self):
        try:
            kind, period = read_choice(request.args)
            return kind, period, None
        except PeriodError as exc:
            return "bulan", current_month(), str(exc)

    @expose("/")
    def index(self):
        roles = current_roles()
        kind, period, error = self._period()
        now = utcnow()
        queues = [
            (queue, queue.where(visible_tickets(current_user), current_user).count())
            for queue in QUEUES
            if roles & queue.roles
        ]
        context = {
            "queues": queues,
            "total": visible_tickets(current_user).count(),
            "roles": roles,
            "show_desk": bool(roles & DESK_ROLES),
            "show_heads": bool(roles & HEAD_ROLES),
            "show_skm": bool(roles & HEAD_ROLES),
            "period": period,
            "period_kind": kind,
            "period_kinds": KINDS,
            "period_error": error,
            "chart": chart,
            "cell": cell,
            "body_rows": body_rows,
            "local_date": local_date,
        }
        if context["show_desk"]:
            condition = answers_for(current_user)
            context["desk_counts"] = desk_list.desk_counts(current_user, condition, now)
            context["desk_table"] = desk_list.desk_table(current_user, condition, now)
        if context["show_heads"]:
            context["head_tables"] = [
                make(current_user, period, now) for make in dashboard.head_tables().values()
            ]
            context["skm_summary"] = skm.summary(period, current_user)
            context["skm_tables"] = [make(current_user, period) for make in SKM_TABLES.values()]
        html = self.render("admin/index.html", **context)
        return (html, 400) if error else html

    @expose("/tabel/<slug>")
    def single_table(self, slug):
        kind, period, error = self._period()
        if error:
            abort(400, error)
        table = self.table(slug, period, current_user)
        if table is None:
            abort(404)
        return self.render(
            "admin/dashboard_table.html",
            table=table,
            period=period,
            cell=cell,
            body_rows=body_rows,
            chart=chart,
            local_date=local_date,
        )

    @expose("/tabel/<slug>/unduh/<fmt>")
    def export_table(self, slug, fmt):
        """Table `slug` of the period asked as an Excel or CSV download (audited)."""
        if fmt not in FORMATS:
            abort(404)
        kind, period, error = self._period()
        if error:
            abort(400, error)
        table = self.table(slug, period, current_user)
        if table is None:
            abort(404)
        if not table.period_label:
            table.period_label = _(
                "periode %(first)s sampai %(last)s",
                first=local_date(period.first),
                last=local_date(period.last),
            )
        table.scope_label = table.scope_label or scope_label(current_user)
        audit_staff("export", f"beranda {slug} {fmt}", dict(request.args))
        return export_response(table, fmt, f"{slug}-{period.first}-{period.last}")
