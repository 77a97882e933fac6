"""The table `kept_figure` (`models.kept_figures`): the dashboard's figures of periods already
over (per kind, scope digest and period, as JSON, with the period's end and the largest ticket
and ticket step ids when counted: the rows added since that would change it), shared by every
worker and kept across restarts, so that a worker's first page reads them instead of counting
the months again.

A new table, empty (the pages fill it as they count); the model is frozen here. And indexes
that let the home page's "now" counts read an index alone instead of every ticket row:

- `ticket (status, due_at)` widened to `(status, due_at, layanan_id, step, assigned_agent_id)`:
  the open tickets per status and the overdue ones per step and agent, in a scope of services;
- `ticket (due_at)` widened to `(due_at, status, layanan_id)`: the overdue queue;
- `ticket (reply_unread, assigned_agent_id)`: the queue of unread replies not yet disposed.

A widened index starts with the same columns, so it serves every query the narrow one served,
which is dropped. No row is touched.
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


NEW_INDEXES = (
    ("status", "due_at", "layanan_id", "step", "assigned_agent_id"),
    ("due_at", "status", "layanan_id"),
    ("reply_unread", "assigned_agent_id"),
)
DROPPED = ("ticket_status_due_at", "ticket_due_at")


def upgrade(migrator, database) -> None:
    """Create `kept_figure`; the ticket indexes of the home page's counts."""
    database.create_tables(frozen_models(database), safe=False)
    for columns in NEW_INDEXES:
        migrator.add_index("ticket", columns, False).run()
    for name in DROPPED:
        migrator.drop_index("ticket", name).run()
