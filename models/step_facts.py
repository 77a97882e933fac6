"""The step fact table: one row per ended staff step, with what the dashboard groups and
filters on, so that its duration figures are one range of one index, without the ticket.

The rule: `step_fact` holds, for every ended step of the step table's staff standards (mutu
baku: 3-7) that has a working duration, the step's end, number, working seconds and whether it
ended by its due time, with its ticket's current service (`layanan_id`: the scope of the
helpdesk and the heads), Perangkat Daerah and assigned agent. A ticket's rows are written again
from its step rows each time the ticket changes (`refresh`, called by the workflow's
conditional update inside the same transaction), so they follow a reassignment too; migration
0015 fills them for the tickets already there.
"""

from __future__ import annotations

from peewee import Case, DateTimeField, ForeignKeyField, IntegerField

from models.compliance import AGENT_STEPS
from models.db import BaseModel
from models.sop import MUTU_BAKU_STATUSES
from models.ticket import Ticket, TicketStep


class StepFact(BaseModel):
    """One ended staff step with its ticket's group keys (see the module's rule)."""

    id = IntegerField(primary_key=True)  # the ticket_step row's id
    ticket = ForeignKeyField(Ticket, backref="+", on_delete="CASCADE")
    ended_at = DateTimeField()
    step = IntegerField()
    layanan_id = IntegerField()
    perangkat_daerah_id = IntegerField()
    agent_id = IntegerField(null=True)
    working_seconds = IntegerField()
    on_time = IntegerField()  # 1 when ended_at <= due_at, else 0

    class Meta:
        table_name = "step_fact"
        indexes = (
            (
                (
                    "ended_at",
                    "step",
                    "working_seconds",
                    "layanan_id",
                    "perangkat_daerah_id",
                    "agent_id",
                    "on_time",
                ),
                False,
            ),
        )


def _source(ticket_ids=None):
    """The step_fact rows as a SELECT from ticket_step and ticket (all, or those tickets')."""
    on_time = Case(None, [(TicketStep.ended_at <= TicketStep.due_at, 1)], 0)
    query = (
        TicketStep.select(
            TicketStep.id,
            TicketStep.ticket,
            TicketStep.ended_at,
            TicketStep.step,
            Ticket.layanan,
            Ticket.perangkat_daerah,
            Ticket.assigned_agent,
            TicketStep.working_seconds,
            on_time,
        )
        .join(Ticket, on=(TicketStep.ticket == Ticket.id))
        .where(
            TicketStep.status.in_(MUTU_BAKU_STATUSES),
            TicketStep.ended_at.is_null(False),
            TicketStep.working_seconds.is_null(False),
        )
    )
    return query if ticket_ids is None else query.where(TicketStep.ticket.in_(ticket_ids))


FIELDS = [
    StepFact.id,
    StepFact.ticket,
    StepFact.ended_at,
    StepFact.step,
    StepFact.layanan_id,
    StepFact.perangkat_daerah_id,
    StepFact.agent_id,
    StepFact.working_seconds,
    StepFact.on_time,
]


def refresh(ticket_id: int) -> None:
    """Write the ticket's step facts again from its step rows and its current service, agency
    and agent; call it inside the transaction that changed the ticket."""
    refresh_many([ticket_id])


def refresh_many(ticket_ids) -> None:
    """`refresh` of many tickets in two statements (one DELETE, one INSERT ... SELECT); call it
    inside the transaction that changed them.

    A fact that a kept figure may have counted and whose group changes without a new row (an
    agent step, 5 or 7, ended before a dispute sent the ticket back and it was given to another
    agent) makes the kept figures of the periods it ended in forgotten
    (`kept_figures.forget_since`): no new row would tell their watermark."""
    ticket_ids = list(ticket_ids)
    if not ticket_ids:
        return
    keys = (StepFact.step, StepFact.layanan_id, StepFact.perangkat_daerah_id, StepFact.agent_id)
    before = {
        fact: rest
        for fact, *rest in StepFact.delete()
        .where(StepFact.ticket.in_(ticket_ids))
        .returning(StepFact.id, *keys, StepFact.ended_at)
        .tuples()
        .execute()
    }
    inserted = StepFact.insert_from(_source(ticket_ids), FIELDS)
    if not before:  # no fact yet (a new ticket): nothing kept counted one of them
        inserted.execute()
        return
    after = {
        fact: tuple(rest)
        for fact, *rest in inserted.returning(StepFact.id, *keys).tuples().execute()
    }
    changed = [
        ended
        for fact, (step, layanan, pd, agent, ended) in before.items()
        if _moved(after.get(fact), (step, layanan, pd, agent))
    ]
    if changed:
        from models import kept_figures  # it reads the facts: imported late

        kept_figures.forget_since(min(StepFact.ended_at.python_value(e) for e in changed))


def _moved(now, then) -> bool:
    """Whether a fact now counts in another group than it did: its service or agency changed,
    or, for an agent step (the only ones counted per agent), its agent; gone counts too."""
    if now is None:
        return True
    step, layanan, pd, agent = then
    return now[1:3] != (layanan, pd) or (step in AGENT_STEPS and now[3] != agent)
