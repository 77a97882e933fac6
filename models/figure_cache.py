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

Behind the memory, the database (`models.kept_figures`): a value given a codec is also kept
there under (kind, `scope_digest`, period), shared by every worker and across restarts, so that
a worker's first page reads the months already over instead of counting them again.
"""

from __future__ import annotations

import hashlib
import json
import time
from typing import NamedTuple

from flask import current_app, g, has_request_context
from peewee import JOIN

from models import kept_figures
from models.calendar import calendar
from models.catalog import Layanan, Seksi
from models.db import utcnow
from models.months import month_key
from models.staff import ADMIN, AGENT, HELPDESK, KEPALA_BIDANG, KEPALA_SEKSI

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


class Codec(NamedTuple):
    """How a kind's value goes to JSON and back (`decode` raises on a value it cannot read)."""

    encode: object
    decode: object


def _visible_services(user, roles) -> list:
    """[(id, duration class)] of the services whose tickets the scope reaches, by id (every
    service for an admin)."""
    query = Layanan.select(Layanan.id, Layanan.duration).order_by(Layanan.id)
    if ADMIN in roles:
        return list(query.tuples())
    conditions = []
    if roles & {HELPDESK, KEPALA_BIDANG} and user.bidang_id:
        conditions.append(Seksi.bidang == user.bidang_id)
    if KEPALA_SEKSI in roles and user.seksi_id:
        conditions.append(Layanan.seksi == user.seksi_id)
    if not conditions:
        return []
    condition = conditions[0]
    for other in conditions[1:]:
        condition |= other
    return list(query.join(Seksi, JOIN.INNER).where(condition).tuples())


def scope_digest(user) -> str | None:
    """What the user's scope resolves to now, as a digest: the roles and the visible services
    with their duration classes (a catalogue change that moves a service, or changes its
    class, gives another digest). None for a scope with the agent's rule: a reassignment moves
    a ticket's ended steps to another agent, so those figures are not kept in the database.
    Once per request."""
    cache = g.setdefault("desk_scope_digests", {}) if has_request_context() else {}
    key = scope_key(user)
    if key not in cache:
        roles = key[0]
        if AGENT in roles:
            cache[key] = None
            return None
        resolved = [sorted(roles), _visible_services(user, roles)]
        text = json.dumps(resolved, separators=(",", ":"))
        cache[key] = hashlib.sha256(text.encode()).hexdigest()[:32]
    return cache[key]


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


def lasting(user, kind: str, period, compute, codec: Codec, weigh=None):
    """The value of a period already over (a `models.compliance.Period`), as `remember` under
    (kind, scope, period), and behind the memory in the database under (kind, `scope_digest`,
    period): read from there when kept, else `compute()`d and kept there too."""
    memory = store()
    key = (kind, scope_key(user), period)
    value = recall(memory, key)
    if value is None:
        digest = scope_digest(user)
        label, end = f"{period.first.isoformat()}..{period.last.isoformat()}", period.bounds()[1]
        if digest is not None:
            value = kept_figures.read(kind, digest, {label: end}, codec.decode).get(label)
        if value is None:
            seen = kept_figures.watermark() if digest is not None else None
            value = compute()
            if digest is not None:
                kept_figures.write(kind, digest, {label: (end, value)}, codec.encode, seen)
        keep(memory, key, value, weigh(value) if weigh else 1)
    return value


def per_month(
    user,
    kind: str,
    months: list,
    count,
    empty,
    memo: dict | None = None,
    weigh=None,
    codec: Codec | None = None,
) -> list:
    """The value of each calendar month of `months` (`models.compliance.Period`s, in order):
    a month already over (local date) is kept under (kind, scope, month) for CACHE_SECONDS,
    and with a `codec` in the database too (`models.kept_figures`, read when the memory has it
    not); the others are counted again, at most once per `memo` (one page). `count(months)`
    counts the months missing ({"YYYY-MM": value}); a month it does not name gets `empty`;
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
    over = [m for m in missing if m.last < today]
    digest = scope_digest(user) if codec is not None and over else None
    if digest is not None:
        ends = {month_key(m): m.bounds()[1] for m in over}
        kept = kept_figures.read(kind, digest, ends, codec.decode)
        for m in over:
            value = kept.get(month_key(m))
            if value is not None:
                found[m] = value
                keep(memory, (kind, scope, m), value, weigh(value) if weigh else 1)
        missing = [m for m in missing if found[m] is None]
    if not missing:
        return [found[m] for m in months]
    seen = kept_figures.watermark() if digest is not None else None
    counted = count(missing)
    new = {}
    for m in missing:
        value = found[m] = counted.get(month_key(m), empty)
        key = (kind, scope, m)
        if m.last < today:
            keep(memory, key, value, weigh(value) if weigh else 1)
            new[month_key(m)] = (m.bounds()[1], value)
        else:
            memo[key] = value
    if digest is not None and new:
        kept_figures.write(kind, digest, new, codec.encode, seen)
    return [found[m] for m in months]
