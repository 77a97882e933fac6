"""Gap-free counters (ticket numbers, BA numbers), safe under concurrent writers."""

from __future__ import annotations

from peewee import CharField, IntegerField

from models.db import BaseModel, database


class Sequence(BaseModel):
    name = CharField(primary_key=True)
    value = IntegerField(default=0)


def next_value(name: str) -> int:
    """Increment and return the counter `name` (made at 1 on its first use); call inside a
    write transaction.

    One upsert (PostgreSQL, SQLite 3.35+) takes the row lock (PostgreSQL: a concurrent writer
    waits, then increments the committed value) or the write lock (SQLite), so two transactions
    never get the same value, and a rolled-back transaction gives its number back.
    """
    if database.transaction_depth() == 0:
        raise RuntimeError("next_value() must run inside a transaction")
    table, param = Sequence._meta.table_name, database.param
    sql = (
        f'INSERT INTO "{table}" ("name", "value") VALUES ({param}, 1) ON CONFLICT ("name") '
        f'DO UPDATE SET "value" = "{table}"."value" + 1 RETURNING "value"'
    )
    return database.execute_sql(sql, [name]).fetchone()[0]
