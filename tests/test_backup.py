"""`flask backup` / `flask restore`: a backup taken while tickets with documents are being
submitted restores to a consistent desk; every refusal changes nothing. On PostgreSQL,
`deploy/backup.sh` and the README's pg_restore steps bring a desk back."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import threading
import time
import uuid
from pathlib import Path

import psycopg2

from app import create_app
from models import workflow
from models.db import connection, database
from models.storage import store
from models.ticket import Document, Notification, Ticket, TicketEvent, TicketStep
from models.uploads import Upload
from tests.helpers import (
    PDF_BYTES,
    POSTGRES_URL,
    make_config,
    new_request,
    required_uploads,
    unavailable,
)


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


def test_the_postgresql_backup_script_restores_with_pg_restore(make_app, postgres_url, tmp_path):
    """deploy/backup.sh (pg_dump -Fc, then the documents) and the README's restore steps."""
    for tool in ("pg_dump", "pg_restore", "rsync", "sha256sum"):
        if shutil.which(tool) is None:
            unavailable(f"{tool} is not installed")
    app = make_app(DATABASE_URL=postgres_url)
    with app.app_context(), connection():
        for n in range(2):
            workflow.submit(None, new_request(), unique_uploads(f"pg-{n}"))
    database.close()
    root = Path(__file__).resolve().parent.parent
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith("DESK_")},
        "BACKUP_ROOT": str(tmp_path / "backups"),
        "KEEP_DAYS": "14",
        "DESK_DATABASE_URL": postgres_url,
        "DESK_DOCUMENTS_DIR": app.config["DOCUMENTS_DIR"],
    }
    done = subprocess.run(
        ["sh", str(root / "deploy" / "backup.sh")], env=env, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    (dest,) = (tmp_path / "backups").iterdir()
    check = subprocess.run(
        ["sha256sum", "-c", "--quiet", "documents.sha256"], cwd=dest, capture_output=True
    )
    assert check.returncode == 0 and check.stdout == b""

    admin = psycopg2.connect(POSTGRES_URL)
    admin.autocommit = True
    name = f"desk_restored_{uuid.uuid4().hex[:8]}"
    with admin.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    restored_url = f"{POSTGRES_URL.rsplit('/', 1)[0]}/{name}"
    try:
        pg = subprocess.run(
            ["pg_restore", "--no-owner", "-d", restored_url, str(dest / "servicedesk.dump")],
            capture_output=True,
            text=True,
        )
        assert pg.returncode == 0, pg.stderr
        target = create_app(
            make_config(
                tmp_path / "restored",
                DATABASE_URL=restored_url,
                DOCUMENTS_DIR=str(dest / "documents"),
            )
        )
        status = target.test_cli_runner().invoke(args=["db", "status"])
        assert "Database pada versi terbaru." in status.output, status.output
        with target.app_context(), connection():
            assert Ticket.select().count() == 2
            documents = list(Document.select())
            assert len(documents) == 2 * len(required_uploads())
            for doc in documents:
                assert len(store.get(doc.sha256)) == doc.size
    finally:
        database.close()
        with admin.cursor() as cur:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.close()
