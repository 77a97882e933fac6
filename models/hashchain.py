"""Tamper-evident chains: each entry carries the hash of the one before it.

Two kinds of chain: the staff audit log (`audit_entry`, one chain) and the ticket history
(`ticket_event`, one chain per ticket, so that tickets never wait on each other). An entry's
`hash` is an HMAC (key derived from the app's SECRET_KEY, so that somebody who can write the
database but not read the app's secret cannot recompute a chain) over the previous entry's hash
and the entry's own fields. The head of each chain (its last id and hash) is a row of
`chain_head`: read and moved inside the entry's write transaction, locked FOR UPDATE on
PostgreSQL, so two writers never both link to the same entry, and a deleted last entry shows.

The lock order (PostgreSQL): a ticket's row, then its step rows, then its chain head.
`append_ticket_event` takes the ticket row (FOR NO KEY UPDATE: the lock the
conditional version UPDATE takes, and one that does not hold off other rows' foreign keys) before
the head, so a writer that never locked the ticket (the mail task recording a sent email) waits
for the ticket's current writer instead of taking the head first: the history row's foreign key
would then wait for the ticket row (FOR KEY SHARE) while that writer waits for the head, a
deadlock. The audit chain's head is taken last: in a transaction of its own
(`models.audit.record`, after the request's other writes committed), or at the end of the
caller's; no transaction holds it while it waits for another row.

`verify()` walks every chain and reports the first broken link (`flask audit verify`).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import json
from dataclasses import dataclass

from flask import current_app
from peewee import EXCLUDED, CharField, IntegerField

from models.db import BaseModel, insert_returning, is_sqlite, locked

AUDIT_CHAIN = "audit"
TICKET_CHAIN_PREFIX = "ticket_event:"


class ChainHead(BaseModel):
    """The last entry of one chain: its id and hash."""

    name = CharField(primary_key=True)
    last_id = IntegerField()
    last_hash = CharField()


def _key() -> bytes:
    secret = str(current_app.config["SECRET_KEY"]).encode()
    return hmac.new(secret, b"desk-hash-chain", hashlib.sha256).digest()


def _canonical(value):
    if isinstance(value, dt.datetime):
        return value.replace(tzinfo=None).isoformat(timespec="microseconds")
    return value


def link_hash(prev_hash: str | None, fields: dict) -> str:
    """The hash of an entry with `fields`, following the entry whose hash is `prev_hash`."""
    payload = json.dumps(
        {k: _canonical(v) for k, v in fields.items()}, sort_keys=True, ensure_ascii=False
    )
    message = f"{prev_hash or ''}\n{payload}".encode()
    return hmac.new(_key(), message, hashlib.sha256).hexdigest()


def append(chain: str, model, fields: dict, hashed: tuple[str, ...]):
    """Create a `model` row with `fields`, linked to the head of `chain`, and move the head;
    inside the caller's write transaction. `hashed` names the fields the hash covers."""
    (row,) = append_many(model, [(chain, fields)], hashed)
    return row


def append_many(
    model, entries: list[tuple[str, dict]], hashed: tuple[str, ...], *, new_chains=False
) -> list:
    """Create one `model` row per `(chain, fields)` entry, each linked to the head of its own
    chain (one entry per chain), and move the heads; inside the caller's write transaction.
    The heads are read (and locked on PostgreSQL) in one statement, the links computed here,
    the rows written by one INSERT and the heads moved by one upsert. Returns the rows, in the
    order given.

    `new_chains`: the caller knows that no entry of these chains exists (the history of a
    ticket its own transaction just inserted, which no other writer can name yet): the rows
    are written as first entries and the heads inserted, 2 statements instead of 5. A head
    found there all the same (a deleted ticket's, whose id SQLite gave again) is kept: that
    chain's row is taken back and linked to it as usual, so the deletion still shows."""
    chains = [chain for chain, _fields in entries]
    if len(set(chains)) != len(chains):
        # a second entry of one chain must follow the first: ids in chain order, not here
        raise ValueError("append_many takes one entry per chain")
    if not entries:
        return []
    if new_chains:
        rows = _insert_linked(model, entries, {}, hashed)
        made = insert_returning(
            ChainHead, _moved_heads(chains, rows), ("name",), ignore_conflicts=True
        )
        if len(made) == len(chains):
            return rows
        taken = {name for (name,) in made}
        kept = [i for i, chain in enumerate(chains) if chain not in taken]
        model.delete().where(model.id.in_([rows[i].id for i in kept])).execute()
        again = append_many(model, [entries[i] for i in kept], hashed)
        for i, row in zip(kept, again, strict=True):
            rows[i] = row
        return rows
    heads = _locked_heads(chains)
    missing = [chain for chain in chains if chain not in heads]
    if missing:
        # A new chain: make its (empty) head first, so that there is a row to lock; a writer
        # starting the same chain at once waits for this insert, then locks the same row.
        ChainHead.insert_many(
            [{"name": chain, "last_id": 0, "last_hash": ""} for chain in missing]
        ).on_conflict_ignore().execute()
        heads.update(_locked_heads(missing))
    rows = _insert_linked(model, entries, heads, hashed)
    ChainHead.insert_many(_moved_heads(chains, rows)).on_conflict(
        conflict_target=[ChainHead.name],
        update={ChainHead.last_id: EXCLUDED.last_id, ChainHead.last_hash: EXCLUDED.last_hash},
    ).execute()
    return rows


def _insert_linked(model, entries, heads: dict, hashed) -> list:
    """Write one row per `(chain, fields)`, each linked to its chain's head in `heads` (none:
    the chain's first entry), by one INSERT; the rows, with their ids."""
    rows = []
    for chain, fields in entries:
        head = heads.get(chain)
        prev = (head.last_hash or None) if head is not None else None
        digest = link_hash(prev, {name: fields.get(name) for name in hashed})
        rows.append(model(**fields, prev_hash=prev, hash=digest))
    columns = {name for row in rows for name in row.__data__}  # the same columns for each row
    values = [{name: row.__data__.get(name) for name in columns} for row in rows]
    written = insert_returning(model, values, ("id", "hash"), complete=True)
    ids = {digest: id_ for id_, digest in written}
    for row in rows:
        row.id = ids[row.hash]  # each hash is its own chain's: unique in one call
        row._dirty.clear()
    return rows


def _moved_heads(chains, rows) -> list[dict]:
    return [
        {"name": c, "last_id": r.id, "last_hash": r.hash} for c, r in zip(chains, rows, strict=True)
    ]


def _locked_heads(chains) -> dict:
    """The heads of `chains` that exist, locked FOR UPDATE on PostgreSQL (in name order)."""
    query = ChainHead.select().where(ChainHead.name.in_(chains)).order_by(ChainHead.name)
    return {head.name: head for head in locked(query)}


def append_ticket_event(ticket_id: int, **fields):
    """Create a TicketEvent of `ticket_id` linked into that ticket's chain (inside the caller's
    write transaction): the one way every history entry is written
    (`append_ticket_events` for one)."""
    (event,) = append_ticket_events([{"ticket_id": ticket_id, **fields}])
    return event


def append_ticket_events(entries: list[dict], *, new_tickets=False):
    """Create one TicketEvent per entry (its fields, `ticket_id` among them; one entry per
    ticket) linked into its ticket's chain, inside the caller's write transaction. Locks the
    tickets' rows in id order, then their chain heads (the one lock order, so two writers of
    one ticket never deadlock, nor two batches). `new_tickets`: the tickets were inserted by
    this transaction (which holds their rows, and no other writer knows them): their first
    entries, without reading heads (`append_many`'s `new_chains`). Returns the events, in the
    order given."""
    from models.ticket import EVENT_HASHED, Ticket, TicketEvent

    # The ticket rows before their chain heads (the lock order above); already held by a
    # transition's UPDATE or a conversation's FOR UPDATE, it costs nothing. SQLite has no row
    # locks (its writers are serialised by BEGIN IMMEDIATE): no statement there.
    if not is_sqlite() and entries and not new_tickets:
        ids = sorted({entry["ticket_id"] for entry in entries})
        query = Ticket.select(Ticket.id).where(Ticket.id.in_(ids)).order_by(Ticket.id)
        locked(query, "FOR NO KEY UPDATE").execute()
    defaults = {"note": "", "public": True, "from_status": None, "to_status": None}
    return append_many(
        TicketEvent,
        [
            (f"{TICKET_CHAIN_PREFIX}{entry['ticket_id']}", {**defaults, **entry})
            for entry in entries
        ],
        EVENT_HASHED,
        new_chains=new_tickets,
    )


@dataclass(frozen=True)
class Broken:
    """The first broken link found: which chain, which entry, and what is wrong."""

    chain: str
    entry_id: int | None
    problem: str

    def __str__(self):
        where = f"#{self.entry_id}" if self.entry_id is not None else "ujung rantai"
        return f"{self.chain} {where}: {self.problem}"


def _walk(chain: str, rows, hashed, head) -> Broken | None:
    prev, last_id = None, None
    for row in rows:
        if row.prev_hash != prev:
            return Broken(
                chain,
                row.id,
                "tidak menyambung ke entri sebelumnya (entri dihapus, disisipkan, atau diubah)",
            )
        if row.hash != link_hash(prev, {name: getattr(row, name) for name in hashed}):
            return Broken(chain, row.id, "isi entri tidak cocok dengan hash-nya (entri diubah)")
        prev, last_id = row.hash, row.id
    if prev is None and (head is None or not head.last_hash):
        return None
    if head is None or head.last_hash != prev or head.last_id != last_id:
        return Broken(
            chain,
            last_id,
            "entri terakhir tidak cocok dengan ujung rantai "
            "(entri terakhir dihapus atau ditambahkan di luar aplikasi)",
        )
    return None


def verify() -> Broken | None:
    """Walk the audit chain, then each ticket's history; the first broken link, or None."""
    from models.audit import HASHED as AUDIT_HASHED
    from models.audit import AuditEntry
    from models.ticket import EVENT_HASHED, TicketEvent

    heads = {h.name: h for h in ChainHead.select()}
    broken = _walk(
        AUDIT_CHAIN,
        AuditEntry.select().order_by(AuditEntry.id),
        AUDIT_HASHED,
        heads.get(AUDIT_CHAIN),
    )
    if broken:
        return broken
    events = TicketEvent.select().order_by(TicketEvent.ticket, TicketEvent.id)
    by_ticket: dict[int, list] = {}
    for event in events.iterator():
        by_ticket.setdefault(event.ticket_id, []).append(event)
    names = {f"{TICKET_CHAIN_PREFIX}{t}" for t in by_ticket}
    names |= {n for n in heads if n.startswith(TICKET_CHAIN_PREFIX)}
    for name in sorted(names, key=lambda n: int(n.removeprefix(TICKET_CHAIN_PREFIX))):
        ticket_id = int(name.removeprefix(TICKET_CHAIN_PREFIX))
        broken = _walk(name, by_ticket.get(ticket_id, []), EVENT_HASHED, heads.get(name))
        if broken:
            return broken
    return None
