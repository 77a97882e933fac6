"""One request table for every generated document: `issued_document_request` (ticket, agent,
kind "ba" or "sla", the BA's text of the work done, when it was asked, when it was re-queued)
replaces `berita_acara_request`, so that a lost SLA task is queued again as a lost BA task is.

Every row of `berita_acara_request` is copied (kind "ba", in the order of its ids), then that
table is dropped: nothing references it, so the DROP deletes no other row. The new table is
frozen here (fields and indexes, no backrefs).
"""

from __future__ import annotations

from peewee import CharField, DateTimeField, ForeignKeyField, Model, TextField

COLUMNS = '"ticket_id", "agent_id", "work_done", "issued_at", "requeued_at"'


def frozen_models(database) -> list[type[Model]]:
    """The new table as this migration creates it, bound to `database`."""

    class Base(Model):
        class Meta:
            legacy_table_names = False

    class Ticket(Base):
        pass

    class User(Base):
        pass

    class IssuedDocumentRequest(Base):
        ticket = ForeignKeyField(Ticket, backref="+", on_delete="CASCADE")
        agent = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
        kind = CharField()
        work_done = TextField(null=True)
        issued_at = DateTimeField(index=True)
        requeued_at = DateTimeField(null=True)

        class Meta:
            indexes = ((("ticket", "kind", "issued_at"), False),)

    IssuedDocumentRequest._meta.set_database(database)
    return [IssuedDocumentRequest]


def upgrade(migrator, database) -> None:
    """Create `issued_document_request`, copy the BA requests into it, drop the old table."""
    database.create_tables(frozen_models(database), safe=False)
    database.execute_sql(
        f'INSERT INTO "issued_document_request" ("kind", {COLUMNS}) '
        f'SELECT \'ba\', {COLUMNS} FROM "berita_acara_request" ORDER BY "id"'
    )
    database.execute_sql('DROP TABLE "berita_acara_request"')
