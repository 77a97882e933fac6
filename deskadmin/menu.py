"""The staff menu, rendered once per role set, language and page per process.

Which entries show depends on the user's roles only (every view's `is_accessible` and
`is_visible` read `access.current_roles`), their labels on the language, the highlighted one on
the current view: the same HTML for every request with those three, so it is kept.
"""

from __future__ import annotations

from flask import current_app, render_template
from flask_babel import get_locale
from markupsafe import Markup

from deskadmin.access import current_roles

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


def init_app(app) -> None:
    """Make `desk_menu` a template global of `app`."""
    app.add_template_global(desk_menu)
