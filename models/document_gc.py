"""Collecting orphaned document bytes: files in the store that no `Document` row references
(left by a call refused or interrupted after its bytes were written) and staged files nobody
published. Never bytes a row references, never bytes younger than the grace period (an upload
running now may not have committed its row yet). `flask documents gc` and a daily task."""

from __future__ import annotations

import logging

from models.storage import store
from models.ticket import Document

log = logging.getLogger("desk.documents")

DEFAULT_GRACE_SECONDS = 6 * 3600


def collect_orphans(grace_seconds: float = DEFAULT_GRACE_SECONDS, now=None) -> list[str]:
    """Delete the orphaned bytes older than `grace_seconds`; returns the paths deleted."""
    referenced = {row.sha256 for row in Document.select(Document.sha256).distinct()}
    deleted = store.collect_garbage(referenced, grace_seconds=grace_seconds, now=now)
    log.info("documents gc: %d orphaned file(s) deleted", len(deleted))
    return deleted
