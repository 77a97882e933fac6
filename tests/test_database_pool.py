"""DESK_DATABASE_POOL=1: a request hands its connection back to a per-process pool instead of
closing it, and the next request takes it again (no connect, no schema read); off by default."""

from __future__ import annotations

from playhouse.pool import PooledDatabase

from models.db import database, pooled_url
from models.ticket import Ticket


def raw_connections(app, times: int) -> int:
    """How many distinct driver connections `times` requests ran on."""
    seen = []  # kept alive, so that no two of them can share an id

    @app.before_request
    def remember():
        seen.append(database.connection())

    client = app.test_client()
    for _ in range(times):
        assert client.get("/").status_code == 200
        assert database.is_closed()  # the request's teardown closed it, or handed it back
    return len({id(c) for c in seen})


def test_pooled_url_names_the_pooled_scheme():
    assert pooled_url("postgresql://desk@db/desk") == "postgresql+pool://desk@db/desk"
    assert pooled_url("sqlite:////var/lib/desk.sqlite3") == "sqlite+pool:////var/lib/desk.sqlite3"
    assert pooled_url("postgresql+pool://desk@db/desk") == "postgresql+pool://desk@db/desk"


def test_without_the_setting_every_request_connects_anew(make_app):
    app = make_app()
    assert not isinstance(database.obj, PooledDatabase)
    assert raw_connections(app, 3) == 3


def test_with_the_setting_requests_reuse_one_connection(make_app):
    app = make_app(DATABASE_POOL=1)
    try:
        assert isinstance(database.obj, PooledDatabase)
        assert raw_connections(app, 3) == 1
        # a connection handed back in the middle of a transaction comes back clean
        database.connect()
        database.begin()
        Ticket.update(subject="belum disimpan").execute()
        database.close()
        with app.app_context():
            database.connect()
            assert Ticket.select().where(Ticket.subject == "belum disimpan").count() == 0
            database.close()
    finally:
        database.obj.close_all()


def test_on_postgresql_requests_reuse_one_connection(make_app, postgres_url):
    app = make_app(DATABASE_URL=postgres_url, DATABASE_POOL=1)  # seeded by the fixture
    try:
        assert type(database.obj).__name__ == "PooledPostgresqlDatabase"
        assert raw_connections(app, 3) == 1
    finally:
        database.obj.close_all()  # the fixture drops the database: no connection may stay
