"""Fixtures: an app on a temp-file SQLite database (or PostgreSQL), client, CLI runner, staff
users per role, the mail outbox, a ticket factory that drives the workflow, real file bytes."""

from __future__ import annotations

import datetime as dt
import os
import re
import threading
import uuid

import pytest
from flask import g

from app import create_app
from models import workflow
from models.catalog import Layanan, PerangkatDaerah, RequiredDocument
from models.db import connection, create_tables, database
from models.seed import seed_demo
from models.staff import User
from models.ticket import Ticket
from models.uploads import Upload

DEMO_PASSWORD = "rahasia-demo-123"
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")

PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
PNG_BYTES = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d4944415478da63f8cfc0f01f0005000201a2e1d5b80000000049454e44ae426082"
)


def make_config(tmp_path, **extra):
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "DATABASE_URL": f"sqlite:///{tmp_path}/desk.sqlite3",
        "DOCUMENTS_DIR": str(tmp_path / "documents"),
        "OUTBOX_DIR": str(tmp_path / "outbox"),
        "HUEY_FILE": str(tmp_path / "huey.sqlite3"),
        "HUEY_IMMEDIATE": True,
        "MAIL_BACKEND": "locmem",
        "REDIS_URL": None,
        "SMTP_HOST": None,
    }
    config.update(extra)
    return config


def fresh_g_per_request(app):
    """Start every request with an empty `g`, as in production. The `db` fixture keeps one app
    context open for a whole test and Flask reuses it for the test client's requests, so `g`
    (where Flask-Login caches the logged-in user) would otherwise outlive a request and hide a
    session that no longer authenticates."""

    def clear():
        for key in list(g):
            g.pop(key)

    app.before_request_funcs.setdefault(None, []).insert(0, clear)


def _prepare(app):
    fresh_g_per_request(app)
    with app.app_context():
        create_tables()
        with connection():
            seed_demo(DEMO_PASSWORD)


@pytest.fixture
def app(tmp_path):
    app = create_app(make_config(tmp_path))
    _prepare(app)
    yield app
    if not database.is_closed():
        database.close()


@pytest.fixture
def postgres_url():
    """A fresh PostgreSQL database for one test, dropped afterwards; skips without a server."""
    psycopg2 = pytest.importorskip("psycopg2")
    try:
        admin = psycopg2.connect(POSTGRES_URL, connect_timeout=3)
    except psycopg2.OperationalError as exc:
        pytest.skip(f"no PostgreSQL at {POSTGRES_URL}: {exc}")
    admin.autocommit = True
    name = f"desk_test_{uuid.uuid4().hex[:10]}"
    with admin.cursor() as cur:
        cur.execute(f'CREATE DATABASE "{name}"')
    base = POSTGRES_URL.rsplit("/", 1)[0]
    yield f"{base}/{name}"
    if not database.is_closed():
        database.close()
    database.obj.close_all() if hasattr(database.obj, "close_all") else None
    with admin.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


@pytest.fixture(params=["sqlite", "postgres"])
def any_app(request, tmp_path):
    """The app on SQLite, then on PostgreSQL (skipped when no server answers)."""
    extra = {}
    if request.param == "postgres":
        extra["DATABASE_URL"] = request.getfixturevalue("postgres_url")
    app = create_app(make_config(tmp_path, **extra))
    _prepare(app)
    yield app
    if not database.is_closed():
        database.close()


@pytest.fixture
def db(app):
    """An app context with an open connection, for calling models and the workflow directly."""
    with app.app_context(), connection():
        yield database


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def users(app):
    """The demo staff by role: admin, helpdesk, agent, kepala_bidang, kepala_seksi."""
    with app.app_context(), connection():
        return {u.role_names.pop(): u for u in User.select()}


@pytest.fixture
def outbox(app):
    """The emails sent (Flask-Mailman's locmem backend), emptied before each test."""
    state = app.extensions["mailman"]  # the locmem backend appends to its `outbox`
    state.outbox = []
    return state.outbox


@pytest.fixture
def login_as(client, users):
    """Log the test client in as the demo user of a role, through the real login form (with
    its CSRF token)."""

    def login(role):
        user = users[role]
        client.post("/staf/logout", data={"csrf_token": csrf_token(client, "/staf/login")})
        response = client.post(
            "/staf/login",
            data={
                "email": user.email,
                "password": DEMO_PASSWORD,
                "csrf_token": csrf_token(client, "/staf/login"),
            },
        )
        assert response.status_code == 302, response.get_data(as_text=True)[:300]
        return user

    return login


def csrf_token(client, path: str) -> str:
    """The CSRF token of the form on the page at `path`."""
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


def subdomain_service():
    return Layanan.get(Layanan.code == "permintaan-subdomain")


def new_request(layanan=None, **overrides) -> workflow.NewRequest:
    layanan = layanan or subdomain_service()
    fields = dict(
        requester_name="Siti Rahmawati",
        requester_nip="198703152010012004",
        requester_position="Pranata Komputer Ahli Muda",
        requester_email="siti.rahmawati@example.go.id",
        requester_phone="081234567890",
        perangkat_daerah_id=PerangkatDaerah.get(PerangkatDaerah.code == "DISDIK").id,
        layanan_id=layanan.id,
        subject="Subdomain untuk aplikasi PPDB",
        description="Mohon dibuatkan subdomain ppdb.jabarprov.go.id untuk aplikasi PPDB 2027.",
    )
    fields.update(overrides)
    return workflow.NewRequest(**fields)


def required_uploads(layanan=None) -> list[Upload]:
    layanan = layanan or subdomain_service()
    return [
        Upload(f"{r.name}.pdf", PDF_BYTES + str(r.id).encode(), r.id)
        for r in RequiredDocument.for_layanan(layanan.id)
    ]


# Monday 1 June 2026 is a holiday in the seed; Tuesday 10:00 WIB = 03:00 UTC.
T0 = dt.datetime(2026, 6, 2, 3, 0)


@pytest.fixture
def make_ticket(db, users):
    """Drive a new ticket through the workflow up to `status` (open ... closed)."""
    order = ["open", "verified", "assigned", "selesai", "signed", "closed"]

    def make(status="open", now=T0, **overrides) -> Ticket:
        ticket = workflow.submit(None, new_request(**overrides), required_uploads(), now=now)
        if status == "incomplete":
            missing = [RequiredDocument.for_layanan(ticket.layanan_id).first().id]
            return workflow.verify_incomplete(users["helpdesk"], ticket.id, missing, now=now)
        if status == "rejected":
            return workflow.reject(users["helpdesk"], ticket.id, "Duplikat", now=now)
        target = order.index(status)
        steps = [
            lambda: workflow.verify_complete(users["helpdesk"], ticket.id, now=now),
            lambda: workflow.dispose(users["helpdesk"], ticket.id, users["agent"].id, now=now),
            lambda: (
                workflow.attach_document(
                    users["agent"], ticket.id, "sla", Upload("sla.pdf", PDF_BYTES), now=now
                ),
                workflow.attach_document(
                    users["agent"], ticket.id, "ba", Upload("ba.pdf", PDF_BYTES + b"ba"), now=now
                ),
                workflow.mark_selesai(users["agent"], ticket.id, now=now),
            ),
            lambda: workflow.submit_signed(
                ticket.tracking_token,
                Upload("s.pdf", PDF_BYTES),
                Upload("b.png", PNG_BYTES),
                now=now,
            ),
            lambda: workflow.close(users["agent"], ticket.id, now=now),
        ]
        for step in steps[:target]:
            step()
        return Ticket.get_by_id(ticket.id)

    return make


def race(app, calls, errors=(workflow.WorkflowError,)):
    """Run the calls in threads started together; returns the outcomes ('ok' or the error)."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, call):
        with app.app_context(), connection():
            barrier.wait()
            try:
                call()
                results[i] = "ok"
            except errors as exc:
                results[i] = str(exc)

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results
