"""Operations tables: `periodic_run` (the last run of each periodic task, the consumer's
heartbeat among them) and `berita_acara_request` (each BA the agent asked for, so that a
rendering task lost with a killed consumer is queued again once).

New tables only; the models are frozen here (fields and indexes, no backrefs).
"""

from __future__ import annotations

from peewee import CharField, DateTimeField, ForeignKeyField, Model, TextField


def frozen_models(database) -> list[type[Model]]:
    """The two tables as this migration creates them, bound to `database`."""

    class Base(Model):
        class Meta:
            legacy_table_names = False

    class Ticket(Base):
        pass

    class User(Base):
        pass

    class PeriodicRun(Base):
        name = CharField(primary_key=True)
        last_run_at = DateTimeField()

    class BeritaAcaraRequest(Base):
        ticket = ForeignKeyField(Ticket, backref="+", on_delete="CASCADE")
        agent = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
        work_done = TextField()
        issued_at = DateTimeField(index=True)
        requeued_at = DateTimeField(null=True)

    models = [PeriodicRun, BeritaAcaraRequest]
    for model in models:
        model._meta.set_database(database)
    return models


def upgrade(migrator, database) -> None:
    """Create `periodic_run` and `berita_acara_request` with their indexes."""
    database.create_tables(frozen_models(database), safe=False)
