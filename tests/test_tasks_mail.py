"""Emails from the outbox through a real SMTP server on loopback (aiosmtpd)."""

from __future__ import annotations

import datetime as dt
import socket
import threading

import pytest

from models import workflow
from models.catalog import RequiredDocument
from models.db import connection, database, utcnow
from models.outbox import notify
from models.seed import create_staff_user
from models.staff import Role, User, UserRoles
from models.ticket import STATUSES, Notification, Ticket, TicketEvent
from models.uploads import Upload
from tasks import huey
from tasks.berita_acara import request_berita_acara
from tasks.mail import claim, deliver, requeue_due, retry_failed
from tests.helpers import PDF_BYTES, PNG_BYTES, T0, SmtpServer, new_request, required_uploads

BASE = "https://servicedesk.example"
REQUESTER = ["siti.rahmawati@example.go.id"]
OPENED_STAFF = [
    "admin@example.go.id",
    "helpdesk@example.go.id",
    "kabid@example.go.id",
    "kasi@example.go.id",
]


@pytest.fixture
def smtp():
    server = SmtpServer()
    yield server
    server.stop()


@pytest.fixture
def app_config(smtp):
    """The app sends through the (initially stopped) loopback SMTP server; retry at once."""
    return dict(
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=smtp.port,
        MAIL_BACKEND="smtp",
        MAIL_TIMEOUT=5,
        MAIL_RETRY_SECONDS=0,
        BASE_URL=BASE,
        MAIL_FROM="Service Desk <servicedesk@diskominfo.jabarprov.go.id>",
    )


def rows_of(ticket_id):
    return list(
        Notification.select().where(Notification.ticket == ticket_id).order_by(Notification.id)
    )


def check_message(msg, row, ticket):
    """Subject, both parts, the right link, the Message-ID carrying the row's id."""
    assert msg.subject.startswith(f"[{ticket.number}] ")
    assert str(msg.message["Message-ID"]).startswith(f"<notification-{row.id}.")
    text, html = msg.part("text/plain"), msg.part("text/html")
    for part in (text, html):
        assert ticket.number in part and ticket.layanan.name in part
        assert str(STATUSES[row.event.to_status]) in part
    if row.audience == "requester":
        link = f"{BASE}/lacak/{ticket.tracking_token}"
        assert "/admin/" not in text
    else:
        link = f"{BASE}/admin/tiket/details/?id={ticket.id}"
        assert ticket.tracking_token not in text and ticket.tracking_token not in html
    assert link in text and f'href="{link}"' in html


@pytest.mark.slow
def test_full_sop_run_sends_every_email_of_the_table(db, users, smtp):
    smtp.start()
    helpdesk, agent = users["helpdesk"], users["agent"]
    # A person holding two roles that both receive Open Tiket gets it once.
    UserRoles.create(user=helpdesk, role=Role.get(Role.name == "kepala_bidang"))
    agent2, _pw = create_staff_user(
        "agen2@example.go.id", "Budi Santoso", "agent", "aptika", "rekayasa-aplikasi", "x" * 12
    )
    # the Berita Acara prints the agent's NIP and position: an agent without them gets none
    User.update(nip="199104052019031002", position="Pranata Komputer Ahli Pertama").where(
        User.id == agent2.id
    ).execute()
    ticket = workflow.submit(None, new_request(), required_uploads(), now=T0)
    missing = RequiredDocument.for_layanan(ticket.layanan_id).first()
    workflow.verify_incomplete(
        helpdesk, ticket.id, [missing.id], "Surat belum ditandatangani", now=T0
    )
    workflow.complete_documents(
        ticket.tracking_token, [Upload("surat.pdf", PDF_BYTES + b"2", missing.id)]
    )
    workflow.verify_complete(helpdesk, ticket.id)
    workflow.dispose(helpdesk, ticket.id, agent.id, "Segera")
    workflow.reassign(helpdesk, ticket.id, agent2.id, "Dialihkan")
    workflow.attach_document(agent2, ticket.id, "sla", Upload("sla.pdf", PDF_BYTES + b"sla"))
    ba_number = request_berita_acara(agent2, ticket.id, "Subdomain ppdb dibuat dan diuji.")
    workflow.mark_selesai(agent2, ticket.id, "Silakan dicek")
    workflow.submit_signed(
        ticket.tracking_token, Upload("s.pdf", PDF_BYTES), Upload("b.png", PNG_BYTES)
    )
    workflow.close(agent2, ticket.id, "Terima kasih", confirm_wet_ink=True)
    ticket = Ticket.get_by_id(ticket.id)

    rows = rows_of(ticket.id)
    assert all(r.status == "sent" for r in rows) and len(smtp.messages) == len(rows) == 10
    by_id = {
        str(m.message["Message-ID"]).split(".")[0].removeprefix("<notification-"): m
        for m in smtp.messages
    }
    expected = [
        ("opened", "requester", REQUESTER),
        ("opened", "helpdesk,admin,kepala_bidang,kepala_seksi", OPENED_STAFF),
        ("incomplete", "requester", REQUESTER),
        ("documents_completed", "helpdesk", ["helpdesk@example.go.id"]),
        ("disposed", "agent", ["agen@example.go.id"]),
        ("disposed", "agent", ["agen2@example.go.id"]),
        ("selesai", "requester", REQUESTER),
        ("signed", "agent", ["agen2@example.go.id"]),
        ("closed", "requester", REQUESTER),
        (
            "closed",
            "helpdesk,admin,kepala_bidang,kepala_seksi,agent",
            sorted(OPENED_STAFF + ["agen2@example.go.id"]),
        ),
    ]
    assert [(r.kind, r.audience, by_id[str(r.id)].rcpt_tos) for r in rows] == expected
    for row in rows:
        check_message(by_id[str(row.id)], row, ticket)
        assert row.recipients.split(",") == by_id[str(row.id)].rcpt_tos

    subjects = {r.kind: by_id[str(r.id)].subject for r in rows}
    assert subjects["opened"] == f"[{ticket.number}] Tiket dibuka: {ticket.subject}"
    assert subjects["closed"] == f"[{ticket.number}] Tiket ditutup: Terpenuhi"
    incomplete = by_id[str(rows[2].id)]
    assert missing.name in incomplete.part("text/plain")
    assert f"<li>{missing.name}</li>" in incomplete.part("text/html")
    assert "2 Juli 2026, 10.00 WIB" in incomplete.part("text/plain")  # T0 + 1 month, local
    selesai = by_id[str(rows[6].id)]
    files = selesai.attachments()
    assert files["sla.pdf"] == PDF_BYTES + b"sla"
    assert files[f"berita-acara-{ticket.number}.pdf"].startswith(b"%PDF-")
    assert ba_number.endswith("/DISKOMINFO/2026")
    assert "Terima kasih" in by_id[str(rows[9].id)].part("text/plain")

    notified = TicketEvent.for_ticket(ticket.id).where(TicketEvent.action == "notified")
    assert notified.count() == 10 and not any(e.public for e in notified)
    assert (
        "Tiket ditutup: admin@example.go.id, agen2@example.go.id" in [e.note for e in notified][-1]
    )


def test_rejection_and_expiry_send_close_tiket_with_the_reason(db, users, smtp):
    smtp.start()
    rejected = workflow.submit(None, new_request(), required_uploads(), now=T0)
    workflow.reject(users["helpdesk"], rejected.id, "Duplikat <b>SD-1</b>")
    expired = workflow.submit(None, new_request(), required_uploads(), now=T0)
    missing = RequiredDocument.for_layanan(expired.layanan_id).first()
    workflow.verify_incomplete(users["helpdesk"], expired.id, [missing.id], now=T0)
    smtp.messages.clear()
    assert workflow.expire_overdue(now=T0 + dt.timedelta(days=40)) == 1
    (req, staff) = sorted(smtp.messages, key=lambda m: len(m.rcpt_tos))
    assert req.rcpt_tos == REQUESTER and staff.rcpt_tos == OPENED_STAFF  # no agent yet
    assert "Kedaluwarsa" in req.subject
    assert "dilengkapi dalam satu bulan" in req.part("text/plain")
    closed_rows = Notification.select().where(
        Notification.ticket == rejected.id, Notification.kind == "closed"
    )
    assert {r.status for r in closed_rows} == {"sent"} and len(closed_rows) == 2


def test_user_text_is_escaped_in_the_html_part(db, users, smtp):
    smtp.start()
    ticket = workflow.submit(None, new_request(), required_uploads(), now=T0)
    workflow.reject(users["helpdesk"], ticket.id, 'Duplikat <a href="http://evil">x</a>')
    msg = [m for m in smtp.messages if "ditutup" in m.subject and m.rcpt_tos == REQUESTER][0]
    assert "&lt;a href=&#34;http://evil&#34;&gt;x&lt;/a&gt;" in msg.part("text/html")
    assert '<a href="http://evil">' in msg.part("text/plain")  # plain text is shown as typed


def test_tracking_link_email_goes_to_the_requester_only(db, smtp):
    smtp.start()
    ticket = workflow.submit(None, new_request(), required_uploads(), now=T0)
    smtp.messages.clear()
    with database.atomic():
        event = TicketEvent.create(
            ticket=ticket, actor_label="Pemohon", action="tracking_link_sent", public=False
        )
        notify(ticket, event, "tracking_link", requester=True)
    (msg,) = smtp.messages
    assert msg.rcpt_tos == REQUESTER and msg.subject.endswith("Tautan pelacakan tiket Anda")
    assert f"{BASE}/lacak/{ticket.tracking_token}" in msg.part("text/plain")


@pytest.mark.slow
def test_mail_server_down_then_up_every_email_arrives_once(db, smtp):
    tickets = [workflow.submit(None, new_request(), required_uploads(), now=T0) for _ in range(3)]
    rows = list(Notification.select())
    assert len(rows) == 6 and all(r.status == "pending" and r.attempts == 1 for r in rows)
    assert all("Connection" in (r.last_error or "") or "refused" in r.last_error for r in rows)
    assert all(t.status == "open" for t in tickets)  # the submissions succeeded
    smtp.start()
    assert requeue_due() == 6
    assert requeue_due() == 0
    assert len(smtp.messages) == 6
    assert len({str(m.message["Message-ID"]) for m in smtp.messages}) == 6
    assert all(r.status == "sent" for r in Notification.select())
    assert deliver(rows[0].id) == "skipped"  # a late duplicate task sends nothing
    assert len(smtp.messages) == 6


def test_backoff_then_give_up_visible_to_staff_then_retry(app, db, smtp):
    app.config["MAIL_RETRY_SECONDS"] = 60
    app.config["MAIL_MAX_ATTEMPTS"] = 3
    with database.atomic():
        ticket = workflow.submit(None, new_request(), required_uploads(), now=T0)
    row = Notification.select().where(Notification.audience == "requester").get()
    first = Notification.get_by_id(row.id)
    assert first.attempts == 1 and first.status == "pending"
    waits = []
    at = first.next_attempt_at
    assert deliver(row.id, now=at - dt.timedelta(seconds=1)) == "skipped"  # not due yet
    for expected in ("retry", "failed"):
        assert deliver(row.id, now=at) == expected
        after = Notification.get_by_id(row.id)
        waits.append(after.next_attempt_at - at)
        at = after.next_attempt_at
    assert waits == [dt.timedelta(seconds=120), dt.timedelta(seconds=240)]
    failed = Notification.get_by_id(row.id)
    assert failed.status == "failed" and failed.attempts == 3 and failed.last_error
    assert [n.id for n in Notification.failed_ones()] == [row.id]  # the staff row waits
    assert deliver(row.id, now=at + dt.timedelta(days=1)) == "skipped"  # given up stays given up
    smtp.start()
    assert retry_failed([row.id]) == 1
    assert Notification.get_by_id(row.id).status == "sent"
    assert [m.rcpt_tos for m in smtp.messages] == [REQUESTER]
    assert TicketEvent.for_ticket(ticket.id).where(TicketEvent.action == "notified").count() == 1


def test_two_consumers_on_one_row_send_it_once(app, smtp):
    smtp.start()
    with app.app_context(), connection():
        Notification.update(status="sent").execute()  # the inline sends are not under test
        with database.atomic():
            ticket = workflow.submit(None, new_request(), required_uploads(), now=T0)
        Notification.update(status="pending", attempts=0, next_attempt_at=utcnow()).where(
            Notification.ticket == ticket.id
        ).execute()
        row_id = Notification.select().where(Notification.ticket == ticket.id).first().id
    smtp.messages.clear()
    barrier = threading.Barrier(4)
    results = []

    def consumer():
        with app.app_context(), connection():
            barrier.wait()
            results.append(deliver(row_id))

    threads = [threading.Thread(target=consumer) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(results) == ["sent", "skipped", "skipped", "skipped"]
    assert len(smtp.messages) == 1
    with app.app_context(), connection():
        assert claim(row_id, utcnow() + dt.timedelta(days=1)) is None


def test_submission_never_waits_for_the_mail_server(make_app):
    """With the real queue (not immediate), a submission only enqueues: no SMTP connection."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen(5)
    listener.settimeout(0.5)
    app = make_app(
        HUEY_IMMEDIATE=False,
        SMTP_HOST="127.0.0.1",
        SMTP_PORT=listener.getsockname()[1],
        MAIL_BACKEND="smtp",
    )
    try:
        with app.app_context(), connection():
            ticket = workflow.submit(None, new_request(), required_uploads(), now=T0)
            assert ticket.status == "open"
            assert huey.pending_count() == 1  # the two rows of the submission, one task
            assert all(r.status == "pending" and r.attempts == 0 for r in Notification.select())
        with pytest.raises(TimeoutError):
            listener.accept()  # nobody connected to the mail server
    finally:
        listener.close()
        if not database.is_closed():
            database.close()
        app.extensions["huey"].storage.flush_queue()


def test_a_queue_that_does_not_answer_never_fails_a_committed_submission(db, monkeypatch):
    """Redis down at enqueue time: the ticket exists, its outbox rows stay pending for the
    periodic re-queue, and the requester gets their ticket, not an error."""
    import tasks.mail

    def broken(*args, **kwargs):
        raise ConnectionError("queue down")

    monkeypatch.setattr(tasks.mail, "send_notifications", broken)
    ticket = workflow.submit(None, new_request(), required_uploads(), now=T0)
    assert Ticket.get_by_id(ticket.id).status == "open"
    rows = list(Notification.select().where(Notification.ticket == ticket.id))
    assert len(rows) == 2 and {r.status for r in rows} == {"pending"}
