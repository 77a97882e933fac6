"""The ticket page's ticket comes from SQL kept per kind of scope (`models.prepared`, issue #12
W3): the SQL kept for one user's scope never answers for another's, whatever order they come
in; a ticket outside one's scope stays a 404."""

from __future__ import annotations

from types import SimpleNamespace

import pytest
from werkzeug.exceptions import NotFound

from deskadmin import access
from models import prepared, workflow
from models.catalog import Layanan
from models.seed import create_staff_user
from models.staff import ADMIN, AGENT, HELPDESK
from models.ticket import Ticket
from tests.helpers import DEMO_PASSWORD, T0, new_request, required_uploads

pytestmark = pytest.mark.csrf_off  # one client logs in as one user after another


def open_ticket(code):
    layanan = Layanan.get(Layanan.code == code)
    return workflow.submit(None, new_request(layanan=layanan), required_uploads(layanan), now=T0)


@pytest.fixture
def tickets(db, users, make_ticket):
    """A: subdomain (Bidang Aptika, Seksi Rekayasa Aplikasi) open; B: subdomain disposed to the
    demo agent; C: Aptika, Seksi Pengelolaan Aplikasi; D: Bidang e-Government; E: subdomain
    disposed to a second agent. Besides the demo staff: a helpdesk of e-Government, the second
    agent, a kepala seksi of Pengelolaan Aplikasi."""
    staff = {
        "helpdesk-egov": create_staff_user(
            "helpdesk.egov@example.go.id", "Helpdesk Egov", HELPDESK, bidang_code="egov",
            password=DEMO_PASSWORD,
        )[0],
        "agent2": create_staff_user(
            "agen2@example.go.id", "Agen Kedua", AGENT, seksi_code="rekayasa-aplikasi",
            password=DEMO_PASSWORD,
        )[0],
        "kasi-pengelolaan": create_staff_user(
            "kasi.pengelolaan@example.go.id", "Kasi Pengelolaan", "kepala_seksi",
            seksi_code="pengelolaan-aplikasi", password=DEMO_PASSWORD,
        )[0],
    }  # fmt: skip
    a = make_ticket("open")
    b = make_ticket("assigned")
    c = open_ticket("gangguan-aplikasi")
    d = open_ticket("gangguan-jaringan")
    e = make_ticket("verified")
    workflow.dispose(users["helpdesk"], e.id, staff["agent2"].id, now=T0)
    found = {k: Ticket.get_by_id(t.id) for k, t in dict(A=a, B=b, C=c, D=d, E=e).items()}
    return found, staff


def page(ticket):
    return f"/admin/tiket/details/?id={ticket.id}"


def test_the_kept_sql_of_one_scope_never_serves_another(app, client, login_as, tickets):
    found, staff = tickets
    visits = [  # (who, a ticket in their scope, one outside it), each scope after another's
        ("helpdesk", "A", "D"),
        (staff["helpdesk-egov"], "D", "A"),
        ("agent", "B", "E"),
        (staff["agent2"], "E", "B"),
        ("kepala_seksi", "A", "C"),
        (staff["kasi-pengelolaan"], "C", "A"),
        ("helpdesk", "C", "D"),
        ("agent", "B", "A"),
        ("admin", "D", None),
        ("kepala_bidang", "E", "D"),
    ]
    for who, own, foreign in visits:
        login_as(who)
        assert client.get(page(found[own])).status_code == 200, (who, own)
        if foreign:
            assert client.get(page(found[foreign])).status_code == 404, (who, foreign)
            assert client.get(f"/admin/tiket/{found[foreign].id}/templat-sla").status_code == 404
    kinds = {
        key[0][1][3]
        for key in app.extensions[prepared.EXTENSION]
        if key[0][0] == "first" and key[0][1][0] == "scoped_ticket"
    }
    assert {("bidang",), ("agent",), ("seksi",), "all"} <= kinds  # the pages used kept SQL


def staff_like(roles, *, id, bidang_id=None, seksi_id=None):
    return SimpleNamespace(
        id=id, active=True, bidang_id=bidang_id, seksi_id=seksi_id, role_names=set(roles)
    )


@pytest.mark.parametrize("columns", ["page_query", None])
@pytest.mark.parametrize("shape", ["agent after bidang", "nobody after admin"])
def test_the_kept_sql_is_keyed_by_the_kind_of_scope(app, tickets, monkeypatch, shape, columns):
    """Two scopes whose values look alike (an agent whose id is the bidang's id; no role and
    admin, neither with a value): the second never gets the first one's SQL."""
    found, _ = tickets
    ticket = found["A"]  # open, of Bidang Aptika, no agent
    bidang_id = ticket.layanan.seksi.bidang_id
    first, then = {
        "agent after bidang": (
            staff_like({HELPDESK}, id=10**6, bidang_id=bidang_id),
            staff_like({AGENT}, id=bidang_id),
        ),
        "nobody after admin": (staff_like({ADMIN}, id=10**6), staff_like(set(), id=10**6 + 1)),
    }[shape]
    (view,) = [v for v in app.extensions["desk_admin"]._views if v.endpoint == "tickets"]
    query = getattr(view, columns) if columns else None
    with app.test_request_context():
        monkeypatch.setattr(access, "current_user", first)
        assert view.scoped_ticket(ticket.id, query).id == ticket.id
        assert view.scoped_ticket(ticket.id, query).id == ticket.id  # from the kept SQL
        monkeypatch.setattr(access, "current_user", then)
        with pytest.raises(NotFound):
            view.scoped_ticket(ticket.id, query)
