"""`/healthz`: is the database reachable, does the queue answer, is there disk space left for
documents (DESK_MIN_FREE_MB). It names no internal host: errors are given by class only."""

from __future__ import annotations

import os
import shutil

from flask import Blueprint, current_app, jsonify

from models.db import database
from tasks import queue_health

bp = Blueprint("health", __name__)


@bp.get("/healthz")
def healthz():
    """200 with {"database": "ok", "queue": "ok"} when both answer, else 503 with the error."""
    try:
        database.execute_sql("SELECT 1").fetchone()
        db_state = "ok"
    except Exception as exc:  # noqa: BLE001 - reported, not raised
        db_state = f"error: {exc.__class__.__name__}"
    queue_state = queue_health()
    healthy = db_state == "ok" and queue_state == "ok"
    disk_state = disk_health()
    status = "ok" if healthy else "error"
    if healthy and disk_state != "ok":
        status = "warning"  # still serving (reads, forms without files): 200, for monitors
    body = {"status": status, "database": db_state, "queue": queue_state, "disk": disk_state}
    return jsonify(body), 200 if healthy else 503


def disk_health() -> str:
    """'ok', or 'low: N MB free' when the document store's disk has less than
    DESK_MIN_FREE_MB free (uploads would soon be refused)."""
    folder = current_app.config["DOCUMENTS_DIR"]
    while not os.path.isdir(folder) and os.path.dirname(folder) != folder:
        folder = os.path.dirname(folder)  # not made yet: the disk it will be made on
    try:
        free = shutil.disk_usage(folder).free
    except OSError as exc:
        return f"error: {exc.__class__.__name__}"
    free_mb = free // (1024 * 1024)
    return "ok" if free_mb >= int(current_app.config["MIN_FREE_MB"]) else f"low: {free_mb} MB free"
