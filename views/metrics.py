"""`/metrics` for Prometheus: requests counted per process, everything else read from the
database at scrape time (so every web worker answers the same).

- `desk_http_requests_total{method,status}`: counted in each worker; with gunicorn, set
  `PROMETHEUS_MULTIPROC_DIR` (deploy/desk.env) and the workers' counts are added up.
- `desk_transitions_total{action}`: the history entries per action (every transition writes one).
- `desk_emails{status}`: outbox rows pending, sent, failed; and the oldest pending one's age.
  The history and the outbox only grow: their totals are kept per worker up to a settled id
  and only the newer rows counted on each scrape (`models/running_totals.py`); sent is that
  total less the pending and failed rows, which an index finds (migration 0025's partial
  index for the oldest pending one).
- `desk_tickets{status}`; `desk_overdue_steps{step,status}`: open SOP steps past their due time.
- `desk_consumer_heartbeat_age_seconds`: how old the periodic consumer's heartbeat is.

Access: with `DESK_METRICS_TOKEN`, only with `Authorization: Bearer <token>`; without it, only
from the machine itself (127.0.0.1 / ::1, the real client's address behind a trusted proxy).
"""

from __future__ import annotations

import hmac
import os

from flask import Blueprint, Response, current_app, request
from peewee import fn
from prometheus_client import CONTENT_TYPE_LATEST, CollectorRegistry, Counter, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

from models.db import connection, utcnow
from models.running_totals import totals_by

bp = Blueprint("metrics", __name__)

LOOPBACK = {"127.0.0.1", "::1"}

REQUESTS = Counter(
    "desk_http_requests", "HTTP requests answered, by method and status.", ["method", "status"]
)


class DatabaseCollector:
    """The desk's state, read from the database when Prometheus scrapes."""

    def collect(self):
        """Yield every metric family computed from the database now."""
        from models.sop import step_of_row
        from models.ticket import Notification, Ticket, TicketEvent, TicketStep
        from tasks.operations import heartbeat_age

        now = utcnow()
        transitions = CounterMetricFamily(
            "desk_transitions", "History entries written, by action.", labels=["action"]
        )
        for action, count in sorted(totals_by(TicketEvent, TicketEvent.action).items()):
            transitions.add_metric([action], count)
        yield transitions

        # pending and failed read on the status index (few rows); sent is the rest of a kept
        # total (an email written during the scrape may show in one statement and not another)
        pending = Notification.select().where(Notification.status == "pending").count()
        failed = Notification.select().where(Notification.status == "failed").count()
        total = totals_by(Notification, None)[None]
        emails = GaugeMetricFamily("desk_emails", "Outbox rows by status.", labels=["status"])
        for status, count in (
            ("pending", pending),
            ("sent", total - pending - failed),
            ("failed", failed),
        ):
            emails.add_metric([status], count)
        yield emails

        oldest = Notification.oldest_pending_at()
        yield GaugeMetricFamily(
            "desk_email_oldest_pending_age_seconds",
            "Age of the oldest email not yet sent (0 when none).",
            value=0 if oldest is None else max(0.0, (now - oldest).total_seconds()),
        )

        tickets = GaugeMetricFamily("desk_tickets", "Tickets by status.", labels=["status"])
        for status, count in (
            Ticket.select(Ticket.status, fn.COUNT(Ticket.id)).group_by(Ticket.status).tuples()
        ):
            tickets.add_metric([status], count)
        yield tickets

        overdue = GaugeMetricFamily(
            "desk_overdue_steps",
            "Open SOP steps past their due time, by step number and the status waiting on it.",
            labels=["step", "status"],
        )
        for number, status, count in (
            TicketStep.select(TicketStep.step, TicketStep.status, fn.COUNT(TicketStep.id))
            .join(Ticket)
            .where(
                TicketStep.ended_at.is_null(True),
                TicketStep.due_at < now,
                Ticket.status == TicketStep.status,
            )
            .group_by(TicketStep.step, TicketStep.status)
            .tuples()
        ):
            overdue.add_metric([str(step_of_row(number, status).number), status], count)
        yield overdue

        age = heartbeat_age(now)
        yield GaugeMetricFamily(
            "desk_consumer_heartbeat_age_seconds",
            "Seconds since the periodic consumer's last heartbeat (-1: never).",
            value=-1 if age is None else max(0.0, age.total_seconds()),
        )


def allowed() -> bool:
    """Whether this request may read the metrics (the token, or the machine itself)."""
    token = current_app.config.get("METRICS_TOKEN")
    if token:
        given = request.headers.get("Authorization", "")
        return hmac.compare_digest(given.encode(), f"Bearer {token}".encode())
    return request.remote_addr in LOOPBACK


def registry() -> CollectorRegistry:
    """The registry of one scrape: the request counts (of every worker in multiprocess mode)
    and the database's metrics."""
    scrape = CollectorRegistry(auto_describe=False)
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.MultiProcessCollector(scrape)
    else:
        scrape.register(REQUESTS)
    scrape.register(DatabaseCollector())
    return scrape


@bp.get("/metrics")
def metrics():
    """The Prometheus text exposition; 403 without the token (or from another machine)."""
    if not allowed():
        return Response("forbidden\n", status=403, mimetype="text/plain")
    with connection():
        body = generate_latest(registry())
    return Response(body, mimetype=CONTENT_TYPE_LATEST)


# the methods counted by name; any other a client sends is counted as "OTHER" (no label per word)
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
# (method, status) -> its child of REQUESTS: `labels()` validates and locks on every call
_REQUEST_COUNTERS: dict = {}


def _count(response):
    """The `after_request` hook: one more request answered with this method and status."""
    method = request.method if request.method in METHODS else "OTHER"  # a client's own word
    kept = (method, response.status_code)
    counter = _REQUEST_COUNTERS.get(kept)
    if counter is None:
        counter = _REQUEST_COUNTERS[kept] = REQUESTS.labels(kept[0], str(kept[1]))
    counter.inc()
    return response


def init_app(app) -> None:
    """Register `/metrics` and count every request the app answers."""
    app.register_blueprint(bp)
    app.after_request(_count)
