"""The requester's language on each ticket: `ticket.requester_language`, `id` or `en`.

The language the requester used when submitting the form; the emails to the requester are
written in it. Every existing ticket was submitted in Bahasa Indonesia, the column's default.
One `ADD COLUMN ... NOT NULL DEFAULT` alters the table in place on SQLite and PostgreSQL alike.
"""

from __future__ import annotations


def upgrade(migrator, database) -> None:
    """Add `ticket.requester_language` (VARCHAR(255) NOT NULL DEFAULT 'id')."""
    database.execute_sql(
        "ALTER TABLE ticket ADD COLUMN requester_language VARCHAR(255) NOT NULL DEFAULT 'id'"
    )
