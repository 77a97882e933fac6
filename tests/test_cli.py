"""The Flask commands: init-db and seed-demo twice, db upgrade and db status, create-user,
sweep."""

from __future__ import annotations

from models import demo_data, migrate
from models.catalog import Bidang, Layanan, PerangkatDaerah, RequiredDocument, Seksi
from models.db import connection
from models.migrate import migration_names
from models.staff import User, UserRoles
from tests.helpers import make_config


def counts():
    return [
        m.select().count()
        for m in (Bidang, Seksi, Layanan, RequiredDocument, PerangkatDaerah, User, UserRoles)
    ]


def test_init_db_and_seed_demo_twice(runner, app):
    for _ in range(2):
        result = runner.invoke(args=["init-db"])
        assert result.exit_code == 0 and "Database siap." in result.output
        assert "Migrasi diterapkan" not in result.output  # create_tables made the head
    with app.app_context(), connection():
        before = counts()
    first = runner.invoke(args=["seed-demo"])
    second = runner.invoke(args=["seed-demo", "--password", "x" * 12])
    assert first.exit_code == 0 and second.exit_code == 0
    assert "(sudah ada)" in second.output and "admin@example.go.id" in second.output
    with app.app_context(), connection():
        assert counts() == before
        assert before[2] >= 8 and before[4] >= 40 and before[5] == len(demo_data.DEMO_STAFF)


def test_seed_demo_prints_random_passwords(tmp_path):
    from app import create_app
    from models.db import create_tables

    app = create_app(make_config(tmp_path))
    with app.app_context():
        create_tables()
    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0
    lines = result.output.strip().splitlines()
    assert len(lines) == len(demo_data.DEMO_STAFF) and all("kata sandi:" in line for line in lines)
    assert {line.split()[0] for line in lines} == {
        "admin",
        "helpdesk",
        "agent",
        "kepala_bidang",
        "kepala_seksi",
    }


def _bare_app(tmp_path):
    """An app on an empty database: no table, no seed."""
    from app import create_app

    return create_app(make_config(tmp_path))


def test_db_status_and_upgrade_twice(tmp_path):

    names = migrate.migration_names()
    cli = _bare_app(tmp_path).test_cli_runner()

    names = migration_names()
    before = cli.invoke(args=["db", "status"])
    assert before.exit_code == 0, before.output
    names = migration_names()
    assert names[:2] == ["0001_initial", "0002_readable_names"]
    assert before.output.count("tertunda") == len(names) + 1
    assert f"{len(names)} migrasi tertunda." in before.output
    first = cli.invoke(args=["db", "upgrade"])
    assert first.exit_code == 0, first.output
    assert first.output.splitlines() == [f"Migrasi diterapkan: {name}" for name in names]
    second = cli.invoke(args=["db", "upgrade"])
    assert second.exit_code == 0 and second.output == "Tidak ada migrasi yang tertunda.\n"
    after = cli.invoke(args=["db", "status"])
    assert after.exit_code == 0 and "tertunda" not in after.output
    assert (
        after.output.count("sudah (") == len(names)
        and "Database pada versi terbaru." in after.output
    )


def test_init_db_on_an_empty_database(tmp_path):
    cli = _bare_app(tmp_path).test_cli_runner()
    result = cli.invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert "0001_initial" in result.output and "0002_readable_names" in result.output
    assert result.output.endswith("Database siap.\n")
    assert cli.invoke(args=["seed-demo"]).exit_code == 0  # the live models work on it


def test_init_db_on_a_database_of_the_previous_release(tmp_path):
    from models.db import database

    app = _bare_app(tmp_path)
    with app.app_context():
        migrate.upgrade("0001_initial")
        with connection():
            database.execute_sql('DROP TABLE "schema_migration"')  # as the old init-db left it
    cli = app.test_cli_runner()
    status = cli.invoke(args=["db", "status"])
    assert "0001_initial" in status.output and "skema rilis sebelumnya" in status.output
    result = cli.invoke(args=["init-db"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        *(f"Migrasi diterapkan: {n}" for n in migrate.migration_names()[1:]),
        "Database siap.",
    ]
    assert "Database pada versi terbaru." in cli.invoke(args=["db", "status"]).output


def test_db_upgrade_reports_an_unknown_database(tmp_path):
    from models.db import database

    app = _bare_app(tmp_path)
    with app.app_context(), connection():
        database.execute_sql('CREATE TABLE "other" ("id" INTEGER)')
    result = app.test_cli_runner().invoke(args=["db", "upgrade"])
    assert result.exit_code == 1 and "not the previous release" in result.output


def test_create_user(runner, app):
    ok = runner.invoke(
        args=[
            "create-user",
            "Dewi@Example.go.id",
            "--name",
            "Dewi",
            "--role",
            "agent",
            "--seksi",
            "rekayasa-aplikasi",
            "--password",
            "kuda-laut-menyanyi-di-cimahi",
        ]
    )
    assert ok.exit_code == 0, ok.output
    with app.app_context(), connection():
        user = User.get(User.email == "dewi@example.go.id")
        assert user.role_names == {"agent"} and user.bidang.code == "aptika"
    for args, message in [
        (["x@example.go.id", "--name", "X", "--role", "boss"], "Peran tidak dikenal"),
        (["y@example.go.id", "--name", "Y", "--role", "agent"], "seksi"),
        (["dewi@example.go.id", "--name", "D", "--role", "admin"], "sudah ada"),
        (
            [
                "z@example.go.id",
                "--name",
                "Z",
                "--role",
                "agent",
                "--bidang",
                "egov",
                "--seksi",
                "rekayasa-aplikasi",
            ],
            "bukan bagian",
        ),
    ]:
        result = runner.invoke(args=["create-user", *args])
        assert result.exit_code != 0 and message in result.output, result.output


def test_sweep_command(runner, make_ticket, app):
    import datetime as dt

    from models.ticket import Ticket

    ticket = make_ticket("incomplete", now=dt.datetime(2020, 1, 6, 3, 0))
    result = runner.invoke(args=["sweep"])
    assert result.exit_code == 0 and "1 tiket" in result.output
    assert Ticket.get_by_id(ticket.id).close_reason == "expired"
    assert "0 tiket" in runner.invoke(args=["sweep"]).output


def test_healthz(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    body = response.json
    assert (body["database"], body["queue"], body["email"]["status"]) == ("ok", "ok", "ok")
    # no periodic consumer has ever run here: a warning, not an error (the web still serves)
    assert body["status"] == "warning" and body["consumer"]["heartbeat_age_s"] is None


def test_healthz_reports_a_broken_database(tmp_path):
    from app import create_app

    app = create_app(make_config(tmp_path, DATABASE_URL=f"sqlite:///{tmp_path}/no/such/dir.db"))
    response = app.test_client().get("/healthz")
    assert response.status_code == 503 and response.json["database"].startswith("error")


def test_outbox_fixture_collects_sent_mail(make_ticket, outbox):
    make_ticket("open")
    assert len(outbox) == 2  # Open Tiket: requester, staff
    assert outbox[0].to == ["siti.rahmawati@example.go.id"]
