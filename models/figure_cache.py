"""A short memory of dashboard figures that cannot change: those of periods already over.

The rule: a step's `ended_at`, a ticket's `created_at` and `closed_at` are written once, at
the moment they happen, so the figures of a period that ended before today (local date) stay
the same; they are kept per app (`app.extensions["desk_figure_cache"]`, each worker its own) for
CACHE_SECONDS, so that a catalogue change that moves a service to another seksi (another
scope) shows within that time. Keys carry the user's scope (`scope_key`), never the user alone.
"""

from __future__ import annotations

import time

from flask import current_app

EXTENSION = "desk_figure_cache"
CACHE_SECONDS = 900
MAX_ENTRIES = 2000


def scope_key(user) -> tuple:
    """What `models.scope.visible_tickets` depends on: the roles, the bidang, the seksi, and
    for an agent the user."""
    roles = frozenset(user.role_names) if user is not None and user.active else frozenset()
    agent = user.id if "agent" in roles else None
    return (roles, getattr(user, "bidang_id", None), getattr(user, "seksi_id", None), agent)


def remember(key, compute):
    """`compute()`'s value, kept under `key` for CACHE_SECONDS."""
    store = current_app.extensions.setdefault(EXTENSION, {})
    now = time.monotonic()
    hit = store.get(key)
    if hit is not None and hit[0] > now:
        return hit[1]
    value = compute()
    if len(store) >= MAX_ENTRIES:
        store.clear()
    store[key] = (now + CACHE_SECONDS, value)
    return value
