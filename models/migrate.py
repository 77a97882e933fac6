"""Schema migrations: the numbered files in `models/migrations`, applied in order, each once.

`schema_migration` records the applied ones. Each migration runs in its own transaction (SQLite
and PostgreSQL both roll DDL back), under a lock taken first, so two processes upgrading at once
apply nothing twice: SQLite's BEGIN IMMEDIATE, PostgreSQL's transaction-level advisory lock.
"""

from __future__ import annotations

import datetime as dt
import importlib
import re
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from peewee import CharField, DateTimeField, SqliteDatabase
from playhouse.migrate import SchemaMigrator

from models.db import BaseModel, connection, database, utcnow

MIGRATIONS_DIR = Path(__file__).parent / "migrations"
MIGRATION_FILE = re.compile(r"^(\d{4})_\w+\.py$")
BASELINE = "0001_initial"
# The tables of the previous release, made by `init-db` before migrations existed.
BASELINE_TABLES = frozenset(
    "bidang seksi layanan requireddocument perangkatdaerah holiday role user userroles sequence "
    "ticket ticketstep document ticketevent notification remindersent".split()
)
LEDGER = "schema_migration"
ADVISORY_LOCK_KEY = 0x5D_0001  # any constant shared by every process of this app


class MigrationError(RuntimeError):
    """The database cannot be brought to the head as it is."""


class SchemaMigration(BaseModel):
    """One applied migration."""

    name = CharField(primary_key=True)
    applied_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = LEDGER


@dataclass(frozen=True)
class MigrationState:
    """A migration of the repository and whether the database has it."""

    name: str
    applied: bool
    applied_at: dt.datetime | None = None  # None when applied but not recorded: the baseline


def migration_names() -> list[str]:
    """The migrations in the repository, in the order they apply (by number)."""
    names = [p.stem for p in MIGRATIONS_DIR.iterdir() if MIGRATION_FILE.match(p.name)]
    numbers = [n[:4] for n in names]
    if len(set(numbers)) != len(numbers):
        raise MigrationError(f"two migrations share a number: {sorted(names)}")
    return sorted(names)


def load(name: str):
    """The migration module `name` (e.g. "0002_readable_names")."""
    return importlib.import_module(f"models.migrations.{name}")


def _real_database():
    return database.obj


@contextmanager
def _locked_transaction():
    db = _real_database()
    if database.transaction_depth():
        raise MigrationError("migrations run in their own transactions, not inside another one")
    if isinstance(db, SqliteDatabase):
        with database.atomic(lock_type="IMMEDIATE"):
            yield
    else:
        with database.atomic():
            database.execute_sql("SELECT pg_advisory_xact_lock(%s)", (ADVISORY_LOCK_KEY,))
            yield


def _recorded() -> dict:
    if not database.table_exists(LEDGER):
        return {}
    return {row.name: row.applied_at for row in SchemaMigration.select()}


def _is_baseline(tables: set[str]) -> bool:
    """Whether tables without a ledger are the previous release's; refuse anything else."""
    if not tables:
        return False
    if BASELINE_TABLES <= tables:
        return True
    raise MigrationError(
        "the database has tables but no schema_migration table, and they are not the previous "
        f"release's schema: {sorted(tables)}"
    )


def _ensure_ledger() -> None:
    """Create the ledger; a database of the previous release is recorded as at the baseline."""
    tables = set(database.get_tables())
    if LEDGER in tables:
        return
    baseline = _is_baseline(tables)
    SchemaMigration.create_table(safe=False)
    if baseline:
        SchemaMigration.create(name=BASELINE)


def _check_foreign_keys() -> None:
    if isinstance(_real_database(), SqliteDatabase):
        broken = database.execute_sql("PRAGMA foreign_key_check").fetchall()
        if broken:
            raise MigrationError(f"foreign keys broken by the migration: {broken[:5]}")


def _apply(name: str) -> None:
    db = _real_database()
    load(name).upgrade(SchemaMigrator.from_database(db), db)
    _check_foreign_keys()
    SchemaMigration.create(name=name)


def upgrade(target: str | None = None) -> list[str]:
    """Apply the pending migrations in order (up to `target`, default the head), each in its own
    locked transaction; return the names this call applied (another process may apply some)."""
    names = migration_names()
    if target is not None:
        if target not in names:
            raise MigrationError(f"no migration {target}")
        names = names[: names.index(target) + 1]
    applied = []
    with connection():
        while True:
            with _locked_transaction():
                _ensure_ledger()
                done = _recorded()
                pending = [n for n in names if n not in done]
                if not pending:
                    break
                _apply(pending[0])
            applied.append(pending[0])
    return applied


def status() -> list[MigrationState]:
    """Every migration in the repository, applied or pending; changes nothing."""
    with connection():
        recorded = _recorded()
        if not database.table_exists(LEDGER) and _is_baseline(set(database.get_tables())):
            recorded = {BASELINE: None}
    return [MigrationState(n, n in recorded, recorded.get(n)) for n in migration_names()]


def create_head(models) -> None:
    """Create the head schema from the live `models` and record every migration as applied, in
    one locked transaction (safe to run twice). The live models are the head: the test of the
    migrations proves that upgrading an empty database gives the same schema. A database that has
    tables but is not at the head is refused: it needs `flask db upgrade`."""
    with connection(), _locked_transaction():
        recorded = _recorded()
        if database.get_tables() and set(migration_names()) - set(recorded):
            raise MigrationError(
                "the database is not at the head: run `flask db upgrade` instead of create_tables"
            )
        database.create_tables(models, safe=True)
        rows = [{"name": n} for n in migration_names() if n not in recorded]
        if rows:
            SchemaMigration.insert_many(rows).execute()
