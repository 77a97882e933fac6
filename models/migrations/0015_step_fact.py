"""The step fact table `step_fact` (`models.step_facts`): one row per ended staff step (mutu
baku statuses) with its working seconds, whether it was on time, and its ticket's service,
Perangkat Daerah and assigned agent, behind one covering index that starts with `ended_at`,
so that the dashboard reads a period's durations without joining the ticket; and the index
`ticket_step (status, ticket_id)`: the tickets that went incomplete, without visiting every step.

A new table only; the model is frozen here. Filled by one INSERT ... SELECT from
`ticket_step` and `ticket` (the ended rows with a working duration, migration 0011).
"""

from __future__ import annotations

from peewee import DateTimeField, ForeignKeyField, IntegerField, Model

# the step table's staff statuses (models.sop.MUTU_BAKU_STATUSES when this was written)
STAFF_STATUSES = ("open", "verified", "assigned", "selesai", "signed")


def frozen_models(database) -> list[type[Model]]:
    """`step_fact` as this migration creates it, bound to `database`."""

    class Base(Model):
        class Meta:
            legacy_table_names = False

    class Ticket(Base):
        pass

    class StepFact(Base):
        id = IntegerField(primary_key=True)
        ticket = ForeignKeyField(Ticket, backref="+", on_delete="CASCADE")
        ended_at = DateTimeField()
        step = IntegerField()
        layanan_id = IntegerField()
        perangkat_daerah_id = IntegerField()
        agent_id = IntegerField(null=True)
        working_seconds = IntegerField()
        on_time = IntegerField()

        class Meta:
            table_name = "step_fact"
            indexes = (
                (
                    (
                        "ended_at",
                        "step",
                        "working_seconds",
                        "layanan_id",
                        "perangkat_daerah_id",
                        "agent_id",
                        "on_time",
                    ),
                    False,
                ),
            )

    models = [StepFact]
    for model in models:
        model._meta.set_database(database)
    return models


def upgrade(migrator, database) -> None:
    """Create `step_fact` with its index and fill it from the ended staff steps."""
    database.create_tables(frozen_models(database), safe=False)
    fill(database)
    migrator.add_index("ticket_step", ("status", "ticket_id"), False).run()


def fill(database) -> None:
    """Insert the fact of every ended staff step with a working duration (an empty table)."""
    marks = ", ".join([database.param] * len(STAFF_STATUSES))
    database.execute_sql(
        'INSERT INTO "step_fact" ("id", "ticket_id", "ended_at", "step", "layanan_id", '
        '"perangkat_daerah_id", "agent_id", "working_seconds", "on_time") '
        'SELECT s."id", s."ticket_id", s."ended_at", s."step", t."layanan_id", '
        't."perangkat_daerah_id", t."assigned_agent_id", s."working_seconds", '
        'CASE WHEN s."ended_at" <= s."due_at" THEN 1 ELSE 0 END '
        'FROM "ticket_step" AS s JOIN "ticket" AS t ON t."id" = s."ticket_id" '
        f'WHERE s."status" IN ({marks}) AND s."ended_at" IS NOT NULL '
        'AND s."working_seconds" IS NOT NULL',
        STAFF_STATUSES,
    )
