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


def store() -> dict:
    """This app's memory of figures."""
    return current_app.extensions.setdefault(EXTENSION, {})


def recall(memory: dict, key):
    """The value kept under `key` if it is younger than CACHE_SECONDS, else None."""
    hit = memory.get(key)
    return hit[1] if hit is not None and hit[0] > time.monotonic() else None


def keep(memory: dict, key, value) -> None:
    """Keep `value` under `key` for CACHE_SECONDS."""
    if len(memory) >= MAX_ENTRIES:
        memory.clear()
    memory[key] = (time.monotonic() + CACHE_SECONDS, value)


def remember(key, compute):
    """`compute()`'s value, kept under `key` for CACHE_SECONDS."""
    memory = store()
    value = recall(memory, key)
    if value is None:
        value = compute()
        keep(memory, key, value)
    return value
