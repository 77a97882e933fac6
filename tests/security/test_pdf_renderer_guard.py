"""The PDF renderer guard with requester-controlled text: markup typed in a subject, a
description, a name or the work done reaches the BA and the SLA as printed text; and even raw
markup given to the renderer fetches nothing from the network (a real server on loopback
counts every request) and reads no file outside `static/pdf/`."""

from __future__ import annotations

import http.server
import io
import socket
import threading

import pytest
from pypdf import PdfReader

from models.ticket import Ticket
from tasks import issued_pdf
from tasks.berita_acara import render_berita_acara
from tasks.sla import render_sla


@pytest.fixture
def listener():
    """A web server on loopback; its list holds the path of every request it got."""
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "text/css")
            self.end_headers()
            self.wfile.write(b"p { color: #ff0000; }")

        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    server.hits = hits
    yield server
    server.shutdown()
    server.server_close()


def markup(port: int, field: str) -> str:
    return (
        f'<img src="http://127.0.0.1:{port}/{field}.png">'
        f'<link rel="stylesheet" type="text/css" href="http://127.0.0.1:{port}/{field}.css">'
        '<link rel="stylesheet" type="text/css" href="file:///etc/passwd">'
        '<img src="file:///etc/hostname">'
    )


def text_of(pdf: bytes) -> str:
    return " ".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


def squeezed(text: str) -> str:
    return "".join(text.split())


def test_requester_markup_is_printed_as_text_in_the_ba_and_the_sla(make_ticket, users, listener):
    port = listener.server_port
    short = f'<img src="http://127.0.0.1:{port}/subject.png">'  # the subject's length limit
    ticket = make_ticket(
        "assigned", subject=f"PPDB {short}", description=f"Mohon {markup(port, 'description')}"
    )
    Ticket.update(
        requester_name=f"Siti {markup(port, 'name')}",
        requester_position=f"Staf {markup(port, 'position')}",
    ).where(Ticket.id == ticket.id).execute()
    ticket = Ticket.get_by_id(ticket.id)
    ba = render_berita_acara(ticket, users["agent"], f"Dipasang {markup(port, 'work')}")
    sla = render_sla(ticket, users["agent"])
    assert listener.hits == []
    for pdf, fields in (
        (ba, ("subject", "description", "work", "name", "position")),
        (sla, ("subject", "name", "position")),
    ):
        printed = squeezed(text_of(pdf))
        for field in fields:
            assert squeezed(f'src="http://127.0.0.1:{port}/{field}.png">') in printed, field
        assert "root:x:0:0" not in printed


@pytest.fixture
def lookups(monkeypatch):
    """Every name lookup and connection attempted meanwhile (none is really made)."""
    calls = []
    monkeypatch.setattr(socket, "getaddrinfo", lambda *a, **k: calls.append(a) or [])
    monkeypatch.setattr(socket, "create_connection", lambda *a, **k: calls.append(a))
    return calls


@pytest.mark.parametrize("host", ["127.0.0.1:{port}", "desk-test.example.org"])
@pytest.mark.parametrize(
    "html",
    [
        '<img src="http://{host}/img.png">',
        '<link rel="stylesheet" type="text/css" href="http://{host}/a.css">',
        "<style>@import url(http://{host}/imported.css);</style>",
        '<div style="background-image: url(http://{host}/bg.png)">x</div>',
        "<style>@font-face {{ font-family: x; src: url(http://{host}/f.ttf) }}</style>",
    ],
    ids=["img", "stylesheet", "import", "background", "font"],
)
def test_raw_markup_in_the_renderer_fetches_nothing(app, listener, lookups, html, host):
    """Not even a name lookup: remote fetching is off, not only internal addresses."""
    where = host.format(port=listener.server_port)
    page = f"<html><body><p>Isi</p>{html.format(host=where)}</body></html>"
    with app.app_context():
        assert issued_pdf.html_to_pdf(page).startswith(b"%PDF-")
    assert listener.hits == [] and lookups == []


def test_raw_markup_in_the_renderer_reads_no_file_outside_its_assets(app, tmp_path):
    secret = tmp_path / "secret.css"
    secret.write_text("p { color: #ff0000; } @page { size: a3 landscape; }")
    page = (
        f'<html><head><link rel="stylesheet" type="text/css" href="{secret}"></head>'
        f'<body><p>Isi</p><img src="file:///etc/passwd"></body></html>'
    )
    with app.app_context():
        pdf = issued_pdf.html_to_pdf(page)
    (first,) = PdfReader(io.BytesIO(pdf)).pages
    assert first.mediabox.width < first.mediabox.height  # the A3 landscape sheet was not read
