"""Two apps in one process keep their own state: document store, upload limit, working
calendar, queue (and building an app has no side effect)."""

from __future__ import annotations

import datetime as dt
import os

import pytest
from flask import current_app

from app import create_app
from models import uploads
from models.calendar import calendar
from models.db import connection, create_tables, database
from models.storage import store
from tasks import app_task, huey
from tests.helpers import PDF_BYTES, make_config


@app_task()
def which_app() -> str:
    """A test task: the name of the app it runs in (its HUEY_FILE)."""
    return current_app.config["HUEY_FILE"]


def build(tmp_path, name, upload_mb, work_start):
    folder = tmp_path / name
    return create_app(
        make_config(
            folder,
            DOCUMENTS_DIR=str(folder / "documents"),
            HUEY_FILE=str(folder / "huey.sqlite3"),
            HUEY_IMMEDIATE=False,
            MAX_UPLOAD_MB=upload_mb,
            WORK_START=work_start,
        )
    )


@pytest.fixture
def two_apps(tmp_path):
    apps = build(tmp_path, "a", 1, "07:00"), build(tmp_path, "b", 3, "09:30")
    yield apps
    if not database.is_closed():
        database.close()


@pytest.fixture
def with_tables(two_apps, tmp_path):
    """The holiday table the calendars read. (The database itself is still one proxy bound by
    the last app built: models/db.py, not part of this state.)"""
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
    with two_apps[1].app_context(), connection():
        create_tables()
    return two_apps


def test_building_an_app_touches_nothing(two_apps, tmp_path):
    assert not (tmp_path / "a" / "huey.sqlite3").exists()  # the queue's storage is lazy
    assert not (tmp_path / "a" / "documents").exists()
    assert not (tmp_path / "a" / "desk.sqlite3").exists()


def test_each_app_keeps_its_own_state_alternating(with_tables, tmp_path):
    a, b = with_tables
    # Tuesday 2 June 2026 06:00 WIB (23:00 UTC the day before): before either opening.
    early = dt.datetime(2026, 6, 1, 23, 0)
    for _ in range(2):  # alternate, twice: nothing leaks from the last app built or used
        for app, name, mb, opens in ((a, "a", 1, dt.time(7, 0)), (b, "b", 3, dt.time(9, 30))):
            with app.app_context():
                assert store.root == str(tmp_path / name / "documents")
                assert uploads.limits().max_bytes == mb * 1024 * 1024
                assert calendar.start == opens
                assert calendar.to_local(calendar.next_working_moment(early)).time() == opens
                assert huey.storage.filename == str(tmp_path / name / "huey.sqlite3")
                assert (
                    huey is not None
                    and current_app.extensions["huey"] is huey._get_current_object()
                )

    with a.app_context():
        digest = store.put(PDF_BYTES)
        too_big = uploads.Upload("besar.pdf", PDF_BYTES + b"x" * (2 * 1024 * 1024))
        with pytest.raises(uploads.UploadRefused, match="maksimal 1 MB"):
            uploads.check(too_big)
    with b.app_context():
        assert not store.exists(digest)  # b's store has its own root
        assert uploads.check(too_big).content_type == "application/pdf"  # 3 MB is fine in b
    with a.app_context():
        assert store.get(digest) == PDF_BYTES
    assert os.path.exists(tmp_path / "a" / "documents" / digest[:2] / digest[2:4] / digest)


def test_each_app_has_its_own_queue_and_tasks_run_in_their_app(with_tables, tmp_path):
    a, b = with_tables
    queues = a.extensions["huey"], b.extensions["huey"]
    assert queues[0] is not queues[1]
    for queue in queues:  # every declared task is registered on every app's queue
        assert {"tasks.mail.send_notification", "tasks.sweep.sweep_expired"} <= set(
            queue.desk_tasks
        )
    with a.app_context():
        which_app()  # enqueues on a's queue only
        which_app()
    with b.app_context():
        which_app()
        assert huey.pending_count() == 1
    with a.app_context():
        assert huey.pending_count() == 2
    # A consumer of b's queue, outside any app context, runs the task inside b.
    task = queues[1].dequeue()
    assert queues[1].execute(task) == str(tmp_path / "b" / "huey.sqlite3")
    with a.app_context():
        assert which_app.call_local() == str(tmp_path / "a" / "huey.sqlite3")


def test_worker_module_exposes_a_real_huey(tmp_path, monkeypatch):
    """What `huey_consumer tasks.worker.huey` imports: the Huey of the app built from DESK_*."""
    import importlib
    import sys

    from huey import Huey

    monkeypatch.setenv("DESK_SECRET_KEY", "worker-test")
    monkeypatch.setenv("DESK_DATABASE_URL", f"sqlite:///{tmp_path}/desk.sqlite3")
    monkeypatch.setenv("DESK_HUEY_FILE", str(tmp_path / "worker-huey.sqlite3"))
    monkeypatch.delitem(sys.modules, "tasks.worker", raising=False)
    worker = importlib.import_module("tasks.worker")
    try:
        assert isinstance(worker.huey, Huey) and worker.huey is worker.app.extensions["huey"]
        assert worker.huey.storage.filename == str(tmp_path / "worker-huey.sqlite3")
        assert "tasks.reminders.send_reminders_task" in worker.huey.desk_tasks
    finally:
        sys.modules.pop("tasks.worker", None)
        if not database.is_closed():
            database.close()
