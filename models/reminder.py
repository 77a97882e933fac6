"""The reminders already sent: one row per (ticket, kind, key), so that each is sent once."""

from __future__ import annotations

from peewee import CharField, DateTimeField, ForeignKeyField

from models.db import BaseModel, utcnow
from models.ticket import Ticket


class ReminderSent(BaseModel):
    """A reminder written to the outbox; `key` names what it was about (e.g. one SOP step)."""

    ticket = ForeignKeyField(Ticket, backref="reminders", on_delete="CASCADE")
    kind = CharField()
    key = CharField()
    created_at = DateTimeField(default=utcnow)

    class Meta:
        indexes = ((("ticket", "kind", "key"), True),)

    def __str__(self):
        return f"{self.kind} {self.key}"

    @classmethod
    def exists_for(cls, ticket_id: int, kind: str, key: str) -> bool:
        return (
            cls.select().where(cls.ticket == ticket_id, cls.kind == kind, cls.key == key).exists()
        )
