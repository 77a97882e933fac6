"""The page language: Bahasa Indonesia by default, English on request.

`?lang=en` (or `?lang=id`) on any address switches the language and keeps it in the session;
every page (public and staff) offers the switch (`language_links()` in the templates).
A page with many fixed strings can be rendered from a template compiled per language, its
plain `{{ _("...") }}` written in (`translated_template`), or with `_` bound to the request's
catalogue once (`template_gettext`).
"""

from __future__ import annotations

from urllib.parse import urlencode

from flask import current_app, request, session, url_for
from flask_babel import get_locale, get_translations, refresh
from jinja2 import pass_context
from jinja2.ext import Extension
from jinja2.lexer import (
    TOKEN_DATA,
    TOKEN_LPAREN,
    TOKEN_NAME,
    TOKEN_RPAREN,
    TOKEN_STRING,
    TOKEN_VARIABLE_BEGIN,
    TOKEN_VARIABLE_END,
    Token,
)
from markupsafe import Markup

TRANSLATED_TEMPLATES = "desk_translated_templates"
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
    if not request.query_string:
        return  # no `?lang=` (nor any other parameter) to read
    args = request.args
    # `in` first: a missing key makes MultiDict.get raise (and build) an HTTP exception
    chosen = supported(args["lang"]) if "lang" in args else None
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


# `{{ _("...") }}` as the lexer gives it: the only form written as its text when compiled
PLAIN_STRING = (
    TOKEN_VARIABLE_BEGIN,
    TOKEN_NAME,
    TOKEN_LPAREN,
    TOKEN_STRING,
    TOKEN_RPAREN,
    TOKEN_VARIABLE_END,
)


class TranslatedStrings(Extension):
    """Writes each `{{ _("...") }}` of a template (a literal string, no values, nothing else in
    the braces) as its translation when the template is compiled, from the catalogue its
    environment holds (`desk_translations`): the text the page's `_` would give on every render
    (the new-style gettext: the translation as it is, marked safe, "%%" as "%"). Anything else
    (values, filters, `_` inside a larger expression) is translated at render time."""

    def filter_stream(self, stream):
        lookup = self.environment.desk_translations.ugettext
        tokens = list(stream)
        i = 0
        while i < len(tokens):
            window = tokens[i : i + len(PLAIN_STRING)]
            if tuple(t.type for t in window) == PLAIN_STRING and window[1].value == "_":
                translated = lookup(window[3].value)
                yield Token(
                    window[0].lineno,
                    TOKEN_DATA,
                    translated % {} if "%" in translated else translated,
                )
                i += len(PLAIN_STRING)
            else:
                yield tokens[i]
                i += 1


def translated_environment():
    """The app's Jinja environment for this request's language with its templates' plain
    strings written in when they are compiled (`TranslatedStrings`): one per language and app,
    linked to the app's (its loader, globals, filters, settings), with a template cache of its
    own, made the first time a page in that language asks for it."""
    code = current_language()
    environments = current_app.extensions.setdefault(TRANSLATED_TEMPLATES, {})
    environment = environments.get(code)
    if environment is None:
        environment = current_app.jinja_env.overlay(cache_size=100, bytecode_cache=None)
        environment.desk_translations = get_translations()
        environment.add_extension(TranslatedStrings)
        environments[code] = environment
    return environment


def translated_template(name: str):
    """The template `name` compiled for this request's language (`translated_environment`),
    for a page whose tens of fixed strings would otherwise be looked up on every render: pass
    it to `render_template` (or a view's `render`) in place of the name."""
    return translated_environment().get_template(name)
