"""`/healthz`: is the database reachable, does the queue answer."""

from __future__ import annotations

from flask import Blueprint, jsonify

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
    body = {"status": "ok" if healthy else "error", "database": db_state, "queue": queue_state}
    return jsonify(body), 200 if healthy else 503
