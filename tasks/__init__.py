"""The huey queue: one Huey per app (SQLite file, or Redis), every task registered on each.

Tasks are declared once, at import, with `app_task` / `app_periodic_task`; `init_app(app)` makes
the app's own Huey (`app.extensions["huey"]`) and registers every declared task on it, each
running inside THAT app's context with its own database connection. Calling a declared task
(`send_notification(42)`) enqueues it on the current app's Huey; `current_huey()` (or the proxy
`tasks.huey`) is that Huey. The consumer for production is `huey_consumer tasks.worker.huey`
(see README), a real Huey of the app built there.

The Huey's storage is made on first use, so building an app opens no file and no connection.
A task declared with `lock=` runs under huey's `lock_task`: a second run while one holds the
lock (another consumer) is skipped and logged. Every run logs one line on `desk.tasks`.
"""

from __future__ import annotations

import contextlib
import functools
import logging
import time
from dataclasses import dataclass, field

from flask import current_app, has_app_context
from huey import Huey
from huey.exceptions import TaskLockedException
from huey.storage import RedisStorage, SqliteStorage
from werkzeug.local import LocalProxy

from models.db import connection

logger = logging.getLogger("desk.tasks")
EXTENSION = "huey"


class QueueFile(SqliteStorage):
    """huey's SQLite queue (the embedded default), its commits not each flushed to the disk:
    WAL with `synchronous=NORMAL`, as the desk's own database (`models.db`). A power cut can
    lose the last tasks queued, never corrupt the file; what they carried is not lost with them
    (an email is its outbox row, re-queued by `tasks.mail`'s periodic run; a Berita Acara or
    SLA is its `issued_document_request`, re-queued by `tasks.operations`; a monthly report its
    `monthly_report_request`, by `tasks.monthly_report`). Each request that
    queues a task saves a flush of the disk (3 ms an enqueue here, 0.04 ms without)."""

    def _create_connection(self):
        conn = super()._create_connection()
        conn.execute("pragma synchronous=NORMAL")
        return conn


class AppHuey(Huey):
    """A Huey whose storage is created on first use, not when the app is built."""

    _building = False
    _storage = None

    def __init__(self, *args, **kwargs):
        self._building = True
        super().__init__(*args, **kwargs)
        self._building = False

    def create_storage(self):
        """No storage while constructing (it would open the SQLite file or Redis)."""
        if self._building:
            return None
        return super().create_storage()

    @property
    def storage(self):
        """The storage, made from the configuration the first time it is needed."""
        if self._storage is None:
            self._storage = self.create_storage()
        return self._storage

    @storage.setter
    def storage(self, value):
        self._storage = value


@dataclass
class Declaration:
    """A task as declared in code, before any app's Huey knows it."""

    name: str
    fn: object
    periodic: object = None  # huey's validate_datetime (a crontab) for a periodic task
    lock: str | None = None
    settings: dict = field(default_factory=dict)


_declared: dict[str, Declaration] = {}


def current_huey() -> Huey:
    """The Huey of the current app (an app context is needed)."""
    return current_app.extensions[EXTENSION]


huey: Huey = LocalProxy(current_huey)  # type: ignore[assignment]


class AppTask:
    """A declared task: calling it enqueues on the current app's Huey; every other attribute
    (`call_local`, `schedule`, `s`, `revoke`, `name` ...) is that of the current app's huey
    `TaskWrapper`."""

    def __init__(self, declaration: Declaration):
        self.declaration = declaration
        functools.update_wrapper(self, declaration.fn)

    def wrapper(self, queue: Huey | None = None):
        """This task's huey `TaskWrapper` on `queue` (default: the current app's)."""
        queue = queue if queue is not None else current_huey()
        return queue.desk_tasks[self.declaration.name]

    def __call__(self, *args, **kwargs):
        return self.wrapper()(*args, **kwargs)

    def __getattr__(self, name):
        if name.startswith("__"):
            raise AttributeError(name)
        return getattr(self.wrapper(), name)


def _declare(fn, periodic=None, lock=None, **settings) -> AppTask:
    name = fn.__module__ + "." + fn.__name__
    declaration = Declaration(name, fn, periodic, lock, settings)
    _declared[name] = declaration
    return AppTask(declaration)


def app_task(*, lock: str | None = None, **task_kwargs):
    """Declare a task (huey's `task` options), run inside its app's context with a database
    connection; with `lock`, never two runs at once."""

    def decorator(fn):
        return _declare(fn, lock=lock, **task_kwargs)

    return decorator


def app_periodic_task(validate_datetime, *, lock: str | None = None, **task_kwargs):
    """Declare a periodic task (huey's `periodic_task`), run like `app_task`."""

    def decorator(fn):
        return _declare(fn, periodic=validate_datetime, lock=lock, **task_kwargs)

    return decorator


def _context(app):
    """`app`'s context; in immediate mode, the caller's own if it is already inside it (a
    second context's teardown would close the caller's database connection)."""
    if has_app_context() and current_app._get_current_object() is app:
        return contextlib.nullcontext()
    return app.app_context()


def _runner(app, queue: Huey, declaration: Declaration):
    """The function huey runs for `declaration` on `app`: context, connection, lock, one log
    line with the outcome and the duration."""
    fn = declaration.fn

    @functools.wraps(fn)
    def inner(*args, **kwargs):
        started = time.perf_counter()
        lock = queue.lock_task(declaration.lock) if declaration.lock else None
        if lock is not None:
            try:
                lock.acquire()
            except TaskLockedException:
                logger.info("task %s skipped: another run holds its lock", declaration.name)
                return None
        try:
            with _context(app), connection():
                result = fn(*args, **kwargs)
                if declaration.periodic is not None:
                    _record_run(declaration.name)
        except Exception:
            logger.exception("task %s failed after %.0f ms", declaration.name, _ms(started))
            raise
        finally:
            if lock is not None:
                lock.release()
        logger.info("task %s done in %.0f ms: %r", declaration.name, _ms(started), result)
        return result

    return inner


def _record_run(name: str) -> None:
    """Record a periodic task's run (the heartbeat and the catch-up read it); a failure to
    record must not fail the run that already did its work."""
    from models.operations import PeriodicRun

    try:
        PeriodicRun.record(name)
    except Exception:  # noqa: BLE001 - logged; the next run records again
        logger.warning("could not record the run of %s", name, exc_info=True)


def _ms(started: float) -> float:
    return (time.perf_counter() - started) * 1000


def make_huey(app) -> Huey:
    """A new Huey for `app`'s configuration, with every declared task registered on it."""
    cfg = app.config
    if cfg["REDIS_URL"]:
        storage_class, storage_kwargs = RedisStorage, {"url": cfg["REDIS_URL"]}
    else:
        storage_class, storage_kwargs = QueueFile, {"filename": cfg["HUEY_FILE"]}
    queue = AppHuey(
        cfg["HUEY_NAME"],
        immediate=bool(cfg["HUEY_IMMEDIATE"]),
        storage_class=storage_class,
        **storage_kwargs,
    )
    queue.desk_tasks = {}
    for declaration in _declared.values():
        inner = _runner(app, queue, declaration)
        if declaration.periodic is not None:
            decorate = queue.periodic_task(
                declaration.periodic, name=declaration.name, **declaration.settings
            )
        else:
            decorate = queue.task(name=declaration.name, **declaration.settings)
        queue.desk_tasks[declaration.name] = decorate(inner)
    return queue


def init_app(app) -> None:
    """Give `app` its own queue with every task declared so far (import the task modules
    first), and queue the outbox rows its transactions commit."""
    app.extensions[EXTENSION] = make_huey(app)

    from models.outbox import notifications_committed

    notifications_committed.connect(_enqueue_notifications, weak=False)


def queue_failure(task, *args, what: str) -> Exception | None:
    """Queue `task(*args)` (after the commit of what it works on); None once queued, or the
    error when the queue does not answer, logged as a warning naming `what`. The caller says
    what that means for its request: the rows it committed are the durable record."""
    try:
        task(*args)
    except Exception as exc:  # noqa: BLE001 - the queue did not answer; returned, logged
        logger.warning("%s not queued: %r", what, exc, exc_info=True)
        return exc
    return None


def _enqueue_notifications(sender, ids):
    """Queue the outbox rows one transaction committed, as one task (one enqueue, one mail
    connection). A queue that does not answer must not fail the request whose transaction
    already committed: the rows stay pending and the periodic re-queue of `tasks.mail` sends
    them later."""
    from tasks.mail import send_notifications

    queue_failure(send_notifications, list(ids), what=f"notifications {list(ids)}")


def queue_health() -> str:
    """'ok' if the current app's queue storage answers, else the error's kind (never its
    text: it would name the host)."""
    try:
        huey.pending_count()
        return "ok"
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        # Only the class: the message of a connection error names the internal host and port.
        logging.getLogger("desk.tasks").warning("queue health: %r", exc)
        return f"error: {exc.__class__.__name__}"
