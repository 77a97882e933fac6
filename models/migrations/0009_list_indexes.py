"""Indexes that serve each staff list's filter and order together.

A list shows 50 rows of one status (or one agent's, or one service's) in its default order; with
an index on (filter columns, order column) the database reads those 50 rows in order and stops,
whatever the table's size, instead of reading and sorting every matching ticket:

- `ticket (status, created_at)`: the ticket list filtered by status, newest first;
- `ticket (status, due_at)`: the queues (status, earliest due first) and the expiry sweep;
- `ticket (assigned_agent_id, status, due_at)`: an agent's lists and "Tiket saya";
- `ticket (layanan_id, status, created_at)`: a service's tickets (the helpdesk's and the heads'
  scope is a set of services);
- `notification (status, next_attempt_at)`: the outbox rows due to be sent.

The single-column `ticket (status)` index is dropped: `(status, created_at)` serves every query it
served. Only indexes change; no row is touched.
"""

from __future__ import annotations

NEW_INDEXES = (
    ("ticket", ("status", "created_at")),
    ("ticket", ("status", "due_at")),
    ("ticket", ("assigned_agent_id", "status", "due_at")),
    ("ticket", ("layanan_id", "status", "created_at")),
    ("notification", ("status", "next_attempt_at")),
)


def upgrade(migrator, database) -> None:
    """Create the list indexes; drop the index on ticket.status alone."""
    for table, columns in NEW_INDEXES:
        migrator.add_index(table, columns, False).run()
    migrator.drop_index("ticket", "ticket_status").run()
