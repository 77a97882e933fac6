"""The step fact table (`models.step_facts`): one row per ended staff step, kept by the
workflow in the transaction that changes the ticket, the same rows the migration fills."""

from __future__ import annotations

import datetime as dt
import importlib

from models import workflow
from models.db import database
from models.seed import create_staff_user
from models.step_facts import StepFact
from models.ticket import TicketStep

T = dt.datetime(2026, 6, 2, 2, 0)  # Tuesday 09.00 WIB


def facts(ticket_id):
    return sorted(
        (f.id, f.step, f.agent_id, f.working_seconds, f.on_time)
        for f in StepFact.select().where(StepFact.ticket == ticket_id)
    )


def expected(ticket_id, agent_id):
    rows = TicketStep.select().where(
        TicketStep.ticket == ticket_id, TicketStep.ended_at.is_null(False)
    )
    return sorted(
        (r.id, r.step, agent_id, r.working_seconds, int(r.ended_at <= r.due_at)) for r in rows
    )


def test_each_ended_staff_step_has_its_fact_with_the_tickets_agent(make_ticket, users):
    ticket = make_ticket("assigned", now=T)
    agent = users["agent"]
    assert facts(ticket.id) == expected(ticket.id, agent.id)  # steps 3 and 4 ended
    assert [f[1] for f in facts(ticket.id)] == [3, 4]
    assert StepFact.select().where(StepFact.step == 5, StepFact.ticket == ticket.id).count() == 0


def test_the_facts_follow_a_reassignment(make_ticket, users):
    ticket = make_ticket("assigned", now=T)
    other, _ = create_staff_user(
        "lain@example.go.id", "Agen Lain", "agent", seksi_code=users["agent"].seksi.code
    )
    workflow.reassign(users["helpdesk"], ticket.id, other.id, now=T + dt.timedelta(hours=1))
    assert {f[2] for f in facts(ticket.id)} == {other.id}


def test_the_backfill_writes_the_same_rows_as_the_workflow(make_ticket, users):
    tickets = [make_ticket("closed", now=T), make_ticket("assigned", now=T)]
    kept = {t.id: facts(t.id) for t in tickets}
    assert len(kept[tickets[0].id]) == 5
    StepFact.delete().execute()
    importlib.import_module("models.migrations.0015_step_fact").fill(database)
    assert {t.id: facts(t.id) for t in tickets} == kept
