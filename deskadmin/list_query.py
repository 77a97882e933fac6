"""A ticket list's page and count as prepared SELECTs (`models.prepared`): compiled once per
shape, then run with each request's values.

Peewee compiling the list's query (four tables, the scope, the filters, the order) and its count
costs more CPU than the database spends answering them: about a millisecond a page. A list
request's shape is everything that changes the SQL's text: the view, the kind of the user's
scope, which filters are on (and the value of a filter whose value picks its condition, as
"Tampilkan"), the sort, the page size, whether there is an offset, the columns. Its values are
the scope's ids, the filters' values and the offset.

Only what is known to keep that split is prepared: a view whose rows are the scope alone on its
base query (not a queue: a queue's condition reads the user and the clock), no search, and only
filters whose value is one SQL parameter (the view's `parameter_filters`) or picks one of a
fixed set of conditions (its `shape_filters`). Anything else (a search, "Terlambat", which
compares with the clock, a value the column cannot take) gives None, and the list is read as
Flask-Admin reads it.
"""

from __future__ import annotations

from peewee import SQL, Select, fn

from models import prepared
from models.db import database
from models.scope import apply_scope, scope_rule


def prepared_page(view, user, page, sort_column, sort_desc, search, filters, page_size):
    """(a function giving the capped count's rows up to a limit, the page's row tuples) of
    `view` for `user`, both from prepared SELECTs; None when this request's shape is not one
    that can be prepared (see the module's rule)."""
    if search or not view.prepares_list():
        return None
    parameter_filters, shape_filters = view.parameter_filters, view.shape_filters
    shape, values = [], []
    for index, _name, value in filters or ():
        flt = view._filters[index]
        kind = type(flt)
        if kind in shape_filters:
            if value not in shape_filters[kind]:
                return None
            shape.append((index, value))
        elif kind in parameter_filters:
            try:
                converted = flt.column.db_value(flt.clean(value))
            except (TypeError, ValueError):
                return None
            if type(converted) not in (int, str):
                return None
            shape.append((index, None))
            values.append(converted)
        else:
            return None
    kind, scope = scope_rule(user)
    size = view.page_size if page_size is None else page_size
    offset = page * size if page and size else None
    columns = view._row_columns()
    shape = tuple(shape)

    def filtered(query, scope_values, filter_values):
        query = apply_scope(kind, scope_values, query)
        given = iter(filter_values)
        pairs = [
            (view._filters[index], next(given) if fixed is None else fixed)
            for index, fixed in shape
        ]
        return query, pairs

    def page_rows(*args):
        scope_values, rest = args[: len(scope)], args[len(scope) :]
        query, pairs = filtered(view.base_query(), scope_values, rest[: len(values)])
        joins = set()
        for flt, value in pairs:
            query = view._handle_join(query, flt.column, joins)
            query = flt.apply(query, value)
        if sort_column is not None:
            order = [(view._sortable_columns[sort_column], sort_desc)]
        else:
            order = view._get_default_order()
        if order:
            query, joins = view._order_by(query, joins, order)
        if size:
            query = query.limit(size)
        if offset is not None:
            query = query.offset(rest[len(values)])
        return view.row_query(query, columns)

    def count_rows(limit, *args):
        scope_values, rest = args[: len(scope)], args[len(scope) :]
        query, pairs = filtered(view.count_query_base(), scope_values, rest)
        counted = view.filter_count_query(query, pairs).limit(limit)
        wrapped = Select([counted.order_by().alias("_wrapped")], [fn.COUNT(SQL("1"))])
        return wrapped.bind(database).tuples()  # as peewee's count(), on the desk's database

    key = (view.endpoint, kind, shape)
    rows = prepared.rows(
        ("ticket_list", *key, sort_column, bool(sort_desc), size, offset is not None,
         tuple(c.name for c in columns)),
        page_rows,
        *scope, *values, *(() if offset is None else (offset,)),
    )  # fmt: skip

    def count(limit: int) -> int:
        found = prepared.rows(("ticket_list_count", *key), count_rows, limit, *scope, *values)
        return found[0][0]

    return count, rows
