"""Addresses that differ in one integer id only (a ticket's documents on its page), routed once
per page instead of once per row: `url_for` for a marker id, then the marker replaced by each
id. The same address `url_for` builds, since an integer converter writes the id as its digits."""

from __future__ import annotations

from collections.abc import Callable

from flask import url_for

# an id no table of the desk reaches, written as digits that no other part of an address holds
MARKER = 9_070_531_246_817


def id_url(endpoint: str, key: str, **values) -> Callable[[int], str]:
    """`lambda i: url_for(endpoint, **values, **{key: i})` with one routing build: `key` must
    be an `int` route argument. An address where the marker is not found exactly once (never
    for the desk's routes) is built by `url_for` for each id."""
    url = url_for(endpoint, **values, **{key: MARKER})
    head, found, tail = url.partition(str(MARKER))
    if not found or str(MARKER) in tail:
        return lambda i: url_for(endpoint, **values, **{key: i})
    return lambda i: f"{head}{int(i)}{tail}"
