"""The generated Berita Acara: an A4 PDF on Diskominfo Jawa Barat's letterhead (xhtml2pdf).

The agent asks for it (`request_berita_acara`): the workflow checks role and state and gives
the ticket its BA number once; a task renders the PDF and attaches it as the ticket's `ba`
document through the workflow, so a regenerated BA is a new version and a half-written one is
never visible. The renderer is safe by construction: every value is escaped by the template,
and the xhtml2pdf `ResourceAccessPolicy` lets it read nothing but the bundled assets in
`static/pdf/` (no network, no other file).
"""

from __future__ import annotations

import io
import logging
import os

from flask import render_template
from flask_babel import gettext as _
from xhtml2pdf import pisa
from xhtml2pdf.config.resources import ResourceAccessPolicy

from formatting import local_date
from models import workflow
from models.catalog import Seksi
from models.db import utcnow
from models.staff import User
from models.ticket import Ticket
from models.uploads import Upload
from tasks import app_task

log = logging.getLogger("desk.berita_acara")

ASSETS_DIR = os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))), "static", "pdf"
)


class RenderError(Exception):
    """xhtml2pdf reported errors while building the PDF."""


def resource_policy() -> ResourceAccessPolicy:
    """Only the bundled assets: no remote fetch at all, no local read outside `ASSETS_DIR`."""
    return ResourceAccessPolicy.server(base_dir=ASSETS_DIR, allow_remote=False)


def html_to_pdf(html: str) -> bytes:
    """Render trusted-template HTML to PDF bytes under the assets-only resource policy."""
    out = io.BytesIO()
    result = pisa.pisaDocument(
        html,
        dest=out,
        path=os.path.join(ASSETS_DIR, "berita_acara.html"),  # relative URLs resolve in assets
        encoding="utf-8",
        resource_policy=resource_policy(),
    )
    if result.err:
        raise RenderError(f"xhtml2pdf reported {result.err} error(s)")
    return out.getvalue()


def render_html(ticket, agent, work_done: str, now) -> str:
    """The BA's HTML from the ticket's data (every value escaped by the template)."""
    seksi = Seksi.get_or_none(Seksi.id == agent.seksi_id) if agent.seksi_id else None
    return render_template(
        "pdf/berita_acara.html",
        ticket=ticket,
        agent=agent,
        agent_seksi=seksi.name if seksi else "",
        ba_number=ticket.ba_number,
        work_done=work_done,
        date_long=local_date(now, with_weekday=True),
        date_short=local_date(now),
        requested_on=local_date(ticket.created_at),
    )


def render_berita_acara(ticket, agent, work_done: str, now=None) -> bytes:
    """The BA PDF of `ticket` signed by `agent`, describing `work_done`."""
    return html_to_pdf(render_html(ticket, agent, work_done, now or utcnow()))


@app_task()
def generate_berita_acara(ticket_id: int, agent_id: int, work_done: str, issued_at) -> str:
    """Render the BA (dated when the agent asked) and attach it as the ticket's current `ba`."""
    ticket = Ticket.get_by_id(ticket_id)
    agent = User.get_by_id(agent_id)
    pdf = render_berita_acara(ticket, agent, work_done, issued_at)
    name = f"berita-acara-{ticket.number}.pdf"
    try:
        workflow.attach_document(
            agent, ticket_id, "ba", Upload(name, pdf), note=f"({ticket.ba_number})"
        )
    except workflow.WorkflowError as exc:
        # The ticket moved on (e.g. Selesai with an uploaded BA) or the agent changed.
        log.info("berita acara of %s not attached: %s", ticket.number, exc)
        return f"refused: {exc}"
    return "attached"


def request_berita_acara(actor, ticket_id: int, work_done: str, *, now=None) -> str:
    """The staff view's entry point: the workflow validates (role, state, text) and gives the
    BA number; the PDF is rendered in the background after commit. Returns the BA number;
    raises `WorkflowError` with a message for the agent.
    """
    now = now or utcnow()
    ticket = workflow.prepare_berita_acara(actor, ticket_id, work_done, now=now)
    try:
        generate_berita_acara(ticket.id, actor.id, work_done.strip(), now)
    except Exception as exc:  # noqa: BLE001 - the queue did not answer; the agent may retry
        log.warning("berita acara of %s not queued: %s", ticket.number, exc)
        raise workflow.WorkflowError(
            _(
                "Berita Acara %(number)s belum dapat dibuat karena antrean tugas sedang tidak "
                "menjawab. Coba lagi beberapa saat lagi; nomornya tetap sama.",
                number=ticket.ba_number,
            )
        ) from exc
    return ticket.ba_number
