"""Gap-free counters (ticket numbers, BA numbers), safe under concurrent writers."""

from __future__ import annotations

from peewee import CharField, IntegerField

from models.db import BaseModel, database


class Sequence(BaseModel):
    name = CharField(primary_key=True)
    value = IntegerField(default=0)


def next_value(name: str) -> int:
    """Increment and return the counter `name`; call inside a write transaction.

    The UPDATE takes the row lock (PostgreSQL) or the write lock (SQLite), so two transactions
    never get the same value, and a rolled-back transaction gives its number back.
    """
    if database.transaction_depth() == 0:
        raise RuntimeError("next_value() must run inside a transaction")
    Sequence.insert(name=name, value=0).on_conflict_ignore().execute()
    Sequence.update(value=Sequence.value + 1).where(Sequence.name == name).execute()
    return Sequence.get_by_id(name).value
