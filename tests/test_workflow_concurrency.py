"""The workflow under concurrency: of two people acting on one ticket at once exactly one wins,
with one event and one set of notifications; on SQLite and on PostgreSQL."""

from __future__ import annotations

from models import workflow
from models.db import connection
from models.seed import create_staff_user
from models.ticket import Document, Notification, Ticket, TicketEvent
from models.uploads import Upload
from tests.helpers import PDF_BYTES, T0, new_request, race, required_uploads


def test_concurrent_dispositions_exactly_one_wins(any_app):
    app = any_app
    with app.app_context(), connection():
        from models.staff import User

        helpdesk = User.get(User.email == "helpdesk@example.go.id")
        admin = User.get(User.email == "admin@example.go.id")
        agent = User.get(User.email == "agen@example.go.id")
        other, _ = create_staff_user(
            "agen2@example.go.id", "Dewi", "agent", seksi_code="rekayasa-aplikasi"
        )
        tickets = []
        for _ in range(25):
            t = workflow.submit(None, new_request(), required_uploads(), now=T0)
            workflow.verify_complete(helpdesk, t.id, now=T0)
            tickets.append(t.id)
    for ticket_id in tickets:
        results = race(
            app,
            [
                lambda tid=ticket_id: workflow.dispose(helpdesk, tid, agent.id),
                lambda tid=ticket_id: workflow.dispose(admin, tid, other.id),
            ],
        )
        assert results.count("ok") == 1, results
        with app.app_context(), connection():
            assert (
                TicketEvent.select()
                .where(TicketEvent.ticket == ticket_id, TicketEvent.action == "disposed")
                .count()
                == 1
            )
            assert (
                Notification.select()
                .where(Notification.ticket == ticket_id, Notification.kind == "disposed")
                .count()
                == 1
            )


def test_concurrent_close_and_signed_upload_once(any_app):
    app = any_app
    with app.app_context(), connection():
        from models.staff import User

        helpdesk = User.get(User.email == "helpdesk@example.go.id")
        agent = User.get(User.email == "agen@example.go.id")
        tickets = []
        for _ in range(15):
            t = workflow.submit(None, new_request(), required_uploads(), now=T0)
            workflow.verify_complete(helpdesk, t.id, now=T0)
            workflow.dispose(helpdesk, t.id, agent.id, now=T0)
            workflow.attach_document(agent, t.id, "sla", Upload("s.pdf", PDF_BYTES))
            workflow.attach_document(agent, t.id, "ba", Upload("b.pdf", PDF_BYTES))
            workflow.mark_selesai(agent, t.id)
            tickets.append(t)
    for t in tickets:
        signed = race(
            app,
            [
                lambda t=t: workflow.submit_signed(
                    t.tracking_token, Upload("s.pdf", PDF_BYTES), Upload("b.pdf", PDF_BYTES)
                ),
            ]
            * 2,
        )
        assert signed.count("ok") == 1, signed
        closed = race(
            app,
            [
                lambda t=t: workflow.close(agent, t.id, confirm_wet_ink=True),
                lambda t=t: workflow.close(helpdesk, t.id, confirm_wet_ink=True),
            ],
        )
        assert closed.count("ok") == 1, closed
        with app.app_context(), connection():
            assert (
                Document.select()
                .where(Document.ticket == t.id, Document.kind == "sla_signed")
                .count()
                == 1
            )
            assert (
                Notification.select()
                .where(Notification.ticket == t.id, Notification.kind == "closed")
                .count()
                == 2
            )


def test_ticket_numbers_stay_unique_under_concurrent_submissions(any_app):
    app = any_app
    results = race(app, [lambda: workflow.submit(None, new_request(), required_uploads())] * 8)
    assert results == ["ok"] * 8
    with app.app_context(), connection():
        numbers = [t.number for t in Ticket.select()]
    assert len(set(numbers)) == 8
    assert sorted(int(n.rsplit("-", 1)[1]) for n in numbers) == list(range(1, 9))


def test_concurrent_double_submit_with_one_key_makes_one_ticket(any_app):
    app = any_app
    outcomes = []

    def submit_once():
        ticket = workflow.submit(None, new_request(), required_uploads(), submission_key="dbl")
        outcomes.append(ticket.id)

    for _ in range(5):
        assert race(app, [submit_once] * 3) == ["ok"] * 3
    with app.app_context(), connection():
        assert Ticket.select().count() == 1
    assert len(set(outcomes)) == 1
