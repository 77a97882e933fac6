"""The embedded default as `make run` starts it: `flask serve` in its own process, on SQLite
files, with its embedded queue consumer writing emails as .eml files whose links point at the
server actually started."""

from __future__ import annotations

import email
import json
import os
import subprocess
import sys
import urllib.request
from pathlib import Path

import pytest

from models import workflow
from models.db import connection, database
from tests.helpers import free_port, new_request, required_uploads, wait_for

ROOT = Path(__file__).resolve().parent.parent
FLASK = Path(sys.executable).parent / "flask"


@pytest.mark.slow
def test_serve_answers_healthz_and_its_consumer_writes_eml_files(make_app, tmp_path):
    settings = {
        "DATABASE_URL": f"sqlite:///{tmp_path}/desk.sqlite3",
        "HUEY_FILE": str(tmp_path / "huey.sqlite3"),
        "DOCUMENTS_DIR": str(tmp_path / "documents"),
        "OUTBOX_DIR": str(tmp_path / "outbox"),
        "SECRET_KEY": "serve-test",
    }
    app = make_app(HUEY_IMMEDIATE=False)
    env = {k: v for k, v in os.environ.items() if not k.startswith("DESK_")}
    env.update({f"DESK_{k}": v for k, v in settings.items()})
    port = free_port()
    log = open(tmp_path / "serve.log", "w")  # noqa: SIM115
    server = subprocess.Popen(
        [str(FLASK), "--app", "app", "serve", "--port", str(port)],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        url = f"http://127.0.0.1:{port}/healthz"
        body = wait_for(lambda: urllib.request.urlopen(url, timeout=2).read())
        assert body, (tmp_path / "serve.log").read_text()
        assert json.loads(body) == {"status": "ok", "database": "ok", "queue": "ok", "disk": "ok"}

        with app.app_context(), connection():  # enqueued on the same queue file
            ticket = workflow.submit(None, new_request(), required_uploads())
        outbox = tmp_path / "outbox"
        files = wait_for(
            lambda: sorted(outbox.glob("*.eml")) if len(list(outbox.glob("*.eml"))) == 2 else None
        )
        assert files, (tmp_path / "serve.log").read_text()
        messages = [email.message_from_bytes(f.read_bytes()) for f in files]
        to_requester = next(m for m in messages if m["To"] == "siti.rahmawati@example.go.id")
        text = next(p for p in to_requester.walk() if p.get_content_type() == "text/plain")
        assert (
            f"http://127.0.0.1:{port}/lacak/{ticket.tracking_token}"
            in text.get_payload(decode=True).decode()
        )
    finally:
        server.terminate()
        server.wait(10)
        log.close()
        if not database.is_closed():
            database.close()
