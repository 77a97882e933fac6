"""The real queue: `huey_consumer` as a subprocess on a temporary SQLite queue, and Redis."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from app import create_app
from models import workflow
from models.db import connection, database
from models.ticket import Notification
from tasks import huey
from tests.conftest import _prepare, make_config, new_request, required_uploads
from tests.smtp_server import SmtpServer

ROOT = Path(__file__).resolve().parent.parent
CONSUMER = Path(sys.executable).parent / "huey_consumer"
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture
def setup(tmp_path):
    """An app enqueueing on a SQLite queue file, and the environment of a consumer on it."""
    smtp = SmtpServer(delay=0.25).start()
    settings = {
        "DATABASE_URL": f"sqlite:///{tmp_path}/desk.sqlite3",
        "HUEY_FILE": str(tmp_path / "huey.sqlite3"),
        "DOCUMENTS_DIR": str(tmp_path / "documents"),
        "OUTBOX_DIR": str(tmp_path / "outbox"),
        "SMTP_HOST": "127.0.0.1",
        "SMTP_PORT": str(smtp.port),
        "SECRET_KEY": "consumer-test",
        "MAIL_LEASE_SECONDS": "1",
        "BASE_URL": "http://desk.test",
    }
    env = {k: v for k, v in os.environ.items() if not k.startswith("DESK_")}
    env.update({f"DESK_{k}": v for k, v in settings.items()})
    env["PYTHONPATH"] = str(ROOT)
    app = create_app(
        make_config(
            tmp_path,
            HUEY_IMMEDIATE=False,
            SMTP_HOST="127.0.0.1",
            SMTP_PORT=smtp.port,
            MAIL_BACKEND="smtp",
            MAIL_LEASE_SECONDS=1,
        )
    )
    _prepare(app)
    procs = []

    def start_consumer():
        log = open(tmp_path / f"consumer-{len(procs)}.log", "w")  # noqa: SIM115
        proc = subprocess.Popen(
            [str(CONSUMER), "tasks.worker.huey", "-w", "2", "-k", "thread"],
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
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return predicate()


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
        assert huey.pending_count() == 2  # enqueued, nothing sent in the request
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
    time.sleep(1.5)  # the lease of the rows the dead consumer had claimed runs out
    start_consumer()
    assert wait_until(lambda: all(s == "sent" for _, s in statuses(app)), timeout=25)
    assert smtp.wait_for(16)
    received = message_ids(smtp)
    assert set(received) == {str(i) for i, _ in rows}  # every row arrived
    # At most the two sends in flight at the kill can arrive twice (same Message-ID).
    assert len(received) - len(set(received)) <= 2


def test_queue_on_redis(tmp_path):
    redis = pytest.importorskip("redis")
    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
    except redis.exceptions.ConnectionError as exc:
        pytest.skip(f"no Redis at {REDIS_URL}: {exc}")
    name = f"servicedesktest{uuid.uuid4().hex[:10]}"  # a queue of its own on the shared Redis
    app = create_app(
        make_config(tmp_path, HUEY_IMMEDIATE=False, REDIS_URL=REDIS_URL, HUEY_NAME=name)
    )
    _prepare(app)
    state = app.extensions["mailman"]
    state.outbox = []
    try:
        with app.app_context(), connection():
            assert type(huey.storage).__name__ == "RedisStorage" and huey.storage.name == name
            workflow.submit(None, new_request(), required_uploads())
            assert huey.pending_count() == 2 and state.outbox == []
            while (task := huey.dequeue()) is not None:  # what a consumer does
                huey.execute(task)
            assert huey.pending_count() == 0
            assert [n.status for n in Notification.select()] == ["sent", "sent"]
        assert len(state.outbox) == 2
    finally:
        app.extensions["huey"].storage.flush_all()
        if not database.is_closed():
            database.close()
