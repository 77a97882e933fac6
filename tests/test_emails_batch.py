"""What a task reads once for all its outbox rows (the missing documents of their tickets, the
staff of an audience), and the email it writes: the same bytes as Flask-Mailman's, the same
escaping as Flask-Babel's gettext (W6 of issue #12)."""

from __future__ import annotations

import pytest
from flask_mailman import EmailMultiAlternatives

from models import workflow
from models.catalog import RequiredDocument
from models.db import database, utcnow
from models.recipients import resolve
from models.ticket import Notification, Ticket
from tasks.emails import DeskEmail, compose
from tasks.mail import deliver_all
from tests.helpers import T0, Statements, new_request, required_uploads


@pytest.fixture
def app_config(smtp):
    return dict(SMTP_HOST="127.0.0.1", SMTP_PORT=smtp.port, MAIL_BACKEND="smtp", MAIL_TIMEOUT=5)


def statements_of(call) -> list[str]:
    with Statements() as handler:
        call()
    return handler.seen


def test_a_task_reads_the_missing_documents_and_the_staff_once_for_all_its_rows(db, users, smtp):
    documents = [d.id for d in RequiredDocument.for_layanan(new_request().layanan_id)]
    names = {d.id: d.name for d in RequiredDocument.select()}
    missing = {}  # ticket id -> the documents the helpdesk found missing
    with database.atomic():
        for wanted in ([documents[0]], documents[:2], None):
            ticket = workflow.submit(None, new_request(), required_uploads(), now=T0)
            if wanted:
                workflow.verify_incomplete(users["helpdesk"], ticket.id, wanted, now=T0)
            missing[ticket.id] = wanted or []
    Notification.update(status="pending", attempts=0, next_attempt_at=utcnow()).execute()
    rows = list(Notification.select().order_by(Notification.id))
    smtp.messages.clear()

    seen = statements_of(lambda: deliver_all([r.id for r in rows]))

    assert len([s for s in seen if 'FROM "missing_document"' in s]) == 1
    assert not [s for s in seen if 'FROM "required_document"' in s]
    staff = [r for r in rows if r.audience != "requester"]
    audiences = {a for r in staff for a in r.audiences if a != "agent"}
    assert len(staff) == 3 and audiences  # three tickets of one seksi
    assert len([s for s in seen if 'JOIN "role"' in s]) == len(audiences)  # not 3 x that
    for row in staff:  # the cache changed nobody's recipients
        assert Notification.get_by_id(row.id).recipients == ",".join(resolve(row))
    incomplete = {  # ticket number -> the text of its "documents incomplete" email
        str(m.message["X-Service-Desk-Ticket"]): m.part("text/plain")
        for m in smtp.messages
        if "belum lengkap" in m.subject
    }
    assert len(incomplete) == 2
    for ticket_id, wanted in missing.items():
        text = incomplete.get(Ticket.get_by_id(ticket_id).number)
        assert (text is not None) == bool(wanted)
        for document_id in documents[:2] if wanted else ():
            assert (names[document_id] in text) == (document_id in wanted), (ticket_id, text)


def stock_bytes(desk: DeskEmail, boundary: str) -> bytes:
    """What Flask-Mailman alone makes of the same email (same boundary, same date)."""
    stock = EmailMultiAlternatives(
        subject=desk.subject,
        body=desk.body,
        from_email=desk.from_email,
        to=desk.to,
        headers=desk.extra_headers,
        alternatives=desk.alternatives,
    )
    message = stock.message()
    message.set_boundary(boundary)
    return message.as_bytes(linesep="\r\n")


@pytest.mark.parametrize(
    "subject",
    [
        "[SD-2026-000001] Tiket dibuka: Subdomain",
        "[SD-2026-000001]  dua  spasi,\ttab;  dan spasi akhir  ",
        "[SD-2026-000001] Tiket dibuka: " + "sangat panjang " * 12,  # folded by compat32
        "[SD-2026-000001] Tiket dibuka: Pengadaan server — tahap ke-2 ✓",  # encoded word
        "[SD-2026-000001] Tiket dibuka: " + "Ñandú " * 20,  # encoded and folded
    ],
)
def test_the_fast_serialisation_writes_what_flask_mailman_writes(app, subject):
    headers = {
        "Message-ID": "<notification-1.sd-2026-000001@example.go.id>",
        "Auto-Submitted": "auto-generated",
        "X-Service-Desk-Ticket": "SD-2026-000001",
        "Date": "Tue, 01 Dec 2026 09:00:00 +0700",
    }
    with app.app_context():
        desk = DeskEmail(
            subject=subject,
            body="Yth. Siti,\n\n" + "baris panjang " * 100 + "\n-- \nService Desk",
            from_email=app.config["MAIL_FROM"],
            to=[f"penerima{i}@example.go.id" for i in range(8)],
            headers=headers,
        )
        desk.attach_alternative("<p>Yth. Siti,</p>" + "<p>isi</p>" * 200, "text/html")
        message = desk.message()
        boundary = message.get_boundary()
        assert boundary.startswith("=_desk_")
        assert message.as_bytes(linesep="\r\n") == stock_bytes(desk, boundary)


def test_the_bound_gettext_escapes_the_values_in_html_only(app, db):
    name = 'Siti <b onclick="x()">& Co</b>'
    ticket = workflow.submit(None, new_request(requester_name=name), required_uploads(), now=T0)
    row = Notification.get(Notification.ticket == ticket.id, Notification.audience == "requester")
    message = compose(row, ["siti@example.go.id"], batch={})
    html = message.alternatives[0][0]
    assert "Siti &lt;b onclick=&#34;x()&#34;&gt;&amp; Co&lt;/b&gt;" in html
    assert "<b onclick" not in html
    assert f"Yth. {name}," in message.body  # the text part as typed
    # the same email without a batch (one row sent alone) and with one
    again = compose(row, ["siti@example.go.id"])
    assert (again.subject, again.body, again.alternatives) == (
        message.subject,
        message.body,
        message.alternatives,
    )


def test_one_batch_writes_each_email_in_its_own_language(app, db):
    english = workflow.submit(None, new_request(), required_uploads(), now=T0, language="en")
    bahasa = workflow.submit(None, new_request(), required_uploads(), now=T0)
    rows = Notification.select().where(Notification.ticket.in_([english.id, bahasa.id]))
    batch: dict = {}  # one task's: the English context must not leak into the others
    emails = {(r.ticket_id, r.audience): compose(r, ["x@example.go.id"], batch=batch) for r in rows}
    assert len(emails) == 4
    for (ticket_id, audience), message in emails.items():
        body, html = message.body, message.alternatives[0][0]
        if ticket_id == english.id and audience == "requester":
            assert "We have received your service request" in body
            assert "Dear Siti Rahmawati," in body and "Dear Siti Rahmawati," in html
            assert "Permohonan layanan Anda" not in body + html
        else:  # staff read Bahasa Indonesia, whatever the requester's language
            assert "Yth. " in body and "Yth. " in html
            assert "Dear " not in body + html


def test_the_agent_loaded_with_the_rows_is_named_and_addressed(db, users, smtp, make_ticket):
    """The rows' agents are loaded with a few columns only (no password hash, no second
    factor's secret): their name still reaches the requester, their address the agent."""
    make_ticket("selesai")
    done = [m for m in smtp.messages if "Permohonan selesai" in m.subject]
    assert len(done) == 1 and users["agent"].name in done[0].part("text/plain")
    disposed = [m for m in smtp.messages if "Disposisi" in m.subject]
    assert [m.rcpt_tos for m in disposed] == [[users["agent"].email.lower()]]
