"""The generated Berita Acara: an A4 PDF on the desk's letterhead (xhtml2pdf).

The agent asks for it (`request_berita_acara`): the workflow checks role, state and that every
value the BA prints is there, and gives the ticket its BA number once; a task draws a fresh
verification code, renders the PDF (the code and its QR code on every page, `tasks.issued_pdf`)
and attaches it as the ticket's `ba` document through the workflow with its code, so a
regenerated BA is a new version and a half-written one is never visible.
"""

from __future__ import annotations

from formatting import local_date
from models import verification, workflow
from models.db import utcnow
from models.official_parties import parties
from models.staff import User
from models.ticket import Ticket
from tasks import app_task
from tasks.issued_pdf import (  # noqa: F401  (re-exported: the renderer's guard lives there)
    ASSETS_DIR,
    RenderError,
    attach_issued,
    html_to_pdf,
    queue_rendering,
    render,
    resource_policy,
)


def kepala_seksi_title(p) -> str:
    """The Kepala Seksi's title under "Mengetahui,": their position as entered, else "Kepala"
    and the seksi's name ("Kepala Seksi Rekayasa Aplikasi")."""
    if p.kepala_seksi is not None and (p.kepala_seksi.position or "").strip():
        return p.kepala_seksi.position.strip()
    name = p.seksi.name if p.seksi else ""
    return f"Kepala {name}" if name.lower().startswith("seksi") else f"Kepala Seksi {name}"


def render_berita_acara(ticket, agent, work_done: str, now=None, code: str | None = None) -> bytes:
    """The BA PDF of `ticket` signed by `agent`, describing `work_done`, carrying `code`."""
    p = parties(ticket, agent)
    return render(
        "pdf/berita_acara.html",
        code or verification.new_code(),
        now or utcnow(),
        ticket=ticket,
        agent=agent,
        agent_seksi=p.seksi.name if p.seksi else "",
        kepala_seksi=p.kepala_seksi,
        kepala_seksi_title=kepala_seksi_title(p),
        ba_number=ticket.ba_number,
        work_done=work_done,
        requested_on=local_date(ticket.created_at),
    )


@app_task()
def generate_berita_acara(ticket_id: int, agent_id: int, work_done: str, issued_at) -> str:
    """Render the BA (dated when the agent asked) and attach it as the ticket's current `ba`."""
    ticket = Ticket.get_by_id(ticket_id)
    agent = User.get_by_id(agent_id)
    code = verification.new_code()
    pdf = render_berita_acara(ticket, agent, work_done, issued_at, code)
    name = f"berita-acara-{ticket.number}.pdf"
    return attach_issued(agent, ticket, "ba", name, pdf, ticket.ba_number, code, issued_at)


def request_berita_acara(actor, ticket_id: int, work_done: str, *, now=None) -> str:
    """The staff view's entry point: the workflow validates (role, state, text) and gives the
    BA number; the PDF is rendered in the background after commit. Returns the BA number;
    raises `WorkflowError` with a message for the agent.
    """
    now = now or utcnow()
    ticket = workflow.prepare_berita_acara(actor, ticket_id, work_done, now=now)
    queue_rendering(
        generate_berita_acara,
        "Berita Acara",
        ticket.ba_number,
        ticket.id,
        actor.id,
        work_done.strip(),
        now,
    )
    return ticket.ba_number
