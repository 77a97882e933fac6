"""The application factory. `flask --app app ...` finds `create_app` here."""

from __future__ import annotations

from inspect import iscoroutinefunction
from weakref import WeakKeyDictionary

from flask import Flask

import config


class DeskFlask(Flask):
    """Flask, logging an unhandled exception through `errors.log_exception` (the `desk.errors`
    logger, with the request id and the tracking token masked) instead of Flask's own line, and
    answering `ensure_sync` once per function."""

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self._sync_answers: WeakKeyDictionary = WeakKeyDictionary()

    def ensure_sync(self, func):
        """What Flask's `ensure_sync` returns (`func` itself, or an `async def` wrapped to run
        to its end), kept per function: Flask asks for every hook and view of every request,
        and `inspect.iscoroutinefunction` is slow. A bound method equals the next one made
        from the same object and function, so it finds the same answer; the functions are held
        weakly (one made for a single request, `after_this_request`, is forgotten with it)."""
        answers = self._sync_answers
        try:
            if answers[func]:  # a plain function (the only answer kept)
                return func
        except KeyError:
            pass
        except TypeError:  # no weak reference to it: asked afresh
            return super().ensure_sync(func)
        if iscoroutinefunction(func):
            return self.async_to_sync(func)  # not kept: the wrapper would keep `func` alive
        answers[func] = True
        return func

    def log_exception(self, exc_info) -> None:
        """Log the exception of the current request (with its traceback and request id)."""
        import errors

        errors.log_exception(exc_info)


def create_app(overrides: dict | None = None) -> Flask:
    """Build the app: configuration, extensions, blueprints, admin, CLI.

    No side effects: no table is created and no connection opened here (`flask init-db` creates
    the tables). The one file it may write is the generated secret key in `instance/`, when
    DESK_SECRET_KEY is unset.
    """
    app = DeskFlask(__name__, instance_relative_config=True)
    config.load(app, overrides)
    from session_cookie import KeptSerializerSessionInterface

    app.session_interface = KeptSerializerSessionInterface()
    import logging_setup

    logging_setup.configure_logging(app)  # first, so that every request gets its id first
    proxies = int(app.config["TRUSTED_PROXIES"])
    if proxies:
        # Behind nginx or a load balancer: the requester's address (rate limits) and the scheme
        # come from the proxy's X-Forwarded-* headers, trusted for that many hops only.
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)

    import cli
    import deskadmin
    import errors
    import language
    import request_guard
    import security_headers
    import staffauth
    import static_files
    import tasks
    import tasks.berita_acara  # noqa: F401  (these declare the tasks, registered by init_app)
    import tasks.dashboard  # noqa: F401
    import tasks.documents  # noqa: F401
    import tasks.mail  # noqa: F401
    import tasks.monthly_report  # noqa: F401
    import tasks.operations  # noqa: F401
    import tasks.reminders  # noqa: F401
    import tasks.sla  # noqa: F401
    import tasks.sweep  # noqa: F401
    from extensions import init_babel, init_csrf, init_limiter, mail, security, user_datastore
    from models import calendar, db, storage, uploads
    from views import contact, filters, health, metrics, public, tracking, verification

    db.init_app(app)
    storage.init_app(app)
    uploads.init_app(app)
    calendar.init_app(app)
    init_babel(app)
    language.init_app(app)
    static_files.init_app(app)
    init_csrf(app)
    mail.init_app(app)
    security.init_app(app, user_datastore)
    tasks.init_app(app)
    init_limiter(app)
    staffauth.init_app(app)
    filters.init_app(app)
    contact.init_app(app)
    errors.init_app(app)
    security_headers.init_app(app)
    request_guard.init_app(app)

    app.register_blueprint(health.bp)
    metrics.init_app(app)
    app.register_blueprint(public.bp)
    app.register_blueprint(tracking.bp)
    app.register_blueprint(verification.bp)
    deskadmin.init_admin(app)
    cli.init_app(app)
    return app
