"""The fixtures, one set for the whole suite (plain helpers are in `tests/helpers.py`).

- `app`: the app on a copy of the demo database (tables and `seed_demo`, built once per session
  into a template SQLite file), everything else under `tmp_path`. Its configuration is
  `helpers.make_config(tmp_path, **app_config)`; a module overrides the `app_config` fixture to
  change it (it may use other fixtures), and `@pytest.mark.csrf_off` (or a module's
  `pytestmark`) turns Flask-WTF's CSRF check off so tests can post forms directly.
- `make_app(path=None, **config)`: another app built the same way (on `tmp_path` unless told),
  for a test that needs a configuration of its own; on a PostgreSQL `DATABASE_URL` the tables
  and the demo data are created in that database.
- The back ends (fixture `backend`): SQLite by default; with env TEST_DATABASE=postgres every
  app a test does not give a DATABASE_URL runs on its own PostgreSQL database (a copy of a
  migrated and seeded template made once per session), with TEST_REDIS=1 on Redis with a queue
  name and key prefix of its own (`make test-postgres`).
- `postgres_url`: a fresh PostgreSQL database for one test, dropped afterwards; skips without a
  server (fails when CI is set). `any_app`: the app on SQLite, then on PostgreSQL.
- `db` (an app context with an open connection), `client`, `runner`, `users` (the demo staff
  by role), `login_as(role or User)` (through the real login form, with its CSRF token when the
  check is on; the demo admin has an authenticator app and `login_as` enters its code),
  `outbox` (the emails sent), `make_ticket(status)`.
"""

from __future__ import annotations

import os
import shutil
import uuid
from pathlib import Path

import pytest
from flask import g
from flask.testing import FlaskClient

from app import create_app
from models import migrate, workflow
from models.catalog import RequiredDocument
from models.db import connection, create_tables, database
from models.seed import seed_demo
from models.staff import User
from models.ticket import Ticket
from models.uploads import Upload
from tests.helpers import (
    DEMO_PASSWORD,
    PDF_BYTES,
    PNG_BYTES,
    POSTGRES_URL,
    REDIS_URL,
    T0,
    SmtpServer,
    csrf_token,
    make_config,
    new_request,
    required_uploads,
    totp_code,
    unavailable,
)


def fresh_g_per_request(app):
    """Start every request with an empty `g`, as in production. The `db` fixture keeps one app
    context open for a whole test and Flask reuses it for the test client's requests, so `g`
    (where Flask-Login caches the logged-in user) would otherwise outlive a request and hide a
    session that no longer authenticates."""

    def clear():
        for key in list(g):
            g.pop(key)

    app.before_request_funcs.setdefault(None, []).insert(0, clear)


class BodyClosingClient(FlaskClient):
    """Flask's test client, closing the body it sent. Werkzeug spools a multipart body over
    500 KB into a temporary file that nothing closes (a ResourceWarning when collected)."""

    def open(self, *args, **kwargs):
        response = super().open(*args, **kwargs)
        for sent in [*response.history, response]:
            sent.request.environ["wsgi.input"].close()
        return response


def seed(app, *, migrations=False):
    """The tables and the demo catalogue with its staff, in the app's database. With
    `migrations`, the schema comes from the migrations (`flask db upgrade`), as in production;
    else from the models (`create_tables`; the two are proven equal by test_migrations)."""
    with app.app_context():
        if migrations:
            with connection():
                migrate.upgrade()
        else:
            create_tables()
        with connection():
            seed_demo(DEMO_PASSWORD)
            set_up_demo_admin_totp(app)


def set_up_demo_admin_totp(app):
    """The demo admin has an authenticator app (two-factor login is required of admins);
    `login_as` enters its current code (`helpers.totp_code`)."""
    from extensions import user_datastore

    admin = User.get(User.email == "admin@example.go.id")
    secret = app.extensions["security"].totp_factory.generate_totp_secret()
    user_datastore.tf_set(admin, "authenticator", totp_secret=secret)


def sqlite_path(url: str) -> str | None:
    return url.removeprefix("sqlite:///") if url.startswith("sqlite:///") else None


@pytest.fixture(scope="session")
def demo_database(tmp_path_factory) -> Path:
    """The template: a SQLite file with the tables and the demo data, made once per session."""
    folder = tmp_path_factory.mktemp("demo-template")
    config = make_config(folder)
    seed(create_app(config), migrations=True)
    with connection():  # fold the WAL into the main file, so that one file is the whole database
        database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    database.close()
    path = Path(sqlite_path(config["DATABASE_URL"]))
    wal = Path(f"{path}-wal")
    assert not wal.exists() or wal.stat().st_size == 0, "the template's WAL was not checkpointed"
    return path


def _admin_connection():
    psycopg2 = pytest.importorskip("psycopg2")
    try:
        admin = psycopg2.connect(POSTGRES_URL, connect_timeout=3)
    except psycopg2.OperationalError as exc:
        unavailable(f"no PostgreSQL at {POSTGRES_URL}: {exc}")
    admin.autocommit = True
    return admin


def _database_url(name: str) -> str:
    return f"{POSTGRES_URL.rsplit('/', 1)[0]}/{name}"


def _drop_database(admin, name: str) -> None:
    if not database.is_closed():
        database.close()
    with admin.cursor() as cur:
        cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


class PostgresBackend:
    """With TEST_DATABASE=postgres: a template database with the migrated schema and the demo
    data, made once per session, and a working copy of it. The first app of each test gets the
    working copy brought back to the template's rows (TRUNCATE, then the saved rows and sequence
    values: much faster than a CREATE DATABASE per test); a second app in the same test gets a
    database of its own, copied from the template and dropped after the test."""

    def __init__(self, folder):
        self.admin = _admin_connection()
        self.template = f"desk_template_{uuid.uuid4().hex[:10]}"
        self.working = f"desk_work_{uuid.uuid4().hex[:10]}"
        self._create(self.template)
        seed(
            create_app(make_config(folder, DATABASE_URL=_database_url(self.template))),
            migrations=True,
        )
        database.close()  # a template must have no open connection while it is copied
        self._create(self.working, template=self.template)
        self.saved = self._save()

    def _create(self, name, template=None):
        with self.admin.cursor() as cur:
            suffix = f' TEMPLATE "{template}"' if template else ""
            cur.execute(f'CREATE DATABASE "{name}"{suffix}')

    def _save(self):
        import psycopg2

        con = psycopg2.connect(_database_url(self.working))
        with con, con.cursor() as cur:
            cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            tables = [r[0] for r in cur.fetchall()]
            rows = {}
            for table in tables:
                cur.execute(f'SELECT * FROM "{table}"')
                rows[table] = ([d[0] for d in cur.description], cur.fetchall())
            cur.execute(
                "SELECT schemaname || '.' || sequencename, last_value FROM pg_sequences "
                "WHERE schemaname = 'public'"
            )
            sequences = cur.fetchall()
        con.close()
        return tables, rows, sequences

    def fresh_working(self) -> str:
        """The working database with exactly the template's rows and sequences again."""
        from psycopg2.extras import execute_values

        if not database.is_closed():
            database.close()
        tables, rows, sequences = self.saved
        import psycopg2

        con = psycopg2.connect(_database_url(self.working))
        with con, con.cursor() as cur:
            cur.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
            present = [r[0] for r in cur.fetchall()]
            # DELETE, not TRUNCATE: these tables are small, and TRUNCATE makes new files (and
            # fsyncs) for each. Without the FK triggers, rows go in and out in any order.
            cur.execute("SET LOCAL session_replication_role = replica")
            cur.execute("SET LOCAL synchronous_commit = off")
            for table in present:
                cur.execute(f'DELETE FROM "{table}"')
            for table in tables:
                names, values = rows[table]
                if values:
                    cols = ", ".join(f'"{n}"' for n in names)
                    execute_values(cur, f'INSERT INTO "{table}" ({cols}) VALUES %s', values)
            for sequence, value in sequences:  # as the template left them (never used: 1)
                if value is None:
                    cur.execute("SELECT setval(%s, 1, false)", (sequence,))
                else:
                    cur.execute("SELECT setval(%s, %s)", (sequence, value))
        con.close()
        return _database_url(self.working)

    def copy(self) -> str:
        name = f"desk_test_{uuid.uuid4().hex[:10]}"
        self._create(name, template=self.template)
        return name

    def drop(self, name):
        _drop_database(self.admin, name)

    def close(self):
        self.drop(self.working)
        self.drop(self.template)
        self.admin.close()


@pytest.fixture(scope="session")
def postgres_backend(tmp_path_factory):
    backend = PostgresBackend(tmp_path_factory.mktemp("postgres-template"))
    yield backend
    backend.close()


@pytest.fixture
def backend(request):
    """The back ends the `app`/`make_app` fixtures put an app on when the test does not choose:
    SQLite and huey's SQLite file by default; env TEST_DATABASE=postgres puts each app on
    PostgreSQL with the demo data (`PostgresBackend`), env TEST_REDIS=1 puts huey and the rate
    limiter on Redis (TEST_REDIS_URL) under a queue name and key prefix of its own, whose keys
    are deleted afterwards."""
    made = []
    created = []

    def choose(overrides: dict) -> dict:
        extra = {}
        if os.environ.get("TEST_DATABASE") == "postgres" and "DATABASE_URL" not in overrides:
            pg = request.getfixturevalue("postgres_backend")
            if not choose.used_working:
                choose.used_working = True
                extra["DATABASE_URL"] = pg.fresh_working()
            else:
                name = pg.copy()
                created.append(name)
                extra["DATABASE_URL"] = _database_url(name)
        if os.environ.get("TEST_REDIS") and "REDIS_URL" not in overrides:
            token = uuid.uuid4().hex[:12]
            made.append(token)
            extra.update(
                REDIS_URL=REDIS_URL,
                HUEY_NAME=f"desk-test-{token}",
                # the storage's own prefix: Flask-Limiter keeps the first app's key_prefix
                RATELIMIT_STORAGE_OPTIONS={"key_prefix": f"LIMITS-{token}"},
            )
        return extra

    choose.used_working = False
    yield choose
    if created:
        pg = request.getfixturevalue("postgres_backend")
        for name in created:
            pg.drop(name)
    if made:
        import redis

        client = redis.Redis.from_url(REDIS_URL)
        for token in made:
            keys = list(client.scan_iter(match=f"*{token}*"))
            if keys:
                client.delete(*keys)
        client.close()


@pytest.fixture
def make_app(tmp_path, demo_database, backend):
    def make(path=None, **overrides):
        folder = Path(path or tmp_path)
        folder.mkdir(parents=True, exist_ok=True)
        chosen = backend(overrides)
        config = make_config(folder, **{**chosen, **overrides})
        target = sqlite_path(config["DATABASE_URL"])
        if target:
            shutil.copyfile(demo_database, target)
        app = create_app(config)
        app.test_client_class = BodyClosingClient
        fresh_g_per_request(app)
        if not target and "DATABASE_URL" not in chosen:
            seed(app)
        return app

    yield make
    if not database.is_closed():
        database.close()


@pytest.fixture
def app_config():
    """Configuration on top of `make_config` for the `app` fixture; override it in a module."""
    return {}


@pytest.fixture
def app(request, make_app, app_config):
    config = dict(app_config)
    if request.node.get_closest_marker("csrf_off"):
        config.setdefault("WTF_CSRF_ENABLED", False)
    return make_app(**config)


@pytest.fixture
def postgres_url():
    """A fresh PostgreSQL database for one test, dropped afterwards; skips without a server
    (fails when CI is set)."""
    psycopg2 = pytest.importorskip("psycopg2")
    try:
        admin = psycopg2.connect(POSTGRES_URL, connect_timeout=3)
    except psycopg2.OperationalError as exc:
        unavailable(f"no PostgreSQL at {POSTGRES_URL}: {exc}")
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
def any_app(request, make_app):
    """The app on SQLite, then on PostgreSQL (skipped when no server answers, unless CI)."""
    extra = {}
    if request.param == "postgres":
        extra["DATABASE_URL"] = request.getfixturevalue("postgres_url")
    return make_app(**extra)


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
    """The demo staff by role: admin, helpdesk, agent, kepala_bidang, kepala_seksi (the first
    demo user of each role: the agent of Seksi Rekayasa Aplikasi)."""
    with app.app_context(), connection():
        return {u.role_names.pop(): u for u in reversed(User.select().order_by(User.id))}


@pytest.fixture
def outbox(app):
    """The emails sent (Flask-Mailman's locmem backend), emptied before each test."""
    state = app.extensions["mailman"]  # the locmem backend appends to its `outbox`
    state.outbox = []
    return state.outbox


@pytest.fixture
def login_as(app, client, users):
    """Log the test client in as the demo user of a role (or as a given User), through the real
    login form; with the CSRF check on, with the form's token. A user with an authenticator
    app (the demo admin) then enters its current code in the second form."""
    with_csrf = app.config.get("WTF_CSRF_ENABLED", True)

    def token():
        return {"csrf_token": csrf_token(client, "/staf/login")} if with_csrf else {}

    def login(who):
        user = users[who] if isinstance(who, str) else who
        client.post("/staf/logout", data=token())
        response = client.post(
            "/staf/login", data={"email": user.email, "password": DEMO_PASSWORD, **token()}
        )
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        if "/staf/tf-validate" in response.headers["Location"]:
            path = "/staf/tf-validate"
            code = totp_code(app, user, fresh=True)
            response = client.post(path, data={"code": code, **token_of(path)})
            assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return user

    def token_of(path):
        return {"csrf_token": csrf_token(client, path)} if with_csrf else {}

    return login


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
            lambda: workflow.close(users["agent"], ticket.id, confirm_wet_ink=True, now=now),
        ]
        for step in steps[:target]:
            step()
        return Ticket.get_by_id(ticket.id)

    return make


@pytest.fixture
def smtp():
    """A local SMTP sink (aiosmtpd), stopped after the test."""
    server = SmtpServer().start()
    yield server
    server.stop()
