"""Step 5's clock paused ("menunggu informasi pemohon") and resumed: by state and role, the
history, the emails, one winner at once, the due time moved by exactly the paused working time
across a weekend and a holiday, and the compliance report counting paused time out."""

from __future__ import annotations

import datetime as dt

import pytest

from models import compliance, workflow
from models.calendar import calendar
from models.catalog import Holiday
from models.db import connection
from models.ticket import Ticket, TicketEvent, TicketStep
from models.uploads import Upload
from tests.helpers import PDF_BYTES, T0, new_request, race, required_uploads, snapshot

WIB = dt.timezone(dt.timedelta(hours=7))


def wib(*args) -> dt.datetime:
    """A WIB wall-clock time as the naive UTC the database stores."""
    return dt.datetime(*args, tzinfo=WIB).astimezone(dt.UTC).replace(tzinfo=None)


def _step5(ticket_id) -> TicketStep:
    return TicketStep.get(TicketStep.ticket == ticket_id, TicketStep.step == 5)


def test_pause_stops_the_clock_asks_the_requester_and_resume_goes_on(
    db, make_ticket, users, outbox
):
    ticket = make_ticket("assigned")
    outbox.clear()
    workflow.pause(users["agent"], ticket.id, "Alamat IP server tujuan?", now=T0)
    paused = Ticket.get_by_id(ticket.id)
    assert (paused.status, paused.step, paused.due_at) == ("menunggu_pemohon", 5, None)
    assert str(paused.status_label) == "Menunggu informasi pemohon"
    assert _step5(ticket.id).paused_at == T0 and _step5(ticket.id).ended_at is None
    assert TicketStep.select().where(TicketStep.ticket == ticket.id).count() == 3  # no new row
    (event,) = TicketEvent.select().where(
        TicketEvent.ticket == ticket.id, TicketEvent.action == "paused"
    )
    assert (event.public, event.note, event.from_status, event.to_status) == (
        True,
        "Alamat IP server tujuan?",
        "assigned",
        "menunggu_pemohon",
    )
    (mail,) = outbox
    assert mail.to == [ticket.requester_email] and "membutuhkan informasi" in mail.subject
    assert "Alamat IP server tujuan?" in mail.body and "dijeda" in mail.body
    later = T0 + dt.timedelta(hours=2)
    workflow.resume(users["agent"], ticket.id, now=later)
    resumed = Ticket.get_by_id(ticket.id)
    assert resumed.status == "assigned" and resumed.due_at is not None
    assert _step5(ticket.id).paused_at is None
    assert _step5(ticket.id).paused_seconds == 2 * 3600
    (event,) = TicketEvent.select().where(
        TicketEvent.ticket == ticket.id, TicketEvent.action == "resumed"
    )
    assert "2 jam 0 menit" in event.note and event.actor_id == users["agent"].id


@pytest.mark.parametrize("role", ["helpdesk", "admin", "kepala_seksi", "requester"])
def test_only_the_assigned_agent_pauses_and_resumes(db, make_ticket, users, role):
    ticket = make_ticket("assigned")
    actor = workflow.REQUESTER_ACTOR if role == "requester" else users[role]
    before = snapshot(ticket.id)
    with pytest.raises(workflow.WorkflowError) as refused:
        workflow.pause(actor, ticket.id, "?")
    assert refused.value.kind == "role"
    assert snapshot(ticket.id) == before
    workflow.pause(users["agent"], ticket.id, "?")
    before = snapshot(ticket.id)
    with pytest.raises(workflow.WorkflowError) as refused:
        workflow.resume(actor, ticket.id)
    assert refused.value.kind == "role"
    assert snapshot(ticket.id) == before


@pytest.mark.parametrize("state", ["open", "verified", "selesai", "closed"])
def test_pause_only_during_step_5(db, make_ticket, users, state):
    ticket = make_ticket(state)
    before = snapshot(ticket.id)
    with pytest.raises(workflow.WorkflowError) as refused:
        workflow.pause(users["agent" if state != "open" else "admin"], ticket.id, "?")
    assert refused.value.kind in ("state", "role")
    with pytest.raises(workflow.WorkflowError):
        workflow.resume(users["agent"], ticket.id)
    with pytest.raises(workflow.WorkflowError):
        workflow.answer_question(ticket.tracking_token, "jawaban")
    assert snapshot(ticket.id) == before


def test_an_empty_question_is_refused(db, make_ticket, users):
    ticket = make_ticket("assigned")
    before = snapshot(ticket.id)
    with pytest.raises(workflow.WorkflowError) as refused:
        workflow.pause(users["agent"], ticket.id, "  ")
    assert refused.value.kind == "invalid"
    assert snapshot(ticket.id) == before


def test_while_paused_the_agent_cannot_finish_and_nothing_is_late(db, make_ticket, users):
    ticket = make_ticket("assigned", now=T0)
    workflow.pause(users["agent"], ticket.id, "?", now=T0)
    for call in (
        lambda: workflow.mark_selesai(users["agent"], ticket.id),
        lambda: workflow.attach_document(
            users["agent"], ticket.id, "sla", Upload("s.pdf", PDF_BYTES)
        ),
    ):
        with pytest.raises(workflow.WorkflowError) as refused:
            call()
        assert refused.value.kind == "state"
    far = T0 + dt.timedelta(days=60)
    assert not Ticket.get_by_id(ticket.id).is_overdue(far)
    period = compliance.Period(dt.date(2026, 6, 1), dt.date(2026, 6, 30))
    (step5,) = [r for r in compliance.by_step(users["admin"], period, now=far) if r.key == 5]
    assert step5.overdue == 0
    from tasks.reminders import send_reminders

    assert send_reminders(now=far).get("reminder_overdue", 0) == 0


def test_the_answer_resumes_and_tells_the_agent(db, make_ticket, users, outbox):
    ticket = make_ticket("assigned", now=T0)
    workflow.pause(users["agent"], ticket.id, "Nama subdomain?", now=T0)
    outbox.clear()
    workflow.answer_question(
        ticket.tracking_token, "layanan.jabarprov.go.id", now=T0 + dt.timedelta(hours=1)
    )
    fresh = Ticket.get_by_id(ticket.id)
    assert fresh.status == "assigned" and fresh.reply_unread
    (event,) = TicketEvent.select().where(
        TicketEvent.ticket == ticket.id, TicketEvent.action == "answered"
    )
    assert (event.public, event.to_status) == (True, "assigned")
    (mail,) = outbox
    assert mail.to == [users["agent"].email] and "layanan.jabarprov.go.id" in mail.body
    assert _step5(ticket.id).paused_seconds == 3600
    # the plain reply is not the answer: it is refused while paused, the form picks the answer
    workflow.pause(users["agent"], ticket.id, "Lagi?", now=T0 + dt.timedelta(hours=2))
    with pytest.raises(workflow.WorkflowError) as refused:
        workflow.reply(ticket.tracking_token, "x")
    assert refused.value.kind == "state"
    workflow.requester_reply(ticket.tracking_token, "Ini jawabannya.")
    assert Ticket.get_by_id(ticket.id).status == "assigned"


def test_the_due_time_moves_by_exactly_the_paused_working_time(db, make_ticket, users):
    """Paused Thursday 4 June 2026 14:00 WIB, resumed Tuesday 9 June 10:00 WIB, over a weekend
    and a holiday (Monday 8 June): 2 h Thursday + 8 h Friday + 2 h Tuesday = 12 working hours.
    The service is "sedang" (7 working days) from T0, Tuesday 2 June 10:00 WIB."""
    Holiday.create(date=dt.date(2026, 6, 8), name="Libur uji")
    ticket = make_ticket("assigned", now=T0)
    due = Ticket.get_by_id(ticket.id).due_at
    # 7 x 8 h from Tue 10:00, Mon 8 June off: Tue 6, Wed 8, Thu 8, Fri 8, Tue 8, Wed 8, Thu 8 -> Fri
    assert due == wib(2026, 6, 12, 10, 0)
    start, end = wib(2026, 6, 4, 14, 0), wib(2026, 6, 9, 10, 0)
    assert calendar.working_time_between(start, end) == dt.timedelta(hours=12)
    workflow.pause(users["agent"], ticket.id, "Alamat IP?", now=start)
    workflow.resume(users["agent"], ticket.id, now=end)
    moved = Ticket.get_by_id(ticket.id).due_at
    # Fri 12 June 10:00 + 12 working hours: 6 h on Friday, 6 h on Monday 15 June
    assert moved == wib(2026, 6, 15, 14, 0)
    assert calendar.working_time_between(due, moved) == dt.timedelta(hours=12)
    assert _step5(ticket.id).due_at == moved and _step5(ticket.id).paused_seconds == 12 * 3600


def test_a_pause_outside_working_hours_moves_nothing(db, make_ticket, users):
    ticket = make_ticket("assigned", now=T0)
    due = Ticket.get_by_id(ticket.id).due_at
    workflow.pause(users["agent"], ticket.id, "?", now=wib(2026, 6, 5, 17, 0))  # Fri evening
    workflow.resume(users["agent"], ticket.id, now=wib(2026, 6, 7, 12, 0))  # Sunday noon
    assert Ticket.get_by_id(ticket.id).due_at == due


def test_compliance_counts_paused_time_out(db, make_ticket, users):
    """Finished after the original due time but within it once the paused time is counted out:
    on time. The same work without the pause is late."""
    paused = make_ticket("assigned", now=T0)
    straight = make_ticket("assigned", now=T0)
    original_due = Ticket.get_by_id(paused.id).due_at  # Thursday 11 June 10:00 WIB
    workflow.pause(users["agent"], paused.id, "?", now=wib(2026, 6, 3, 8, 0))
    workflow.resume(users["agent"], paused.id, now=wib(2026, 6, 4, 8, 0))  # 8 working hours
    assert Ticket.get_by_id(paused.id).due_at == calendar.add_working_hours(original_due, 8)
    finish = original_due + dt.timedelta(hours=2)
    for ticket in (paused, straight):
        for kind in ("sla", "ba"):
            workflow.attach_document(
                users["agent"], ticket.id, kind, Upload(f"{kind}.pdf", PDF_BYTES), now=finish
            )
        workflow.mark_selesai(users["agent"], ticket.id, now=finish)
    assert _step5(paused.id).on_time is True and _step5(straight.id).on_time is False
    period = compliance.Period(dt.date(2026, 6, 1), dt.date(2026, 6, 30))
    (step5,) = [r for r in compliance.by_step(users["admin"], period, now=finish) if r.key == 5]
    assert (step5.ended, step5.on_time) == (2, 1)


def test_resume_and_answer_at_once_one_winner_the_due_moved_once(any_app):
    app = any_app
    with app.app_context(), connection():
        from models.staff import User

        helpdesk = User.get(User.email == "helpdesk@example.go.id")
        agent = User.get(User.email == "agen@example.go.id")
        ticket = workflow.submit(None, new_request(), required_uploads(), now=T0)
        workflow.verify_complete(helpdesk, ticket.id, now=T0)
        workflow.dispose(helpdesk, ticket.id, agent.id, now=T0)
        due = Ticket.get_by_id(ticket.id).due_at
        workflow.pause(agent, ticket.id, "?", now=T0)
    later = T0 + dt.timedelta(hours=3)
    results = race(
        app,
        [
            lambda: workflow.resume(agent, ticket.id, now=later),
            lambda: workflow.answer_question(ticket.tracking_token, "Jawaban.", now=later),
        ],
    )
    assert results.count("ok") == 1, results
    with app.app_context(), connection():
        fresh = Ticket.get_by_id(ticket.id)
        resumes = TicketEvent.select().where(
            TicketEvent.ticket == ticket.id, TicketEvent.action.in_(("resumed", "answered"))
        )
        assert resumes.count() == 1
        step = TicketStep.get(TicketStep.ticket == ticket.id, TicketStep.step == 5)
        assert step.paused_seconds == 3 * 3600
        assert fresh.status == "assigned" and fresh.due_at == calendar.add_working_hours(due, 3)
    results = race(
        app,
        [
            lambda: workflow.pause(agent, ticket.id, "Satu?", now=later),
            lambda: workflow.pause(agent, ticket.id, "Dua?", now=later),
        ],
    )
    assert results.count("ok") == 1, results
    with app.app_context(), connection():
        questions = TicketEvent.select().where(
            TicketEvent.ticket == ticket.id, TicketEvent.action == "paused"
        )
        assert questions.count() == 2  # the first pause and one of the two


def test_an_answer_after_the_agent_resumed_is_kept_as_a_reply(db, make_ticket, users, monkeypatch):
    ticket = make_ticket("assigned", now=T0)
    workflow.pause(users["agent"], ticket.id, "?", now=T0)
    real = Ticket.by_token

    def resumed_meanwhile(token):  # the page read "paused"; the agent resumes before the post
        found = real(token)
        if found is not None and found.status == "menunggu_pemohon":
            workflow.resume(users["agent"], ticket.id, now=T0 + dt.timedelta(hours=1))
        return found

    monkeypatch.setattr(Ticket, "by_token", staticmethod(resumed_meanwhile))
    workflow.requester_reply(ticket.tracking_token, "Jawaban yang terlambat.")
    monkeypatch.undo()
    (event,) = TicketEvent.select().where(
        TicketEvent.ticket == ticket.id, TicketEvent.action == "requester_reply"
    )
    assert event.note == "Jawaban yang terlambat." and Ticket.get_by_id(ticket.id).reply_unread
