"""SELECTs compiled once per app, process and shape (`models.prepared`, issue #12 W3): the same
rows as peewee for any values, on SQLite and PostgreSQL; each shape its own SQL; compiled once;
a query it cannot prepare safely compiled each time; each app its own SQL."""

from __future__ import annotations

import peewee
import pytest
from peewee import JOIN

from deskadmin.ticket_cells import LIST_COLUMNS
from models import prepared
from models.catalog import Layanan, PerangkatDaerah
from models.db import connection, database, is_sqlite
from models.staff import User
from models.ticket import Ticket, TicketEvent
from tests.helpers import two_tickets

Agent = User.alias("agent")


def ticket_page_query(ticket_id):
    """A ticket with its agency, service and (outer-joined) agent, as the ticket page reads it."""
    return (
        Ticket.select(Ticket, PerangkatDaerah, Layanan, Agent.id, Agent.name)
        .join(PerangkatDaerah)
        .switch(Ticket)
        .join(Layanan)
        .switch(Ticket)
        .join(Agent, JOIN.LEFT_OUTER, on=(Ticket.assigned_agent == Agent.id), attr="agent")
        .where(Ticket.id == ticket_id)
    )


def data_of(ticket):
    """What a ticket row turned into: its fields and those of each joined instance."""
    agent = ticket.__rel__.get("agent")
    return (
        dict(ticket.__data__),
        dict(ticket.perangkat_daerah.__data__),
        dict(ticket.layanan.__data__),
        None if agent is None else dict(agent.__data__),
    )


@pytest.fixture
def compiles(monkeypatch):
    """How many statements peewee turned into SQL (each top-level compile ends in `query()`)."""
    counted = []
    original = peewee.Context.query

    def query(self):
        counted.append(1)
        return original(self)

    monkeypatch.setattr(peewee.Context, "query", query)
    return counted


def test_the_same_rows_as_peewee_for_each_value(any_app):
    with any_app.app_context(), connection():
        waiting, taken, agent = two_tickets()
        for ticket_id in (taken, waiting, taken, 10**9):  # an outer join empty, then set again
            expected = ticket_page_query(ticket_id).first()
            found = prepared.first("test:ticket", ticket_page_query, ticket_id)
            if expected is None:
                assert found is None
                continue
            assert data_of(found) == data_of(expected)
            assert (found.agent is None) == (ticket_id == waiting)
        assert found_agent_name(taken) == agent.name
        for ticket_id in (waiting, taken):
            events = prepared.rows("test:events", TicketEvent.for_ticket, ticket_id)
            expected = list(TicketEvent.for_ticket(ticket_id))
            assert [e.__data__ for e in events] == [e.__data__ for e in expected]
            assert {e.ticket_id for e in events} == {ticket_id}


def list_rows_query(status):
    """Tuples of every kind of column a list reads (LIST_COLUMNS: ids, texts, a flag, dates,
    one of them None before a due time, foreign keys), then an outer-joined agent's id and
    name."""
    return (
        Ticket.select(*LIST_COLUMNS, Agent.id, Agent.name)
        .join(Agent, JOIN.LEFT_OUTER, on=(Ticket.assigned_agent == Agent.id))
        .where(Ticket.status == status)
        .order_by(Ticket.id)
        .tuples()
    )


def test_tuples_are_converted_as_peewee_converts_them(any_app):
    with any_app.app_context(), connection():
        waiting, taken, _ = two_tickets()
        if is_sqlite():
            # SQLite keeps what it is given: a text column holding bytes, converted to text;
            # a due time as a date only; a creation time as text that is no date, a due time
            # with a fraction and an offset (the other creation time as written)
            database.execute_sql("UPDATE ticket SET subject = ? WHERE id = ?", (b"Bytes", waiting))
            database.execute_sql(
                "UPDATE ticket SET due_at = ? WHERE id = ?", ("2026-11-30", waiting)
            )
            database.execute_sql(
                "UPDATE ticket SET created_at = ?, due_at = ? WHERE id = ?",
                ("kemarin", "2026-11-30 08:15:42.5+07:00", taken),
            )
        statuses = [Ticket.get_by_id(i).status for i in (waiting, taken)]
        for status in (*statuses, *statuses):  # the first run of a key, then the kept plan
            expected = list(list_rows_query(status))
            found = prepared.rows(("test", "list_rows"), list_rows_query, status)
            assert found == expected
            assert [tuple(map(type, r)) for r in found] == [tuple(map(type, r)) for r in expected]
        (entry,) = [
            e
            for k, e in any_app.extensions[prepared.EXTENSION].items()
            if k[0] == ("test", "list_rows")
        ]
        assert entry.tuple_plan is not None
        assert len(entry.tuple_plan.always) < len(entry.tuple_plan.checked)
        assert len(entry.tuple_plan.datetimes) == 2  # due_at, created_at: fromisoformat


def found_agent_name(ticket_id):
    return prepared.first("test:ticket", ticket_page_query, ticket_id).agent.name


def test_the_sql_is_compiled_once_per_key(app, compiles):
    with app.app_context(), connection():
        waiting, taken, _ = two_tickets()
        prepared.first("test:ticket", ticket_page_query, waiting)
        before = len(compiles)
        for ticket_id in (taken, waiting, taken):
            assert prepared.first("test:ticket", ticket_page_query, ticket_id).id == ticket_id
        assert len(compiles) == before  # run with the kept SQL, not compiled again
        list(ticket_page_query(taken))
        assert len(compiles) == before + 1  # (what counts a compile counts peewee's own)


def test_each_shape_has_its_own_sql(app):
    def by_agent(agent_id):
        return Ticket.select(Ticket.id).where(Ticket.assigned_agent == agent_id).tuples()

    def by_id(ticket_id):
        return Ticket.select(Ticket.id).where(Ticket.id == ticket_id).tuples()

    with app.app_context(), connection():
        waiting, taken, agent = two_tickets()
        assert prepared.rows(("test", "by_id"), by_id, waiting) == [(waiting,)]
        # one value of the same type, another key: its own SQL, not by_id's
        assert prepared.rows(("test", "by_agent"), by_agent, agent.id) == list(by_agent(agent.id))
        assert (taken,) in prepared.rows(("test", "by_agent"), by_agent, agent.id)
        assert prepared.rows(("test", "by_id"), by_id, taken) == [(taken,)]
        store = app.extensions[prepared.EXTENSION]
        sql = {key[0][1]: entry.sql for key, entry in store.items() if key[0][0] == "test"}
        assert set(sql) == {"by_id", "by_agent"}
        assert "assigned_agent_id" in sql["by_agent"] and "assigned_agent_id" not in sql["by_id"]


def test_values_of_another_type_get_their_own_sql(app):
    def by_number(number):
        return Ticket.select(Ticket.id).where(Ticket.number == number).tuples()

    with app.app_context(), connection():
        waiting, _, _ = two_tickets()
        number = Ticket.get_by_id(waiting).number
        assert prepared.rows("test:number", by_number, number) == [(waiting,)]
        assert prepared.rows("test:number", by_number, 12345) == list(by_number(12345))


def test_what_cannot_be_prepared_safely_is_compiled_each_time(app, compiles):
    def twice(value):  # the value in two places: no single position to put it
        return Ticket.select(Ticket.id).where(
            (Ticket.id == value) | (Ticket.assigned_agent == value)
        )

    def nullable(agent_id):  # None changes the SQL itself (IS NULL)
        return Ticket.select(Ticket.id).where(Ticket.assigned_agent == agent_id)

    with app.app_context(), connection():
        waiting, taken, agent = two_tickets()
        expected_twice = [t.id for t in twice(taken)]
        prepared.rows("test:twice", twice, taken)
        for _ in range(2):
            before = len(compiles)
            assert [t.id for t in prepared.rows("test:twice", twice, taken)] == expected_twice
            ids = [t.id for t in prepared.rows("test:nullable", nullable, None)]
            assert waiting in ids and taken not in ids
            assert len(compiles) == before + 2  # each call compiled, as peewee does
        store = app.extensions[prepared.EXTENSION]
        assert store[("test:twice", (int,))] is prepared._NOT_PREPARABLE


def test_each_app_keeps_its_own_sql_for_its_database(app, make_app):
    with app.app_context(), connection():
        waiting, _, _ = two_tickets()
        assert prepared.first("test:ticket", ticket_page_query, waiting).id == waiting
        assert ("first", "test:ticket") in {k[0] for k in app.extensions[prepared.EXTENSION]}
    other = make_app()  # binds the database proxy to its own database
    assert prepared.EXTENSION not in other.extensions  # nothing shared through the module
    with other.app_context(), connection():
        assert prepared.first("test:ticket", ticket_page_query, waiting) is None
        (entry,) = [
            e for k, e in other.extensions[prepared.EXTENSION].items() if k[0][1] == "test:ticket"
        ]
        assert entry.database is database.obj
    with app.app_context(), connection():  # the proxy's database changed: compiled again for it
        prepared.first("test:ticket", ticket_page_query, waiting)
        (entry,) = [
            e for k, e in app.extensions[prepared.EXTENSION].items() if k[0][1] == "test:ticket"
        ]
        assert entry.database is database.obj


def test_the_store_is_bounded(app, monkeypatch):
    monkeypatch.setattr(prepared, "LIMIT", 3)

    def by_id(ticket_id):
        return Ticket.select(Ticket.id).where(Ticket.id == ticket_id).tuples()

    with app.app_context(), connection():
        waiting, _, _ = two_tickets()
        for n in range(10):
            assert prepared.rows(("test:bounded", n), by_id, waiting) == [(waiting,)]
        assert len(app.extensions[prepared.EXTENSION]) <= 3
