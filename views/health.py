"""`/healthz`: the state of the desk for a load balancer and for the administrator.

It reports the database, the queue, the periodic consumer's heartbeat (how old), the oldest
pending email (how old) and the free disk of the document store; it names no host, address or
DSN (an error is reported by its kind only).
"""

from __future__ import annotations

import os
import shutil

from flask import Blueprint, current_app, jsonify

from models.db import database, utcnow
from tasks import queue_health

bp = Blueprint("health", __name__)

# An email waiting longer than this means nothing is sending (SMTP down, no consumer).
EMAIL_MAX_AGE_S = 900


def _database_state() -> str:
    try:
        database.connect(reuse_if_open=True)
        database.execute_sql("SELECT 1").fetchone()
        return "ok"
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        return f"error: {exc.__class__.__name__}"


def _age_seconds(then, now) -> int | None:
    return None if then is None else max(0, int((now - then).total_seconds()))


def _consumer(now) -> dict:
    from tasks.operations import heartbeat_age

    age = heartbeat_age(now)
    seconds = None if age is None else max(0, int(age.total_seconds()))
    fresh = seconds is not None and seconds <= int(current_app.config["HEARTBEAT_MAX_AGE"])
    return {"status": "ok" if fresh else "stale", "heartbeat_age_s": seconds}


def _emails(now) -> dict:
    from models.ticket import Notification

    # two statements that read only the waiting and the failed rows (an index each), not one
    # pass over the whole outbox
    age = _age_seconds(Notification.oldest_pending_at(), now)
    failed = Notification.select().where(Notification.status == "failed").count()
    late = age is not None and age > EMAIL_MAX_AGE_S
    return {"status": "late" if late else "ok", "oldest_pending_age_s": age, "failed": failed}


def _disk() -> dict:
    path = current_app.config["DOCUMENTS_DIR"]
    while path and not os.path.isdir(path):
        path = os.path.dirname(path)  # the store is made on first write
    free_mb = shutil.disk_usage(path or ".").free // (1024 * 1024)
    low = free_mb < int(current_app.config["MIN_FREE_DISK_MB"])
    return {"status": "low" if low else "ok", "free_mb": free_mb}


@bp.get("/healthz")
def healthz():
    """200 when the database and the queue answer ("status" "ok", or "warning" when the
    consumer's heartbeat is stale, an email waits too long or the disk is low); 503 with
    "status" "error" when the database or the queue does not answer."""
    now = utcnow()
    db_state = _database_state()
    queue_state = queue_health()
    body = {"database": db_state, "queue": queue_state}
    if db_state == "ok":
        try:
            body["consumer"] = _consumer(now)
            body["email"] = _emails(now)
        except Exception as exc:  # noqa: BLE001 - e.g. a schema not yet upgraded
            body["consumer"] = body["email"] = {"status": f"error: {exc.__class__.__name__}"}
    body["disk"] = _disk()
    if db_state != "ok" or queue_state != "ok":
        body["status"] = "error"
        return jsonify(body), 503
    parts = [body[k]["status"] for k in ("consumer", "email", "disk")]
    body["status"] = "ok" if all(p == "ok" for p in parts) else "warning"
    return jsonify(body), 200
