"""Small catalogue reads kept per app and process for a short while: the lists' filter choices,
the public form's services and agencies, and its blank page per service and language.

Every page would otherwise read the services, the Perangkat Daerah and the agents again.
An edit through this process forgets them at once (`forget`); other processes (gunicorn
workers) see it when their copy is `TTL_SECONDS` old.
"""

from __future__ import annotations

import time

from flask import current_app, has_app_context

EXTENSION = "desk_process_cache"
TTL_SECONDS = 30.0


def cached(name: str, load, ttl: float = TTL_SECONDS):
    """`load()`, computed at most once per `ttl` seconds per app and process (each app has its
    own copy: tests build several apps on different databases in one process)."""
    if not has_app_context():
        return load()
    store = current_app.extensions.setdefault(EXTENSION, {})
    now = time.monotonic()
    hit = store.get(name)
    if hit is not None and hit[0] > now:
        return hit[1]
    value = load()
    store[name] = (now + ttl, value)
    return value


def forget() -> None:
    """Drop every cached value of the current app (after an edit of the catalogue or the staff:
    the next page reads them again)."""
    if has_app_context():
        current_app.extensions.get(EXTENSION, {}).clear()
