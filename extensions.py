"""Flask extensions, created unbound at module level and bound in `create_app` with init_app."""

from __future__ import annotations

import os

from flask import request
from flask_babel import Babel
from flask_mailman import Mail
from flask_security import PeeweeUserDatastore, Security
from flask_wtf import CSRFProtect

from models.db import database
from models.staff import Role, User, UserRoles
from staffauth.mail import DeskMailUtil
from staffauth.passwords import DeskPasswordUtil
from staffauth.totp import DeskTotp

babel = Babel()
csrf = CSRFProtect()


def init_csrf(app) -> None:
    """Flask-WTF's CSRF check of every POST, PUT, PATCH and DELETE (`WTF_CSRF_METHODS`), its
    `before_request` hook asked only for those methods: for any other it looks up the view's
    exemptions first and then returns without checking anything."""
    csrf.init_app(app)
    hooks = app.before_request_funcs[None]
    protect = hooks[-1]  # the hook init_app has just added
    if getattr(protect, "__qualname__", "") != "CSRFProtect.init_app.<locals>.csrf_protect":
        return

    def csrf_protect_when_checked():
        if request.method in app.config["WTF_CSRF_METHODS"]:
            protect()

    hooks[-1] = csrf_protect_when_checked


mail = Mail()
security = Security(
    password_util_cls=DeskPasswordUtil, totp_cls=DeskTotp, mail_util_cls=DeskMailUtil
)
user_datastore = PeeweeUserDatastore(database, User, Role, UserRoles)

TRANSLATIONS = os.path.join(os.path.dirname(os.path.abspath(__file__)), "translations")


def init_babel(app) -> None:
    """Bahasa Indonesia first, English when chosen (`language.py`); our catalogues also serve
    Flask-Security and Flask-Admin."""
    app.config.setdefault("BABEL_TRANSLATION_DIRECTORIES", TRANSLATIONS)
    # Flask-Security merges these folders into its domain; ours (last) wins.
    app.config.setdefault("SECURITY_I18N_DIRNAME", ["builtin", TRANSLATIONS])
    from language import select_locale

    babel.init_app(app, locale_selector=select_locale)
    # Flask-Admin keeps one module-level domain bound to its own folder; its constructor option
    # (translations_path) only applies inside admin views and caches per locale, so an
    # Indonesian string looked up elsewhere first would stay English. Adding our folder to the
    # domain itself avoids that.
    from flask_admin import babel as admin_babel

    # Flask-Admin reads WTForms' own catalogue (no Indonesian either) for messages such as
    # "This field is required."; ours (wtforms.po) fills it, the same way.
    for domain in (admin_babel.domain, admin_babel.wtforms_domain):
        dirs = domain._translation_directories
        if TRANSLATIONS not in dirs:
            dirs.append(TRANSLATIONS)


# --- issue #3: the rate limiter of the public forms ------------------------------------------
from flask.globals import request_ctx  # noqa: E402
from flask_limiter import Limiter  # noqa: E402
from flask_limiter.util import get_remote_address  # noqa: E402

limiter = Limiter(key_func=get_remote_address)


def init_limiter(app) -> None:
    """Per-address limits on the public forms: counted in Redis when DESK_REDIS_URL is set (so
    that every web worker shares them), else in this process's memory."""
    app.config.setdefault("RATELIMIT_STORAGE_URI", app.config.get("REDIS_URL") or "memory://")
    app.config.setdefault("RATELIMIT_KEY_PREFIX", "desk-limit")
    # Redis down: count in this process's memory meanwhile (the same limits), never fail the
    # request because the counter is unreachable.
    app.config.setdefault("RATELIMIT_IN_MEMORY_FALLBACK_ENABLED", True)
    app.config.setdefault("RATELIMIT_SWALLOW_ERRORS", True)
    limiter.init_app(app)
    hooks = app.before_request_funcs.setdefault(None, [])
    if limiter._check_request_limit in hooks:
        hooks[hooks.index(limiter._check_request_limit)] = check_app_wide_limits
    # Its after_request (headers, conditional deductions) and teardown (the context's reset)
    # read what a check of this request recorded: nothing when no check ran.
    after = app.after_request_funcs[None]
    for i, hook in enumerate(after):
        if getattr(hook, "func", None) is Limiter._Limiter__inject_headers:
            after[i] = limit_headers_when_checked(hook)
    teardown = app.teardown_request_funcs[None]
    for i, hook in enumerate(teardown):
        if getattr(hook, "__func__", None) is Limiter._Limiter__release_context:
            teardown[i] = limit_release_when_checked(hook)


def limits_were_checked() -> bool:
    """Whether a limit check of this request made Flask-Limiter's request context (made on
    first use; what its after_request and teardown hooks read)."""
    return hasattr(request_ctx._get_current_object(), "_limiter_request_context")


def limit_headers_when_checked(inject_headers):
    """Flask-Limiter's after_request hook, run when `limits_were_checked`: without its context
    there is no limit header to add and no conditional deduction to make."""

    def add_limit_headers(response):
        return inject_headers(response) if limits_were_checked() else response

    return add_limit_headers


def limit_release_when_checked(release_context):
    """Flask-Limiter's teardown hook, run when `limits_were_checked`: without its context there
    is nothing to reset."""

    def release_limit_context(error=None):
        if limits_were_checked():
            release_context(error)

    return release_limit_context


def app_wide_limits() -> bool:
    """Whether the limiter has a limit its `before_request` check could count on a request to
    any view: an application, default, meta or blueprint limit, or in-memory fallback limits
    (none of them configured by the desk, whose limits are all on their views)."""
    manager = limiter.limit_manager
    return bool(
        manager._application_limits
        or manager._default_limits
        or manager._blueprint_limits
        or limiter._meta_limits
        or limiter._in_memory_fallback
    )


def check_app_wide_limits() -> None:
    """Flask-Limiter's `before_request` check, run when it has something to count: without any
    app-wide limit (`app_wide_limits`) it finds no limit to count for any request (a view's own
    limits are counted by their decorator, which runs its own check), so it is skipped."""
    if app_wide_limits():
        limiter._check_request_limit()
