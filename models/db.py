"""The peewee database: one proxy bound per app, a connection per request that queries (opened
at its first statement), write transactions."""

from __future__ import annotations

import datetime as dt
import functools
import os
import sqlite3
import threading
import weakref

from peewee import DatabaseProxy, Model, SqliteDatabase
from playhouse.db_url import connect
from playhouse.pool import PooledDatabase

database = DatabaseProxy()

SQLITE_PRAGMAS = {
    "journal_mode": "wal",
    "busy_timeout": 10_000,  # ms: concurrent writers wait instead of failing at once
    "foreign_keys": 1,
    "synchronous": "normal",
}


class BaseModel(Model):
    class Meta:
        database = database
        legacy_table_names = False  # TicketStep -> ticket_step (migration 0002 renamed them)


def utcnow() -> dt.datetime:
    """Now, as a naive UTC datetime: every stored time is UTC."""
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


# A pooled connection: at most this many per process (gunicorn threads, consumer workers),
# waiting this long for a free one, and reconnected after this many idle seconds.
POOL_OPTIONS = {"max_connections": 20, "timeout": 10, "stale_timeout": 300}


def pooled_url(url: str) -> str:
    """`url` with its scheme's pooled variant (postgresql+pool://, sqlite+pool://)."""
    scheme, sep, rest = url.partition("://")
    return url if scheme.endswith("+pool") or not sep else f"{scheme}+pool://{rest}"


def make_database(url: str, pool: bool = False):
    """Build the peewee database for a URL (sqlite:///path, postgresql://...). With `pool` (or
    a `+pool` scheme) closing a connection hands it back to a per-process pool (playhouse.pool)
    for the next request, instead of connecting anew each time."""
    url = pooled_url(url) if pool else url
    options = POOL_OPTIONS if url.partition("://")[0].endswith("+pool") else {}
    if url.startswith("sqlite"):
        return connect(url, pragmas=SQLITE_PRAGMAS, check_same_thread=False, **options)
    return connect(url, **options)


def init_app(app) -> None:
    """Bind the proxy to the app's database (pooled with DESK_DATABASE_POOL=1). A request
    connects at its first statement (peewee's autoconnect), so one that runs none (the public
    form from the process cache, a static file) opens no connection; the teardown closes (or
    hands back to the pool) whatever the request opened; before that, a request that opened one
    on an unpooled SQLite file makes sure that it is not the file's last (`keep_sqlite_file_open`:
    on a request only, so never in gunicorn's master, which builds the app before forking)."""
    database.initialize(
        make_database(app.config["DATABASE_URL"], pool=bool(app.config.get("DATABASE_POOL")))
    )
    app.teardown_request(_keep_file_open)
    app.teardown_appcontext(_close)


def _keep_file_open(exc=None) -> None:
    if not database.is_closed():
        keep_sqlite_file_open(database.obj)


def _close(exc=None) -> None:
    if not database.is_closed():
        database.close()


_keeping = threading.Lock()


def keep_sqlite_file_open(db) -> None:
    """For an unpooled SQLite file database, one idle connection of its own kept open as long
    as `db` lives (once per database object and process: per app, per gunicorn worker), so
    that closing a request's connection is never closing the file's last one. SQLite's last
    connection checkpoints the WAL into the file, syncs it and deletes the WAL on close (about
    1 ms of CPU per request here, and the next connection makes the WAL anew); with another
    connection open, a close is only a close, and the WAL is checkpointed as it grows
    (SQLite's automatic checkpoint), as under the pool. Nothing for PostgreSQL, a pooled
    database (its idle connections stay open) or an in-memory one; a keeper that cannot open
    is not kept. A process forked from the one that opened it opens its own and never closes
    the inherited one (SQLite connections do not cross a fork)."""
    if (
        not isinstance(db, SqliteDatabase)
        or isinstance(db, PooledDatabase)
        or db.database in ("", ":memory:")
        or str(db.database).startswith("file:")
        or getattr(db, "_desk_keeper_pid", None) == os.getpid()
    ):
        return
    with _keeping:
        if getattr(db, "_desk_keeper_pid", None) == os.getpid():
            return
        try:
            keeper = sqlite3.connect(db.database, check_same_thread=False)
            keeper.execute("SELECT 1 FROM sqlite_master LIMIT 1").fetchall()  # opens the WAL
        except sqlite3.Error:
            return
        db._desk_keeper, db._desk_keeper_pid = keeper, os.getpid()
        weakref.finalize(db, _close_keeper, keeper, os.getpid())


def _close_keeper(keeper, pid: int) -> None:
    if os.getpid() == pid:  # only in the process that opened it
        keeper.close()


def is_sqlite() -> bool:
    return isinstance(database.obj, SqliteDatabase)


def write_transaction():
    """A transaction that takes the write lock at once.

    On SQLite a deferred transaction that reads and then writes can fail with "database is
    locked" when another writer got in between; BEGIN IMMEDIATE makes it wait its turn instead.
    """
    if is_sqlite():
        return database.atomic(lock_type="IMMEDIATE")
    return database.atomic()


def locked(query, mode: str = "FOR UPDATE"):
    """`query` with its rows locked until the transaction ends (SELECT ... FOR UPDATE, or the
    `mode` given, e.g. "FOR NO KEY UPDATE"); on SQLite the write transaction already holds the
    whole database's write lock."""
    return query if is_sqlite() else query.for_update(mode)


MAX_PARAMETERS = 30_000  # under SQLite's 32,766 variables and PostgreSQL's 65,535 parameters


def insert_returning(
    model, values: list[dict], returning: tuple, *, ignore_conflicts=False, complete=False
):
    """Insert `values` (dicts of field names, every one with the same keys) into `model`'s table
    and return the `returning` fields of the new rows (RETURNING: PostgreSQL, SQLite 3.35+; in
    no promised order). Fields left out take their defaults and each value is converted by its
    field (`db_value`), as peewee's `insert_many` does, but the statement is written here: a
    batch of thousands of rows without a peewee node built per value (the expiry sweep's
    history and outbox rows), and for a few rows its text kept per table, columns and row
    count (`KEPT_ROWS`: a submission's inserts, otherwise compiled anew each time).
    `ignore_conflicts`: a row that would break a unique constraint is left out (ON CONFLICT DO
    NOTHING), and not returned. `complete`: each row already holds every field that has a
    default (a model instance's `__data__`, which its constructor filled with them), so they
    are not computed again."""
    if not values:
        return []
    meta = model._meta
    if not complete:
        values = [{**meta.get_default_dict(), **row} for row in values]
    fields = [meta.fields[name] for name in values[0]]
    columns = tuple(f.column_name for f in fields)
    returned = tuple(meta.fields[name].column_name for name in returning)
    per_statement = max(1, MAX_PARAMETERS // len(fields))
    found = []
    for start in range(0, len(values), per_statement):
        chunk = values[start : start + per_statement]
        params = [f.db_value(row[f.name]) for row in chunk for f in fields]
        write = _kept_insert_sql if len(chunk) <= KEPT_ROWS else _insert_sql
        sql = write(
            meta.table_name, columns, returned, database.param, len(chunk), ignore_conflicts
        )
        found.extend(database.execute_sql(sql, params).fetchall())
    return found


def create(model, **fields):
    """`model.create(**fields)` (the row built with its defaults, inserted, its id set) through
    `insert_returning`'s kept statement text: peewee compiles its INSERT anew for every row,
    which for a ticket's thirty columns costs more than the database's work."""
    row, key = model(**fields), model._meta.primary_key.name
    ((value,),) = insert_returning(model, [row.__data__], (key,), complete=True)
    setattr(row, key, value)
    row._dirty.clear()
    return row


def _insert_sql(table, columns, returned, param, rows, ignore_conflicts) -> str:
    """The text of a multi-row INSERT ... RETURNING of `rows` rows."""
    one = "(" + ", ".join([param] * len(columns)) + ")"
    names = ", ".join(f'"{c}"' for c in columns)
    conflict = " ON CONFLICT DO NOTHING" if ignore_conflicts else ""
    returning = ", ".join(f'"{c}"' for c in returned)
    return (
        f'INSERT INTO "{table}" ({names}) VALUES {", ".join([one] * rows)}{conflict} '
        f"RETURNING {returning}"
    )


# The texts of inserts of up to KEPT_ROWS rows are kept (a request's rows; a sweep's batch of
# hundreds is one long text for a count of rows that rarely comes again). Only code's names
# are in them (table, columns, the database's parameter mark), no app's data: one memo serves
# every app in the process.
KEPT_ROWS = 16
_kept_insert_sql = functools.lru_cache(maxsize=256)(_insert_sql)


class connection:
    """Open a connection for work outside a request (CLI, tasks); close only what it opened."""

    def __enter__(self):
        self._opened = database.connect(reuse_if_open=True)
        return database

    def __exit__(self, *exc):
        if self._opened and not database.is_closed():
            database.close()


def all_models():
    from models.audit import AuditEntry
    from models.catalog import Bidang, Holiday, Layanan, PerangkatDaerah, RequiredDocument, Seksi
    from models.hashchain import ChainHead
    from models.kept_figures import KeptFigure
    from models.migrate import SchemaMigration
    from models.operations import IssuedDocumentRequest, PeriodicRun
    from models.reminder import ReminderSent
    from models.report_requests import MonthlyReportRequest
    from models.sequence import Sequence
    from models.settings import Setting
    from models.signature_records import SignatureVerdict, SignedCopyCheck
    from models.skm import SurveyResponse
    from models.staff import Role, User, UserRoles
    from models.step_facts import StepFact
    from models.ticket import (
        Document,
        MissingDocument,
        Notification,
        Ticket,
        TicketEvent,
        TicketStep,
    )

    return [
        Bidang,
        Seksi,
        Layanan,
        RequiredDocument,
        PerangkatDaerah,
        Holiday,
        Role,
        User,
        UserRoles,
        Sequence,
        Ticket,
        MissingDocument,
        TicketStep,
        StepFact,
        Document,
        TicketEvent,
        Notification,
        ReminderSent,
        SchemaMigration,
        PeriodicRun,
        IssuedDocumentRequest,
        ChainHead,
        AuditEntry,
        SurveyResponse,
        SignedCopyCheck,
        SignatureVerdict,
        Setting,
        KeptFigure,
        MonthlyReportRequest,
    ]


def create_tables() -> None:
    """Create the head schema from the live models and record every migration as applied (safe
    to run twice); a database with tables not at the head is refused (`flask db upgrade`)."""
    from models.migrate import create_head

    create_head(all_models())
