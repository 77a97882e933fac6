"""The staff audit log (`audit_entry`), the heads of the hash chains (`chain_head`), and the hash
chain columns of the ticket history (`ticket_event.prev_hash`, `ticket_event.hash`).

The history entries already there are linked into their tickets' chains here, in id order, with
the algorithm of `models.hashchain` as it is at this migration (frozen below): an HMAC keyed by
the app's SECRET_KEY over the previous hash and the entry's fields. Run inside the app
(`flask db upgrade`), which gives the key; run outside any app (a bare `migrate.upgrade()`),
the existing entries stay unlinked and `flask audit verify` reports them.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json

from flask import current_app, has_app_context
from peewee import CharField, DateTimeField, IntegerField, Model, TextField

EVENT_HASHED = (
    "ticket_id",
    "at",
    "actor_label",
    "action",
    "from_status",
    "to_status",
    "note",
    "public",
)


def frozen(database):
    class Base(Model):
        class Meta:
            legacy_table_names = False

    class ChainHead(Base):
        name = CharField(primary_key=True)
        last_id = IntegerField()
        last_hash = CharField()

    class AuditEntry(Base):
        at = DateTimeField(index=True)
        actor_id = IntegerField(null=True, index=True)
        actor_label = CharField()
        remote_addr = CharField(null=True)
        action = CharField(index=True)
        target = CharField(default="")
        detail = TextField(default="")
        prev_hash = CharField(null=True)
        hash = CharField()

    for model in (ChainHead, AuditEntry):
        model._meta.set_database(database)
    return ChainHead, AuditEntry


def _link_hash(key: bytes, prev: str | None, fields: dict) -> str:
    def canonical(value):
        if isinstance(value, dt.datetime):
            return value.replace(tzinfo=None).isoformat(timespec="microseconds")
        return value

    payload = json.dumps(
        {k: canonical(v) for k, v in fields.items()}, sort_keys=True, ensure_ascii=False
    )
    return hmac.new(key, f"{prev or ''}\n{payload}".encode(), hashlib.sha256).hexdigest()


def _parse(value):
    if isinstance(value, str):
        return dt.datetime.fromisoformat(value)
    return value


def upgrade(migrator, database) -> None:
    """Create the two tables, add the chain columns, link the existing history."""
    chain_head, audit_entry = frozen(database)
    database.create_tables([chain_head, audit_entry])
    migrator.add_column("ticket_event", "prev_hash", CharField(null=True)).run()
    migrator.add_column("ticket_event", "hash", CharField(null=True)).run()

    if not has_app_context():
        return  # no key outside the app: `flask audit verify` reports these entries unlinked
    secret = str(current_app.config["SECRET_KEY"]).encode()
    key = hmac.new(secret, b"desk-hash-chain", hashlib.sha256).digest()
    cursor = database.execute_sql(
        "SELECT id, ticket_id, at, actor_label, action, from_status, to_status, note, public "
        "FROM ticket_event ORDER BY ticket_id, id"
    )
    heads: dict[int, tuple[int, str]] = {}
    for row in cursor.fetchall():
        fields = dict(zip(("id",) + EVENT_HASHED, row, strict=True))
        event_id = fields.pop("id")
        fields["at"] = _parse(fields["at"])
        fields["public"] = bool(fields["public"])
        prev = heads.get(fields["ticket_id"], (None, None))[1]
        digest = _link_hash(key, prev, fields)
        database.execute_sql(
            "UPDATE ticket_event SET prev_hash = %s, hash = %s WHERE id = %s"
            if not _is_sqlite(database)
            else "UPDATE ticket_event SET prev_hash = ?, hash = ? WHERE id = ?",
            (prev, digest, event_id),
        )
        heads[fields["ticket_id"]] = (event_id, digest)
    for ticket_id, (event_id, digest) in heads.items():
        chain_head.create(name=f"ticket_event:{ticket_id}", last_id=event_id, last_hash=digest)


def _is_sqlite(database) -> bool:
    from peewee import SqliteDatabase

    return isinstance(database, SqliteDatabase)
