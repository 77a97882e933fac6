"""The real queue: `huey_consumer` as a subprocess on a temporary SQLite queue, and Redis."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path

import pytest

from models import workflow
from models.db import connection, database, utcnow
from models.ticket import Notification
from tasks import huey
from tests.helpers import SmtpServer, new_request, required_uploads, unavailable, wait_for

ROOT = Path(__file__).resolve().parent.parent
CONSUMER = Path(sys.executable).parent / "huey_consumer"
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def setup(make_app, tmp_path):
    """An app enqueueing on a SQLite queue file, and the environment of a consumer on it."""
    smtp = SmtpServer(delay=0.1).start()  # one message at a time, each taking 0.1 s
    app = make_app(
        HUEY_IMMEDIATE=False,
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=smtp.port,
        MAIL_BACKEND="smtp",
        MAIL_LEASE_SECONDS=1,
    )
    settings = {
        # the app's back ends (SQLite by default; PostgreSQL/Redis under `make test-postgres`)
        "DATABASE_URL": app.config["DATABASE_URL"],
        "HUEY_NAME": app.config["HUEY_NAME"],
        "HUEY_FILE": str(tmp_path / "huey.sqlite3"),
        "DOCUMENTS_DIR": str(tmp_path / "documents"),
        "OUTBOX_DIR": str(tmp_path / "outbox"),
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp.port),
        "SECRET_KEY": "consumer-test",
        "MAIL_LEASE_SECONDS": "1",
        "BASE_URL": "http://desk.test",
    }
    if app.config["REDIS_URL"]:
        settings["REDIS_URL"] = app.config["REDIS_URL"]
    env = {k: v for k, v in os.environ.items() if not k.startswith("DESK_")}
    env.update({f"DESK_{k}": v for k, v in settings.items()})
    env["PYTHONPATH"] = str(ROOT)
    procs = []

    def start_consumer():
        with open(tmp_path / f"consumer-{len(procs)}.log", "w") as log:  # the child keeps it
            proc = subprocess.Popen(
                # polling an idle queue every 0.1 s at most (huey's default backs off to 10 s)
                [str(CONSUMER), "tasks.worker.huey", "-w", "2", "-k", "thread", "-m", "0.1"],
                cwd=ROOT,
                env=env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        procs.append(proc)
        return proc

    yield app, smtp, start_consumer
    for proc in procs:
        if proc.poll() is None:
            proc.kill()
        proc.wait()
    smtp.stop()
    if not database.is_closed():
        database.close()


def statuses(app):
    with app.app_context(), connection():
        return [(n.id, n.status) for n in Notification.select().order_by(Notification.id)]


def wait_until(predicate, timeout=20.0):
    return bool(wait_for(predicate, timeout))


def message_ids(smtp):
    return [
        str(m.message["Message-ID"]).split(".")[0].removeprefix("<notification-")
        for m in smtp.messages
    ]


@pytest.mark.slow
def test_real_consumer_sends_an_email_end_to_end(setup):
    app, smtp, start_consumer = setup
    with app.app_context(), connection():
        # Submitted now (not in the past): nothing is overdue, so the consumer's periodic
        # reminders add no email of their own, whatever minute it starts in.
        ticket = workflow.submit(None, new_request(), required_uploads())
        assert huey.pending_count() == 1  # one task for both rows, nothing sent in the request
    assert smtp.messages == []
    start_consumer()
    assert wait_until(lambda: all(s == "sent" for _, s in statuses(app)))
    assert smtp.wait_for(2)
    subjects = sorted(m.subject for m in smtp.messages)
    assert subjects == [f"[{ticket.number}] Tiket dibuka: {ticket.subject}"] * 2
    assert sorted(message_ids(smtp)) == sorted(str(i) for i, _ in statuses(app))


@pytest.mark.slow
def test_consumer_killed_mid_batch_every_row_is_sent_after_restart(setup):
    app, smtp, start_consumer = setup
    with app.app_context(), connection():
        for _ in range(8):
            workflow.submit(None, new_request(), required_uploads())
    rows = statuses(app)
    assert len(rows) == 16
    consumer = start_consumer()
    assert smtp.wait_for(3)
    consumer.send_signal(signal.SIGKILL)
    consumer.wait()
    with app.app_context(), connection():
        unsent = Notification.select().where(Notification.status != "sent")
        # Rows the dead consumer had claimed (its tasks are lost with it): only the periodic
        # re-queue can send them.
        in_flight = [n.id for n in unsent if n.attempts == 1]
        assert unsent.count() > len(in_flight) >= 1, "the kill must come mid-batch"
        leased_until = max(n.next_attempt_at for n in unsent)
    # the lease of the rows the dead consumer had claimed runs out
    assert wait_for(lambda: utcnow() > leased_until, timeout=5)
    start_consumer()
    assert wait_until(lambda: all(s == "sent" for _, s in statuses(app)), timeout=25)
    assert smtp.wait_for(16)
    received = message_ids(smtp)
    assert set(received) == {str(i) for i, _ in rows}  # every row arrived
    # At most the two sends in flight at the kill can arrive twice (same Message-ID).
    assert len(received) - len(set(received)) <= 2


def test_queue_on_redis(make_app):
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError as exc:
        unavailable(f"no Redis at {REDIS_URL}: {exc}")
    name = f"servicedesktest{uuid.uuid4().hex[:10]}"  # a queue of its own on the shared Redis
    app = make_app(HUEY_IMMEDIATE=False, REDIS_URL=REDIS_URL, HUEY_NAME=name)
    state = app.extensions["mailman"]
    state.outbox = []
    try:
        with app.app_context(), connection():
            assert type(huey.storage).__name__ == "RedisStorage" and huey.storage.name == name
            workflow.submit(None, new_request(), required_uploads())
            assert huey.pending_count() == 1 and state.outbox == []
            while (task := huey.dequeue()) is not None:  # what a consumer does
                huey.execute(task)
            assert huey.pending_count() == 0
            assert [n.status for n in Notification.select()] == ["sent", "sent"]
        assert len(state.outbox) == 2
    finally:
        app.extensions["huey"].storage.flush_all()
        if not database.is_closed():
            database.close()


def test_the_sqlite_queue_does_not_flush_the_disk_on_each_enqueue(make_app):
    """The embedded queue file in WAL with synchronous=NORMAL (1), not FULL (2): a task
    queued after a request's commit costs no flush; what a lost task carried is re-queued
    from the database."""
    app = make_app(HUEY_IMMEDIATE=False, REDIS_URL=None)
    with app.app_context():
        conn = huey.storage.conn
        assert conn.execute("pragma journal_mode").fetchone()[0] == "wal"
        assert conn.execute("pragma synchronous").fetchone()[0] == 1
