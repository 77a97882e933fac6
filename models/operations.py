"""Operations records: when each periodic task last ran, and each request for a generated
Berita Acara or SLA.

`PeriodicRun` has one row per periodic task (the consumer's heartbeat is one of them): the
health check reports how old the heartbeat is, and the catch-up task runs a sweep or reminder
run whose scheduled time passed while no consumer was running. `IssuedDocumentRequest` keeps
what the agent asked for (the kind, and for a BA the text of the work done), so that a request
whose rendering task was lost with a killed consumer can be queued again, once.
"""

from __future__ import annotations

from peewee import CharField, DateTimeField, ForeignKeyField, TextField

from models.db import BaseModel, utcnow
from models.staff import User
from models.ticket import Ticket


class PeriodicRun(BaseModel):
    """The last run of one periodic task (by its name)."""

    name = CharField(primary_key=True)
    last_run_at = DateTimeField()

    @classmethod
    def record(cls, name: str, now=None) -> None:
        """Record that `name` ran at `now` (one upsert; safe from several consumers)."""
        now = now or utcnow()
        cls.insert(name=name, last_run_at=now).on_conflict(
            conflict_target=[cls.name], update={cls.last_run_at: now}
        ).execute()

    @classmethod
    def last(cls, name: str):
        """When `name` last ran, or None if never."""
        row = cls.get_or_none(cls.name == name)
        return row.last_run_at if row else None


class IssuedDocumentRequest(BaseModel):
    """One request of the agent for a generated document (`kind`: "ba" or "sla"): what it
    renders (the BA's text of the work done; nothing for the SLA) and when it was asked;
    `requeued_at` is set when its lost task was queued again (at most once)."""

    ticket = ForeignKeyField(Ticket, backref="+", on_delete="CASCADE")
    agent = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    kind = CharField()
    work_done = TextField(null=True)
    issued_at = DateTimeField(index=True)
    requeued_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("ticket", "kind", "issued_at"), False),)
