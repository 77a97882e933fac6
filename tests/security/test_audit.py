"""The staff audit log and the hash chains (issue #10 item 6): what is recorded (who, when,
from where, what), the read-only admin page, and `flask audit verify` finding a forged, edited
or deleted entry of the audit log or of a ticket's history."""

from __future__ import annotations

import json

import pytest

from models import audit, workflow
from models.audit import AuditEntry
from models.db import connection, database
from models.hashchain import verify
from models.ticket import Document, TicketEvent
from tests.helpers import (
    DEMO_PASSWORD,
    T0,
    csrf_token,
    new_request,
    race,
    required_uploads,
    totp_code,
)

ADDR = {"REMOTE_ADDR": "203.0.113.7"}


def entries(action=None):
    query = AuditEntry.select().order_by(AuditEntry.id)
    if action:
        query = query.where(AuditEntry.action == action)
    return list(query)


def test_logins_failures_and_logouts_are_recorded_with_who_and_where(app, db, client, users):
    def login(email, password):
        token = csrf_token(client, "/staf/login")
        return client.post(
            "/staf/login",
            data={"email": email, "password": password, "csrf_token": token},
            environ_base=ADDR,
        )

    assert login(users["admin"].email, "salah-sekali").status_code != 302
    assert login("tidak.ada@example.go.id", "apa-saja-123").status_code != 302
    assert login(users["admin"].email, DEMO_PASSWORD).status_code == 302
    code = totp_code(app, users["admin"], fresh=True)  # admins have a second factor
    token = csrf_token(client, "/staf/tf-validate")
    second = client.post(
        "/staf/tf-validate", data={"code": code, "csrf_token": token}, environ_base=ADDR
    )
    assert second.status_code == 302
    client.post(
        "/staf/logout", data={"csrf_token": csrf_token(client, "/admin/")}, environ_base=ADDR
    )
    failed = entries("login_failed")
    assert [(e.actor_id, e.actor_label) for e in failed] == [
        (users["admin"].id, users["admin"].email),
        (None, "tidak.ada@example.go.id"),
    ]
    (login_entry,) = entries("login")
    assert login_entry.actor_id == users["admin"].id and login_entry.remote_addr == "203.0.113.7"
    assert [e.actor_id for e in entries("logout")] == [users["admin"].id]
    assert all(e.at and e.hash for e in entries())


def test_documents_exports_and_changes_are_recorded(app, db, client, login_as, make_ticket):
    ticket = make_ticket("open")
    doc = Document.get(Document.ticket == ticket.id)
    admin = login_as("admin")
    client.get(f"/admin/tiket/{ticket.id}/dokumen/{doc.id}", environ_base=ADDR)
    client.get(f"/admin/tiket/{ticket.id}/dokumen/{doc.id}?inline=1", environ_base=ADDR)
    client.get("/admin/tiket/export/csv/?search=PPDB", environ_base=ADDR)
    client.get("/admin/kepatuhan/csv/layanan", environ_base=ADDR)
    token = csrf_token(client, "/admin/libur/new/")
    client.post(
        "/admin/libur/new/",
        data={"csrf_token": token, "date": "2026-12-24", "name": "Cuti bersama"},
    )
    by_action = {}
    for e in entries():
        by_action.setdefault(e.action, []).append(e)
    assert doc.filename in by_action["document_download"][0].target
    assert ticket.number in by_action["document_preview"][0].target
    assert [e.target for e in by_action["export"]] == ["tickets csv", "kepatuhan layanan csv"]
    assert json.loads(by_action["export"][0].detail) == {"search": "PPDB"}
    (created,) = by_action["created"]
    assert created.target.startswith("holiday ") and "Cuti bersama" in created.detail
    assert {
        e.actor_id for a in ("export", "created", "document_download") for e in by_action[a]
    } == {admin.id}
    assert by_action["document_download"][0].remote_addr == "203.0.113.7"


def test_staff_account_changes_are_recorded_without_passwords(app, db, client, login_as):
    login_as("admin")
    secret = "kata-sandi-rahasia-panjang-2026"
    token = csrf_token(client, "/admin/staf/new/")
    data = {
        "csrf_token": token,
        "name": "Dewi Lestari",
        "email": "dewi@example.go.id",
        "roles": "admin",
        "bidang": "__None",
        "seksi": "__None",
        "nip": "",
        "password": secret,
    }
    assert client.post("/admin/staf/new/", data=data).status_code == 302
    (created,) = [e for e in entries("created") if "dewi@example.go.id" in e.target]
    assert "Dewi Lestari" in created.detail and secret not in created.detail
    assert created.actor_label == "admin@example.go.id"


def test_the_audit_page_is_admin_only_and_read_only(app, db, client, login_as):
    audit.record("login", None, actor_label="x@example.go.id", remote_addr="198.51.100.1")
    login_as("admin")
    page = client.get("/admin/audit/?flt0_0=login")
    assert page.status_code == 200 and "198.51.100.1" in page.get_data(as_text=True)
    entry = entries()[-1]
    for path in ("/admin/audit/new/", f"/admin/audit/edit/?id={entry.id}"):
        assert client.get(path).status_code in (302, 403, 404)
    token = csrf_token(client, "/admin/")
    client.post("/admin/audit/delete/", data={"id": entry.id, "csrf_token": token})
    client.post(f"/admin/audit/edit/?id={entry.id}", data={"detail": "x", "csrf_token": token})
    assert AuditEntry.get_by_id(entry.id).hash == entry.hash
    assert AuditEntry.select().where(AuditEntry.id == entry.id).count() == 1
    client.post("/staf/logout", data={"csrf_token": token})
    login_as("helpdesk")
    assert client.get("/admin/audit/").status_code == 403


# --- flask audit verify --------------------------------------------------------------------------


@pytest.fixture
def chained(app, db, users):
    """A few audit entries and two tickets with their histories."""
    for i in range(4):
        audit.record("login", users["admin"], remote_addr=f"10.0.0.{i}")
    tickets = [workflow.submit(None, new_request(), required_uploads(), now=T0) for _ in range(2)]
    for t in tickets:
        workflow.verify_complete(users["helpdesk"], t.id, now=T0)
        workflow.dispose(users["helpdesk"], t.id, users["agent"].id, now=T0)
    return tickets


def run_verify(runner):
    return runner.invoke(args=["audit", "verify"])


def test_verify_passes_on_whole_chains(chained, runner):
    result = run_verify(runner)
    assert result.exit_code == 0 and "Semua rantai utuh." in result.output


@pytest.mark.parametrize("where", ["first", "middle", "last"])
def test_verify_finds_an_edited_audit_entry(chained, runner, where):
    rows = entries()
    victim = {"first": rows[0], "middle": rows[1], "last": rows[-1]}[where]
    AuditEntry.update(remote_addr="192.0.2.99").where(AuditEntry.id == victim.id).execute()
    result = run_verify(runner)
    assert result.exit_code == 1
    assert f"audit #{victim.id}" in result.output and "diubah" in result.output


def test_verify_finds_a_deleted_audit_entry_middle_and_last(chained, runner):
    rows = entries()
    AuditEntry.delete().where(AuditEntry.id == rows[1].id).execute()
    result = run_verify(runner)
    assert result.exit_code == 1 and f"audit #{rows[2].id}" in result.output
    database.rollback() if database.in_transaction() else None


def test_verify_finds_a_deleted_last_entry(chained, runner):
    rows = entries()
    AuditEntry.delete().where(AuditEntry.id == rows[-1].id).execute()
    result = run_verify(runner)
    assert result.exit_code == 1 and "ujung rantai" in result.output or "terakhir" in result.output


def test_verify_finds_a_forged_entry_with_a_plausible_hash(chained, runner):
    last = entries()[-1]
    # somebody writing the database directly, copying the chain's form without the app's key
    AuditEntry.create(
        at=T0,
        actor_id=None,
        actor_label="admin@example.go.id",
        action="login",
        target="",
        detail="{}",
        prev_hash=last.hash,
        hash="0" * 64,
    )
    result = run_verify(runner)
    assert result.exit_code == 1 and "diubah" in result.output


@pytest.mark.parametrize("change", ["edit", "delete"])
def test_verify_finds_a_changed_ticket_history(chained, runner, change):
    ticket = chained[1]
    events = list(TicketEvent.for_ticket(ticket.id))
    if change == "edit":
        TicketEvent.update(note="Tidak pernah ditolak").where(
            TicketEvent.id == events[0].id
        ).execute()
    else:
        TicketEvent.delete().where(TicketEvent.id == events[1].id).execute()
    result = run_verify(runner)
    assert result.exit_code == 1
    assert f"ticket_event:{ticket.id}" in result.output


def test_chains_stay_whole_under_concurrent_writers(any_app):
    app = any_app
    with app.app_context(), connection():
        ticket = workflow.submit(None, new_request(), required_uploads(), now=T0)
    calls = [
        lambda i=i: audit.record("login", None, actor_label=f"u{i}@example.go.id") for i in range(6)
    ]
    calls += [
        lambda: workflow.resend_tracking_link(ticket.number, ticket.requester_email)
        for _ in range(6)
    ]
    assert race(app, calls, errors=(Exception,)) == ["ok"] * 12
    with app.app_context(), connection():
        assert verify() is None
        assert AuditEntry.select().count() == 6
        resent = TicketEvent.select().where(
            TicketEvent.ticket == ticket.id, TicketEvent.action == "link_resent"
        )
        assert resent.count() == 6
