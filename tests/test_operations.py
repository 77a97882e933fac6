"""Operations: /healthz (heartbeat, oldest email, disk, no internal host named), /metrics
(its guard and its figures), the catch-up of missed periodic runs, the re-queue of a lost BA
or SLA."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from app import create_app
from models.db import connection, utcnow
from models.operations import IssuedDocumentRequest, PeriodicRun
from models.ticket import Document, Notification, Ticket
from tasks import huey
from tasks.berita_acara import request_berita_acara
from tasks.operations import (
    CAUGHT_UP,
    HEARTBEAT,
    catch_up,
    heartbeat,
    last_scheduled,
    missed_runs,
    requeue_lost_documents,
)
from tasks.sla import request_sla
from tasks.sweep import sweep_expired
from tests.helpers import Statements, free_port, make_config

SWEEP, REMINDERS = CAUGHT_UP


# --- /healthz -------------------------------------------------------------------------------------


def test_healthz_reports_the_heartbeat_once_the_periodic_consumer_ran(app, db, client):
    assert client.get("/healthz").json["consumer"] == {"status": "stale", "heartbeat_age_s": None}
    heartbeat.call_local()  # as the periodic consumer runs it every minute
    body = client.get("/healthz").json
    assert body["status"] == "ok" and body["consumer"]["status"] == "ok"
    assert body["consumer"]["heartbeat_age_s"] < 5
    PeriodicRun.record(HEARTBEAT, utcnow() - dt.timedelta(minutes=12))  # consumer stopped
    body = client.get("/healthz").json
    assert body["status"] == "warning" and body["consumer"]["status"] == "stale"
    assert 715 <= body["consumer"]["heartbeat_age_s"] <= 725


def test_healthz_reports_the_oldest_pending_email(make_ticket, client):
    ticket = make_ticket("open")
    heartbeat.call_local()
    assert client.get("/healthz").json["email"]["oldest_pending_age_s"] is None  # all sent
    Notification.create(
        ticket=ticket,
        kind="opened",
        audience="requester",
        created_at=utcnow() - dt.timedelta(hours=1),
    )
    body = client.get("/healthz").json
    assert body["email"]["status"] == "late" and body["status"] == "warning"
    assert 3590 <= body["email"]["oldest_pending_age_s"] <= 3610


@pytest.fixture
def app_config(request):
    return getattr(request, "param", {})


@pytest.mark.parametrize("app_config", [{"MIN_FREE_DISK_MB": 10**9}], indirect=True)
def test_healthz_warns_when_the_document_disk_is_low(app, db, client):
    heartbeat.call_local()
    body = client.get("/healthz").json
    assert body["disk"]["status"] == "low" and body["status"] == "warning"
    assert body["disk"]["free_mb"] > 0


def test_healthz_names_no_internal_host_when_the_services_are_down(make_app, tmp_path):
    port = free_port()  # nothing listens there
    app = make_app(REDIS_URL=f"redis://127.0.0.1:{port}/0", HUEY_IMMEDIATE=False)
    response = app.test_client().get("/healthz")
    assert response.status_code == 503 and response.json["queue"].startswith("error")
    text = response.get_data(as_text=True)
    assert "127.0.0.1" not in text and str(port) not in text and "redis://" not in text

    pg = create_app(make_config(tmp_path, DATABASE_URL=f"postgresql://desk@127.0.0.1:{port}/x"))
    response = pg.test_client().get("/healthz")
    assert response.status_code == 503 and response.json["database"].startswith("error")
    text = response.get_data(as_text=True)
    assert "127.0.0.1" not in text and str(port) not in text and "desk@" not in text


# --- /metrics -------------------------------------------------------------------------------------


def test_metrics_only_from_the_machine_itself_without_a_token(make_ticket, client):
    make_ticket("open")
    response = client.get("/metrics")
    assert response.status_code == 200
    assert response.mimetype == "text/plain"
    outside = client.get("/metrics", environ_base={"REMOTE_ADDR": "10.20.30.40"})
    assert outside.status_code == 403 and b"desk_" not in outside.data


@pytest.mark.parametrize("app_config", [{"METRICS_TOKEN": "s3cret-token"}], indirect=True)
def test_metrics_with_a_token_need_it_even_from_loopback(app, db, client):
    assert client.get("/metrics").status_code == 403
    wrong = client.get("/metrics", headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 403
    right = client.get(
        "/metrics",
        headers={"Authorization": "Bearer s3cret-token"},
        environ_base={"REMOTE_ADDR": "10.20.30.40"},
    )
    assert right.status_code == 200 and b"desk_tickets" in right.data


def test_metrics_count_transitions_emails_and_overdue_steps(make_ticket, client):
    from prometheus_client.parser import text_string_to_metric_families

    make_ticket("assigned", now=utcnow() - dt.timedelta(days=60))  # its step 5 is long overdue
    make_ticket("open", now=utcnow())  # its verification is not due yet
    Notification.update(status="failed").where(
        Notification.id == Notification.select().first()
    ).execute()
    client.get("/")
    samples = {}
    for family in text_string_to_metric_families(client.get("/metrics").get_data(as_text=True)):
        for s in family.samples:
            samples[(s.name, tuple(sorted(s.labels.items())))] = s.value
    assert samples[("desk_tickets", (("status", "open"),))] == 1
    assert samples[("desk_tickets", (("status", "assigned"),))] == 1
    assert samples[("desk_overdue_steps", (("status", "assigned"), ("step", "5")))] == 1
    assert ("desk_overdue_steps", (("status", "open"), ("step", "3"))) not in samples
    assert samples[("desk_emails", (("status", "failed"),))] == 1
    assert samples[("desk_emails", (("status", "pending"),))] == 0
    opened = [v for (name, labels), v in samples.items() if name == "desk_transitions_total"]
    assert sum(opened) >= 5  # submitted twice, verified, disposed ...
    assert samples[("desk_http_requests_total", (("method", "GET"), ("status", "200")))] >= 1
    assert samples[("desk_consumer_heartbeat_age_seconds", ())] == -1


def test_healthz_reads_the_outbox_on_indexes(make_ticket, client):
    """The oldest pending email comes from migration 0025's partial index and the failed count
    from the status index, not from a pass over every sent email (seen in SQLite's plan)."""
    from models.db import database, is_sqlite

    if not is_sqlite():
        pytest.skip("the plan is read with SQLite's EXPLAIN QUERY PLAN")
    ticket = make_ticket("open")
    sent = dict(ticket=ticket, kind="opened", audience="requester", status="sent")
    Notification.insert_many([sent] * 300).execute()  # as in a desk: nearly every email sent
    database.execute_sql("ANALYZE")  # the statistics say so (they steer SQLite's choice)
    with Statements() as seen:
        assert client.get("/healthz").status_code == 200
    plans = []
    for statement in seen.on("notification"):
        sql, params = statement.split(" -- ", 1)
        plan = database.execute_sql(f"EXPLAIN QUERY PLAN {sql}", eval(params)).fetchall()
        plans.append(" ".join(str(row[-1]) for row in plan))
    assert len(plans) == 2, seen.seen
    assert "notification_pending_created_at" in plans[0], plans
    assert "USING COVERING INDEX notification_status" in plans[1], plans


def test_running_totals_keep_the_settled_rows_and_count_only_the_newer(app, make_ticket):
    """A worker's first call counts everything; later calls only the rows after it; ten minutes
    on (its own clock), the largest id it saw then is settled and the rows up to it counted
    again, so rows that committed late below it (a slow transaction of the first call's time)
    are counted too; from then on only the rows after the settled id are read."""
    from collections import Counter

    from peewee import fn

    from models.db import database, is_sqlite
    from models.running_totals import EXTENSION, SETTLE_SECONDS, totals_by
    from models.ticket import TicketEvent

    clock = [1000.0]

    def totals():
        return totals_by(TicketEvent, TicketEvent.action, clock=lambda: clock[0])

    def counted():
        rows = TicketEvent.select(TicketEvent.action, fn.COUNT(TicketEvent.id))
        return Counter(dict(rows.group_by(TicketEvent.action).tuples()))

    ticket = make_ticket("assigned")
    first = TicketEvent.select(fn.MAX(TicketEvent.id)).scalar()
    late = dict(ticket=ticket, actor_label="Sistem", action="late", hash="x")
    # the row with the larger id committed first; the two below it are still open at the call
    TicketEvent.insert(id=first + 3, **late).execute()
    assert totals() == counted()
    TicketEvent.insert_many([dict(id=first + 1, **late), dict(id=first + 2, **late)]).execute()
    if not is_sqlite():  # ids given by hand: the sequence moves past them
        database.execute_sql(
            "SELECT setval(pg_get_serial_sequence('ticket_event', 'id'), "
            "(SELECT MAX(id) FROM ticket_event))"
        )
    make_ticket("open")  # written after the first call: counted on every call
    clock[0] += 60
    with Statements() as seen:
        got = totals()
    assert got == counted() - Counter(late=2)  # until the first call's ids settle
    reads = [s for s in seen.on("ticket_event") if "MAX" not in s]
    assert reads and all(re.search(rf"-- \[{first + 3}[,\]]", s) for s in reads), reads
    seen_then = TicketEvent.select(fn.MAX(TicketEvent.id)).scalar()

    clock[0] += SETTLE_SECONDS
    assert totals() == counted()  # the ids seen 10 minutes ago settled: the late rows counted
    assert app.extensions[EXTENSION][("ticket_event", "action")].settled == seen_then
    make_ticket("open")
    with Statements() as seen:
        got = totals()
    assert got == counted()
    reads = [s for s in seen.on("ticket_event") if "MAX" not in s]
    assert reads and all(re.search(rf"-- \[{seen_then}[,\]]", s) for s in reads), reads


def test_metrics_count_sent_emails_as_the_rest_of_the_outbox(make_ticket, client):
    from prometheus_client.parser import text_string_to_metric_families

    make_ticket("assigned", now=utcnow() - dt.timedelta(days=2))
    make_ticket("open", now=utcnow())
    ids = [n.id for n in Notification.select(Notification.id).order_by(Notification.id)]
    Notification.update(status="sent").where(Notification.id.in_(ids[::2])).execute()
    Notification.update(status="failed").where(Notification.id.in_(ids[1::3])).execute()
    samples = {}
    for family in text_string_to_metric_families(client.get("/metrics").get_data(as_text=True)):
        for s in family.samples:
            if s.name == "desk_emails":
                samples[s.labels["status"]] = s.value
    for status in ("pending", "sent", "failed"):
        assert samples[status] == Notification.select().where(Notification.status == status).count()


# --- catch-up of missed periodic runs -------------------------------------------------------------


def test_last_scheduled_reads_the_crontab_in_utc():
    daily = sweep_expired.declaration.periodic  # 17:05 UTC
    assert last_scheduled(daily, dt.datetime(2026, 6, 2, 17, 4)) == dt.datetime(2026, 6, 1, 17, 5)
    assert last_scheduled(daily, dt.datetime(2026, 6, 2, 17, 5, 30)) == dt.datetime(
        2026, 6, 2, 17, 5
    )


def test_a_sweep_missed_while_the_consumer_was_down_runs_when_it_is_back(make_ticket, db):
    expired = make_ticket("incomplete", now=utcnow() - dt.timedelta(days=40))
    now = utcnow()
    last_sweep = last_scheduled(sweep_expired.declaration.periodic, now)
    # the consumer ran the day before and then was down at the sweep's time
    PeriodicRun.record(SWEEP, last_sweep - dt.timedelta(days=1))
    PeriodicRun.record(REMINDERS, now)
    if now - last_sweep < dt.timedelta(minutes=2):  # huey's own run still has its chance
        pytest.skip("too close to the sweep's own scheduled minute")
    assert missed_runs(now) == [SWEEP]
    assert catch_up.call_local() == [SWEEP]
    assert Ticket.get_by_id(expired.id).close_reason == "expired"
    assert PeriodicRun.last(SWEEP) >= now
    assert catch_up.call_local() == []  # caught up: nothing runs twice


def test_a_desk_that_never_ran_its_periodic_tasks_catches_up_both(db):
    real = utcnow()
    # five minutes after a ten-minute mark, in the past: both schedules passed over 2 min ago
    now = real.replace(minute=real.minute // 10 * 10, second=0) - dt.timedelta(minutes=5)
    assert catch_up.call_local(now) == list(CAUGHT_UP)
    assert all(PeriodicRun.last(name) >= real for name in CAUGHT_UP)
    assert catch_up.call_local(now) == []


# --- the lost Berita Acara and SLA ----------------------------------------------------------------


@pytest.mark.parametrize("app_config", [{"HUEY_IMMEDIATE": False}], indirect=True)
def test_a_ba_task_lost_with_its_consumer_is_queued_again_once(make_ticket, users, db):
    ticket = make_ticket("assigned")
    asked = utcnow()
    request_berita_acara(users["agent"], ticket.id, "Subdomain dibuat dan diuji.", now=asked)
    huey.flush()  # the consumer that took the task was killed: the task is gone
    assert Document.current(ticket.id, "ba") is None
    assert requeue_lost_documents(asked + dt.timedelta(minutes=5)) == 0  # not lost yet
    later = asked + dt.timedelta(minutes=11)
    assert requeue_lost_documents(later) == 1
    assert requeue_lost_documents(later) == 0  # once per request
    tasks = [huey.dequeue() for _ in range(huey.pending_count())]
    assert [t.name for t in tasks] == ["tasks.berita_acara.generate_berita_acara"]
    huey.execute(tasks[0])
    ba = Document.current(ticket.id, "ba")
    assert ba is not None and ba.filename == f"berita-acara-{ticket.number}.pdf"
    request = IssuedDocumentRequest.get(IssuedDocumentRequest.ticket == ticket.id)
    assert request.requeued_at == later and request.work_done == "Subdomain dibuat dan diuji."
    assert requeue_lost_documents(later + dt.timedelta(hours=1)) == 0  # it has its BA


@pytest.mark.parametrize("app_config", [{"HUEY_IMMEDIATE": False}], indirect=True)
def test_a_ba_request_of_a_ticket_that_moved_on_is_not_queued_again(make_ticket, users, db):
    from models import workflow
    from models.uploads import Upload
    from tests.helpers import PDF_BYTES

    ticket = make_ticket("assigned")
    asked = utcnow()
    request_berita_acara(users["agent"], ticket.id, "Selesai.", now=asked)
    huey.flush()
    agent = users["agent"]
    workflow.attach_document(agent, ticket.id, "sla", Upload("sla.pdf", PDF_BYTES))
    workflow.attach_document(agent, ticket.id, "ba", Upload("ba.pdf", PDF_BYTES + b"x"))
    assert requeue_lost_documents(asked + dt.timedelta(minutes=30)) == 0  # a BA was uploaded
    with connection():
        assert (
            IssuedDocumentRequest.get(IssuedDocumentRequest.ticket == ticket.id).requeued_at is None
        )


@pytest.mark.parametrize("app_config", [{"HUEY_IMMEDIATE": False}], indirect=True)
def test_an_sla_task_lost_with_its_consumer_is_queued_again_once(make_ticket, users, db):
    ticket = make_ticket("assigned")
    asked = utcnow()
    request_sla(users["agent"], ticket.id, now=asked)
    huey.flush()  # the consumer that took the task was killed: the task is gone
    assert Document.current(ticket.id, "sla") is None
    assert requeue_lost_documents(asked + dt.timedelta(minutes=5)) == 0  # not lost yet
    later = asked + dt.timedelta(minutes=11)
    assert requeue_lost_documents(later) == 1
    assert requeue_lost_documents(later) == 0  # once per request
    tasks = [huey.dequeue() for _ in range(huey.pending_count())]
    assert [t.name for t in tasks] == ["tasks.sla.generate_sla"]
    huey.execute(tasks[0])
    sla = Document.current(ticket.id, "sla")
    assert sla is not None and sla.filename == f"sla-{ticket.number}.pdf"
    assert sla.number == Ticket.get_by_id(ticket.id).sla_number and sla.verification_code
    request = IssuedDocumentRequest.get(IssuedDocumentRequest.ticket == ticket.id)
    assert request.kind == "sla" and request.requeued_at == later
    assert requeue_lost_documents(later + dt.timedelta(hours=1)) == 0  # it has its SLA


@pytest.mark.parametrize("app_config", [{"HUEY_IMMEDIATE": False}], indirect=True)
def test_a_lost_ba_is_queued_again_though_the_sla_arrived_and_the_other_way_round(
    make_ticket, users, db
):
    from models import workflow
    from models.uploads import Upload
    from tests.helpers import PDF_BYTES

    agent = users["agent"]
    ticket = make_ticket("assigned")
    asked = utcnow()
    request_berita_acara(agent, ticket.id, "Selesai.", now=asked)
    request_sla(agent, ticket.id, now=asked)
    huey.flush()  # both tasks lost
    workflow.attach_document(agent, ticket.id, "sla", Upload("sla.pdf", PDF_BYTES))
    assert requeue_lost_documents(asked + dt.timedelta(minutes=30)) == 1  # the BA only
    tasks = [huey.dequeue() for _ in range(huey.pending_count())]
    assert [t.name for t in tasks] == ["tasks.berita_acara.generate_berita_acara"]
    with connection():
        rows = IssuedDocumentRequest.select().where(IssuedDocumentRequest.ticket == ticket.id)
        kinds = {r.kind: r.requeued_at for r in rows}
    assert kinds["sla"] is None and kinds["ba"] is not None


def test_a_method_of_a_clients_own_is_counted_as_other(client):
    client.open("/healthz", method="BREW")
    client.open("/healthz", method="BREW2")
    text = client.get("/metrics").get_data(as_text=True)
    assert 'method="OTHER"' in text and "BREW" not in text
