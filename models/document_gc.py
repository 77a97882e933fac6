"""Collecting orphaned document bytes: files in the store that no `Document` row references
(left by a call refused or interrupted after its bytes were written) and staged files nobody
published. Never bytes a row references (a document, a catalogue template, the letterhead's
emblem), never bytes younger than the grace period (an upload
running now may not have committed its row yet). `flask documents gc` and a daily task."""

from __future__ import annotations

import logging

from models import letterhead
from models.catalog import Layanan, RequiredDocument
from models.storage import store
from models.ticket import Document

log = logging.getLogger("desk.documents")

DEFAULT_GRACE_SECONDS = 6 * 3600


def catalogue_hashes() -> set[str]:
    """The bytes the catalogue's template files name (required documents, SLA templates)."""
    rows = [r.template_sha256 for r in RequiredDocument.select(RequiredDocument.template_sha256)]
    rows += [r.sla_template_sha256 for r in Layanan.select(Layanan.sla_template_sha256)]
    return {sha for sha in rows if sha}


def collect_orphans(grace_seconds: float = DEFAULT_GRACE_SECONDS, now=None) -> list[str]:
    """Delete the orphaned bytes older than `grace_seconds`; returns the paths deleted."""
    referenced = {row.sha256 for row in Document.select(Document.sha256).distinct()}
    referenced |= catalogue_hashes() | letterhead.referenced_hashes()
    deleted = store.collect_garbage(referenced, grace_seconds=grace_seconds, now=now)
    log.info("documents gc: %d orphaned file(s) deleted", len(deleted))
    return deleted
