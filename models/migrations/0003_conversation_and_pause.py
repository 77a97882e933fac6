"""The conversation on a ticket and the paused clock of step 5.

`ticket.reply_unread` (a requester's reply not yet opened by the staff answering for the step)
and `ticket.last_reply_at`; `ticket_step.paused_at` (step 5 waiting for the requester since) and
`ticket_step.paused_seconds` (the working time paused so far).

The two NOT NULL columns are added with a server default in one `ADD COLUMN` (existing rows: no
reply unread, never paused), not by playhouse's add-then-`add_not_null`, which on SQLite
rebuilds the table and so would delete every child row of `ticket` by cascade.
"""

from __future__ import annotations

from peewee import DateTimeField, SqliteDatabase
from playhouse.migrate import migrate


def upgrade(migrator, database) -> None:
    boolean = "INTEGER" if isinstance(database, SqliteDatabase) else "BOOLEAN"
    database.execute_sql(
        f'ALTER TABLE "ticket" ADD COLUMN "reply_unread" {boolean} NOT NULL DEFAULT FALSE'
    )
    database.execute_sql(
        'ALTER TABLE "ticket_step" ADD COLUMN "paused_seconds" INTEGER NOT NULL DEFAULT 0'
    )
    migrate(
        migrator.add_column("ticket", "last_reply_at", DateTimeField(null=True)),
        migrator.add_column("ticket_step", "paused_at", DateTimeField(null=True)),
    )
