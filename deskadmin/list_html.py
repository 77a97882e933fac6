"""Flask-Admin's list page, the parts that are the same for every list, written by the view
instead of its template's macros (what a staff list costs is mostly its rendering): the menu
bar (the list's tab, export, filter, action and search menus), the filter form, the sort
header, the pager, the links of a page (sharing one encoding of what follows the page and the
sort), the filter groups and their JSON kept while their choices are, the actions' script
data. Each writes the HTML Flask-Admin's `model/list.html` writes with the desk's
`admin/model/layout.html` and `admin/actions.html` (`tests/test_list_rendering.py` compares
them), without that template's five imports made again on every render.
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import current_app, request, url_for
from flask_admin.babel import gettext as admin_gettext
from flask_babel import get_locale
from jinja2.utils import htmlsafe_json_dumps
from markupsafe import Markup, escape

from deskadmin.menu import desk_static
from models.process_cache import cached

# the characters Werkzeug leaves unquoted in a query string (werkzeug.urls._urlencode)
URL_SAFE = "!$'()*,/:;?@"
# the list arguments before the search in Flask-Admin's list URLs, and the page size after it
HEAD_ARGS = frozenset({"page", "sort", "desc", "search", "page_size"})
# an export type no list has, written as letters no other part of an address holds
EXPORT_MARKER = "deskexporttypemarker"


def _hidden(name, value) -> str:
    return f'<input type="hidden" name="{escape(name)}" value="{escape(value)}">\n'


class LazyOptions:
    """Filter choices read from the database when a list is shown, not when the app is built
    (Flask-Admin calls callables at start-up, when no table may exist yet), and kept a short
    while per process (`models.process_cache`)."""

    def __init__(self, load):
        self.load = load

    def __bool__(self):
        return True

    def __iter__(self):
        return iter(self.current())

    def current(self) -> list:
        """The choices as kept now: the same list until they are read again."""
        return cached(f"options:{self.load.__name__}", self.load)


class LeanList:
    """A Flask-Admin ModelView mixin: its list page's links, header, pager and filter groups
    written once per page (or kept), see the module's rule."""

    def _get_list_url(self, view_args) -> str:
        """The list's address with a page, sort, search and filters: Flask-Admin's own URL (the
        same arguments in the same order, None left out, encoded as Werkzeug does), built on
        the list's path read once per request instead of one routing build per link (a list
        page has one per sortable column and per pager button). What follows the page and the
        sort (search, other arguments, page size, filters) is the same for all of a page's links
        but the reset one: encoded once per request for each."""
        known = getattr(request, "_desk_list_paths", None)
        if known is None:
            known = request._desk_list_paths = {}
        base = known.get(self.endpoint)
        if base is None:
            base = known[self.endpoint] = url_for(f"{self.endpoint}.index_view")
        head = [
            ("page", view_args.page or None),
            ("sort", view_args.sort),
            ("desc", 1 if view_args.sort_desc else None),
        ]
        extra = view_args.extra_args
        if not extra.keys().isdisjoint(HEAD_ARGS):  # an argument named as one of the head's
            kwargs = dict(head, search=view_args.search)
            kwargs.update(extra)
            kwargs["page_size"] = self.get_safe_page_size(view_args.page_size)
            kwargs.update(self._get_filters(view_args.filters))
            query = urlencode([(k, v) for k, v in kwargs.items() if v is not None], safe=URL_SAFE)
            return f"{base}?{query}" if query else base
        filters = view_args.filters
        key = (
            self.endpoint,
            view_args.search,
            tuple(extra.items()),
            view_args.page_size,
            tuple(tuple(f) for f in filters) if filters else None,
        )
        tail = known.get(key)
        if tail is None:
            kwargs = {"search": view_args.search, **extra}
            kwargs["page_size"] = self.get_safe_page_size(view_args.page_size)
            kwargs.update(self._get_filters(filters))
            tail = known[key] = urlencode(
                [(k, v) for k, v in kwargs.items() if v is not None], safe=URL_SAFE
            )
        head = urlencode([(k, v) for k, v in head if v is not None], safe=URL_SAFE)
        query = f"{head}&{tail}" if head and tail else head or tail
        return f"{base}?{query}" if query else base

    def menu_bar(self, *, count, actions, search, filter_args, extra_args, sort_column,
                 sort_desc, page_size, default_page_size, return_url, clear_search_url,
                 search_placeholder) -> Markup:  # fmt: skip
        """Flask-Admin's `model_menu_bar` block of a list that creates nothing and whose page
        size is fixed (the ticket lists: `check_written_parts`): the list's tab with its total,
        the export menu (each format's address with the request's arguments), the filters'
        menu, the actions' menu and the search form keeping the list's state."""
        total = f" ({escape(count)})" if count else ""
        html = [
            '<ul class="nav nav-tabs">\n<li class="nav-item">\n'
            f'<a href="javascript:void(0)" class="nav-link active">{escape(admin_gettext("List"))}'
            f"{total}</a>\n</li>\n"
        ]
        if self.can_export:
            html.append(self._export_menu())
        if self._filters:
            html.append('<li class="nav-item dropdown">\n')
            html.append(
                '<a class="nav-link dropdown-toggle" data-toggle="dropdown" href="#" '
                f"data-desk-noop>{escape(admin_gettext('Add Filter'))}</a>\n"
                '<div class="dropdown-menu field-filters">\n'
            )
            for group in self._get_filter_groups():
                html.append(
                    f'<a href="#" class="dropdown-item filter" data-desk-noop>{escape(group)}</a>\n'
                )
            html.append("</div>\n</li>\n")
        if actions:
            html.append(
                '<li class="nav-item dropdown">\n<a class="nav-link dropdown-toggle" '
                'data-toggle="dropdown" href="#" role="button" aria-haspopup="true"\n'
                f'aria-expanded="false">{escape(admin_gettext("With selected"))}</a>\n'
                '<div class="dropdown-menu">\n'
            )
            for name, text in actions:
                html.append(
                    f'<a class="dropdown-item" href="#" data-desk-action="{escape(name)}">'
                    f"{escape(admin_gettext(text))}</a>\n"
                )
            html.append("</div>\n</li>\n")
        if self._search_supported:
            html.append('<li class="nav-item ml-2">\n')
            html.append(
                f'<form method="GET" action="{escape(return_url)}" '
                'class="form-inline my-2 my-lg-0" role="search">\n'
            )
            html.extend(_hidden(name, value) for name, value in filter_args.items())
            if page_size != default_page_size:
                html.append(_hidden("page_size", page_size))
            html.append(self._list_state(extra_args, sort_column, sort_desc))
            placeholder = escape(admin_gettext("%(placeholder)s", placeholder=search_placeholder))
            button = (
                '<button class="btn btn-secondary my-2 my-sm-0 ml-2" type="submit">'
                f"{escape(admin_gettext('Search'))}</button>\n"
            )
            if search:
                html.append(
                    '<div class="form-inline input-group">\n<input class="form-control col-auto" '
                    f'size="30" type="text" name="search" value="{escape(search)}"\n'
                    f'placeholder="{placeholder}">\n<div class="input-group-append">\n'
                    f'<span class="input-group-text">\n<a href="{escape(clear_search_url)}" '
                    'class="align-middle">\n<span class="fa fa-times glyphicon '
                    'glyphicon-remove"></span>\n</a>\n</span>\n</div>\n'
                    f"{button}</div>\n"
                )
            else:
                html.append(
                    '<div class="form-inline">\n<input class="form-control col-auto" size="30" '
                    'type="text" name="search" value=""\n'
                    f'placeholder="{placeholder}">\n{button}</div>\n'
                )
            html.append("</form>\n</li>\n")
        html.append("</ul>\n")
        return Markup("".join(html))

    def check_written_parts(self) -> None:
        """Refuse, when the app is built, a list with what the written parts leave out: the
        create link, the page size menu, the modal windows."""
        left_out = [
            name
            for name in (
                "can_create",
                "can_set_page_size",
                "create_modal",
                "edit_modal",
                "details_modal",
            )  # fmt: skip
            if getattr(self, name)
        ]
        if left_out:
            raise TypeError(f"{type(self).__name__}: the written list page has no {left_out}")

    def _export_menu(self) -> str:
        """The export menu: one link per format, the request's arguments (the first value of
        each, as Flask-Admin's `**request.args`) after it; routed once, not once per format."""
        args = dict(request.args.items())
        url = self.get_url(".export", export_type=EXPORT_MARKER, **args)
        head, found, tail = url.partition(EXPORT_MARKER)
        if not found or EXPORT_MARKER in tail:
            head, tail = None, None
        word = escape(admin_gettext("Export"))

        def address(export_type):
            if head is None:
                return escape(self.get_url(".export", export_type=export_type, **args))
            return escape(f"{head}{export_type}{tail}")

        types = self.export_types
        if len(types) == 1:
            return (
                f'<li>\n<a class="nav-link" href="{address(types[0])}"\ntitle="{word}">{word}'
                "</a>\n</li>\n"
            )
        html = [
            '<li class="dropdown">\n<a class="nav-link dropdown-toggle" data-toggle="dropdown" '
            'href="#" data-desk-noop role="button"\naria-haspopup="true" '
            f'aria-expanded="false">{word}</a>\n<div class="dropdown-menu">\n'
        ]
        for export_type in types:
            name = "Excel" if export_type == "xlsx" else escape(export_type.upper())
            html.append(
                f'<a class="dropdown-item"\nhref="{address(export_type)}"\n'
                f'title="{word}">{word} {name}</a>\n'
            )
        html.append("</div>\n</li>\n")
        return "".join(html)

    @staticmethod
    def _list_state(extra_args, sort_column, sort_desc) -> str:
        """The list's extra arguments and sorting as hidden fields (layout.html's list_state)."""
        html = [_hidden(name, value) for name, value in extra_args.items()]
        if sort_column is not None:
            html.append(_hidden("sort", sort_column))
        if sort_desc:
            html.append(_hidden("desc", 1))
        return "".join(html)

    def filter_form(self, *, active_filters, search, extra_args, sort_column, sort_desc,
                    page_size, default_page_size, return_url,
                    clear_search_url) -> Markup:  # fmt: skip
        """The filters' form (layout.html's filter_form): the list's state kept, the reset link
        when a filter is on; its rows are added by the page's script."""
        html = [f'<form id="filter_form" method="GET" action="{escape(return_url)}">\n']
        html.append(self._list_state(extra_args, sort_column, sort_desc))
        if search:
            html.append(_hidden("search", search))
        if page_size != default_page_size:
            html.append(_hidden("page_size", page_size))
        html.append(
            '<div class="pull-right">\n<button type="submit" class="btn btn-primary d-none">'
            f"{escape(admin_gettext('Apply'))}</button>\n"
        )
        if active_filters:
            html.append(
                f'<a href="{escape(clear_search_url)}" class="btn btn-secondary">'
                f"{escape(admin_gettext('Reset Filters'))}</a>\n"
            )
        html.append(
            '</div>\n\n<table class="filters"></table>\n</form>\n<div class="clearfix"></div>\n'
        )
        return Markup("".join(html))

    def actions_script(self, actions, actions_confirmation, nonce_attribute) -> Markup:
        """What the actions' script reads (actions.html's `script`): the confirmations and the
        "select at least one" message as JSON, then the script; nothing without actions."""
        if not actions:
            return Markup("")
        policies = current_app.jinja_env.policies
        dumps = policies["json.dumps_function"]
        kwargs = policies["json.dumps_kwargs"]
        confirmations = htmlsafe_json_dumps(actions_confirmation, dumps=dumps, **kwargs)
        message = htmlsafe_json_dumps(
            admin_gettext("Please select at least one record."), dumps=dumps, **kwargs
        )
        return Markup(
            f'<div id="actions-confirmation-data" class="d-none">{confirmations}</div>\n'
            f'<div id="message-data" class="d-none">{message}</div>\n<script {nonce_attribute} '
            f'src="{escape(desk_static("admin/js/actions.js", "1.0.0"))}"></script>\n'
        )

    def list_header(self, actions, sort_column, sort_desc, sort_url) -> Markup:
        """The table's header cells, as Flask-Admin's list_header block writes them: the
        select-all checkbox when the list has actions, then each column's label, a sortable
        one as its sort link (the sorted one with its arrow, its link the other direction),
        and a column's description as a tooltip. The labels and titles are translated once
        per list and language (`_header_cells`), the links are this page's."""
        select_all, cells = self._header_cells()
        html = [select_all] if actions else []
        for column, start, text, title, end in cells:
            html.append(start)
            if title is None:
                html.append(f"{text}\n")
            elif sort_column == column:
                arrow = "down" if sort_desc else "up"
                html.append(
                    f'<a href="{escape(sort_url(column, True))}" title="{title}">\n{text}\n'
                    f'<span class="fa fa-chevron-{arrow} glyphicon glyphicon-chevron-{arrow}">'
                    "</span>\n</a>\n"
                )
            else:
                html.append(f'<a href="{escape(sort_url(column))}" title="{title}">{text}</a>\n')
            html.append(end)
        return Markup("".join(html))

    def _header_cells(self) -> tuple:
        """(the select-all cell, [(column, opening <th>, label, "Sort by" title or None when not
        sortable, the description's tooltip and </th>)]), per app, list and language."""
        store = current_app.extensions.setdefault("desk_list_headers", {})
        key = (self.endpoint, str(get_locale()))
        kept = store.get(key)
        if kept is not None:
            return kept
        select_all = (
            '<th class="list-checkbox-column">\n<input type="checkbox" name="rowtoggle" '
            f'class="action-rowtoggle" title="{escape(admin_gettext("Select all records"))}"'
            " />\n</th>\n"
        )
        sort_by = admin_gettext("Sort by %(name)s")
        descriptions = self.column_descriptions
        cells = []
        for column, (name, label) in enumerate(self._list_columns):
            start = f'<th class="column-header col-{escape(name.replace(".", "-"))}">\n'
            text = escape(label)  # a lazy label is markup as it is (its __html__), as in Jinja
            title = None
            if self.is_sortable(name):
                title = escape(
                    sort_by % {"name": str(text) if hasattr(label, "__html__") else label}
                )
            end = "</th>\n"
            if descriptions.get(name):
                end = (
                    '<a class="fa fa-question-circle glyphicon glyphicon-question-sign"\n'
                    f'title="{escape(descriptions[name])}"\nhref="javascript:void(0)" '
                    'data-role="tooltip"\n></a>\n</th>\n'
                )
            cells.append((column, start, text, title, end))
        kept = store[key] = (select_all, cells)
        return kept

    @staticmethod
    def pager(page: int, pages: int, pager_url) -> Markup:
        """Flask-Admin's `lib.pager`: at most seven page links around this one, the first, the
        previous, the next and the last; nothing for a single page."""
        if pages <= 1:
            return Markup("")
        low, high = page - 3, page + 3 + 1
        if low < 0:
            high -= low
        if high >= pages:
            low = low - high + pages
        low, high = max(low, 0), min(high, pages)

        def item(text, to=None, state=""):
            href = "javascript:void(0)" if to is None else escape(pager_url(to))
            return (
                f'<li class="page-item{state}">\n<a class="page-link" href="{href}">{text}</a>'
                "\n</li>\n"
            )

        html = ['<ul class="pagination">\n']
        html.append(item("&laquo;", 0) if low > 0 else item("&laquo;", state=" disabled"))
        html.append(item("&lt;", page - 1) if page > 0 else item("&lt;", state=" disabled"))
        for p in range(low, high):
            html.append(item(p + 1, state=" active") if p == page else item(p + 1, p))
        last = page + 1 < pages
        html.append(item("&gt;", page + 1) if last else item("&gt;", state=" disabled"))
        end = high < pages
        html.append(item("&raquo;", pages - 1) if end else item("&raquo;", state=" disabled"))
        html.append("</ul>")
        return Markup("".join(html))

    def _get_filter_groups(self):
        """Flask-Admin's filter groups (each filter's label, operation and choices), built once
        per list and language while the choices read from the database stay the ones kept
        (`LazyOptions`: the same lists until read again), not on every page."""
        return self._kept_filter_groups()[1]

    def filter_groups_json(self) -> Markup:
        """The filter groups as the page's script reads them (Jinja's `tojson`), kept with them."""
        kept = self._kept_filter_groups()
        if kept[2] is None:
            policies = current_app.jinja_env.policies
            kept[2] = htmlsafe_json_dumps(
                kept[1], dumps=policies["json.dumps_function"], **policies["json.dumps_kwargs"]
            )
        return kept[2]

    def _kept_filter_groups(self) -> list:
        """[the choices they were built from, the groups, their JSON or None], per app."""
        choices = [f.options.current() for f in self._filters if isinstance(f.options, LazyOptions)]
        store = current_app.extensions.setdefault("desk_filter_groups", {})
        key = (self.endpoint, str(get_locale()))
        kept = store.get(key)
        if kept is None or any(a is not b for a, b in zip(kept[0], choices, strict=True)):
            kept = store[key] = [choices, super()._get_filter_groups(), None]
        return kept
