"""The huey queue: one instance, configured from the app (SQLite file, or Redis).

`huey` exists at import time so that tasks can be declared with its decorators; `init_app`
points its storage at the configured backend. Tasks declared with `app_task` run inside an app
context with their own database connection. The consumer for production is
`huey_consumer tasks.worker.huey` (see README).
"""

from __future__ import annotations

import contextlib
import functools
import logging

from flask import current_app, has_app_context
from huey import Huey
from huey.storage import RedisStorage, SqliteStorage

from models.db import connection

logger = logging.getLogger(__name__)
huey = Huey("servicedesk", immediate=True)  # in memory until init_app binds it
_app = None


def init_app(app) -> None:
    """Bind the queue to the app's configuration; tasks will run in this app's context."""
    global _app
    _app = app
    huey.name = app.config["HUEY_NAME"]
    if app.config["REDIS_URL"]:
        huey.storage_class = RedisStorage
        huey.storage_kwargs = {"url": app.config["REDIS_URL"]}
    else:
        huey.storage_class = SqliteStorage
        huey.storage_kwargs = {"filename": app.config["HUEY_FILE"]}
    # Set directly, not through the `immediate` setter, which rebuilds storage only when the
    # flag flips: each app (one per test) must get a storage for its own configuration.
    huey._immediate = bool(app.config["HUEY_IMMEDIATE"])
    huey.storage = huey.create_storage()
    app.extensions["huey"] = huey

    from models.outbox import notifications_committed

    notifications_committed.connect(_enqueue_notifications, weak=False)


def _enqueue_notifications(sender, ids):
    """Queue the committed outbox rows. A queue that does not answer must not fail the request
    whose transaction already committed: the rows stay pending and the periodic re-queue of
    `tasks.mail` sends them later."""
    from tasks.mail import send_notification

    for notification_id in ids:
        try:
            send_notification(notification_id)
        except Exception:  # noqa: BLE001 - logged; the outbox row is the durable record
            logger.warning("could not queue notification %s", notification_id, exc_info=True)


def _context():
    """The bound app's context; in immediate mode, the caller's own if it is already inside
    one (a second context's teardown would close the caller's database connection)."""
    if has_app_context() and current_app._get_current_object() is _app:
        return contextlib.nullcontext()
    return _app.app_context()


def app_task(*task_args, **task_kwargs):
    """`huey.task`, run inside the bound app's context with a database connection."""

    def decorator(fn):
        @functools.wraps(fn)
        def inner(*args, **kwargs):
            with _context(), connection():
                return fn(*args, **kwargs)

        return huey.task(*task_args, name=fn.__module__ + "." + fn.__name__, **task_kwargs)(inner)

    return decorator


def app_periodic_task(validate_datetime, **task_kwargs):
    """`huey.periodic_task`, run inside the bound app's context with a database connection."""

    def decorator(fn):
        @functools.wraps(fn)
        def inner(*args, **kwargs):
            with _context(), connection():
                return fn(*args, **kwargs)

        return huey.periodic_task(
            validate_datetime, name=fn.__module__ + "." + fn.__name__, **task_kwargs
        )(inner)

    return decorator


def queue_health() -> str:
    """'ok' if the queue's storage answers, else the error."""
    try:
        huey.pending_count()
        return "ok"
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        return f"error: {exc}"
