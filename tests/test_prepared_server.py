"""Reads by key kept by each pooled PostgreSQL connection (`models.prepared`, `keep_plan`):
PREPAREd by a connection the first time it runs one, then only EXECUTEd, with the rows
peewee gives; each connection its own; plain SQL on SQLite, unpooled, and for a statement the
server will not PREPARE (inside a transaction, that error is the caller's)."""

from __future__ import annotations

import pytest
from peewee import JOIN, SQL, DatabaseError

from models import prepared, workflow
from models.db import connection, database
from models.staff import User
from models.ticket import Ticket, TicketEvent
from tests.helpers import T0, Statements, new_request, required_uploads, two_tickets

Agent = User.alias("agent")


def ticket_with_agent(ticket_id):
    return (
        Ticket.select(Ticket, Agent.id, Agent.name)
        .join(Agent, JOIN.LEFT_OUTER, on=(Ticket.assigned_agent == Agent.id), attr="agent")
        .where(Ticket.id == ticket_id)
    )


def event_tuples(ticket_id):
    return (
        TicketEvent.select(TicketEvent.at, TicketEvent.action, TicketEvent.public)
        .where(TicketEvent.ticket == ticket_id)
        .order_by(TicketEvent.at, TicketEvent.id)
        .tuples()
    )


def kept(app, key):
    (entry,) = [e for k, e in app.extensions[prepared.EXTENSION].items() if k[0] == key]
    return entry


def on_server() -> set[str]:
    return {r[0] for r in database.execute_sql("SELECT name FROM pg_prepared_statements")}


@pytest.fixture
def pooled_postgres(make_app, postgres_url):
    app = make_app(DATABASE_URL=postgres_url, DATABASE_POOL=1)
    yield app
    database.obj.close_all()  # the fixture drops the database: no connection may stay


def test_a_read_by_key_is_prepared_once_per_connection_then_executed(pooled_postgres):
    app = pooled_postgres
    with app.app_context(), connection():
        waiting, taken, _ = two_tickets()
        for round_ in range(3):
            for ticket_id in (taken, waiting):
                with Statements() as statements:
                    found = prepared.first(
                        "test:ticket", ticket_with_agent, ticket_id, keep_plan=True
                    )
                    events = prepared.rows("test:events", event_tuples, ticket_id, keep_plan=True)
                expected = ticket_with_agent(ticket_id).first()
                assert found.__data__ == expected.__data__
                assert (found.agent is None) == (ticket_id == waiting)
                assert events == list(event_tuples(ticket_id)) and events
                assert [tuple(map(type, e)) for e in events] == [
                    tuple(map(type, e)) for e in event_tuples(ticket_id)
                ]
                prepares = [s for s in statements.seen if s.startswith("PREPARE ")]
                assert len(prepares) == (2 if (round_, ticket_id) == (0, taken) else 0)
                assert sum(s.startswith("EXECUTE ") for s in statements.seen) == 2
        names = {
            kept(app, ("first", "test:ticket")).server.name,
            kept(app, "test:events").server.name,
        }
        assert names <= on_server()
        with Statements() as statements:  # a read not by key (a list's): plain SQL
            assert prepared.rows("test:plain", event_tuples, taken) == list(event_tuples(taken))
        assert not [s for s in statements.seen if s.startswith(("PREPARE", "EXECUTE"))]
        assert kept(app, "test:plain").server is None


def test_each_connection_prepares_its_own(pooled_postgres):
    app = pooled_postgres
    with app.app_context(), connection():
        _, taken, _ = two_tickets()
        prepared.rows("test:events", event_tuples, taken, keep_plan=True)
    database.obj.close_all()  # the pool's connections closed: the next one is new
    with app.app_context(), connection():
        assert not on_server()
        with Statements() as statements:
            events = prepared.rows("test:events", event_tuples, taken, keep_plan=True)
        assert events == list(event_tuples(taken))
        assert [s for s in statements.seen if s.startswith("PREPARE ")]
        assert kept(app, "test:events").server is not None  # not fallen back to plain SQL


def test_plain_sql_on_sqlite_and_unpooled(app, make_app, postgres_url):
    unpooled = make_app(DATABASE_URL=postgres_url)
    for each in (app, unpooled):
        with each.app_context(), connection():
            ticket = workflow.submit(None, new_request(), required_uploads(), now=T0)
            with Statements() as statements:
                for _ in range(2):
                    events = prepared.rows("test:events", event_tuples, ticket.id, keep_plan=True)
            assert events == list(event_tuples(ticket.id))
            assert not [s for s in statements.seen if s.startswith(("PREPARE", "EXECUTE"))]
            assert kept(each, "test:events").server is None


def test_a_statement_the_server_will_not_prepare_runs_as_plain_sql(pooled_postgres):
    """`$1 + $2` has no type PostgreSQL can infer: PREPARE fails, the plain SQL answers (and
    is used from then on); inside a transaction the error is raised, as any would be."""

    def summed(ticket_id, a, b):
        return Ticket.select(SQL("%s + %s", [a, b])).where(Ticket.id == ticket_id).tuples()

    app = pooled_postgres
    with app.app_context(), connection():
        ticket = workflow.submit(None, new_request(), required_uploads(), now=T0)
        with pytest.raises(DatabaseError), database.atomic():
            prepared.rows("test:sum-in-transaction", summed, ticket.id, 2, 3, keep_plan=True)
        assert prepared.rows("test:sum", summed, ticket.id, 2, 3, keep_plan=True) == [(5,)]
        assert kept(app, "test:sum").server is None
        assert prepared.rows("test:sum", summed, ticket.id, 4, 3, keep_plan=True) == [(7,)]
