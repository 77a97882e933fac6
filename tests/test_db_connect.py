"""A request connects to the database at its first statement: one that runs none opens no
connection, one that runs any closes it (or hands it back to the pool) at its teardown; on
SQLite and PostgreSQL, pooled and not. An unpooled SQLite file keeps one idle connection per
process, so that a request's close is never the file's last."""

from __future__ import annotations

import os

import pytest
from peewee import SqliteDatabase
from playhouse.pool import PooledDatabase

from models.catalog import Layanan
from models.db import connection, database


@pytest.fixture(params=["sqlite", "sqlite-pool", "postgres", "postgres-pool"])
def each_app(request, make_app):
    """The app on each back end, with and without the pool (PostgreSQL skipped when no server
    answers, unless CI)."""
    extra = {"DATABASE_POOL": 1} if request.param.endswith("-pool") else {}
    if request.param.startswith("postgres"):
        extra["DATABASE_URL"] = request.getfixturevalue("postgres_url")
    app = make_app(**extra)
    yield app
    if hasattr(database.obj, "close_all"):
        database.obj.close_all()


def open_at_response(app) -> list[bool]:
    """For each request from now on, whether a connection was open when its response was made
    (after the view, before the teardown)."""
    seen = []

    @app.after_request
    def remember(response):
        seen.append(not database.is_closed())
        return response

    return seen


def test_a_request_without_a_statement_opens_no_connection(each_app):
    with each_app.app_context(), connection():
        layanan_id = Layanan.select(Layanan.id).where(Layanan.active == True).first().id  # noqa: E712
    opened = open_at_response(each_app)
    client = each_app.test_client()
    form = f"/?layanan={layanan_id}"
    assert client.get(form).status_code == 200  # reads the catalogue into the process cache
    assert database.is_closed()
    assert client.get(form).status_code == 200  # from the cache: no statement
    assert database.is_closed()
    assert opened == [True, False]


def test_a_request_with_a_statement_closes_its_connection(each_app):
    opened = open_at_response(each_app)
    client = each_app.test_client()
    for _ in range(2):
        assert client.get("/lacak/" + "x" * 32).status_code == 404  # looks the token up
        assert database.is_closed()
    assert opened == [True, True]
    if hasattr(database.obj, "_in_use"):  # pooled: handed back, none kept in use
        assert not database.obj._in_use


def test_on_sqlite_a_request_never_closes_the_files_last_connection(make_app):
    """An unpooled SQLite file keeps one idle connection per process, so that a request's close
    does not checkpoint and delete the WAL (what the file's last connection does)."""
    app = make_app()
    if not isinstance(database.obj, SqliteDatabase):
        pytest.skip("an SQLite file's WAL: the run on SQLite tests it")
    path = database.obj.database
    assert not isinstance(database.obj, PooledDatabase) and os.path.exists(path)
    client = app.test_client()
    for _ in range(2):
        assert client.get("/lacak/" + "x" * 32).status_code == 404  # looks the token up
        assert database.is_closed()
        assert os.path.exists(path + "-wal")  # not the last connection: the WAL stays


def test_no_kept_connection_for_a_pool_or_postgresql(each_app):
    each_app.test_client().get("/lacak/" + "x" * 32)
    kept = getattr(database.obj, "_desk_keeper_pid", None) == os.getpid()
    assert kept == (type(database.obj) is SqliteDatabase)
