"""Staff side, who sees what (issue #4): every role's lists on a mixed data set, a 404 for an
out-of-scope ticket by every path, read-only heads refused, CSRF, login and logout."""

from __future__ import annotations

import re

import pytest

from models import workflow
from models.catalog import Layanan
from models.db import connection
from models.seed import create_staff_user
from models.ticket import Document, Ticket
from tests.helpers import DEMO_PASSWORD, T0, new_request, required_uploads, snapshot

pytestmark = pytest.mark.csrf_off  # forms are posted without their token

ROLES = ["admin", "helpdesk", "agent", "kepala_bidang", "kepala_seksi"]


def open_ticket(code, subject):
    layanan = Layanan.get(Layanan.code == code)
    return workflow.submit(
        None, new_request(layanan=layanan, subject=subject), required_uploads(layanan), now=T0
    )


@pytest.fixture
def mixed(db, users, make_ticket):
    """A: subdomain (aptika, Seksi Rekayasa Aplikasi) open; B: subdomain disposed to the demo
    agent; C: an aptika service of another seksi; D: a service of Bidang e-Government;
    E: subdomain disposed to another agent of the same seksi."""
    other_agent, _ = create_staff_user(
        "agen2@example.go.id", "Agen Kedua", "agent", seksi_code="rekayasa-aplikasi"
    )
    a = make_ticket("open", subject="Tiket A")
    b = make_ticket("assigned", subject="Tiket B")
    c = open_ticket("gangguan-aplikasi", "Tiket C")
    d = open_ticket("gangguan-jaringan", "Tiket D")
    e = make_ticket("verified", subject="Tiket E")
    workflow.dispose(users["helpdesk"], e.id, other_agent.id, now=T0)
    return {k: Ticket.get_by_id(t.id) for k, t in dict(A=a, B=b, C=c, D=d, E=e).items()}


VISIBLE = {
    "admin": "ABCDE",
    "helpdesk": "ABCE",
    "agent": "B",
    "kepala_bidang": "ABCE",
    "kepala_seksi": "ABE",
}


def numbers(html):
    return set(re.findall(r"SD-\d{4}-\d{6}", html))


def expected(mixed, letters):
    return {mixed[x].number for x in letters}


@pytest.mark.parametrize("role", ROLES)
def test_each_role_lists_and_exports_exactly_its_scope(client, login_as, mixed, role):
    login_as(role)
    listed = client.get("/admin/tiket/")
    assert listed.status_code == 200
    assert numbers(listed.get_data(as_text=True)) == expected(mixed, VISIBLE[role])
    overdue = client.get("/admin/terlambat/")  # every ticket here is past its due time
    assert numbers(overdue.get_data(as_text=True)) == expected(mixed, VISIBLE[role])
    export = client.get("/admin/tiket/export/csv/")
    assert export.status_code == 200
    assert numbers(export.get_data(as_text=True)) == expected(mixed, VISIBLE[role])
    index = client.get("/admin/")
    assert f"Tiket dalam lingkup Anda: {len(VISIBLE[role])}." in index.get_data(as_text=True)


def test_queues_hold_their_status_within_the_scope(client, login_as, mixed):
    login_as("helpdesk")
    verify = numbers(client.get("/admin/perlu-verifikasi/").get_data(as_text=True))
    assert verify == expected(mixed, "AC")
    assert numbers(client.get("/admin/perlu-disposisi/").get_data(as_text=True)) == set()
    login_as("agent")
    assert numbers(client.get("/admin/tiket-saya/").get_data(as_text=True)) == expected(mixed, "B")
    assert numbers(client.get("/admin/perlu-verifikasi/").get_data(as_text=True)) == set()


def out_of_scope_paths(ticket):
    doc = Document.select().where(Document.ticket == ticket.id).first()
    return [
        ("get", f"/admin/tiket/details/?id={ticket.id}", None),
        ("get", f"/admin/tiket/edit/?id={ticket.id}", None),
        ("post", "/admin/tiket/delete/", {"id": ticket.id}),
        ("get", f"/admin/perlu-verifikasi/details/?id={ticket.id}", None),
        ("get", f"/admin/terlambat/edit/?id={ticket.id}", None),
        ("post", f"/admin/tiket/{ticket.id}/aksi/verify_complete", {"note": "x"}),
        ("post", f"/admin/tiket/{ticket.id}/aksi/reject", {"reason": "spam"}),
        ("post", f"/admin/tiket/{ticket.id}/aksi/extend_window", {"reason": "cuti"}),
        ("post", f"/admin/tiket/{ticket.id}/aksi/receive_documents", {"channel": "letter"}),
        ("post", f"/admin/tiket/{ticket.id}/aksi/return_signed", {"kinds": "sla_signed"}),
        ("get", f"/admin/tiket/{ticket.id}/dokumen/{doc.id}", None),
        ("get", f"/admin/tiket/{ticket.id}/dokumen/{doc.id}?inline=1", None),
        ("get", f"/admin/tiket/disposisi-massal/?ids={ticket.id}", None),
        ("post", "/admin/tiket/action/", {"action": "dispose", "rowid": [ticket.id]}),
    ]


@pytest.mark.parametrize(
    "role,letter",
    [
        ("helpdesk", "D"),
        ("agent", "A"),
        ("agent", "E"),
        ("kepala_seksi", "C"),
        ("kepala_bidang", "D"),
    ],
)
def test_out_of_scope_ticket_is_404_by_every_path(client, login_as, mixed, role, letter):
    ticket = mixed[letter]
    before = snapshot(ticket.id)
    login_as(role)
    for method, url, data in out_of_scope_paths(ticket):
        response = getattr(client, method)(url, data=data)
        assert response.status_code == 404, (method, url, response.status_code)
    assert snapshot(ticket.id) == before


def test_a_ticket_that_does_not_exist_is_404_like_one_out_of_scope(client, login_as, mixed):
    login_as("admin")
    assert client.get("/admin/tiket/details/?id=99999").status_code == 404
    assert client.get("/admin/tiket/details/?id=abc").status_code == 404
    assert client.post("/admin/tiket/99999/aksi/close").status_code == 404


@pytest.mark.parametrize("role", ["kepala_bidang", "kepala_seksi"])
def test_read_only_heads_posting_actions_get_403_and_nothing_changes(
    client, login_as, mixed, users, role
):
    login_as(role)
    page = client.get(f"/admin/tiket/details/?id={mixed['A'].id}").get_data(as_text=True)
    assert "/aksi/" not in page  # no buttons
    agent = users["agent"].id
    attempts = [
        ("A", "verify_complete", {}),
        ("A", "verify_incomplete", {"note": "kurang"}),
        ("A", "reject", {"reason": "spam"}),
        ("B", "reassign", {"agent": agent}),
        ("B", "mark_selesai", {}),
        ("B", "close", {}),
        ("B", "reject", {"reason": "spam"}),
        ("B", "return_signed", {"kinds": "sla_signed", "reason": "salah"}),
        ("A", "extend_window", {"reason": "cuti"}),
    ]
    for letter, action, data in attempts:
        before = snapshot(mixed[letter].id)
        response = client.post(f"/admin/tiket/{mixed[letter].id}/aksi/{action}", data=data)
        assert response.status_code == 403, action
        assert "tidak berwenang" in response.get_data(as_text=True)
        assert snapshot(mixed[letter].id) == before


def test_agent_cannot_take_desk_actions_on_own_ticket(client, login_as, mixed, users):
    login_as("agent")
    before = snapshot(mixed["B"].id)
    response = client.post(
        f"/admin/tiket/{mixed['B'].id}/aksi/reassign", data={"agent": users["agent"].id}
    )
    assert response.status_code == 403
    assert snapshot(mixed["B"].id) == before


@pytest.mark.parametrize("role", ["helpdesk", "agent", "kepala_bidang", "kepala_seksi"])
def test_catalogue_and_staff_pages_are_for_admins_only(client, login_as, role):
    login_as(role)
    for url in ["/admin/staf/", "/admin/staf/new/", "/admin/layanan/", "/admin/libur/new/"]:
        assert client.get(url).status_code == 403, url
    menu = client.get("/admin/").get_data(as_text=True)
    assert "Pengguna staf" not in menu and "Katalog" not in menu


def test_every_staff_page_requires_login(client, mixed):
    for url in ["/admin/", "/admin/tiket/", f"/admin/tiket/details/?id={mixed['A'].id}"]:
        response = client.get(url)
        assert response.status_code == 302 and "/staf/login" in response.headers["Location"]
    doc = Document.select().where(Document.ticket == mixed["A"].id).first()
    assert client.get(f"/admin/tiket/{mixed['A'].id}/dokumen/{doc.id}").status_code == 302


def test_login_lands_on_admin_and_logout_is_post_only(client, users):
    response = client.post(
        "/staf/login", data={"email": users["helpdesk"].email, "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302 and response.headers["Location"].endswith("/admin/")
    page = client.get("/admin/").get_data(as_text=True)
    assert "Perlu verifikasi" in page and "Keluar" in page
    assert client.get("/staf/logout").status_code == 405
    assert client.get("/admin/").status_code == 200
    client.post("/staf/logout")
    assert client.get("/admin/").status_code == 302


def test_login_page_speaks_indonesian(client):
    page = client.get("/staf/login").get_data(as_text=True)
    assert "Kata Sandi" in page and "Masuk" in page
    assert "Password" not in page and "Login" not in page
    wrong = client.post(
        "/staf/login", data={"email": "x@example.go.id", "password": "salah-sekali"}
    )
    assert wrong.status_code == 200
    assert "Invalid" not in wrong.get_data(as_text=True)
    # Refused in Indonesian, with the generic answer (an unknown account is not revealed).
    assert "Autentikasi gagal" in wrong.get_data(as_text=True)


# --- CSRF --------------------------------------------------------------------------------------


@pytest.fixture
def csrf_app(make_app, tmp_path):
    """An app of its own with the CSRF check on (this module's `app` has it off)."""
    return make_app(tmp_path / "csrf", WTF_CSRF_ENABLED=True)


def _token(html):
    return re.search(
        r'name="csrf_token" type="hidden" value="([^"]+)"|name="csrf_token" value="([^"]+)"', html
    )


def test_posts_without_csrf_token_are_refused(csrf_app, users):
    client = csrf_app.test_client()
    login_page = client.get("/staf/login").get_data(as_text=True)
    match = _token(login_page)
    token = match.group(1) or match.group(2)
    no_token = client.post(
        "/staf/login", data={"email": users["helpdesk"].email, "password": DEMO_PASSWORD}
    )
    assert no_token.status_code == 400
    logged_in = client.post(
        "/staf/login",
        data={"email": users["helpdesk"].email, "password": DEMO_PASSWORD, "csrf_token": token},
    )
    assert logged_in.status_code == 302
    with csrf_app.app_context(), connection():
        ticket = workflow.submit(None, new_request(), required_uploads(), now=T0)
        before = snapshot(ticket.id)
    url = f"/admin/tiket/{ticket.id}/aksi/verify_complete"
    assert client.post(url, data={"note": "tanpa token"}).status_code == 400
    assert (
        client.post(
            "/admin/tiket/action/", data={"action": "dispose", "rowid": [ticket.id]}
        ).status_code
        == 400
    )
    assert client.post("/admin/on_behalf/", data={"subject": "x"}).status_code == 400
    assert client.post("/staf/logout").status_code == 400
    with csrf_app.app_context(), connection():
        assert snapshot(ticket.id) == before
    page = client.get(f"/admin/tiket/details/?id={ticket.id}").get_data(as_text=True)
    match = _token(page)
    token = match.group(1) or match.group(2)
    assert client.post(url, data={"csrf_token": token}).status_code == 303
    with csrf_app.app_context(), connection():
        assert Ticket.get_by_id(ticket.id).status == "verified"


def test_password_change_then_login_with_the_new_one(client, login_as, users):
    login_as("agent")
    assert "Ubah Kata Sandi" in client.get("/staf/change").get_data(as_text=True)
    response = client.post(
        "/staf/change",
        data={
            "password": DEMO_PASSWORD,
            "new_password": "kata-sandi-baru-99",
            "new_password_confirm": "kata-sandi-baru-99",
        },
    )
    assert response.status_code == 302
    client.post("/staf/logout")
    old = client.post(
        "/staf/login", data={"email": users["agent"].email, "password": DEMO_PASSWORD}
    )
    assert old.status_code == 200  # refused
    new = client.post(
        "/staf/login", data={"email": users["agent"].email, "password": "kata-sandi-baru-99"}
    )
    assert new.status_code == 302


def test_tickets_cannot_be_created_through_the_generic_form(client, login_as, make_ticket):
    ticket = make_ticket("open")
    login_as("admin")
    client.post("/admin/tiket/new/", data={"number": "SD-2026-999999", "status": "closed"})
    client.post(f"/admin/tiket/edit/?id={ticket.id}", data={"status": "closed"})
    assert Ticket.select().count() == 1
    assert Ticket.get_by_id(ticket.id).status == "open"
