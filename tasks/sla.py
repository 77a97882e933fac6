"""The generated SLA: the service's SLA template filled from the ticket, an A4 PDF on the
desk's letterhead with its verification code on every page (`tasks.issued_pdf`).

Per service the template prints the service, its scope (`layanan.sla_scope`; the service's
description until an admin writes one), its duration class and time standard, and the two
parties. The agent asks for it (`request_sla`); the workflow checks role, state and the values
it prints and gives the ticket its SLA number once; a task renders it and attaches it as the
ticket's `sla` (a new version each time). The agent may still upload their own SLA instead.
"""

from __future__ import annotations

from formatting import local_date, local_datetime
from models import verification, workflow
from models.db import utcnow
from models.official_parties import parties
from models.staff import User
from models.ticket import Ticket
from tasks import app_task
from tasks.issued_pdf import attach_issued, queue_rendering, render


def render_sla(ticket, agent, now=None, code: str | None = None) -> bytes:
    """The SLA PDF of `ticket` between `agent` and the requester, carrying `code`."""
    p = parties(ticket, agent)
    layanan = ticket.layanan
    return render(
        "pdf/sla.html",
        code or verification.new_code(),
        now or utcnow(),
        ticket=ticket,
        agent=agent,
        agent_seksi=p.seksi.name if p.seksi else "",
        sla_number=ticket.sla_number,
        scope=(layanan.sla_scope or "").strip() or layanan.description or layanan.name,
        due_on=local_datetime(ticket.due_at) if ticket.due_at else "",
        requested_on=local_date(ticket.created_at),
    )


@app_task()
def generate_sla(ticket_id: int, agent_id: int, issued_at) -> str:
    """Render the SLA (dated when the agent asked) and attach it as the ticket's current `sla`."""
    ticket = Ticket.get_by_id(ticket_id)
    agent = User.get_by_id(agent_id)
    code = verification.new_code()
    pdf = render_sla(ticket, agent, issued_at, code)
    name = f"sla-{ticket.number}.pdf"
    return attach_issued(agent, ticket, "sla", name, pdf, ticket.sla_number, code, issued_at)


def request_sla(actor, ticket_id: int, *, now=None) -> str:
    """The staff view's entry point: the workflow validates and gives the SLA number; the PDF
    is rendered in the background after commit. Returns the number; raises `WorkflowError`."""
    now = now or utcnow()
    ticket = workflow.prepare_sla(actor, ticket_id, now=now)
    queue_rendering(generate_sla, "SLA", ticket.sla_number, ticket.id, actor.id, now)
    return ticket.sla_number
