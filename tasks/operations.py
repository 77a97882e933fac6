"""Operations tasks of the periodic consumer: the heartbeat, the catch-up of missed periodic
runs, and the re-queue of Berita Acara and SLA tasks lost with a killed consumer.

- `heartbeat`, every minute: its run is recorded in `periodic_run` (as every periodic task's
  is); `/healthz` reports how old it is, so a stopped periodic consumer shows within minutes.
- `catch_up`, every minute: a task of `CAUGHT_UP` whose last scheduled time passed without a
  run (the consumer was down at 00:05 WIB, or for ten minutes) runs now, under its own lock. A
  consumer that starts catches up within its first minute.
- `requeue_issued_documents`, every five minutes: a BA or SLA request older than
  `DESK_BA_REQUEUE_MINUTES` whose ticket is still waiting for it (assigned, no document of that
  kind uploaded or generated since) is queued again, once per request.
"""

from __future__ import annotations

import datetime as dt
import logging

from flask import current_app
from huey import crontab
from peewee import fn

from models.db import utcnow, write_transaction
from models.operations import IssuedDocumentRequest, PeriodicRun
from models.ticket import Document, Ticket
from tasks import _declared, app_periodic_task, current_huey

log = logging.getLogger("desk.tasks")

HEARTBEAT = "tasks.operations.heartbeat"
# The periodic tasks whose missed runs are caught up (both are idempotent and locked).
CAUGHT_UP = ("tasks.sweep.sweep_expired", "tasks.reminders.send_reminders_task")
# How far back a missed schedule is looked for, and how long huey's own run is given first.
LOOKBACK = dt.timedelta(days=1, hours=1)
GRACE = dt.timedelta(minutes=2)


def last_scheduled(validate, now: dt.datetime, lookback: dt.timedelta = LOOKBACK):
    """The latest minute at or before `now` that the crontab `validate` fires on (UTC, as huey
    reads it), looking back at most `lookback`; None if none."""
    minute = now.replace(second=0, microsecond=0)
    earliest = now - lookback
    while minute >= earliest:
        if validate(minute):
            return minute
        minute -= dt.timedelta(minutes=1)
    return None


def missed_runs(now=None) -> list[str]:
    """The tasks of `CAUGHT_UP` whose last scheduled time (more than `GRACE` ago) has passed
    since their last recorded run (or that never ran)."""
    now = now or utcnow()
    missed = []
    for name in CAUGHT_UP:
        due = last_scheduled(_declared[name].periodic, now)
        if due is None or now - due < GRACE:
            continue
        last = PeriodicRun.last(name)
        if last is None or last < due:
            missed.append(name)
    return missed


@app_periodic_task(crontab(minute="*"))
def heartbeat() -> str:
    """Every minute: the periodic consumer is alive (its run is recorded like every periodic
    task's; `/healthz` reads it)."""
    return "ok"


@app_periodic_task(crontab(minute="*"), lock="catch_up")
def catch_up(now=None) -> list[str]:
    """Every minute: run now each sweep or reminder run missed while no consumer ran."""
    ran = []
    for name in missed_runs(now):
        log.info("catching up %s: its scheduled run was missed", name)
        current_huey().desk_tasks[name].call_local()
        ran.append(name)
    return ran


def lost_documents(now=None) -> list[IssuedDocumentRequest]:
    """The requests for a generated BA or SLA older than DESK_BA_REQUEUE_MINUTES, never
    re-queued, that are their ticket's latest request of that kind while the ticket is still
    assigned with no document of that kind attached since."""
    now = now or utcnow()
    cutoff = now - dt.timedelta(minutes=int(current_app.config["BA_REQUEUE_MINUTES"]))
    Request = IssuedDocumentRequest
    Later = Request.alias()
    later = Later.select(fn.COUNT(Later.id)).where(
        Later.ticket == Request.ticket,
        Later.kind == Request.kind,
        Later.issued_at > Request.issued_at,
    )
    attached = Document.select(fn.COUNT(Document.id)).where(
        Document.ticket == Request.ticket,
        Document.kind == Request.kind,
        Document.uploaded_at >= Request.issued_at,
    )
    return list(
        Request.select()
        .join(Ticket, on=Request.ticket == Ticket.id)
        .where(
            Request.requeued_at.is_null(True),
            Request.issued_at <= cutoff,
            Ticket.status == "assigned",
            later == 0,
            attached == 0,
        )
        .order_by(Request.id)
    )


def _queue_again(request: IssuedDocumentRequest) -> None:
    # imported here: the task modules import the workflow, which imports the operations models
    from tasks.berita_acara import generate_berita_acara
    from tasks.sla import generate_sla

    if request.kind == "ba":
        generate_berita_acara(
            request.ticket_id, request.agent_id, request.work_done or "", request.issued_at
        )
    else:
        generate_sla(request.ticket_id, request.agent_id, request.issued_at)


def requeue_lost_documents(now=None) -> int:
    """Queue again each lost BA or SLA request (`lost_documents`), once: the request is marked
    by a conditional update, and only the run that marked it queues it."""
    now = now or utcnow()
    queued = 0
    for request in lost_documents(now):
        with write_transaction():
            won = (
                IssuedDocumentRequest.update(requeued_at=now)
                .where(
                    IssuedDocumentRequest.id == request.id,
                    IssuedDocumentRequest.requeued_at.is_null(True),
                )
                .execute()
            )
        if not won:
            continue
        log.info("re-queueing the lost %s of ticket %s", request.kind, request.ticket_id)
        _queue_again(request)
        queued += 1
    return queued


@app_periodic_task(crontab(minute="*/5"), lock="requeue_issued_documents")
def requeue_issued_documents() -> int:
    """Every five minutes: queue again the BA and SLA tasks lost with a killed consumer."""
    return requeue_lost_documents()


def heartbeat_age(now=None) -> dt.timedelta | None:
    """How long ago the periodic consumer's heartbeat ran, or None if it never did."""
    last = PeriodicRun.last(HEARTBEAT)
    return None if last is None else (now or utcnow()) - last
