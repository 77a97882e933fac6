"""Dashboard figures of periods already over, kept in the database: shared by every worker and
kept across restarts, so that a worker's first page reads them instead of counting again.

The rule (`models.figure_cache`): a period that ended before today (local date) has figures
that cannot change, since a ticket's `created_at` and a step's `ended_at` are written at the
moment they happen. A row is keyed by (kind, scope digest, period): the digest is what the
user's scope resolves to now (`figure_cache.scope_digest`: roles, the visible services and
their duration classes), so a catalogue change that moves a service to another seksi or bidang
gives a new key, never stale figures.

Each row carries the largest ticket and ticket step ids there were when it was counted (its
watermark); it is read only while no row added since falls inside its period (`_earliest`: a
ticket received, a step ended, or an incomplete step of a ticket received, before the period's
end: an import of past tickets, a ticket received on the month's last day that goes incomplete
the next morning), and a row found valid takes the current watermark, so that the check reads
only what was added since the last one.

A value is JSON of at most MAX_VALUE_CHARS (a larger one is not kept); a row that does not
decode is ignored, counted again and written over. The rows that a later day or month replaces
(the current month's days already over, DAYS_KIND; the months already over of a quarter or a
year added up, OVER_KIND, made again from the months' rows when asked later) are pruned after
PRUNED days; the rest are few (one per kind, scope and month).
"""

from __future__ import annotations

import datetime as dt
import json
import logging
from typing import NamedTuple

from flask import g, has_app_context, has_request_context
from peewee import CharField, DatabaseError, DateTimeField, IntegerField, TextField, fn

from models.db import BaseModel, database, utcnow
from models.sop import INCOMPLETE
from models.step_facts import StepFact
from models.ticket import Ticket, TicketStep

log = logging.getLogger("desk.dashboard")

MAX_VALUE_CHARS = 8_000_000
DAYS_KIND = "histograms-days"
OVER_KIND = "histograms-over"
PRUNED = {DAYS_KIND: 2, OVER_KIND: 62}  # kind: days a row is kept


class KeptFigure(BaseModel):
    """The figures of one kind, scope and period already over (see the module's rule)."""

    key = CharField(primary_key=True)  # "kind|digest|period"
    kind = CharField()
    value = TextField()
    period_end = DateTimeField()  # the period's end (UTC, exclusive)
    tickets_seen = IntegerField()  # the watermark: the largest ticket id when counted
    steps_seen = IntegerField()  # and the largest ticket step id
    written_at = DateTimeField(default=utcnow)

    class Meta:
        table_name = "kept_figure"


class Watermark(NamedTuple):
    tickets: int
    steps: int


def watermark() -> Watermark:
    """The largest ticket and ticket step ids (a step fact's id is its step's: the larger of
    the two tables', should one be written on its own): take it before counting. Read once per
    request: an older watermark only makes the check read more."""
    cache = g if has_request_context() else None
    if cache is not None and "desk_kept_watermark" in cache:
        return cache.desk_kept_watermark
    tickets = Ticket.select(fn.MAX(Ticket.id)).scalar() or 0
    steps = TicketStep.select(fn.MAX(TicketStep.id)).scalar() or 0
    facts = StepFact.select(fn.MAX(StepFact.id)).scalar() or 0
    seen = Watermark(int(tickets), max(int(steps), int(facts)))
    if cache is not None:
        cache.desk_kept_watermark = seen
    return seen


def row_key(kind: str, digest: str, label: str) -> str:
    """The row's key: kind, scope digest and the period's label ("YYYY-MM", a range of dates)."""
    return f"{kind}|{digest}|{label}"


def _earliest(seen: Watermark):
    """The earliest moment a row added after `seen` counts at (a ticket's reception, a step's
    end, the reception of a ticket with a new incomplete step), or None; once per request."""
    cache = g.setdefault("desk_kept_changes", {}) if has_request_context() else {}
    if seen not in cache:
        received = Ticket.select(fn.MIN(Ticket.created_at)).where(Ticket.id > seen.tickets)
        ended = StepFact.select(fn.MIN(StepFact.ended_at)).where(StepFact.id > seen.steps)
        incomplete = (
            TicketStep.select(fn.MIN(Ticket.created_at))
            .join(Ticket, on=(TicketStep.ticket == Ticket.id))
            .where(TicketStep.id > seen.steps, TicketStep.status == INCOMPLETE)
        )
        moments = [
            Ticket.created_at.python_value(q.scalar()) for q in (received, ended, incomplete)
        ]
        moments = [m for m in moments if m is not None]
        cache[seen] = min(moments) if moments else None
    return cache[seen]


def read(kind: str, digest: str, periods: dict, decode) -> dict:
    """{label: value} of the kept rows of `periods` ({label: the period's end, UTC}) that are
    still valid (nothing added since their watermark falls before their period's end) and
    decode (`decode(json value)`); any other row, or a database that cannot be read, counts as
    no row. The valid rows take the current watermark."""
    keys = {row_key(kind, digest, label): label for label in periods}
    try:
        now_seen = watermark()
        rows = list(
            KeptFigure.select(
                KeptFigure.key, KeptFigure.value, KeptFigure.tickets_seen, KeptFigure.steps_seen
            )
            .where(KeptFigure.key.in_(list(keys)))
            .tuples()
        )
        found, valid = {}, []
        for key, text, tickets, steps in rows:
            label = keys[key]
            seen = Watermark(tickets, steps)
            if seen != now_seen:
                earliest = _earliest(seen)
                if earliest is not None and earliest < periods[label]:
                    continue
                valid.append(key)
            try:
                found[label] = decode(json.loads(text))
            except (ValueError, TypeError, KeyError, IndexError, AttributeError):
                log.warning("kept figure %s does not decode: counted again", key)
        if valid:
            with database.atomic():
                KeptFigure.update(tickets_seen=now_seen.tickets, steps_seen=now_seen.steps).where(
                    KeptFigure.key.in_(valid)
                ).execute()
    except DatabaseError:
        log.warning("kept figures %s unreadable: counted again", kind, exc_info=True)
        return {}
    return found


def write(kind: str, digest: str, values: dict, encode, seen: Watermark) -> None:
    """Keep {label: (the period's end, value)} counted after `seen` was taken (`encode(value)`:
    JSON-able), each row written over if there; a value larger than MAX_VALUE_CHARS is not
    kept, and a failed write only loses the rows (the figures are counted again next time)."""
    now = utcnow()
    rows = []
    for label, (end, value) in values.items():
        text = json.dumps(encode(value), separators=(",", ":"))
        if len(text) <= MAX_VALUE_CHARS:
            rows.append(
                {
                    "key": row_key(kind, digest, label),
                    "kind": kind,
                    "value": text,
                    "period_end": end,
                    "tickets_seen": seen.tickets,
                    "steps_seen": seen.steps,
                    "written_at": now,
                }
            )
    if not rows:
        return
    fields = ["value", "period_end", "tickets_seen", "steps_seen", "written_at"]
    try:
        with database.atomic():
            if kind in PRUNED:
                KeptFigure.delete().where(
                    KeptFigure.kind == kind,
                    KeptFigure.written_at < now - dt.timedelta(days=PRUNED[kind]),
                ).execute()
            KeptFigure.insert_many(rows).on_conflict(
                conflict_target=[KeptFigure.key],
                preserve=[getattr(KeptFigure, f) for f in fields],
            ).execute()
    except DatabaseError:
        log.warning("kept figures %s not written", kind, exc_info=True)


def forget_since(moment) -> None:
    """Forget every kept row of a period that ends after `moment` (UTC), and this worker's
    memory of figures: a fact that ended at `moment` changed its group without a new row
    (`step_facts.refresh_many`), so those periods are counted again. Other workers' memories
    follow within `figure_cache.CACHE_SECONDS`; a page counting one of those periods while the
    change commits may still keep what it counted before it (a window of one count)."""
    from models import figure_cache

    KeptFigure.delete().where(KeptFigure.period_end > moment).execute()
    if has_app_context():
        figure_cache.store().clear()
