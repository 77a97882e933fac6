"""What every PDF the desk issues (BA, SLA) shares: the renderer under its guard, the
letterhead, the verification code and its QR code, the footer on every page.

The renderer is safe by construction: every value is escaped by the template, and the xhtml2pdf
`ResourceAccessPolicy` lets it read nothing but the bundled assets in `static/pdf/` (no network,
no other file). The emblem and the QR code are written into the HTML as `data:` URIs, so they
need no file and no fetch either.
"""

from __future__ import annotations

import io
import logging
import os

import segno
from flask import current_app, render_template
from flask_babel import force_locale
from flask_babel import gettext as _
from xhtml2pdf import pisa
from xhtml2pdf.config.resources import ResourceAccessPolicy

from formatting import local_date
from models import letterhead, verification, workflow
from tasks import queue_failure

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
        path=os.path.join(ASSETS_DIR, "document.html"),  # relative URLs resolve in assets
        encoding="utf-8",
        resource_policy=resource_policy(),
    )
    if result.err:
        raise RenderError(f"xhtml2pdf reported {result.err} error(s)")
    return out.getvalue()


def verification_url(code: str) -> str:
    """The public page of an issued document, on DESK_BASE_URL (never on a request's Host)."""
    base = current_app.config["BASE_URL"].rstrip("/")
    return f"{base}/verifikasi/{verification.display(code)}"


def qr_data_uri(url: str) -> str:
    """The QR code of `url` as a PNG `data:` URI (segno; medium error correction)."""
    return segno.make(url, error="m", micro=False).png_data_uri(scale=6, border=2)


def render(template: str, code: str, now, **context) -> bytes:
    """Render `template` (extending `pdf/_official.html`) in Indonesian, with the letterhead,
    the verification code and its QR code, dated `now`."""
    head = letterhead.current()
    url = verification_url(code)
    with force_locale("id"):
        html = render_template(
            template,
            letterhead=head,
            emblem_src=head.emblem_data_uri(),
            code=verification.display(code),
            verify_url=url,
            qr_src=qr_data_uri(url),
            date_long=local_date(now, with_weekday=True),
            date_short=local_date(now),
            **context,
        )
    return html_to_pdf(html)


def attach_issued(agent, ticket, kind: str, filename: str, pdf: bytes, number, code, issued_at):
    """Attach a rendered SLA or BA through the workflow as the ticket's current `kind`, with its
    number and verification code, dated `issued_at` (the date printed on it). Returns
    "attached", or "refused: ..." when the ticket moved on meanwhile (e.g. Selesai with an
    uploaded copy, or another agent): the task then ends without retrying."""
    from models import workflow
    from models.uploads import Upload

    try:
        workflow.attach_document(
            agent,
            ticket.id,
            kind,
            Upload(filename, pdf),
            note=f"({number})",
            number=number,
            verification_code=code,
            now=issued_at,
        )
    except workflow.WorkflowError as exc:
        logging.getLogger("desk.tasks").info("%s of %s not attached: %s", kind, ticket.number, exc)
        return f"refused: {exc}"
    return "attached"


def queue_rendering(task, document: str, number: str, *args) -> None:
    """Queue `task(*args)`, the rendering of `document` (its name: "SLA", "Berita Acara")
    numbered `number`, after the commit that gave the number. A queue that does not answer
    raises `WorkflowError` saying so: the number stays, and asking again queues it."""
    failure = queue_failure(task, *args, what=f"{document} {number}")
    if failure is not None:
        raise workflow.WorkflowError(
            _(
                "%(document)s %(number)s belum dapat dibuat karena antrean tugas sedang tidak "
                "menjawab. Coba lagi beberapa saat lagi; nomornya tetap sama.",
                document=document,
                number=number,
            )
        ) from failure
