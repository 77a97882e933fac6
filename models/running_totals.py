"""Totals of a table that only grows (the history, the outbox), kept per app and process so that
`/metrics` does not count millions of rows on every scrape.

The rule: the largest id there was `SETTLE` ago (as this worker saw it on an earlier call, on
its own clock) is settled: every row below it had been inserted by then, and a transaction
still open ten minutes later is one the desk never runs (its transitions take milliseconds), so
all of them have committed. The rows up to the settled id are counted once and kept; each call
counts only the rows after it. No column the application writes is trusted for this (a
history entry's `at` is the moment it reports, which may be long past: a Berita Acara attached
by a task carries the time it was asked for). Until a first id has settled, a worker keeps the
count it made on its first call and counts only the rows added since; once one has, the rows up
to it are counted again, so a row that was still uncommitted at the first call is not missed.
A worker pays a full count twice: on its first call, and ten minutes later. Rows are never
deleted from these tables (a ticket is never deleted), so a kept count stays true.
"""

from __future__ import annotations

import threading
import time
from collections import Counter, deque

from flask import current_app
from peewee import fn

EXTENSION = "desk_running_totals"
SETTLE_SECONDS = 600.0


class _Total:
    """One table's (and column's) kept count and the ids it saw lately."""

    def __init__(self):
        self.lock = threading.Lock()
        self.settled = 0  # the rows up to this id are counted in `kept`
        self.kept = Counter()
        self.first = None  # (largest id, its count) of the first call, until an id settles
        self.seen = deque()  # (clock, largest id) of the calls not yet SETTLE_SECONDS old


def totals_by(model, column, clock=time.monotonic) -> Counter:
    """How many rows of `model` have each value of `column` (never-changing values only, such
    as a history entry's action; `column` None counts every row under the key `None`)."""
    store = current_app.extensions.setdefault(EXTENSION, {})
    key = (model._meta.table_name, None if column is None else column.name)
    total = store.get(key)
    if total is None:
        total = store.setdefault(key, _Total())
    with total.lock:
        now = clock()
        largest = model.select(fn.MAX(model.id)).scalar() or 0
        total.seen.append((now, largest))
        ready = None
        while total.seen and total.seen[0][0] <= now - SETTLE_SECONDS:
            ready = total.seen.popleft()[1]
        if ready is not None and ready > total.settled:
            total.kept = total.kept + _count(model, column, total.settled, ready)
            total.settled, total.first = ready, None
        if total.settled:
            return total.kept + _count(model, column, total.settled, None)
        if total.first is None:
            total.first = (largest, _count(model, column, 0, largest))
        first_id, first_count = total.first
        return first_count + _count(model, column, first_id, None)


def _count(model, column, after: int, up_to: int | None) -> Counter:
    where = [model.id > after] if up_to is None else [model.id > after, model.id <= up_to]
    if column is None:
        return Counter({None: model.select(fn.COUNT(model.id)).where(*where).scalar() or 0})
    rows = model.select(column, fn.COUNT(model.id)).where(*where).group_by(column).tuples()
    return Counter(dict(rows))
