"""Junk in a request's URL is refused before any view or query sees it: 400 for a malformed
parameter, 404 for an id that cannot name a row. Never a 500 (an OFFSET below zero, an
integer beyond 64 bits, a NUL byte that PostgreSQL refuses in a text value).

- no NUL byte (or other C0 control but tab/newline) in the path or any query value, and no
  NUL in a posted form field;
- `page`, `page_size`, `sort` (Flask-Admin's lists) are small non-negative integers;
- `id` (Flask-Admin's detail/edit pages) and every integer in the route (`<int:...>`) fit a
  64-bit signed integer, else the row cannot exist: 404;
- a value the database still refuses is a 400 (a list's filter on a service, agency or agent
  refuses text itself, with Flask-Admin's invalid-value message: `deskadmin.list_filters.IdFilter`).
"""

from __future__ import annotations

import re

from flask import abort, current_app, request
from peewee import DataError
from werkzeug.exceptions import BadRequest

MAX_ID = 2**63 - 1
MAX_PAGE = 1_000_000
CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
SMALL_INT = re.compile(r"^\d{1,7}$")
ID = re.compile(r"^[0-9]{1,19}$")  # ASCII digits only: "²" and "٣" are no id
LIST_PARAMS = ("page", "page_size", "sort")


def is_id(text: str) -> bool:
    """Whether `text` can name a row: 1 to 19 ASCII digits, within a 64-bit signed integer
    (checked before `int()`, which refuses a string of more than 4,300 digits with an error)."""
    return bool(ID.match(text)) and int(text) <= MAX_ID


def _check() -> None:
    """The `before_request` hook: 404 for a control character in the path, 400 for one in a
    query name or value (or a NUL in a posted form), 400 for a list parameter that is no small
    non-negative integer, 404 for an `id` or a route integer that cannot name a row."""
    req = request._get_current_object()  # one look-up through the proxy, not one per use
    if CONTROL.search(req.path):
        abort(404)
    args = req.args if req.query_string else None  # not parsed when there is no query
    if args:
        for name, value in args.items(multi=True):
            if CONTROL.search(name) or CONTROL.search(value):
                abort(400)
    if req.method == "POST" and any("\x00" in v for v in req.form.values()):
        abort(400)  # no form has a use for NUL, and PostgreSQL refuses it in any text column
    if args:
        # `in` first: a missing key makes MultiDict.get raise (and build) an HTTP exception
        for name in LIST_PARAMS:
            if name in args:
                value = args[name]
                if value != "" and not (SMALL_INT.match(value) and int(value) <= MAX_PAGE):
                    abort(400)
        if "id" in args and not is_id(args["id"]):
            abort(404)
    view_args = req.view_args
    if view_args:
        for value in view_args.values():
            if isinstance(value, int) and not 0 <= value <= MAX_ID:
                abort(404)


def _refused_value(error):
    return current_app.handle_http_exception(BadRequest())


def init_app(app) -> None:
    """Check every request's URL first; a value the database refuses is a 400."""
    app.before_request(_check)
    app.register_error_handler(DataError, _refused_value)
    app.register_error_handler(OverflowError, _refused_value)
