"""Downloads of the staff side: a report table as a streamed CSV or Excel response, and the
ticket lists as report tables.

The writing itself (title row, formats, formula guard) is `models.exports`; this module reads
the request (format, separator, the list's filters, search and sort, the user's scope) and
answers. Every caller audits its export (`deskadmin.audit.audit_staff("export", ...)`) before
returning the response.
"""

from __future__ import annotations

from flask import Response, abort, make_response, request, stream_with_context
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_security import current_user
from werkzeug.utils import secure_filename

from errors import error_response
from formatting import local_datetime
from models.calendar import calendar
from models.db import utcnow
from models.exports import csv_format, csv_stream, xlsx_stream
from models.report_table import Column, Table
from models.staff import ADMIN, AGENT, HELPDESK, KEPALA_BIDANG, KEPALA_SEKSI
from security_headers import sandbox

FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def export_response(table: Table, fmt: str, filename: str, sep: str | None = None) -> Response:
    """`table` as a download named `filename`.csv or .xlsx, streamed (the rows are read while
    the response is sent). `fmt` other than csv/xlsx: 404. The CSV's separator follows the page
    language unless `sep` (default: the request's `sep` argument, `;` or `,`) chooses; another
    separator: 400."""
    if fmt not in FORMATS:
        abort(404)
    if fmt == "csv":
        try:
            style = csv_format(get_locale(), request.args.get("sep") if sep is None else sep)
        except ValueError:
            message = _("Pemisah kolom tidak dikenal: pilih titik koma (;) atau koma (,).")
            return make_response(error_response(400, message=message))
        body = csv_stream(table, style)
    else:
        body = xlsx_stream(table)
    name = secure_filename(f"{filename}.{fmt}") or f"export.{fmt}"
    response = Response(
        stream_with_context(body),
        mimetype=FORMATS[fmt],
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )
    return sandbox(response)  # it carries requesters' text: never a page of the desk


def scope_label(user) -> str:
    """Whose tickets an export holds, by the rule of `models.scope.visible_tickets`."""
    roles = user.role_names if user is not None and user.active else set()
    if ADMIN in roles:
        return _("Lingkup: semua tiket")
    parts = []
    if roles & {HELPDESK, KEPALA_BIDANG} and user.bidang_id:
        parts.append(user.bidang.name)
    if KEPALA_SEKSI in roles and user.seksi_id:
        parts.append(user.seksi.name)
    if AGENT in roles:
        parts.append(_("tiket yang didisposisikan kepada %(name)s", name=user.name))
    return _("Lingkup: %(scope)s", scope=", ".join(parts) or _("tidak ada tiket"))


def list_conditions(view) -> str:
    """The list's filters and search as the export's title row names them."""
    parts = []
    for index, _name, value in view._get_list_filter_args() or ():
        flt = view._filters[index]
        options = {str(k): str(v) for k, v in (flt.get_options(view) or ())}
        parts.append(f"{flt.name} {flt.operation()} {options.get(str(value), value)}")
    search = request.args.get("search", "").strip()
    if search:
        parts.append(_("pencarian “%(text)s”", text=search))
    return "; ".join(parts)


# columns exported as Excel dates; every other column as the list's export text
DATETIME_COLUMNS = frozenset({"due_at", "created_at"})
# the list shows the age; the export the time itself
EXPORT_LABELS = {"created_at": _l("Dibuat pada")}


def ticket_list_table(view) -> Table:
    """Every ticket of a ticket list `view` as a report table: the list's filters, search and
    sort as requested, within the user's scope (the view's query), streamed from the database a
    chunk at a time (`view._export_data`)."""
    names = [name for name, _label in view._export_columns]
    columns = [
        Column(
            name,
            EXPORT_LABELS.get(name, label),
            "datetime" if name in DATETIME_COLUMNS else "text",
        )
        for name, label in view._export_columns
    ]
    _count, tickets = view._export_data()
    # the list's export formatters themselves (Flask-Admin's lookup per cell costs a third of
    # the export), the attribute where a column has none
    formatters = [
        None if name in DATETIME_COLUMNS else view.column_formatters_export.get(name)
        for name in names
    ]

    def rows():
        for ticket in tickets:
            yield tuple(
                getattr(ticket, name) if f is None else f(view, None, ticket, name)
                for name, f in zip(names, formatters, strict=True)
            )

    period = _("per %(when)s", when=local_datetime(utcnow()))
    conditions = list_conditions(view)
    return Table(
        slug=view.endpoint,
        title=view.name,
        columns=columns,
        rows=rows(),
        period_label=f"{period} ({conditions})" if conditions else period,
        scope_label=scope_label(current_user),
    )


def ticket_list_export(view, fmt: str) -> Response:
    """The ticket list `view` as a CSV or Excel download (audited by the caller)."""
    if fmt not in FORMATS:
        abort(404)
    filename = f"tiket-{view.endpoint}-{calendar.to_local(utcnow()):%Y%m%d-%H%M}"
    return export_response(ticket_list_table(view), fmt, filename)
