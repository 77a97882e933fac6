"""The guards that existed before issue #10, each defended by a test that fails without it
(item 7): HTML escaping of the requester's text, the exact match of a tracking token, CSRF on
the tracking page's forms, the rate limit of its uploads, magic bytes at the start of a file,
and the version condition of transitions that keep the status."""

from __future__ import annotations

import io
import re

import pytest

from models import uploads, workflow
from models.db import connection
from models.seed import create_staff_user
from models.ticket import Ticket
from models.uploads import Upload
from tests.helpers import PDF_BYTES, T0, new_request, required_uploads, snapshot

EVIL = '<script>alert("x")</script><img src=x onerror=alert(1)>'
ESCAPED = "&lt;script&gt;alert("


def evil_ticket(make_ticket, status="open"):
    return make_ticket(
        status, requester_name=f"Siti {EVIL}", subject=f"PPDB {EVIL}", description=f"Mohon {EVIL}"
    )


# --- HTML escaping -------------------------------------------------------------------------------


def test_requester_text_is_escaped_on_the_staff_ticket_page(client, login_as, make_ticket):
    ticket = evil_ticket(make_ticket)
    login_as("admin")
    html = client.get(f"/admin/tiket/details/?id={ticket.id}").get_data(as_text=True)
    assert "<script>alert" not in html and "<img src=x" not in html
    assert html.count(ESCAPED) >= 3  # name, subject, description


def test_requester_text_is_escaped_on_the_tracking_page(client, make_ticket):
    ticket = evil_ticket(make_ticket)
    html = client.get(f"/lacak/{ticket.tracking_token}").get_data(as_text=True)
    assert "<script>alert" not in html and "<img src=x" not in html
    assert ESCAPED in html


def test_requester_text_is_escaped_in_the_html_emails(db, outbox, make_ticket):
    evil_ticket(make_ticket)
    assert outbox, "the opened emails were sent"
    for message in outbox:
        ((html, mimetype),) = message.alternatives
        assert mimetype == "text/html"
        assert "<script>alert" not in html and "<img src=x" not in html
        assert ESCAPED in html


# --- the tracking token: exact and case-sensitive, on both databases -------------------------


def test_only_the_exact_token_opens_the_tracking_page(any_app):
    with any_app.app_context(), connection():
        ticket = workflow.submit(None, new_request(), required_uploads(), now=T0)
    token = ticket.tracking_token
    client = any_app.test_client()
    assert client.get(f"/lacak/{token}").status_code == 200
    flipped = token[:-1] + (token[-1].lower() if token[-1].isupper() else token[-1].upper())
    if flipped == token:  # a digit or symbol at the end: flip the first letter instead
        i = next(i for i, c in enumerate(token) if c.isalpha())
        flipped = token[:i] + token[i].swapcase() + token[i + 1 :]
    for guess in (
        token[:-1],
        token[:25],
        token + "x",
        token.swapcase(),
        flipped,
        token[:-1] + "%",
        token[:-1] + "_",
        f" {token}",
    ):
        assert client.get(f"/lacak/{guess}").status_code == 404, guess
    with any_app.app_context(), connection():
        assert Ticket.by_token(token).id == ticket.id
        assert Ticket.by_token(token.swapcase()) is None
        assert Ticket.by_token(token[:-1]) is None


# --- CSRF and the rate limit of the tracking page's forms ------------------------------------


@pytest.mark.parametrize("form", ["dokumen", "balasan"])
def test_tracking_forms_refuse_a_post_without_its_csrf_token(db, client, make_ticket, form):
    ticket = make_ticket("incomplete" if form == "dokumen" else "selesai")
    before = snapshot(ticket.id)
    files = {"sla_signed": (PDF_BYTES, "s.pdf"), "ba_signed": (PDF_BYTES, "b.pdf")}
    data = {k: (io.BytesIO(v[0]), v[1]) for k, v in files.items()}
    for slot in ticket.missing_document_ids:
        data[f"dokumen-{slot}"] = (io.BytesIO(PDF_BYTES + b"m"), "m.pdf")
    response = client.post(f"/lacak/{ticket.tracking_token}/{form}", data=data)
    assert response.status_code == 400
    assert snapshot(ticket.id) == before


def test_tracking_uploads_are_rate_limited_per_address(make_app):
    app = make_app(WTF_CSRF_ENABLED=False, TOKEN_UPLOAD_LIMIT="1000 per hour")
    with app.app_context(), connection():
        ticket = workflow.submit(None, new_request(), required_uploads())
    client = app.test_client()
    url = f"/lacak/{ticket.tracking_token}/balasan"
    answers = [client.post(url, data={}).status_code for _ in range(21)]
    assert answers[:20] == [400] * 20  # "attach the documents"
    assert answers[20] == 429


# --- magic bytes at the start of the file ----------------------------------------------------


@pytest.mark.parametrize(
    "data",
    [
        b"GIF89a....%PDF-1.4",
        b"<html>" + PDF_BYTES,
        b" %PDF-1.4\n",
        b"x\x89PNG\r\n\x1a\n" + b"0" * 9,
    ],
)
def test_magic_bytes_count_only_at_the_start(app, data):
    with app.app_context():
        with pytest.raises(uploads.UploadRefused):
            uploads.check(Upload("dokumen.pdf", data))
        assert uploads.check(Upload("ok.pdf", PDF_BYTES)).content_type == "application/pdf"


# --- the version condition, for transitions that keep the status ------------------------------


def stale_load(monkeypatch, module, stale):
    """Make the verb in `module` act on `stale`, a copy read before somebody else's change."""
    monkeypatch.setattr(module, "_load", lambda ticket_id: stale)


def test_reassign_with_a_stale_copy_is_refused(db, users, make_ticket, monkeypatch):
    from models.workflow import fulfilment

    ticket = make_ticket("assigned")
    dewi, _ = create_staff_user(
        "dewi@example.go.id", "Dewi", "agent", seksi_code="rekayasa-aplikasi"
    )
    budi, _ = create_staff_user(
        "budi@example.go.id", "Budi", "agent", seksi_code="rekayasa-aplikasi"
    )
    stale = Ticket.get_by_id(ticket.id)
    workflow.reassign(users["helpdesk"], ticket.id, dewi.id)  # somebody else, first
    before = snapshot(ticket.id)
    stale_load(monkeypatch, fulfilment, stale)
    with pytest.raises(workflow.WorkflowError) as refused:
        workflow.reassign(users["admin"], ticket.id, budi.id)
    assert refused.value.kind == workflow.WorkflowError.STALE
    assert snapshot(ticket.id) == before
    assert Ticket.get_by_id(ticket.id).assigned_agent_id == dewi.id


def test_attach_with_a_stale_copy_is_refused(db, users, make_ticket, monkeypatch):
    from models.workflow import fulfilment

    ticket = make_ticket("assigned")
    stale = Ticket.get_by_id(ticket.id)
    workflow.attach_document(users["agent"], ticket.id, "sla", Upload("sla.pdf", PDF_BYTES))
    before = snapshot(ticket.id)
    stale_load(monkeypatch, fulfilment, stale)
    with pytest.raises(workflow.WorkflowError) as refused:
        workflow.attach_document(users["agent"], ticket.id, "ba", Upload("ba.pdf", PDF_BYTES))
    assert refused.value.kind == workflow.WorkflowError.STALE
    assert snapshot(ticket.id) == before
    assert re.search("diubah oleh orang lain", str(refused.value))


# --- servers a test needs: skipped on a laptop, failed in CI ----------------------------------


def test_a_missing_server_fails_in_ci_and_skips_elsewhere(monkeypatch):
    """What the PostgreSQL tests (one winner, double submit: `any_app`/`postgres_url`) and the
    Redis tests call when their server does not answer."""
    from tests.helpers import unavailable

    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception):
        unavailable("no PostgreSQL")
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception):
        unavailable("no PostgreSQL")
