"""Schema migrations: an empty database upgraded to the head has the schema `create_tables()`
makes; a database of the previous release, full of data, upgrades and keeps every row; two
upgrades at once apply nothing twice. On SQLite and on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import itertools
import os
import threading
import uuid

import pytest
from peewee import IntegrityError, SqliteDatabase

from models import migrate
from models.calendar import WorkingCalendar
from models.db import create_tables, database, make_database
from models.step_duration import working_seconds

POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
HEAD = migrate.migration_names()
RENAMES = migrate.load("0002_readable_names").RENAMES


def _postgres_admin():
    """A connection to the PostgreSQL server; without one, skip (fail when CI is set)."""
    try:
        import psycopg2

        admin = psycopg2.connect(POSTGRES_URL, connect_timeout=3)
    except Exception as exc:
        if os.environ.get("CI"):
            pytest.fail(f"CI is set and PostgreSQL at {POSTGRES_URL} does not answer: {exc}")
        pytest.skip(f"no PostgreSQL at {POSTGRES_URL}: {exc}")
    admin.autocommit = True
    return admin


@pytest.fixture(params=["sqlite", "postgres"])
def new_database(request, tmp_path):
    """A factory of fresh empty databases on one backend; each call binds the models' database
    to a new one and returns its URL."""
    if request.param == "sqlite":
        counter = itertools.count()

        def make_sqlite():
            return _bind(f"sqlite:///{tmp_path}/db{next(counter)}.sqlite3")

        yield make_sqlite
        _unbind()
        return

    admin = _postgres_admin()
    names = []

    def make_postgres():
        name = f"desk_mig_{uuid.uuid4().hex[:10]}"
        with admin.cursor() as cur:
            cur.execute(f'CREATE DATABASE "{name}"')
        names.append(name)
        return _bind(f"{POSTGRES_URL.rsplit('/', 1)[0]}/{name}")

    yield make_postgres
    _unbind()
    with admin.cursor() as cur:
        for name in names:
            cur.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    admin.close()


def _bind(url: str) -> str:
    _unbind()
    database.initialize(make_database(url))
    return url


def _unbind() -> None:
    if database.obj is not None and not database.is_closed():
        database.close()


def is_sqlite() -> bool:
    return isinstance(database.obj, SqliteDatabase)


def _foreign_keys(table: str) -> list[tuple]:
    if is_sqlite():
        rows = database.execute_sql(f'PRAGMA foreign_key_list("{table}")').fetchall()
        # (id, seq, table, from, to, on_update, on_delete, match)
        return sorted((r[3], r[2], r[4], r[6]) for r in rows)
    rows = database.execute_sql(
        """SELECT kcu.column_name, ccu.table_name, ccu.column_name, rc.delete_rule,
                  tc.constraint_name
           FROM information_schema.table_constraints AS tc
           JOIN information_schema.key_column_usage AS kcu
             ON kcu.constraint_name = tc.constraint_name AND kcu.table_schema = tc.table_schema
           JOIN information_schema.referential_constraints AS rc
             ON rc.constraint_name = tc.constraint_name AND rc.constraint_schema = tc.table_schema
           JOIN information_schema.constraint_column_usage AS ccu
             ON ccu.constraint_name = tc.constraint_name
            AND ccu.constraint_schema = tc.table_schema
           WHERE tc.table_schema = current_schema() AND tc.table_name = %s
             AND tc.constraint_type = 'FOREIGN KEY'""",
        (table,),
    ).fetchall()
    return sorted(rows)


def _constraints(table: str) -> list[tuple]:
    if is_sqlite():
        return []  # SQLite's constraints are unnamed; their columns show in the indexes and FKs
    rows = database.execute_sql(
        "SELECT conname, contype FROM pg_constraint WHERE conrelid = %s::regclass", (f'"{table}"',)
    ).fetchall()
    return sorted(rows)


def describe() -> dict:
    """The bound database's schema, normalised: per table its columns (name, type, nullable,
    primary key, default), indexes (name, columns, unique), foreign keys (column, target table,
    target column, ON DELETE; on PostgreSQL also the constraint's name) and, on PostgreSQL, its
    named constraints; plus PostgreSQL's sequences."""
    db = database.obj
    schema = {}
    for table in sorted(db.get_tables()):
        schema[table] = {
            "columns": sorted(
                (c.name, c.data_type.lower(), c.null, c.primary_key, c.default)
                for c in db.get_columns(table)
            ),
            "indexes": sorted((i.name, tuple(i.columns), i.unique) for i in db.get_indexes(table)),
            "foreign_keys": _foreign_keys(table),
            "constraints": _constraints(table),
        }
    if not is_sqlite():
        rows = database.execute_sql(
            "SELECT sequence_name FROM information_schema.sequences "
            "WHERE sequence_schema = current_schema()"
        ).fetchall()
        schema["<sequences>"] = sorted(r[0] for r in rows)
    return schema


def test_empty_database_upgraded_to_the_head_equals_create_tables(new_database):
    new_database()
    create_tables()
    with database.connection_context():
        expected = describe()
        recorded = [
            r.name for r in migrate.SchemaMigration.select().order_by(migrate.SchemaMigration.name)
        ]
    assert recorded == HEAD  # create_tables() makes the head and says so

    new_database()
    assert migrate.upgrade() == HEAD
    with database.connection_context():
        actual = describe()
    assert "ticket_step" in actual and "missing_document" in actual
    assert "missing_documents" not in {c[0] for c in actual["ticket"]["columns"]}
    assert actual.keys() == expected.keys()
    for table in expected:
        assert actual[table] == expected[table], table


def test_create_tables_refuses_a_database_not_at_the_head(new_database):
    new_database()
    migrate.upgrade("0001_initial")
    with pytest.raises(migrate.MigrationError, match="flask db upgrade"):
        create_tables()


# --- a database of the previous release with data in every table ---------------------------

T0 = dt.datetime(2026, 3, 2, 1, 0)


def _hours(n: float) -> dt.datetime:
    return T0 + dt.timedelta(hours=n)


def fill_previous_release() -> dict:
    """Write a full SOP's worth of rows through the previous release's frozen models: the
    catalogue, staff and roles, counters, tickets in several states with their steps, documents,
    events, emails and reminders. Returns the tickets' ids by status."""
    m = {model.__name__: model for model in migrate.load("0001_initial").frozen_models(database)}
    bidang = [m["Bidang"].create(code=c, name=c.title()) for c in ("aptika", "egov")]
    seksi = [
        m["Seksi"].create(bidang=b, code=f"seksi-{b.code}", name=f"Seksi {b.name}") for b in bidang
    ]
    layanan = [
        m["Layanan"].create(
            code=f"layanan-{i}",
            name=f"Layanan {i}",
            description="",
            seksi=seksi[i % 2],
            duration="pendek",
            active=True,
        )
        for i in range(3)
    ]
    required = [
        m["RequiredDocument"].create(
            layanan=layanan[i // 4], name=f"Dokumen {i + 1}", description="", position=i % 4
        )
        for i in range(12)
    ]
    assert [r.id for r in required] == list(range(1, 13))
    agencies = [
        m["PerangkatDaerah"].create(code=f"pd-{i}", name=f"Dinas {i}", active=True)
        for i in range(2)
    ]
    m["Holiday"].create(date=dt.date(2026, 8, 17), name="Hari Kemerdekaan")
    m["Holiday"].create(date=dt.date(2026, 12, 25), name="Natal")
    roles = {
        name: m["Role"].create(name=name, description=None)
        for name in ("admin", "helpdesk", "agent", "kepala_bidang", "kepala_seksi")
    }
    staff = {}
    for name, b, s in (("admin", None, None), ("helpdesk", 0, None), ("agent", 0, 0)):
        staff[name] = m["User"].create(
            email=f"{name}@example.go.id",
            name=name.title(),
            nip=None,
            password="$argon2id$x",
            active=True,
            fs_uniquifier=uuid.uuid4().hex,
            confirmed_at=T0,
            bidang=None if b is None else bidang[b],
            seksi=None if s is None else seksi[s],
        )
        m["UserRoles"].create(user=staff[name], role=roles[name])
    m["UserRoles"].create(user=staff["helpdesk"], role=roles["kepala_seksi"])
    m["Sequence"].create(name="ticket-2026", value=4)
    m["Sequence"].create(name="ba-2026", value=1)

    # status, layanan, missing_documents (the incomplete one with junk: an unknown id, a
    # non-number, a repeat), the SOP steps it went through
    plan = [
        ("open", 0, "", [(3, "open")]),
        ("incomplete", 0, "3,4,999,x,3", [(3, "open"), (3, "incomplete")]),
        ("assigned", 2, "", [(3, "open"), (4, "verified"), (5, "assigned")]),
        (
            "closed",
            2,
            "12",
            [(3, "open"), (4, "verified"), (5, "assigned"), (6, "selesai"), (7, "signed")],
        ),
    ]
    tickets = {}
    for n, (status, lay, missing, steps) in enumerate(plan, start=1):
        ticket = m["Ticket"].create(
            number=f"SD-2026-{n:04d}",
            tracking_token=f"token-{n:02d}-" + "t" * 24,
            submission_key=f"form-{n}",
            requester_name=f"Pemohon {n}",
            requester_nip=f"1980010120000{n:05d}",
            requester_position="Analis",
            requester_email=f"pemohon{n}@example.go.id",
            requester_phone="0812",
            perangkat_daerah=agencies[n % 2],
            layanan=layanan[lay],
            subject=f"Permohonan {n}",
            description="Mohon bantuan.",
            channel="web",
            intake_channel=None,
            received_at=None,
            created_by=staff["helpdesk"] if n == 3 else None,
            status=status,
            close_reason="fulfilled" if status == "closed" else None,
            assigned_agent=staff["agent"] if status in ("assigned", "closed") else None,
            step=None if status == "closed" else steps[-1][0],
            step_started_at=_hours(len(steps)),
            due_at=None if status == "closed" else _hours(48),
            missing_documents=missing,
            ba_number="BA-2026-0001" if status == "closed" else None,
            created_at=_hours(n),
            updated_at=_hours(n + 1),
            closed_at=_hours(99) if status == "closed" else None,
            version=len(steps),
        )
        tickets[status] = ticket.id
        for k, (step, step_status) in enumerate(steps):
            last = k == len(steps) - 1 and status != "closed"
            m["TicketStep"].create(
                ticket=ticket,
                step=step,
                status=step_status,
                started_at=_hours(k),
                due_at=_hours(k + 24),
                ended_at=None if last else _hours(k + 1),
                actor=None if last else staff["helpdesk"],
            )
            event = m["TicketEvent"].create(
                ticket=ticket,
                at=_hours(k),
                actor=staff["helpdesk"] if k else None,
                actor_label="Helpdesk" if k else "Pemohon",
                action=step_status,
                from_status=steps[k - 1][1] if k else None,
                to_status=step_status,
                note=f"catatan {k}",
                public=k % 2 == 0,
            )
            m["Notification"].create(
                ticket=ticket,
                event=event,
                kind=step_status,
                audience="requester" if k % 2 else "helpdesk,admin",
                user=staff["agent"] if step_status == "assigned" else None,
                email=ticket.requester_email if k % 2 else None,
                status="sent" if k else "pending",
                attempts=1,
                next_attempt_at=_hours(k),
                last_error=None,
                recipients="a@example.go.id" if k else None,
                created_at=_hours(k),
                sent_at=_hours(k) if k else None,
            )
        for i, kind in enumerate(("persyaratan", "sla")):
            m["Document"].create(
                ticket=ticket,
                kind=kind,
                required_document=required[lay * 4 + i] if kind == "persyaratan" else None,
                filename=f"{kind}-{n}.pdf",
                content_type="application/pdf",
                size=1000 + n,
                sha256=f"{n:064x}",
                version=1,
                uploaded_by=None if kind == "persyaratan" else staff["helpdesk"],
                uploaded_at=_hours(i),
            )
    m["ReminderSent"].create(ticket=tickets["open"], kind="helpdesk", key="1", created_at=T0)
    m["ReminderSent"].create(ticket=tickets["assigned"], kind="agent", key="7", created_at=T0)
    return tickets


def _as_datetime(value) -> dt.datetime:
    return value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(value)


def snapshot() -> dict:
    """Every row of every table (the ledger aside), keyed by today's table name."""
    rows = {}
    for table in database.get_tables():
        if table == migrate.LEDGER:
            continue
        cursor = database.execute_sql(f'SELECT * FROM "{table}"')
        names = [d[0] for d in cursor.description]
        content = [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]
        for row in content:
            row.pop("missing_documents", None)
        rows[RENAMES.get(table, table)] = sorted(content, key=repr)
    return rows


def without_added_empty_columns(after: dict, before: dict) -> dict:
    """`after` with only the columns each table had before; a column a later migration added
    must be empty (NULL) in every old row."""
    trimmed = {}
    for table, rows in after.items():
        old = set(before[table][0]) if before.get(table) else None
        if old is None:
            trimmed[table] = rows
            continue
        for row in rows:
            assert all(row[k] is None for k in row if k not in old), (table, row)
        trimmed[table] = sorted(
            ({k: v for k, v in row.items() if k in old} for row in rows), key=repr
        )
    return trimmed


@pytest.fixture
def previous_release(new_database):
    """A database exactly as the previous release's `init-db` left it (no ledger), with data."""
    new_database()
    migrate.upgrade("0001_initial")
    with database.connection_context():
        database.execute_sql('DROP TABLE "schema_migration"')
        with database.atomic():
            tickets = fill_previous_release()
    return tickets


def test_previous_release_upgrades_and_keeps_every_row(previous_release):
    tickets = previous_release
    with database.connection_context():
        before = snapshot()
        if is_sqlite():
            assert database.execute_sql("PRAGMA foreign_keys").fetchone()[0] == 1
    assert all(before[t] for t in before), [t for t in before if not before[t]]
    assert sum(len(r) for r in before.values()) > 80
    pending = [s.name for s in migrate.status()][1:]
    assert pending[0] == "0002_readable_names"
    assert [(s.name, s.applied, s.applied_at) for s in migrate.status()] == [
        ("0001_initial", True, None),  # recognised as the previous release
    ] + [(name, False, None) for name in pending]

    with database.connection_context():
        statements = []
        if is_sqlite():
            database.connection().set_trace_callback(statements.append)
        assert migrate.upgrade() == pending
        after = snapshot()
        links = database.execute_sql(
            'SELECT "ticket_id", "required_document_id" FROM "missing_document"'
        ).fetchall()
    # No table was rebuilt: on SQLite a DROP TABLE of a parent deletes its children by cascade
    # (0017 drops `berita_acara_request`, which no table references, once its rows are moved).
    dropped = [s for s in statements if s.lstrip().upper().startswith(("DROP TABLE", "DELETE"))]
    assert dropped == (['DROP TABLE "berita_acara_request"'] if is_sqlite() else [])
    assert after.pop("missing_document")
    # 0006: every ticket of the previous release was submitted in Bahasa Indonesia
    assert {row.pop("requester_language") for row in after["ticket"]} == {"id"}
    # 0011: every ended step gets its working duration from the calendar, an open one none
    calendar = WorkingCalendar(holidays=lambda a, b: {r["date"] for r in before["holiday"]})
    for row in after["ticket_step"]:
        expected = None
        if row["ended_at"] is not None:
            ended, started = (_as_datetime(row[k]) for k in ("ended_at", "started_at"))
            expected = working_seconds(calendar, started, ended, row["paused_seconds"])
        assert row.pop("working_seconds") == expected, row
    assert any(r["ended_at"] is not None for r in after["ticket_step"])
    for table, rows in after.items():  # a later migration's new column: empty or its default
        if not before.get(table):
            continue
        for row in rows:
            for column in set(row) - set(before[table][0]):
                assert row.pop(column) in (None, False, 0), (table, column)
    assert {t: rows for t, rows in after.items() if t in before} == before  # new tables aside
    assert sorted(links) == [
        (tickets["incomplete"], 3),
        (tickets["incomplete"], 4),
        (tickets["closed"], 12),
    ]
    assert migrate.upgrade() == []  # already at the head
    with database.connection_context():
        assert snapshot()["missing_document"] and len(snapshot()["ticket"]) == len(after["ticket"])
    assert all(s.applied and s.applied_at for s in migrate.status())


def test_upgraded_data_works_with_the_live_models(previous_release):
    from models.catalog import RequiredDocument
    from models.ticket import Document, MissingDocument, Ticket, TicketEvent, TicketStep

    tickets = previous_release
    migrate.upgrade()
    with database.connection_context():
        if is_sqlite():
            for table in database.get_tables():
                targets = {fk[1] for fk in _foreign_keys(table)}
                assert not targets & set(RENAMES), (table, targets)
            assert database.execute_sql("PRAGMA foreign_key_check").fetchall() == []
        incomplete = Ticket.get_by_id(tickets["incomplete"])
        assert incomplete.missing_document_ids == [3, 4]
        assert not incomplete.reply_unread and incomplete.last_reply_at is None  # 0003
        assert {s.paused_seconds for s in TicketStep.select()} == {0}
        assert Ticket.get_by_id(tickets["open"]).missing_document_ids == []
        # the renamed sequences follow their tables: a new row gets the next id
        step = TicketStep.create(ticket=incomplete, step=3, status="open", started_at=T0)
        assert step.id == TicketStep.select().count()
        with pytest.raises(IntegrityError), database.atomic():
            RequiredDocument.delete_by_id(3)  # RESTRICT: a missing-documents row names it
        children = (TicketStep, Document, TicketEvent, MissingDocument)
        counts = [c.select().count() for c in children]
        Ticket.delete_by_id(incomplete.id)  # CASCADE reaches the renamed child tables
        assert [c.select().count() for c in children] == [
            counts[0] - 3,
            counts[1] - 2,
            counts[2] - 2,
            counts[3] - 2,
        ]


REQUESTS = "0017_issued_document_requests"


def test_the_ba_requests_move_into_the_issued_document_requests(previous_release):
    tickets = previous_release
    migrate.upgrade(HEAD[HEAD.index(REQUESTS) - 1])
    with database.connection_context():
        (_, old) = migrate.load("0010_operations").frozen_models(database)
        agent = database.execute_sql('SELECT MIN("id") FROM "user"').fetchone()[0]
        rows = [
            (tickets["closed"], agent, "Subdomain dibuat.", _hours(1), None),
            (tickets["open"], None, "Server dipasang.", _hours(2), _hours(3)),
        ]
        for ticket, user, work, issued, requeued in rows:
            old.create(
                ticket=ticket, agent=user, work_done=work, issued_at=issued, requeued_at=requeued
            )
    assert migrate.upgrade() == HEAD[HEAD.index(REQUESTS) :]
    with database.connection_context():
        assert not database.table_exists("berita_acara_request")
        moved = database.execute_sql(
            'SELECT "ticket_id", "agent_id", "kind", "work_done", "issued_at", "requeued_at" '
            'FROM "issued_document_request" ORDER BY "id"'
        ).fetchall()
    assert [(t, a, k, w, _as_datetime(i), r and _as_datetime(r)) for t, a, k, w, i, r in moved] == [
        (t, a, "ba", w, i, r) for t, a, w, i, r in rows
    ]


def test_two_upgrades_at_once_apply_each_migration_once(new_database):
    new_database()
    barrier = threading.Barrier(2)
    results, errors = [], []

    def run():
        try:
            barrier.wait()
            results.append(migrate.upgrade())
        except Exception as exc:  # reported below, in the test's thread
            errors.append(exc)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert errors == []
    assert sorted(itertools.chain(*results)) == HEAD
    with database.connection_context():
        assert sorted(r.name for r in migrate.SchemaMigration.select()) == HEAD


def test_a_database_with_unknown_tables_is_refused(new_database):
    new_database()
    with database.connection_context():
        database.execute_sql('CREATE TABLE "something" ("id" INTEGER)')
    with pytest.raises(migrate.MigrationError, match="not the previous release"):
        migrate.upgrade()
    with database.connection_context():
        assert not database.table_exists(migrate.LEDGER)


def test_widened_indexes_get_statistics_where_the_database_has_them(previous_release, new_database):
    """0027 replaces three ticket indexes; on a SQLite database that was analyzed, the new ones
    are analyzed too (SQLite guessed without them and picked a worse index); one never analyzed
    is left without statistics (those of three indexes alone would skew the planner)."""
    if not is_sqlite():
        pytest.skip("PostgreSQL keeps statistics per column: an index needs none of its own")
    migrate.upgrade("0026_monthly_report_requests")
    with database.connection_context():
        database.execute_sql("ANALYZE")
    migrate.upgrade()
    with database.connection_context():
        analyzed = {r[0] for r in database.execute_sql("SELECT idx FROM sqlite_stat1")}
    assert {
        "ticket_status_due_at_layanan_id_step_assigned_agent_id_id",
        "ticket_due_at_status_layanan_id_step_assigned_agent_id_id",
        "ticket_assigned_agent_id_status_due_at_layanan_id_step_id",
    } <= analyzed
    assert not analyzed & {
        "ticket_status_due_at_layanan_id_step_assigned_agent_id",
        "ticket_due_at_status_layanan_id",
        "ticket_assigned_agent_id_status_due_at",
    }
    new_database()
    migrate.upgrade()
    with database.connection_context():
        assert not database.table_exists("sqlite_stat1")
