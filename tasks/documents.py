"""The daily collection of orphaned document bytes (`models.document_gc`)."""

from __future__ import annotations

from huey import crontab

from models.document_gc import collect_orphans
from tasks import app_periodic_task


# 18:20 UTC is 01:20 WIB, a quiet hour; under huey's lock, one consumer collects at a time.
@app_periodic_task(crontab(minute="20", hour="18"), lock="documents_gc")
def collect_orphaned_documents() -> int:
    """Daily: delete document bytes no row references (older than the grace period)."""
    return len(collect_orphans())
