"""A ticket list's page and count from SQL compiled once per shape (`deskadmin.list_query`,
issue #12 W2): the same rows and total as Flask-Admin's own query for every role, filter, sort
and page, on SQLite and PostgreSQL; one user's kept SQL never answers another scope; what it
cannot prepare (a search, a queue, "Terlambat") is read as before."""

from __future__ import annotations

import itertools

import pytest
from flask_login import login_user
from peewee import fn

from deskadmin import list_query
from deskadmin.tickets import TicketListBase
from models import prepared, workflow
from models.catalog import Layanan
from models.db import connection, is_sqlite
from models.staff import User
from models.ticket import Ticket
from tests.helpers import DEMO_PASSWORD, T0, csrf_token, new_request, required_uploads


def view_of(app, endpoint="tickets"):
    return next(v for v in app.extensions["desk_admin"]._views if v.endpoint == endpoint)


def filter_index(view, label, operation=None):
    """The index of the list's filter called `label`."""
    return next(i for i, f in enumerate(view._filters) if str(f.name) == label)


def read(view, user, *args, prepare=True):
    """The list's (count, rows as dicts) for `user`, from the prepared SQL or, with `prepare`
    False, from Flask-Admin's query compiled as before."""
    original = TicketListBase.prepares_list
    if not prepare:
        TicketListBase.prepares_list = lambda self: False
    try:
        with view.admin.app.test_request_context("/admin/tiket/"):
            login_user(user)
            count, rows = view.get_list(*args)
    finally:
        TicketListBase.prepares_list = original
    return int(count), str(count), [dict(r.__dict__) for r in rows]


def logged_in(app, email):
    """A test client of `app` logged in as `email` (a demo user without a second factor)."""
    client = app.test_client()
    with app.app_context():
        token = csrf_token(client, "/staf/login")
    answer = client.post(
        "/staf/login", data={"email": email, "password": DEMO_PASSWORD, "csrf_token": token}
    )
    assert answer.status_code == 302
    return client


@pytest.fixture
def seeded(any_app):
    """300 bench tickets in every state, service, agency and agent."""
    result = any_app.test_cli_runner().invoke(args=["seed-bench", "--tickets", "300"])
    assert result.exit_code == 0, result.output
    return any_app


def test_every_role_filter_sort_and_page_reads_what_flask_admin_reads(seeded):
    app = seeded
    view = view_of(app)
    view.page_size = 7  # pages that end inside the data
    with app.app_context(), connection():
        people = [
            User.get(User.email == e)
            for e in (
                "admin@example.go.id",
                "helpdesk@example.go.id",
                "kasi@example.go.id",
                "kabid@example.go.id",
                "agen@example.go.id",
                # the same kinds of scope with other ids: another seksi's head and agents
                "kasi.sandi@example.go.id",
                "agen.sandi@example.go.id",
                "agen.pengolahan-data@example.go.id",
            )
        ]
        some_service = Ticket.select(Ticket.layanan).where(Ticket.status == "assigned").scalar()
        some_agent = (
            Ticket.select(Ticket.assigned_agent)
            .where(Ticket.assigned_agent.is_null(False))
            .scalar()
        )
        duration = Layanan.get_by_id(some_service).duration
    status, layanan, agent, durasi, shown = (
        filter_index(view, label)
        for label in ("Status", "Layanan", "Petugas", "Kelas durasi", "Tampilkan")
    )
    filter_sets = [
        [],
        [(shown, "Tampilkan", "open")],
        [(shown, "Tampilkan", "closed")],
        [(shown, "Tampilkan", "all"), (status, "Status", "assigned")],
        [(layanan, "Layanan", str(some_service))],
        [(agent, "Petugas", str(some_agent)), (shown, "Tampilkan", "all")],
        [(durasi, "Kelas durasi", duration), (status, "Status", "closed")],
    ]
    sorts = [(None, False), ("due_at", False), ("created_at", True), ("layanan", True)]
    compared = 0
    store = app.extensions.setdefault(prepared.EXTENSION, {})
    for user, filters, (sort, desc), page in itertools.product(people, filter_sets, sorts, (0, 2)):
        args = (page, sort, desc, None, filters)
        expected = read(view, user, *args, prepare=False)
        assert read(view, user, *args) == expected, (user.email, filters, sort, page)
        compared += bool(expected[2])
    assert compared > 100  # most of them show rows
    ticket_lists = [k for k, v in store.items() if k[0][0] == "ticket_list"]
    assert ticket_lists and all(store[k] is not prepared._NOT_PREPARABLE for k in ticket_lists)


def test_ties_keep_one_order_so_paging_shows_each_ticket_once(seeded):
    """Many tickets share a status, a due time (none once closed), an agency: each sort breaks
    its ties by the view's `sort_ties` then the id, in the sort's direction, on both back ends,
    both ways of reading a list, for the helpdesk's and an agent's lists and a queue, so a
    list's pages put together are the whole list once. (It fails with the tie-breaking left out:
    the ties come in the index's order, and on PostgreSQL pages of one list repeat tickets.)"""
    app = seeded
    tickets, mine = view_of(app), view_of(app, "q_mine")
    with app.app_context(), connection():
        helpdesk = User.get(User.email == "helpdesk@example.go.id")
        agent = User.get_by_id(
            Ticket.select(Ticket.assigned_agent)
            .where(Ticket.status == "assigned")
            .group_by(Ticket.assigned_agent)
            .order_by(fn.COUNT(Ticket.id).desc())
            .scalar()
        )  # the agent with the most tickets of "Tiket saya"
        named = ("id", "status", "created_at", "layanan", "step", "assigned_agent")
        facts = {
            row[0]: dict(zip(named, row, strict=True))
            for row in Ticket.select(*(getattr(Ticket, n) for n in named)).tuples()
        }
        nulls_first = is_sqlite()
    for column, ties in tickets.sort_ties.items():  # each one the rest of an index's columns
        wanted = (column, *(f.name for f in ties))
        assert any(fields[: len(wanted)] == wanted for fields, _ in Ticket._meta.indexes)

    def key(sort, ticket_id):  # as the database orders NULL: first (SQLite) or last (PostgreSQL)
        values = [facts[ticket_id][f.name] for f in tickets.sort_ties.get(sort, ())]
        rank = (1, 0) if nulls_first else (0, 1)
        return tuple((rank[v is None], 0 if v is None else v) for v in (*values, ticket_id))

    status, shown = (filter_index(tickets, label) for label in ("Status", "Tampilkan"))
    lists = [
        (tickets, helpdesk, [[], [(shown, "Tampilkan", "all")], [(status, "Status", "closed")]]),
        (tickets, agent, [[(shown, "Tampilkan", "all")], [(status, "Status", "closed")]]),
        (mine, agent, [[]]),
    ]
    sorted_value = {
        "status": lambda r: r["status"],
        "due_at": lambda r: r["due_at"],
        "created_at": lambda r: r["created_at"],
        "layanan": lambda r: r["layanan"].name,
        "assigned_agent": lambda r: r["agent"] and r["agent"].name,
    }
    tied = shown_rows = 0
    for view, user, filter_sets in lists:
        for filters, sort, desc, prepare in itertools.product(
            filter_sets, sorted_value, (False, True), (True, False)
        ):
            view.page_size = 0  # the whole list in one read
            _, _, whole = read(view, user, 0, sort, desc, None, filters, prepare=prepare)
            view.page_size = 7
            pages = [
                read(view, user, page, sort, desc, None, filters, prepare=prepare)[2]
                for page in range(len(whole) // 7 + 1)
            ]
            ids = [r["id"] for r in whole]
            assert [r["id"] for page in pages for r in page] == ids, (view, filters, sort, desc)
            assert len(set(ids)) == len(ids)
            shown_rows += len(ids)
            for a, b in itertools.pairwise(whole):
                if sorted_value[sort](a) == sorted_value[sort](b):
                    first, second = key(sort, a["id"]), key(sort, b["id"])
                    assert first > second if desc else first < second, (view, filters, sort)
                    tied += 1
    assert tied > 2000 and shown_rows > 4000


def test_tickets_without_a_due_time_or_agent_come_last_ascending(seeded):
    """The ticket list opens most urgent first: the tickets with no due time (waiting on the
    requester, closed) come after every due one, and first when the order is reversed; the
    same for the agent's name. On both back ends, both ways of reading a list. (SQLite put them
    first: it fails on SQLite with the NULLS clause taken out.)"""
    app = seeded
    view = view_of(app)
    view.page_size = 0
    with app.app_context(), connection():
        helpdesk = User.get(User.email == "helpdesk@example.go.id")
    shown = filter_index(view, "Tampilkan")
    for filters, sort, value in (
        ([], None, lambda r: r["due_at"]),  # the list as it opens: the open tickets, due time
        ([(shown, "Tampilkan", "all")], "due_at", lambda r: r["due_at"]),
        ([(shown, "Tampilkan", "all")], "assigned_agent", lambda r: r["agent"] and r["agent"].name),
    ):
        for desc, prepare in itertools.product(
            (False,) if sort is None else (False, True), (True, False)
        ):
            rows = read(view, helpdesk, 0, sort, desc, None, filters, prepare=prepare)[2]
            values = [value(r) for r in rows]
            given = [v for v in values if v is not None]
            missing = len(values) - len(given)
            assert given and missing, (filters, sort)
            expected = [None] * missing + given if desc else given + [None] * missing
            assert values == expected, (filters, sort, desc)
            if sort != "assigned_agent":  # names: in the database's collation, not Python's
                assert given == sorted(given, reverse=desc)


def test_one_scope_never_answers_another(app, make_ticket, users):
    """The helpdesk (a bidang's services) and the Kepala Seksi (a seksi's) have scopes of the
    same shape of values (one id each); the kind of scope is part of the kept SQL's key, so
    neither ever reads the other's tickets. (It fails with the kind left out of the key.)"""
    from models.catalog import Bidang, Seksi

    with app.app_context(), connection():
        mine = make_ticket("open")  # a service of the demo Kepala Seksi's seksi
        seksi = Seksi.get_by_id(users["kepala_seksi"].seksi_id)
        other_seksi = (
            Seksi.select().where(Seksi.bidang == seksi.bidang_id, Seksi.id != seksi.id).first()
        )
        other_service = Layanan.select().where(Layanan.seksi == other_seksi.id).first()
        theirs = workflow.submit(
            None, new_request(other_service), required_uploads(other_service), now=T0
        )
        assert Bidang.get_by_id(seksi.bidang_id).id == users["helpdesk"].bidang_id

    clients = {role: logged_in(app, users[role].email) for role in ("kepala_seksi", "helpdesk")}

    def numbers(role):
        html = clients[role].get("/admin/tiket/").get_data(as_text=True)
        return {n for n in (mine.number, theirs.number) if n in html}

    for _ in range(2):  # each kind of scope compiled, then kept SQL used by both in turn
        assert numbers("kepala_seksi") == {mine.number}
        assert numbers("helpdesk") == {mine.number, theirs.number}


def test_what_cannot_be_prepared_is_read_as_before(app, client, login_as, make_ticket):
    """A search, a queue and "Terlambat" (it compares with the clock) are not prepared; their
    lists still show their rows."""
    made = make_ticket("open", subject="Jaringan kantor putus")
    view = view_of(app)
    with app.test_request_context("/admin/tiket/"):
        login_user(User.get(User.email == "helpdesk@example.go.id"))
        overdue = filter_index(view, "Terlambat")
        assert list_query.prepared_page(view, None, 0, None, False, "jaringan", [], None) is None
        assert (
            list_query.prepared_page(view, None, 0, None, False, None, [(overdue, "", "1")], None)
            is None
        )
        assert (
            list_query.prepared_page(view_of(app, "q_verify"), None, 0, None, False, None, [], None)
            is None
        )
    login_as("helpdesk")
    assert made.number in client.get("/admin/tiket/?search=jaringan").get_data(as_text=True)
    assert made.number in client.get("/admin/perlu-verifikasi/").get_data(as_text=True)
    assert made.number in client.get("/admin/tiket/?flt0_5=1").get_data(as_text=True)


def test_a_filter_value_that_is_no_id_is_refused_with_a_message(any_app):
    """Text where a service's, agency's or agent's id belongs: the list says the value is not
    valid and shows the rows without that filter, on both back ends (PostgreSQL would refuse
    the comparison)."""
    client = logged_in(any_app, "helpdesk@example.go.id")
    for param in ("flt0_1", "flt0_2", "flt0_3"):
        for junk in ("bukan-angka", "\u0663", "99999999999999999999", "9" * 5000):
            answer = client.get("/admin/tiket/", query_string={param: junk})
            assert answer.status_code == 200, (param, junk)
            assert "Nilai saringan tidak valid" in answer.get_data(as_text=True)
