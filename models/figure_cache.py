"""A short memory of dashboard figures that cannot change: those of periods already over.

The rule: a step's `ended_at`, a ticket's `created_at` and `closed_at` are written once, at
the moment they happen, so the figures of a period that ended before today (local date) stay
the same; they are kept per app (`app.extensions["desk_figure_cache"]`, each worker its own) for
CACHE_SECONDS, so that a catalogue change that moves a service to another seksi (another
scope) shows within that time. Keys carry the user's scope (`scope_key`), never the user alone.
The memory is bounded: at most MAX_ENTRIES values of at most MAX_WEIGHT in all (a histogram
weighs its groups, `models.step_histograms`), the expired dropped first, then everything.
A figure of a quarter or a year is added up from its months (`per_month`): those already over
kept, the current one counted again on each page.
"""

from __future__ import annotations

import time

from flask import current_app

from models.calendar import calendar
from models.db import utcnow
from models.months import month_key

EXTENSION = "desk_figure_cache"
CACHE_SECONDS = 900
MAX_ENTRIES = 2000
MAX_WEIGHT = 50_000  # a histogram group is ~1 KB with its counts: some 50 MB at most


class Memory(dict):
    """key -> (expiry on the monotonic clock, value, weight), with the weights' sum."""

    def __init__(self):
        super().__init__()
        self.weight = 0

    def clear(self) -> None:
        super().clear()
        self.weight = 0

    def drop_expired(self) -> None:
        now = time.monotonic()
        for key in [k for k, hit in self.items() if hit[0] <= now]:
            self.weight -= self.pop(key)[2]


def scope_key(user) -> tuple:
    """What `models.scope.visible_tickets` depends on: the roles, the bidang, the seksi, and
    for an agent the user."""
    roles = frozenset(user.role_names) if user is not None and user.active else frozenset()
    agent = user.id if "agent" in roles else None
    return (roles, getattr(user, "bidang_id", None), getattr(user, "seksi_id", None), agent)


def store() -> Memory:
    """This app's memory of figures."""
    return current_app.extensions.setdefault(EXTENSION, Memory())


def recall(memory: dict, key):
    """The value kept under `key` if it is younger than CACHE_SECONDS, else None."""
    hit = memory.get(key)
    return hit[1] if hit is not None and hit[0] > time.monotonic() else None


def keep(memory: Memory, key, value, weight: int = 1) -> None:
    """Keep `value` under `key` for CACHE_SECONDS; `weight`: its size in histogram groups."""
    old = memory.pop(key, None)
    if old is not None:
        memory.weight -= old[2]
    if len(memory) >= MAX_ENTRIES or memory.weight + weight > MAX_WEIGHT:
        memory.drop_expired()
    if len(memory) >= MAX_ENTRIES or memory.weight + weight > MAX_WEIGHT:
        memory.clear()
    memory[key] = (time.monotonic() + CACHE_SECONDS, value, weight)
    memory.weight += weight


def remember(key, compute, weigh=None):
    """`compute()`'s value, kept under `key` for CACHE_SECONDS (`weigh(value)`: its weight)."""
    memory = store()
    value = recall(memory, key)
    if value is None:
        value = compute()
        keep(memory, key, value, weigh(value) if weigh else 1)
    return value


def per_month(
    user, kind: str, months: list, count, empty, memo: dict | None = None, weigh=None
) -> list:
    """The value of each calendar month of `months` (`models.compliance.Period`s, in order):
    a month already over (local date) is kept under (kind, scope, month) for CACHE_SECONDS;
    the others are counted again, at most once per `memo` (one page). `count(months)` counts
    the months missing ({"YYYY-MM": value}); a month it does not name gets `empty`;
    `weigh(value)`: its weight."""
    today = calendar.to_local(utcnow()).date()
    scope = scope_key(user)
    memory = store()
    memo = {} if memo is None else memo
    found = {}
    for m in months:
        key = (kind, scope, m)
        found[m] = recall(memory, key) if m.last < today else memo.get(key)
    missing = [m for m in months if found[m] is None]
    if not missing:
        return [found[m] for m in months]
    counted = count(missing)
    for m in missing:
        value = found[m] = counted.get(month_key(m), empty)
        key = (kind, scope, m)
        if m.last < today:
            keep(memory, key, value, weigh(value) if weigh else 1)
        else:
            memo[key] = value
    return [found[m] for m in months]
