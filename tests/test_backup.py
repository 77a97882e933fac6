"""`flask backup` / `flask restore`: a backup taken while tickets with documents are being
submitted restores to a consistent desk; every refusal changes nothing."""

from __future__ import annotations

import hashlib
import json
import threading
import time

from app import create_app
from models import workflow
from models.db import connection, database
from models.storage import store
from models.ticket import Document, Notification, Ticket, TicketEvent, TicketStep
from models.uploads import Upload
from tests.helpers import PDF_BYTES, make_config, new_request, required_uploads


def unique_uploads(tag: str) -> list[Upload]:
    """The service's required documents, each with bytes of its own (a new file per ticket)."""
    return [
        Upload(u.filename, PDF_BYTES + f"{tag}-{i}".encode() * 200, u.required_document_id)
        for i, u in enumerate(required_uploads())
    ]


def submit_until(app, stop: threading.Event, made: list, errors: list, worker: int):
    with app.app_context():
        n = 0
        while not stop.is_set():
            try:
                with connection():
                    ticket = workflow.submit(None, new_request(), unique_uploads(f"w{worker}-{n}"))
                made.append(ticket.id)
            except Exception as exc:  # noqa: BLE001 - reported by the test
                errors.append(repr(exc))
                return
            n += 1


def restored_app(tmp_path):
    return create_app(make_config(tmp_path / "restored"))


def test_a_backup_under_write_load_restores_to_a_consistent_desk(app, tmp_path):
    stop, made, errors = threading.Event(), [], []
    writers = [
        threading.Thread(target=submit_until, args=(app, stop, made, errors, i)) for i in range(3)
    ]
    for w in writers:
        w.start()
    try:
        assert _wait(lambda: len(made) >= 6), errors
        result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "backup")])
        during = len(made)
        assert _wait(lambda: len(made) >= during + 3), errors  # the desk kept writing
    finally:
        stop.set()
        for w in writers:
            w.join(30)
    assert not errors, errors
    assert result.exit_code == 0, result.output
    assert "semua checksum cocok" in result.output

    manifest = json.loads((tmp_path / "backup" / "manifest.json").read_text())
    backed_up = manifest["counts"]["ticket"]
    assert 6 <= backed_up < len(made)  # a state taken in the middle of the load
    assert len(manifest["documents"]) == manifest["counts"]["document"]  # every file unique

    target = restored_app(tmp_path)
    cli = target.test_cli_runner()
    restored = cli.invoke(args=["restore", str(tmp_path / "backup")])
    assert restored.exit_code == 0, restored.output
    assert f"Dipulihkan: {backed_up} tiket" in restored.output
    status = cli.invoke(args=["db", "status"])
    assert "Database pada versi terbaru." in status.output, status.output

    with target.app_context(), connection():
        tickets = list(Ticket.select())
        assert len(tickets) == backed_up
        documents = list(Document.select())
        assert len(documents) == manifest["counts"]["document"]
        for doc in documents:  # every row's bytes present and matching (the store checks)
            data = store.get(doc.sha256)
            assert len(data) == doc.size and hashlib.sha256(data).hexdigest() == doc.sha256
        required = len(required_uploads())
        for ticket in tickets:  # each ticket whole: no half-written submission in the copy
            assert Document.select().where(Document.ticket == ticket).count() == required
            assert TicketEvent.select().where(TicketEvent.ticket == ticket).count() >= 1
            assert TicketStep.select().where(TicketStep.ticket == ticket).count() >= 1
            assert Notification.select().where(Notification.ticket == ticket).count() >= 1
        assert store.root.startswith(str(tmp_path / "restored"))
    database.close()


def _wait(predicate, timeout=60.0):
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            return False
        time.sleep(0.02)
    return True


def test_restore_refuses_a_desk_that_is_not_empty_unless_forced(app, make_ticket, tmp_path):
    make_ticket("open")
    cli = app.test_cli_runner()
    assert cli.invoke(args=["backup", str(tmp_path / "b")]).exit_code == 0
    make_ticket("open")  # the desk moved on after its backup
    refused = cli.invoke(args=["restore", str(tmp_path / "b")])
    assert refused.exit_code != 0 and "tidak kosong" in refused.output
    with app.app_context(), connection():
        assert Ticket.select().count() == 2  # nothing changed
    forced = cli.invoke(args=["restore", "--force", str(tmp_path / "b")])
    assert forced.exit_code == 0, forced.output
    with app.app_context(), connection():
        assert Ticket.select().count() == 1
    database.close()


def test_restore_refuses_a_backup_with_a_damaged_document_and_changes_nothing(
    app, make_ticket, tmp_path
):
    make_ticket("open")
    assert app.test_cli_runner().invoke(args=["backup", str(tmp_path / "b")]).exit_code == 0
    victim = next(p for p in (tmp_path / "b" / "documents").rglob("*") if p.is_file())
    victim.write_bytes(victim.read_bytes()[:-1] + b"!")
    target = restored_app(tmp_path)
    result = target.test_cli_runner().invoke(args=["restore", str(tmp_path / "b")])
    assert result.exit_code != 0 and victim.name in result.output and "rusak" in result.output
    assert not (tmp_path / "restored" / "desk.sqlite3").exists()
    assert not (tmp_path / "restored" / "documents").exists()


def test_backup_refuses_a_folder_that_is_not_empty(app, db, tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / "b" / "old.txt").write_text("x")
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "b")])
    assert result.exit_code != 0 and "tidak kosong" in result.output
    assert sorted(p.name for p in (tmp_path / "b").iterdir()) == ["old.txt"]


def test_backup_on_postgresql_points_to_pg_dump(tmp_path, postgres_url):
    app = create_app(make_config(tmp_path, DATABASE_URL=postgres_url))
    result = app.test_cli_runner().invoke(args=["backup", str(tmp_path / "b")])
    assert result.exit_code != 0 and "pg_dump" in result.output
    assert not (tmp_path / "b").exists()
