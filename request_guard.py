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
    if CONTROL.search(request.path):
        abort(404)
    for name, value in request.args.items(multi=True):
        if CONTROL.search(name) or CONTROL.search(value):
            abort(400)
    if request.method == "POST" and any("\x00" in v for v in request.form.values()):
        abort(400)  # no form has a use for NUL, and PostgreSQL refuses it in any text column
    for name in LIST_PARAMS:
        value = request.args.get(name)
        if (
            value is not None
            and value != ""
            and not (SMALL_INT.match(value) and int(value) <= MAX_PAGE)
        ):
            abort(400)
    value = request.args.get("id")
    if value is not None and not is_id(value):
        abort(404)
    for value in (request.view_args or {}).values():
        if isinstance(value, int) and not 0 <= value <= MAX_ID:
            abort(404)


def _refused_value(error):
    return current_app.handle_http_exception(BadRequest())


def init_app(app) -> None:
    """Check every request's URL first; a value the database refuses is a 400."""
    app.before_request(_check)
    app.register_error_handler(DataError, _refused_value)
    app.register_error_handler(OverflowError, _refused_value)
