"""The staff layout's parts that are the same for many requests: the menu, rendered once per
role set, language and page per process, the rest of the layout's frame once per page, language
and path prefix, and the addresses of the static files.

Which menu entries show depends on the user's roles only (every view's `is_accessible` and
`is_visible` read `access.current_roles`), their labels on the language, the highlighted one on
the current view: the same HTML for every request with those three, so it is kept. The frame
around a page (`desk_chrome`: its title, the static files, the brand, the account links) depends
on the view, the language and the path prefix only; what is the request's own (the CSP nonce,
the user's name, the CSRF token) is filled into holes on every page. A static file's address
(with its version, `static_files`) is the same for every request on the same path prefix: kept
a short while (`models.process_cache`), not routed twenty times a page.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from flask import current_app, render_template, request, url_for
from flask_babel import get_locale
from jinja2 import StrictUndefined
from markupsafe import Markup, escape

from deskadmin.access import current_roles
from language import current_language
from models.process_cache import cached

EXTENSION = "desk_menus"
CHROME_TEMPLATE = "admin/_chrome.html"
# where a kept part of the frame takes a request's own value: NUL never comes out of a template
HOLES = ("nonce", "user_name", "csrf_token")
# the template globals and context names that belong to one request (`_write_chrome`)
REQUEST_OWN = ("request", "session", "g", "current_user", "config", "get_flashed_messages")
_HOLE = re.compile("\0(" + "|".join(HOLES) + ")\0")


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


class Part:
    """A kept part of the frame with holes: called with the request's values (by hole name),
    it gives the part as the template wrote it with those values (escaped as it escapes them)."""

    __slots__ = ("_pieces",)

    def __init__(self, html: str):
        self._pieces = _HOLE.split(html)  # text, hole name, text, ..., text

    def __call__(self, **values) -> Markup:
        pieces = self._pieces
        written = [pieces[0]]
        for i in range(1, len(pieces), 2):
            written.append(escape(values[pieces[i]]))
            written.append(pieces[i + 1])
        return Markup("".join(written))


@dataclass(frozen=True)
class Chrome:
    """The frame of a staff page (`templates/admin/_chrome.html`, one block each) for one view,
    language and path prefix."""

    language: str
    title: Markup
    skip_link: Markup
    nav_start: Markup
    brand: Markup
    page_title: Markup
    head_css: Part
    head_tail: Part
    account: Part
    tail_js: Part


def desk_chrome(admin_view) -> Chrome:
    """The frame of `admin_view`'s pages in this request's language under its path prefix,
    written once and kept per app and process a short while (`models.process_cache`: the
    static files' versions are looked up again then)."""
    language = current_language()
    return cached(
        f"chrome:{request.script_root}:{language}:{admin_view.endpoint}",
        lambda: _write_chrome(admin_view, language),
    )


def _write_chrome(admin_view, language: str) -> Chrome:
    template = current_app.jinja_env.get_template(CHROME_TEMPLATE)
    hole = {name: f"\0{name}\0" for name in HOLES}
    admin = admin_view.admin
    context = template.new_context(
        {
            "admin_view": admin_view,
            "theme": admin.theme,
            "admin_csp_nonce_attribute": Markup(f'nonce="{hole["nonce"]}"')
            if admin.csp_nonce_generator
            else "",
            "csp_nonce": lambda: hole["nonce"],
            "user_name": hole["user_name"],
            "csrf_token": lambda: hole["csrf_token"],
            # what is one request's own must never be written into a kept frame: reading it
            # there fails at once instead of showing the first request's value to everyone
            **{name: StrictUndefined(name=name) for name in REQUEST_OWN},
        }
    )

    def block(name: str) -> str:
        return "".join(template.blocks[name](context))

    def fixed(name: str) -> Markup:
        html = block(name)
        if _HOLE.search(html):
            raise ValueError(f"{CHROME_TEMPLATE} {name}: a request's value in a fixed part")
        return Markup(html)

    return Chrome(
        language=language,
        title=fixed("title"),
        skip_link=fixed("skip_link"),
        nav_start=fixed("nav_start"),
        brand=fixed("brand"),
        page_title=fixed("page_title"),
        head_css=Part(block("head_css")),
        head_tail=Part(block("head_tail")),
        account=Part(block("account")),
        tail_js=Part(block("tail_js")),
    )


def init_app(app) -> None:
    """Make `desk_menu`, `desk_chrome` and `desk_static` template globals of `app`."""
    app.add_template_global(desk_menu)
    app.add_template_global(desk_chrome)
    app.add_template_global(desk_static)
