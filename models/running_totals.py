"""Totals of a table that only grows (the history, the outbox), kept per app and process so that
`/metrics` does not count millions of rows on every scrape.

The rows up to a settled id are counted once and kept; each call counts only the rows after it.
A row is settled when a row with a larger id was written more than `SETTLE` ago: ids come from
one sequence, so every row below it was inserted before that, and a transaction still open
after ten minutes would be one the desk never runs (its transitions take milliseconds).
Rows are never deleted from these tables (a ticket is never deleted), so a kept count stays
true; the first scrape of each worker pays the full count once.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter

from flask import current_app
from peewee import fn

from models.db import utcnow

EXTENSION = "desk_running_totals"
SETTLE = dt.timedelta(minutes=10)


def totals_by(model, column, written_at, now=None) -> Counter:
    """How many rows of `model` have each value of `column` (never-changing values only, such
    as a history entry's action; `None` counts every row under the key `None`), `written_at`
    being the field holding when each row was written."""
    store = current_app.extensions.setdefault(EXTENSION, {})
    key = (model._meta.table_name, None if column is None else column.name)
    settled, kept = store.get(key, (0, Counter()))
    cutoff = (now or utcnow()) - SETTLE
    newest_settled = (
        model.select(fn.MAX(model.id)).where(model.id > settled, written_at < cutoff).scalar()
    )
    if newest_settled:
        kept = kept + _count(model, column, settled, newest_settled)
        settled = newest_settled
        store[key] = (settled, kept)
    return kept + _count(model, column, settled, None)


def _count(model, column, after: int, up_to: int | None) -> Counter:
    where = [model.id > after] if up_to is None else [model.id > after, model.id <= up_to]
    if column is None:
        return Counter({None: model.select(fn.COUNT(model.id)).where(*where).scalar() or 0})
    rows = model.select(column, fn.COUNT(model.id)).where(*where).group_by(column).tuples()
    return Counter(dict(rows))
