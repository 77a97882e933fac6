"""A signed copy can be sent back: `document.returned_at`.

The requester's counter-signed SLA or BA that the agent returns as wrong or unsigned (or that
signed a result the requester then disputed) stays in the ticket's documents, but no longer
counts as received; `returned_at` says since when. Nullable, no default: every existing document
is simply not returned. Added in place (`ALTER TABLE ... ADD COLUMN`), no table rebuilt.
"""

from __future__ import annotations

from peewee import DateTimeField


def upgrade(migrator, database) -> None:
    """Add the nullable column `document.returned_at`."""
    migrator.add_column("document", "returned_at", DateTimeField(null=True)).run()
