"""The peewee database: one proxy bound per app, a connection per request, write transactions."""

from __future__ import annotations

import datetime as dt

from peewee import DatabaseProxy, Model, SqliteDatabase
from playhouse.db_url import connect

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


def make_database(url: str):
    """Build the peewee database for a URL (sqlite:///path, postgresql://...)."""
    if url.startswith("sqlite"):
        return connect(url, pragmas=SQLITE_PRAGMAS, check_same_thread=False)
    return connect(url)


def init_app(app) -> None:
    """Bind the proxy to the app's database; connect per request, close on teardown."""
    database.initialize(make_database(app.config["DATABASE_URL"]))
    app.before_request(_connect)
    app.teardown_appcontext(_close)


def _connect() -> None:
    from flask import request

    if request.endpoint == "health.healthz":
        return  # the health check connects itself and reports a failure instead of raising
    database.connect(reuse_if_open=True)


def _close(exc=None) -> None:
    if not database.is_closed():
        database.close()


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


def locked(query):
    """`query` with its rows locked until the transaction ends (SELECT ... FOR UPDATE); on
    SQLite the write transaction already holds the whole database's write lock."""
    return query if is_sqlite() else query.for_update()


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
    from models.migrate import SchemaMigration
    from models.operations import BeritaAcaraRequest, PeriodicRun
    from models.reminder import ReminderSent
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
        BeritaAcaraRequest,
        ChainHead,
        AuditEntry,
        SurveyResponse,
        SignedCopyCheck,
        SignatureVerdict,
        Setting,
    ]


def create_tables() -> None:
    """Create the head schema from the live models and record every migration as applied (safe
    to run twice); a database with tables not at the head is refused (`flask db upgrade`)."""
    from models.migrate import create_head

    create_head(all_models())
