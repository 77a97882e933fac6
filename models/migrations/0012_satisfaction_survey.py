"""The satisfaction survey (SKM): `survey_response`, one row per ticket closed as fulfilled
that its requester answered (the nine unsur of Permenpan RB 14/2017, a comment, when).

A new table only; the model is frozen here (fields and indexes, no backrefs).
"""

from __future__ import annotations

from peewee import DateTimeField, ForeignKeyField, Model, SmallIntegerField, TextField


def frozen_models(database) -> list[type[Model]]:
    """The table as this migration creates it, bound to `database`."""

    class Base(Model):
        class Meta:
            legacy_table_names = False

    class Ticket(Base):
        pass

    class SurveyResponse(Base):
        ticket = ForeignKeyField(Ticket, unique=True, backref="+", on_delete="CASCADE")
        u1 = SmallIntegerField()
        u2 = SmallIntegerField()
        u3 = SmallIntegerField()
        u4 = SmallIntegerField()
        u5 = SmallIntegerField()
        u6 = SmallIntegerField()
        u7 = SmallIntegerField()
        u8 = SmallIntegerField()
        u9 = SmallIntegerField()
        comment = TextField(default="")
        submitted_at = DateTimeField(index=True)

    models = [SurveyResponse]
    for model in models:
        model._meta.set_database(database)
    return models


def upgrade(migrator, database) -> None:
    """Create `survey_response` with its indexes."""
    database.create_tables(frozen_models(database), safe=False)
