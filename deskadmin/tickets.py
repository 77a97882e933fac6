"""The ticket lists: every ticket in one's scope, and the ready-made queues.

Read-only lists (status changes only through the ticket page's actions, which call the
workflow). One query per page: the agency, the service and the agent are joined, no document
bytes are read.
"""

from __future__ import annotations

from flask import abort, redirect, request, url_for
from flask_admin import expose
from flask_admin.actions import action
from flask_admin.contrib.peewee import ModelView
from flask_admin.contrib.peewee.filters import FilterEqual
from flask_admin.contrib.peewee.tools import parse_like_term
from flask_admin.form import BaseForm
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_security import current_user
from markupsafe import Markup, escape
from peewee import JOIN

from deskadmin.access import TicketScope, current_roles
from deskadmin.audit import audit_staff
from deskadmin.exports import ticket_list_export
from deskadmin.list_filters import (
    SHOWN,
    DurationFilter,
    IdFilter,
    OverdueFilter,
    ShownFilter,
    agent_options,
    layanan_options,
    pd_options,
)
from deskadmin.list_html import LazyOptions, LeanList
from deskadmin.list_order import TicketListOrder
from deskadmin.list_query import prepared_page
from deskadmin.queues import DESK
from deskadmin.ticket_cells import (
    LIST_COLUMNS,
    ROW_CELLS,
    Agent,
    ListPage,
    ListRow,
    cell_formatter,
)
from formatting import local_datetime
from models.catalog import DURATION_CLASSES, Layanan, PerangkatDaerah
from models.scope import visible_tickets
from models.streaming import stream
from models.ticket import STATUSES, Ticket

# A list counts its rows up to this many; beyond, it says "lebih dari 10.000" (a count of every
# matching ticket costs a scan of all of them, whatever the page shows).
COUNT_CAP = 10_000


class CappedCount(int):
    """A list's total that stopped counting at COUNT_CAP: the pager treats it as the number, the
    page shows it as "lebih dari 10.000"."""

    def __str__(self):
        return _("lebih dari %(n)s", n=f"{COUNT_CAP:,}".replace(",", "."))


def capped_count(query, cap: int = COUNT_CAP) -> int:
    """How many rows `query` has, counting no further than `cap` (then a CappedCount); `query`
    may also be a function counting up to the limit it is given."""
    n = query(cap + 1) if callable(query) else query.limit(cap + 1).count()
    return CappedCount(cap) if n > cap else n


class TicketListBase(LeanList, TicketListOrder, TicketScope, ModelView):
    """The columns, filters, search and sorting every ticket list shares."""

    can_create = can_edit = can_delete = False
    can_view_details = True
    can_export = True
    export_types = ["csv", "xlsx"]
    page_size = 50
    can_set_page_size = False
    # Flask-Admin's own count would count the joined list query; get_list counts instead (below)
    simple_list_pager = True
    form_base_class = BaseForm  # CSRF: Flask-WTF's CSRFProtect guards every POST
    column_display_actions = False  # the number links to the ticket page

    column_list = (
        "number",
        "perangkat_daerah",
        "layanan",
        "subject",
        "status",
        "assigned_agent",
        "due_at",
        "created_at",
    )
    column_export_list = column_list + ("requester_name", "requester_email")
    # what the export's formatters read: a row of four whole models costs more than writing it
    column_export_fields = (
        Ticket.id,
        Ticket.number,
        Ticket.subject,
        Ticket.status,
        Ticket.due_at,
        Ticket.created_at,
        Ticket.requester_name,
        Ticket.requester_email,
        PerangkatDaerah.name,
        Layanan.name,
        Agent.name,
    )
    column_labels = {
        "number": _l("Nomor"),
        "perangkat_daerah": _l("Perangkat Daerah"),
        "layanan": _l("Layanan"),
        "subject": _l("Perihal"),
        "status": _l("Status"),
        "assigned_agent": _l("Petugas"),
        "due_at": _l("Batas waktu langkah"),
        "created_at": _l("Umur"),
        "requester_name": _l("Pemohon"),
        "requester_email": _l("Email pemohon"),
    }
    column_sortable_list = (
        "number",
        ("perangkat_daerah", PerangkatDaerah.name),
        ("layanan", Layanan.name),
        "subject",
        "status",
        ("assigned_agent", Agent.name),
        "due_at",
        "created_at",
    )
    column_default_sort = ("created_at", True)
    column_searchable_list = (
        Ticket.number,
        Ticket.requester_name,
        Ticket.requester_email,
        Ticket.requester_nip,
        Ticket.subject,
        PerangkatDaerah.name,
        Agent.name,
    )
    column_filters = (
        FilterEqual(Ticket.status, _l("Status"), options=list(STATUSES.items())),
        IdFilter(Ticket.layanan, _l("Layanan"), options=LazyOptions(layanan_options)),
        IdFilter(Ticket.perangkat_daerah, _l("Perangkat Daerah"), options=LazyOptions(pd_options)),
        IdFilter(Ticket.assigned_agent, _l("Petugas"), options=LazyOptions(agent_options)),
        DurationFilter(
            Layanan.duration, _l("Kelas durasi"), options=list(DURATION_CLASSES.items())
        ),
        OverdueFilter(
            Ticket.due_at, _l("Terlambat"), options=[("1", _l("Ya")), ("0", _l("Tidak"))]
        ),
        ShownFilter(Ticket.status, _l("Tampilkan"), options=list(SHOWN.items())),
    )
    # a list with these filters on is read by SQL compiled once per shape (deskadmin.list_query):
    # the filters whose value is one SQL parameter, and those whose value picks their condition
    parameter_filters = (FilterEqual, IdFilter, DurationFilter)
    shape_filters = {ShownFilter: frozenset(SHOWN)}
    column_formatters = {name: cell_formatter(cell) for name, cell in ROW_CELLS.items()}
    column_formatters_export = {
        "number": lambda v, c, m, n: m.number,
        "perangkat_daerah": lambda v, c, m, n: m.perangkat_daerah.name,
        "layanan": lambda v, c, m, n: m.layanan.name,
        "status": lambda v, c, m, n: str(m.status_label),
        "assigned_agent": lambda v, c, m, n: m.agent.name if m.agent else "",
        "due_at": lambda v, c, m, n: local_datetime(m.due_at) if m.due_at else "",
        "created_at": lambda v, c, m, n: local_datetime(m.created_at),
    }

    list_template = "admin/ticket_list.html"

    def __init__(self, name=None, category=None, endpoint=None, url=None, **kwargs):
        super().__init__(Ticket, name=name, category=category, endpoint=endpoint, url=url, **kwargs)
        self.check_written_parts()

    def rows_html(self, rows, checkbox: bool) -> Markup:
        """Every row of the page, in one call: the action checkbox (when the list has actions),
        then each column's formatted value, escaped, as Flask-Admin's template would show it
        (which costs a block, a macro call and a lookup chain per cell, 400 a page). What every
        row shares is looked up once (`ListPage`). The list's own cells are written directly;
        another column's formatter text is used as it is (Flask-Admin's type formatters and
        choices change no string) and any other value goes through Flask-Admin's lookup."""
        page = ListPage.of(None)
        cells = [self._cell_writer(page, name) for name, _label in self._list_columns]
        html = []
        for row in rows:
            html.append("<tr>")
            if checkbox:
                html.append(page.checkbox(row))
            for start, write in cells:
                html.append(f"{start}{write(row)}</td>")
            html.append("</tr>")
        return Markup("".join(html))

    def _cell_writer(self, page, name):
        """`(opening <td>, function row -> escaped HTML)` of one column on `page`."""
        start = f'<td class="col-{name}">'
        formatters = self.column_formatters
        cell = getattr(formatters.get(name), "cell", None)
        if cell is not None:
            return start, cell.__get__(page)
        types, choices = self.column_type_formatters, self._column_choices_map

        def write(row):
            formatter = formatters.get(name)
            value = formatter(self, page, row, name) if formatter else getattr(row, name, None)
            if not isinstance(value, str) or name in choices:
                value = self._get_list_value(None, row, name, formatters, types)
            return escape(value)

        return start, write

    @expose("/export/<export_type>/")
    def export(self, export_type):
        """The list as CSV or Excel (its filters, search and sort as given; the formula guard
        and the title row: `models.exports`), streamed, audited; another format: 404."""
        if export_type not in self.export_types:
            abort(404)
        audit_staff("export", f"{self.endpoint} {export_type}", dict(request.args))
        return ticket_list_export(self, export_type)

    def search_placeholder(self):
        return str(_l("Nomor, pemohon (nama, email, NIP), perihal, Perangkat Daerah atau petugas"))

    default_shown = None  # a ShownFilter value applied when the list is opened without filters

    def _get_list_filter_args(self):
        filters = super()._get_list_filter_args()
        if filters or not self.default_shown or request.args.get("search"):
            return filters
        for index, flt in enumerate(self._filters):
            if isinstance(flt, ShownFilter):
                return [(index, str(flt.name), self.default_shown)]
        return filters

    def base_query(self):
        return (
            Ticket.select(Ticket, PerangkatDaerah, Layanan, Agent)
            .join(PerangkatDaerah)
            .switch(Ticket)
            .join(Layanan)
            .switch(Ticket)
            .join(Agent, JOIN.LEFT_OUTER, on=(Ticket.assigned_agent == Agent.id), attr="agent")
        )

    def _handle_join(self, query, field, joins):
        return query  # everything a row shows, sorts or filters on is joined in base_query

    # --- the count and the export ------------------------------------------------------------
    def count_query_base(self):
        """What a list counts before the scope: ticket ids alone."""
        return Ticket.select(Ticket.id)

    def count_query(self):
        """The rows a list counts: the scope (and a queue's condition) on ticket ids alone."""
        return visible_tickets(current_user, self.count_query_base())

    # A view whose rows and count are the scope alone on `base_query` and `count_query_base`,
    # with nothing read from the user or the clock, says so (`deskadmin.list_query`); a queue
    # adds its condition, which does: not prepared.
    prepare_list = False

    def prepares_list(self) -> bool:
        """Whether this view's page and count are prepared SELECTs: it says it may be
        (`prepare_list`) and it adds nothing to the scope's queries."""
        cls = type(self)
        return (
            self.prepare_list
            and cls.get_query is TicketScope.get_query
            and cls.count_query is TicketListBase.count_query
        )

    def get_list(self, page, sort_column, sort_desc, search, filters, execute=True, page_size=None):
        """The page of rows from Flask-Admin, and the total counted on the ticket table alone
        (the joins cannot change it; only the service's duration filter needs its service), up
        to COUNT_CAP; both from SQL compiled once per shape where `deskadmin.list_query` can."""
        columns = self._row_columns()
        if execute:
            found = prepared_page(
                self, current_user, page, sort_column, sort_desc, search, filters, page_size
            )
            if found is not None:
                count, rows = found
                return capped_count(count), ListRow.from_tuples(rows, columns)
        _, rows = super().get_list(
            page, sort_column, sort_desc, search, filters, execute=False, page_size=page_size
        )
        if execute:
            rows = ListRow.from_tuples(self.row_query(rows, columns), columns)
        return capped_count(self._filtered_count_query(search, filters)), rows

    def row_query(self, query, columns):
        """`query` selecting what a list row reads (`ListRow.selected`), as tuples."""
        return query.select(*ListRow.selected(columns)).tuples()

    def _row_columns(self) -> list:
        """LIST_COLUMNS and any other ticket column this list shows (a column added to
        `column_list` is read without being added here too)."""
        fields = Ticket._meta.fields
        have = {c.name for c in LIST_COLUMNS}
        extra = [fields[n] for n, _label in self._list_columns if n in fields and n not in have]
        return [*LIST_COLUMNS, *extra]

    def _filtered_count_query(self, search, filters):
        query = self.count_query()
        if search:
            # the search also reads the agency's and the agent's names: join them for it only
            query = (
                query.switch(Ticket)
                .join(PerangkatDaerah, on=(Ticket.perangkat_daerah == PerangkatDaerah.id))
                .switch(Ticket)
                .join(Agent, JOIN.LEFT_OUTER, on=(Ticket.assigned_agent == Agent.id))
                .switch(Ticket)
            )
            for value in search.split(" "):
                if value:
                    term = parse_like_term(value)
                    condition = None
                    for field in self._search_fields:
                        condition = field**term if condition is None else condition | field**term
                    query = query.where(condition)
        pairs = [
            (self._filters[index], self._filters[index].clean(v)) for index, _n, v in filters or ()
        ]
        return self.filter_count_query(query, pairs)

    def filter_count_query(self, query, pairs):
        """The count's `query` with each `(filter, cleaned value)` of `pairs` applied (a filter
        on the service's columns joins the service, once)."""
        joined = set()
        for flt, value in pairs:
            model = flt.column.model
            if model is not Ticket and model not in joined:
                query = query.join(model, on=(Ticket.layanan == model.id))
                joined.add(model)
            query = flt.apply(query, value)
        return query

    def _export_data(self):
        """Every row of the list as it is filtered and sorted, streamed from the database a chunk
        at a time (Flask-Admin would read them all into a list first)."""
        view_args = self._get_list_extra_args()
        sort = self._get_column_by_idx(view_args.sort)
        _, query = super().get_list(
            0,
            sort[0] if sort is not None else None,
            view_args.sort_desc,
            view_args.search,
            view_args.filters,
            execute=False,
            page_size=0,
        )
        return None, stream(query.select(*self.column_export_fields))

    # --- paths that exist on a ModelView but not for tickets: scope first, then refuse ------
    @expose("/edit/", methods=("GET", "POST"))
    def edit_view(self):
        ticket = self.scoped_ticket(request.args.get("id"))
        return redirect(url_for("tickets.details_view", id=ticket.id))

    @expose("/delete/", methods=("POST",))
    def delete_view(self):
        self.scoped_ticket(request.form.get("id") or request.args.get("id"))
        abort(403)

    @expose("/details/")
    def details_view(self):
        ticket = self.scoped_ticket(request.args.get("id"))
        return redirect(url_for("tickets.details_view", id=ticket.id))

    # --- bulk action -------------------------------------------------------------------------
    @expose("/action/", methods=("POST",))
    def action_view(self):
        ids = request.form.getlist("rowid")
        if not all(str(i).isdecimal() for i in ids):  # "²" is a digit int() refuses
            abort(404)
        wanted = {int(i) for i in ids}
        if len(visible_tickets(current_user, Ticket.select()).where(Ticket.id.in_(wanted))) != len(
            wanted
        ):
            abort(404)  # a ticket outside one's scope is not there, in a bulk action too
        return super().action_view()

    def is_action_allowed(self, name):
        if name == "dispose":
            return bool(current_roles() & DESK)
        return super().is_action_allowed(name)

    @action(
        "dispose",
        _l("Disposisi ke satu petugas"),
        _l("Disposisikan tiket terpilih ke satu petugas?"),
    )
    def action_dispose(self, ids):
        return redirect(url_for("tickets.bulk_dispose", ids=",".join(sorted(ids, key=int))))


class QueueView(TicketListBase):
    """One ready-made queue: the scope, then the queue's condition."""

    column_default_sort = ("due_at", False)

    def __init__(self, queue, **kwargs):
        self.queue = queue
        super().__init__(
            name=queue.name, endpoint=queue.endpoint, url=f"/admin/{queue.url}", **kwargs
        )

    def get_query(self):
        return self.queue.where(super().get_query(), current_user)

    def count_query(self):
        return self.queue.where(super().count_query(), current_user)

    def is_visible(self):
        return bool(current_roles() & self.queue.roles)
