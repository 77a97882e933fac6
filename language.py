"""The page language: Bahasa Indonesia by default, English on request.

`?lang=en` (or `?lang=id`) on any address switches the language and keeps it in the session;
every page (public and staff) offers the switch (`language_links()` in the templates).
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import current_app, request, session, url_for
from flask_babel import get_locale, refresh
from jinja2 import pass_context
from markupsafe import Markup

# code -> the language's own name (shown in the switch, in that language)
LANGUAGES = {"id": "Bahasa Indonesia", "en": "English"}
DEFAULT = "id"
SESSION_KEY = "lang"


def supported(code) -> str | None:
    """`code` when it is one of our languages, else None."""
    return code if code in LANGUAGES else None


def select_locale() -> str:
    """Flask-Babel's locale selector: the language chosen in this session, else the default."""
    try:
        chosen = supported(session.get(SESSION_KEY))
    except RuntimeError:  # no request (a task, the CLI): the configured default
        chosen = None
    return chosen or current_app.config.get("BABEL_DEFAULT_LOCALE", DEFAULT)


def current_language() -> str:
    """The language of what is being rendered now (`id` or `en`)."""
    return str(get_locale() or DEFAULT)


def _remember_choice() -> None:
    """`?lang=xx` on any GET request stores the choice before the page is rendered."""
    chosen = supported(request.args.get("lang"))
    if chosen and session.get(SESSION_KEY) != chosen:
        session[SESSION_KEY] = chosen
        refresh()  # in case something already asked for this request's locale


def language_links() -> list[dict]:
    """The switch: one link per other language, to this same page in that language. A page
    answering a POST links to the site's start instead (the POST's address may not be a page)."""
    here = current_language()
    links = []
    for code, name in LANGUAGES.items():
        if code == here:
            continue
        if request.method == "GET":
            # A query-only address: this same page, without repeating its path (which may hold
            # a tracking token) in the page.
            args = [(k, v) for k, v in request.args.items(multi=True) if k != "lang"]
            href = "?" + urlencode([*args, ("lang", code)])
        else:
            start = "admin.index" if request.path.startswith(("/admin", "/staf")) else None
            href = url_for(start or "public.index", lang=code)
        links.append({"code": code, "name": name, "href": href})
    return links


def init_app(app) -> None:
    """Store `?lang=` choices, and give the templates `current_language` and `language_links`."""
    app.before_request(_remember_choice)
    app.jinja_env.globals.update(current_language=current_language, language_links=language_links)


def template_gettext(translations):
    """The templates' `_`/`gettext` bound to one catalogue (`translations`): what Flask-Babel
    installs (Jinja's new-style gettext: escaped in HTML, always formatted with its keywords)
    without finding the locale and the catalogue again for each of the tens of strings of a
    page or an email."""
    lookup = translations.ugettext

    @pass_context
    def gettext(context, string, **variables):
        translated = lookup(string)
        if context.eval_ctx.autoescape:
            translated = Markup(translated)
        # without keywords or a "%" the format changes nothing (most strings)
        return translated % variables if variables or "%" in translated else translated

    return gettext
