"""Indexes that serve each staff list's filter and order together.

A list shows 50 rows of one status (or one agent's, or one service's) in its default order; with
an index on (filter columns, order column) the database reads those 50 rows in order and stops,
whatever the table's size, instead of reading and sorting every matching ticket:

- `ticket (status, created_at)`: the ticket list filtered by status, newest first;
- `ticket (status, due_at)`: the queues (status, earliest due first) and the expiry sweep;
- `ticket (assigned_agent_id, status, due_at)`: an agent's lists and "Tiket saya";
- `ticket (layanan_id, status, created_at)`: a service's tickets (the helpdesk's and the heads'
  scope is a set of services);
- `notification (status, next_attempt_at)`: the outbox rows due to be sent;
- `ticket_step (ticket_id, ended_at)`: a ticket's open step, ended at each transition (without
  it SQLite picks the index on `ended_at` and walks every open step of every ticket);
- `ticket_step (ended_at, due_at)`: the compliance report's steps ended in a period and open
  steps already overdue, both as ranges of one index.

The single-column `ticket (status)` and `ticket_step (ended_at)` indexes are dropped: the new
ones that start with the same column serve every query they served. Only indexes change; no row
is touched.
"""

from __future__ import annotations

NEW_INDEXES = (
    ("ticket", ("status", "created_at")),
    ("ticket", ("status", "due_at")),
    ("ticket", ("assigned_agent_id", "status", "due_at")),
    ("ticket", ("layanan_id", "status", "created_at")),
    ("notification", ("status", "next_attempt_at")),
    ("ticket_step", ("ticket_id", "ended_at")),
    ("ticket_step", ("ended_at", "due_at")),
)
DROPPED = (("ticket", "ticket_status"), ("ticket_step", "ticket_step_ended_at"))


def upgrade(migrator, database) -> None:
    """Create the list indexes; drop the two single-column ones they replace."""
    for table, columns in NEW_INDEXES:
        migrator.add_index(table, columns, False).run()
    for table, name in DROPPED:
        migrator.drop_index(table, name).run()
