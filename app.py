"""The application factory. `flask --app app ...` finds `create_app` here."""

from __future__ import annotations

from flask import Flask

import config


def create_app(overrides: dict | None = None) -> Flask:
    """Build the app: configuration, extensions, blueprints, admin, CLI.

    No side effects: no table is created and no connection opened here (`flask init-db` creates
    the tables). The one file it may write is the generated secret key in `instance/`, when
    DESK_SECRET_KEY is unset.
    """
    app = Flask(__name__, instance_relative_config=True)
    config.load(app, overrides)
    proxies = int(app.config["TRUSTED_PROXIES"])
    if proxies:
        # Behind nginx or a load balancer: the requester's address (rate limits) and the scheme
        # come from the proxy's X-Forwarded-* headers, trusted for that many hops only.
        from werkzeug.middleware.proxy_fix import ProxyFix

        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=proxies, x_proto=proxies, x_host=proxies)

    import cli
    import deskadmin
    import tasks
    from extensions import csrf, init_babel, init_limiter, mail, security, user_datastore
    from models import calendar, db, storage, uploads
    from views import filters, health, public, tracking

    db.init_app(app)
    storage.init_app(app)
    uploads.init_app(app)
    calendar.init_app(app)
    init_babel(app)
    csrf.init_app(app)
    mail.init_app(app)
    security.init_app(app, user_datastore)
    tasks.init_app(app)
    init_limiter(app)
    filters.init_app(app)
    import tasks.berita_acara  # noqa: F401  (these register the tasks with the queue)
    import tasks.mail  # noqa: F401
    import tasks.reminders  # noqa: F401
    import tasks.sweep  # noqa: F401

    app.register_blueprint(health.bp)
    app.register_blueprint(public.bp)
    app.register_blueprint(tracking.bp)
    deskadmin.init_admin(app)
    cli.init_app(app)
    return app
