"""Readable table names, and the missing documents of a ticket as link rows.

Renames peewee's legacy table names to snake case (`ticketstep` -> `ticket_step`, ...) with their
indexes (and on PostgreSQL their sequences and constraints), so every name equals what
`create_tables()` makes with `legacy_table_names = False`. Then creates `missing_document`
(ticket, required_document), copies into it every id of `ticket.missing_documents` that names an
existing required document (the comma list may hold junk), and drops that column.

No table is rebuilt: on SQLite a rebuild drops `ticket`, and with foreign keys on that deletes
every child row by cascade. Renames (SQLite >= 3.26 rewrites the child tables' REFERENCES) and
DROP COLUMN (SQLite >= 3.35) alter in place.
"""

from __future__ import annotations

from peewee import CompositeKey, ForeignKeyField, Model, PostgresqlDatabase, SqliteDatabase

RENAMES = {
    "requireddocument": "required_document",
    "perangkatdaerah": "perangkat_daerah",
    "userroles": "user_roles",
    "ticketstep": "ticket_step",
    "ticketevent": "ticket_event",
    "remindersent": "reminder_sent",
}


def frozen_missing_document(database) -> type[Model]:
    """The link table as this migration creates it, bound to `database`."""

    class Base(Model):
        class Meta:
            legacy_table_names = False

    class Ticket(Base):
        pass

    class RequiredDocument(Base):
        pass

    class MissingDocument(Base):
        ticket = ForeignKeyField(Ticket, backref="+", on_delete="CASCADE")
        required_document = ForeignKeyField(RequiredDocument, backref="+", on_delete="RESTRICT")

        class Meta:
            primary_key = CompositeKey("ticket", "required_document")

    MissingDocument._meta.set_database(database)
    return MissingDocument


def _check_sqlite(database) -> None:
    if database.server_version < (3, 35, 0):
        raise RuntimeError("SQLite >= 3.35 is needed (ALTER TABLE ... DROP COLUMN in place)")
    if database.execute_sql("PRAGMA legacy_alter_table").fetchone()[0]:
        raise RuntimeError("PRAGMA legacy_alter_table is on: renames would not rewrite REFERENCES")


def _rename_sqlite_indexes(database, old: str, new: str) -> None:
    # SQLite has no ALTER INDEX ... RENAME: drop each index and create it under its new name.
    for index in database.get_indexes(new):
        if index.sql is None or not index.name.startswith(old + "_"):
            continue  # the automatic index of a UNIQUE or PRIMARY KEY constraint
        name = new + index.name[len(old) :]
        columns = ", ".join(f'"{c}"' for c in index.columns)
        unique = "UNIQUE " if index.unique else ""
        database.execute_sql(f'DROP INDEX "{index.name}"')
        database.execute_sql(f'CREATE {unique}INDEX "{name}" ON "{new}" ({columns})')


def _rename_postgres_names(database, old: str, new: str) -> None:
    # The sequence is renamed by the migrator; the indexes and the constraints (primary key,
    # foreign keys) keep the old table's name in theirs unless renamed too.
    for (index,) in database.execute_sql(
        "SELECT indexname FROM pg_indexes WHERE schemaname = current_schema() AND tablename = %s",
        (new,),
    ).fetchall():
        if index.startswith(old + "_"):
            database.execute_sql(f'ALTER INDEX "{index}" RENAME TO "{new}{index[len(old) :]}"')
    for (constraint,) in database.execute_sql(
        "SELECT conname FROM pg_constraint WHERE conrelid = %s::regclass AND contype = 'f'",
        (f'"{new}"',),
    ).fetchall():
        if constraint.startswith(old + "_"):
            database.execute_sql(
                f'ALTER TABLE "{new}" RENAME CONSTRAINT "{constraint}" '
                f'TO "{new}{constraint[len(old) :]}"'
            )


def _ids(text: str | None) -> list[int]:
    return [int(part) for part in (text or "").split(",") if part.strip().isdigit()]


def _move_missing_documents(database) -> None:
    link = frozen_missing_document(database)
    link.create_table(safe=False)
    existing = {row[0] for row in database.execute_sql('SELECT "id" FROM "required_document"')}
    rows = database.execute_sql(
        """SELECT "id", "missing_documents" FROM "ticket" WHERE "missing_documents" <> ''"""
    ).fetchall()
    links = {
        (ticket_id, required_id)
        for ticket_id, text in rows
        for required_id in _ids(text)
        if required_id in existing
    }
    rows = [{"ticket": t, "required_document": r} for t, r in sorted(links)]
    if rows:
        link.insert_many(rows).execute()


def upgrade(migrator, database) -> None:
    """Rename the legacy tables and their indexes; move `ticket.missing_documents` into
    `missing_document` rows, then drop the column."""
    if isinstance(database, SqliteDatabase):
        _check_sqlite(database)
    for old, new in RENAMES.items():
        migrator.rename_table(old, new).run()
        if isinstance(database, PostgresqlDatabase):
            _rename_postgres_names(database, old, new)
        else:
            _rename_sqlite_indexes(database, old, new)
    _move_missing_documents(database)
    migrator.drop_column("ticket", "missing_documents").run()
