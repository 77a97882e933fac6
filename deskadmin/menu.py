"""The staff layout's parts that are the same for many requests: the menu, rendered once per
role set, language and page per process, and the addresses of the static files.

Which entries show depends on the user's roles only (every view's `is_accessible` and
`is_visible` read `access.current_roles`), their labels on the language, the highlighted one on
the current view: the same HTML for every request with those three, so it is kept. A static
file's address (with its version, `static_files`) is the same for every request on the same
path prefix: kept a short while (`models.process_cache`), not routed twenty times a page.
"""

from __future__ import annotations

from flask import current_app, render_template, request, url_for
from flask_babel import get_locale
from markupsafe import Markup

from deskadmin.access import current_roles
from models.process_cache import cached

EXTENSION = "desk_menus"


def desk_menu(admin_view, part: str = "main") -> Markup:
    """The menu (`part` "main") or the menu links ("links") for this request's roles, language
    and view, rendered by Flask-Admin's macros the first time and kept per app and process."""
    key = (part, frozenset(current_roles()), str(get_locale()), admin_view.endpoint)
    store = current_app.extensions.setdefault(EXTENSION, {})
    html = store.get(key)
    if html is None:
        html = store[key] = Markup(
            render_template("admin/_menu.html", admin_view=admin_view, part=part)
        )
    return html


def desk_static(filename: str, v: str | None = None, endpoint: str = "admin.static") -> str:
    """`url_for(endpoint, filename=filename, v=v)`: a static file's address, Flask-Admin's
    (`admin_static.url`) by default, kept per app, path prefix and file a short while."""
    root = request.script_root
    return cached(
        f"static:{root}:{endpoint}:{filename}:{v}",
        lambda: url_for(endpoint, filename=filename, v=v),
    )


def init_app(app) -> None:
    """Make `desk_menu` and `desk_static` template globals of `app`."""
    app.add_template_global(desk_menu)
    app.add_template_global(desk_static)
