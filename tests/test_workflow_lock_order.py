"""The lock order of a ticket's history on PostgreSQL: the ticket row, then its chain head.

A writer that holds the ticket row (a message, a note, a reply, a transition) and a writer that
appends to the same ticket's chain without it (the mail task recording a sent email) must not
wait on each other in a circle: the interleaving that deadlocked (the task holding the chain
head and waiting for the ticket row through the history row's foreign key, the writer holding
the ticket row and waiting for the chain head) is forced here with a pause, then left to run.
"""

from __future__ import annotations

import threading

import pytest

from models import workflow
from models.db import connection
from models.hashchain import verify
from models.ticket import Notification, TicketEvent
from models.workflow import conversation
from tests.helpers import T0, lock_waiters, new_request, race, required_uploads, wait_for

psycopg2 = pytest.importorskip("psycopg2")


@pytest.fixture
def pg_app(make_app, postgres_url):
    app = make_app(DATABASE_URL=postgres_url)
    app.desk_test_url = postgres_url
    return app


def _ticket_with_pending_email(app):
    """A ticket with a message to the requester whose email is due again (as if its task had
    not run yet): what `tasks.mail.deliver` picks up."""
    with app.app_context(), connection():
        from models.staff import User

        helpdesk = User.get(User.email == "helpdesk@example.go.id")
        admin = User.get(User.email == "admin@example.go.id")
        ticket = workflow.submit(None, new_request(), required_uploads(), now=T0)
        workflow.post_message(helpdesk, ticket.id, "Pesan pertama.")
        row = (
            Notification.select()
            .where(Notification.ticket == ticket.id, Notification.kind == "message")
            .get()
        )
        Notification.update(status="pending", attempts=0, next_attempt_at=T0).where(
            Notification.id == row.id
        ).execute()
    return ticket, admin, row.id


def test_a_note_holding_the_ticket_and_the_mail_task_appending_both_land(pg_app, monkeypatch):
    app = pg_app
    ticket, admin, notification_id = _ticket_with_pending_email(app)
    holds_ticket = threading.Event()
    real_check = conversation.check

    def check_then_wait(action, actor, t, **kw):
        # The note's transaction holds the ticket row here; let the task run into a lock wait
        # before the note goes on to the chain head.
        result = real_check(action, actor, t, **kw)
        if action == "post_note":
            holds_ticket.set()
            assert wait_for(lambda: lock_waiters(app.desk_test_url) >= 1, timeout=10)
        return result

    monkeypatch.setattr(conversation, "check", check_then_wait)
    outcomes = {}

    def run(name, call):
        with app.app_context(), connection():
            try:
                outcomes[name] = call()
            except Exception as exc:  # noqa: BLE001 - a deadlock is the failure looked for
                outcomes[name] = exc

    def deliver_once_the_note_holds_the_ticket():
        from tasks.mail import deliver

        assert holds_ticket.wait(10)
        return deliver(notification_id)

    note = threading.Thread(
        target=run, args=("note", lambda: conversation.post_note(admin, ticket.id, "Catatan."))
    )
    task = threading.Thread(target=run, args=("task", deliver_once_the_note_holds_the_ticket))
    note.start()
    task.start()
    note.join(30)
    task.join(30)

    assert isinstance(outcomes.get("note"), TicketEvent), outcomes
    assert outcomes.get("task") == "sent", outcomes
    with app.app_context(), connection():
        actions = [e.action for e in TicketEvent.for_ticket(ticket.id)]
        # The task waited for the note's ticket row, not the other way round.
        assert actions[-2:] == ["internal_note", "notified"], actions
        assert verify() is None


def test_many_writers_on_one_ticket_all_land(pg_app):
    """Messages, notes and replies at once, each message's email recorded by its task in the
    writer's thread after commit (huey immediate), round after round: never a deadlock."""
    app = pg_app
    with app.app_context(), connection():
        from models.staff import User

        helpdesk = User.get(User.email == "helpdesk@example.go.id")
        admin = User.get(User.email == "admin@example.go.id")
        ticket = workflow.submit(None, new_request(), required_uploads(), now=T0)
    for n in range(8):
        results = race(
            app,
            [
                lambda n=n: workflow.post_message(helpdesk, ticket.id, f"Pesan {n}."),
                lambda n=n: workflow.post_note(admin, ticket.id, f"Catatan {n}."),
                lambda n=n: workflow.reply(ticket.tracking_token, f"Balasan {n}."),
                lambda n=n: workflow.post_message(admin, ticket.id, f"Pesan admin {n}."),
            ],
            errors=(Exception,),
        )
        assert results == ["ok"] * 4, results
    with app.app_context(), connection():
        notes = [e.note for e in TicketEvent.for_ticket(ticket.id)]
        assert sum(1 for x in notes if x.startswith("Pesan")) == 16
        assert verify() is None


def test_a_withdrawal_racing_the_agents_pause_one_wins_the_other_is_refused(pg_app, monkeypatch):
    """A transition ends the open step row and updates the ticket; a pause locks the ticket and
    then pauses that step row. The transition is held between its first write and the ticket's
    UPDATE until the pause waits for a lock (or is done): the ticket row comes first for both,
    so one wins and the other gets a clear refusal, not a deadlock."""
    from models.workflow import base

    app = pg_app
    with app.app_context(), connection():
        from models.staff import User

        helpdesk = User.get(User.email == "helpdesk@example.go.id")
        agent = User.get(User.email == "agen@example.go.id")
        ticket = workflow.submit(None, new_request(), required_uploads(), now=T0)
        workflow.verify_complete(helpdesk, ticket.id)
        workflow.dispose(helpdesk, ticket.id, agent.id)
    withdrawing, pause_done = threading.Event(), threading.Event()
    real_apply = base._apply_many

    def apply_after_the_pause_started(tickets, now, **changes):
        if changes.get("status") == "closed":
            withdrawing.set()
            wait_for(
                lambda: pause_done.is_set() or lock_waiters(app.desk_test_url) >= 1, timeout=10
            )
        return real_apply(tickets, now, **changes)

    monkeypatch.setattr(base, "_apply_many", apply_after_the_pause_started)
    outcomes = {}

    def run(name, call, before=None):
        with app.app_context(), connection():
            if before is not None:
                assert before.wait(10)
            try:
                call()
                outcomes[name] = "ok"
            except workflow.WorkflowError as exc:
                outcomes[name] = exc.kind
            except Exception as exc:  # noqa: BLE001 - a deadlock is the failure looked for
                outcomes[name] = exc
            finally:
                if name == "pause":
                    pause_done.set()

    threads = [
        threading.Thread(
            target=run,
            args=("withdraw", lambda: workflow.withdraw(ticket.tracking_token, "Batal.")),
        ),
        threading.Thread(
            target=run,
            args=("pause", lambda: workflow.pause(agent, ticket.id, "Versi?"), withdrawing),
        ),
    ]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert sorted(map(str, outcomes.values())) in (["ok", "stale"], ["ok", "state"]), outcomes
    with app.app_context(), connection():
        assert verify() is None
