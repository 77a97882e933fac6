"""The ticket indexes a due-time sort reads widened to the ticket's id.

A list sorted by due time breaks its ties by the columns of these indexes, then the ticket's id
(`deskadmin.list_order.TicketListOrder.sort_ties`), so that paging never repeats or skips a ticket:

- `ticket (status, due_at, layanan_id, step, assigned_agent_id)` + `id`: a list of one status.
  PostgreSQL's index entries did not end with the id (SQLite's end with the row id), so where
  tickets share a due time (every closed ticket has none) it sorted each group of the same
  service and agent: 15,000 rows at 1,000,000 tickets for the closed tickets' first page
  (12 -> 50 ms);
- `ticket (due_at, status, layanan_id)` + `step, assigned_agent_id, id`: every status (the
  overdue queue, "Tampilkan: semua"), where SQLite, which puts no due time first, sorted each
  service's closed tickets (3.6 -> 10 ms at 100,000);
- `ticket (assigned_agent_id, status, due_at)` + `layanan_id, step, id`: an agent's lists of one
  status ("Tiket saya", their closed tickets), which SQLite, keeping the index's order only up to
  a column it does not look up, sorted again.

With them each page is read in order and stops. A widened index serves every query the narrow
one served (the home page's counts, the overdue queue, an agent's lists), which is dropped. No
row is touched; each index is built with the table's writes held (a few seconds at 1,000,000
tickets on PostgreSQL). On a SQLite database that has its planner's statistics (`ANALYZE` was
run), the new indexes get theirs: without them SQLite guessed, and read the closed tickets
sorted by status through the wrong index (4 -> 30 ms at 100,000 tickets).
"""

from __future__ import annotations

from peewee import SqliteDatabase
from playhouse.migrate import make_index_name

WIDENED = {
    "ticket_status_due_at_layanan_id_step_assigned_agent_id": (
        "status", "due_at", "layanan_id", "step", "assigned_agent_id", "id",
    ),
    "ticket_due_at_status_layanan_id": (
        "due_at", "status", "layanan_id", "step", "assigned_agent_id", "id",
    ),
    "ticket_assigned_agent_id_status_due_at": (
        "assigned_agent_id", "status", "due_at", "layanan_id", "step", "id",
    ),
}  # fmt: skip


def upgrade(migrator, database) -> None:
    """Create the widened indexes; drop the narrow ones; on an analyzed SQLite database,
    analyze the new ones."""
    for narrow, columns in WIDENED.items():
        migrator.add_index("ticket", columns, False).run()
        migrator.drop_index("ticket", narrow).run()
        if isinstance(database, SqliteDatabase) and database.table_exists("sqlite_stat1"):
            database.execute_sql(f'ANALYZE "{make_index_name("ticket", columns)}"')
