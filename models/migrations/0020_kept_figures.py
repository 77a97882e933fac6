"""The table `kept_figure` (`models.kept_figures`): the dashboard's figures of periods already
over (per kind, scope digest and period, as JSON, with the period's end and the largest ticket
and ticket step ids when counted: the rows added since that would change it), shared by every
worker and kept across restarts, so that a worker's first page reads them instead of counting
the months again.

A new table, empty (the pages fill it as they count); the model is frozen here. And the index
`ticket (status, due_at)` widened to `(status, due_at, layanan_id, step, assigned_agent_id)`:
the heads' "now" counts (open tickets per status, overdue per step and agent, in a scope of
services) read the index alone instead of every ticket row; it starts with the same columns, so
it serves every query the narrow one served, which is dropped. No row is touched.
"""

from __future__ import annotations

from peewee import CharField, DateTimeField, IntegerField, Model, TextField


def frozen_models(database) -> list[type[Model]]:
    """`kept_figure` as this migration creates it, bound to `database`."""

    class KeptFigure(Model):
        key = CharField(primary_key=True)
        kind = CharField()
        value = TextField()
        period_end = DateTimeField()
        tickets_seen = IntegerField()
        steps_seen = IntegerField()
        written_at = DateTimeField()

        class Meta:
            table_name = "kept_figure"

    KeptFigure._meta.set_database(database)
    return [KeptFigure]


WIDENED = ("status", "due_at", "layanan_id", "step", "assigned_agent_id")
NARROW = "ticket_status_due_at"


def upgrade(migrator, database) -> None:
    """Create `kept_figure`; widen the ticket index on (status, due_at)."""
    database.create_tables(frozen_models(database), safe=False)
    migrator.add_index("ticket", WIDENED, False).run()
    migrator.drop_index("ticket", NARROW).run()
