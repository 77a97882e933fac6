"""The ticket page (issue #12 W3) compiles no SQL once its queries are kept (`models.prepared`):
the session user, the scoped ticket with its seksi, documents, missing list, history, steps, the
seksi's agents and the admins named when it has no other run from SQL compiled on the first
page; a page of another ticket shows that ticket's rows."""

from __future__ import annotations

import peewee
import pytest

from models import prepared
from tests.helpers import Statements


@pytest.fixture
def compiles(monkeypatch):
    counted = []
    original = peewee.Context.query

    def query(self):
        sql, params = original(self)
        counted.append(sql)
        return sql, params

    monkeypatch.setattr(peewee.Context, "query", query)
    return counted


def test_a_ticket_page_compiles_nothing_once_its_queries_are_kept(
    app, client, login_as, make_ticket, compiles
):
    first, second = make_ticket("assigned"), make_ticket("assigned", subject="Tiket kedua")
    login_as("helpdesk")
    assert client.get(f"/admin/tiket/details/?id={first.id}").status_code == 200
    del compiles[:]
    with Statements() as statements:
        page = client.get(f"/admin/tiket/details/?id={second.id}")
    assert page.status_code == 200
    assert compiles == []
    html = page.get_data(as_text=True)
    assert second.number in html and first.number not in html
    assert "Tiket kedua" in html and 'id="btn-reassign"' in html
    kept = {e.sql for e in app.extensions[prepared.EXTENSION].values() if hasattr(e, "sql")}
    ran = [s.split(" -- ")[0] for s in statements.seen]
    assert ran and all(sql in kept for sql in ran), ran  # each from SQL compiled before
    assert not statements.on("seksi")  # the ticket's bidang comes with it
