"""`flask seed-bench`: tickets in every state with rows consistent with what the workflow writes."""

from __future__ import annotations

from models import workflow
from models.db import connection
from models.sop import STATES, step_for_status
from models.step_facts import StepFact
from models.storage import current_store
from models.ticket import CLOSED, Document, Notification, Ticket, TicketEvent, TicketStep
from tests.helpers import new_request, required_uploads


def test_seed_bench_fills_every_state_consistently(app, runner):
    result = runner.invoke(args=["seed-bench", "--tickets", "60"])
    assert result.exit_code == 0, result.output
    assert "60 tiket dibuat" in result.output
    with app.app_context(), connection():
        tickets = list(Ticket.select())
        assert len(tickets) == 60
        assert {t.status for t in tickets} == set(STATES)
        assert {t.close_reason for t in tickets if t.status == CLOSED} == {
            "fulfilled",
            "rejected",
            "expired",
        }
        assert len({t.number for t in tickets}) == 60
        for t in tickets:
            open_steps = list(
                TicketStep.select().where(TicketStep.ticket == t.id, TicketStep.ended_at.is_null())
            )
            step = step_for_status(t.status)
            if step is None:
                assert not open_steps and t.due_at is None and t.closed_at is not None
            else:
                (current,) = open_steps
                if t.status == "menunggu_pemohon":  # step 5 goes on, its clock stopped
                    assert (current.step, current.status) == (5, "assigned")
                    assert current.paused_at is not None and t.due_at is None
                else:
                    assert (current.step, current.status) == (step.number, t.status)
                    assert current.due_at == t.due_at == step.due(current.started_at, t.layanan)
            events = list(TicketEvent.for_ticket(t.id))
            assert events[0].action == "submitted" and events[-1].to_status == t.status
            assert len(events) == t.version + 1
            kinds = {d.kind for d in Document.select().where(Document.ticket == t.id)}
            assert "persyaratan" in kinds
            assert ("ba" in kinds) == (t.ba_number is not None)
            if t.status in ("assigned", "selesai", "signed") or t.close_reason == "fulfilled":
                assert t.assigned_agent_id is not None
        # what the workflow keeps beside the steps: durations and the heads' step facts
        ended = TicketStep.select().where(TicketStep.ended_at.is_null(False))
        assert ended.count() and not ended.where(TicketStep.working_seconds.is_null()).count()
        assert StepFact.select().count() > 0
        store = current_store()
        assert all(store.exists(d.sha256) for d in Document.select())
        assert Notification.select().where(Notification.status != "sent").count() == 0
        # the counters moved past the seeded numbers: the desk keeps numbering
        new = workflow.submit(None, new_request(), required_uploads())
        assert new.number not in {t.number for t in tickets}
