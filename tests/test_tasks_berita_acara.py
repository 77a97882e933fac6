"""The generated Berita Acara: its content, its number, its versions, and the renderer's guard."""

from __future__ import annotations

import datetime as dt
import io
import os
import shutil
import socket
import sys
import threading
from pathlib import Path

import pytest
from pypdf import PdfReader
from xhtml2pdf.config.resources import ResourceAccessPolicy

from models import workflow
from models.sequence import Sequence
from models.storage import store
from models.ticket import Document, Ticket, TicketEvent
from tasks.berita_acara import ASSETS_DIR, html_to_pdf, request_berita_acara, resource_policy
from tests.helpers import PNG_BYTES, T0

WORK = "Subdomain ppdb.jabarprov.go.id dibuat,\nsertifikat TLS dipasang dan diuji."

_opened: list[str] | None = None
# (event, target) of every name lookup and outgoing connection while a test records them.
_network: list[tuple[str, str]] | None = None
_recording_thread: int | None = None
NETWORK_EVENTS = ("socket.getaddrinfo", "socket.connect")


def _audit(event, args):
    # Audit hooks cannot be removed: this one stays inert unless a fixture below has set its
    # list, and then it records only the thread that set it (not the loopback listener).
    if threading.get_ident() != _recording_thread:
        return
    if event == "open" and _opened is not None and args and isinstance(args[0], str | bytes):
        _opened.append(str(args[0]))
    elif event in NETWORK_EVENTS and _network is not None:
        target = args[0] if event == "socket.getaddrinfo" else args[1]
        _network.append((event, str(target)))


sys.addaudithook(_audit)


class Listener:
    """A TCP listener on loopback counting the connections it receives."""

    def __init__(self):
        self.sock = socket.socket()
        self.sock.bind(("127.0.0.1", 0))
        self.sock.listen(16)
        self.sock.settimeout(0.1)
        self.port = self.sock.getsockname()[1]
        self.connections = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def _run(self):
        while not self._stop.is_set():
            try:
                conn, _ = self.sock.accept()
            except OSError:
                continue
            self.connections += 1
            conn.close()

    def close(self):
        self._stop.set()
        self._thread.join()
        self.sock.close()


@pytest.fixture
def listener():
    lst = Listener()
    yield lst
    lst.close()


@pytest.fixture
def watch_opens():
    global _opened, _recording_thread
    _opened = []
    _recording_thread = threading.get_ident()
    yield _opened
    _opened = None


@pytest.fixture
def watch_network():
    """Every DNS lookup and socket connect this test's thread makes (not just to a listener)."""
    global _network, _recording_thread
    _network = []
    _recording_thread = threading.get_ident()
    yield _network
    _network = None


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def text_fonts(data: bytes) -> set[str]:
    """The base fonts (subset tag dropped) that the PDF's non-blank text is drawn with."""
    used = set()

    def visit(text, cm, tm, font, size):
        if text.strip():
            used.add(str(font["/BaseFont"]).split("+")[-1] if font else None)

    for page in PdfReader(io.BytesIO(data)).pages:
        page.extract_text(visitor_text=visit)
    return used


def current_ba(ticket_id) -> Document:
    return Document.current(ticket_id, "ba")


def test_generated_ba_holds_the_ticket_parties_and_the_work(make_ticket, users):
    ticket = make_ticket("assigned")
    agent = users["agent"]
    before = current_ba(ticket.id)  # the factory attaches no BA before Selesai
    assert before is None
    number = request_berita_acara(agent, ticket.id, WORK, now=T0)
    assert number == "BA/0001/DISKOMINFO/2026"
    doc = current_ba(ticket.id)
    assert doc.content_type == "application/pdf" and doc.uploaded_by_id == agent.id
    assert doc.filename == f"berita-acara-{ticket.number}.pdf" and doc.version == 1
    data = store.get(doc.sha256)
    text = " ".join(pdf_text(data).split())
    for expected in (
        "PEMERINTAH DAERAH PROVINSI JAWA BARAT",
        "DINAS KOMUNIKASI DAN INFORMATIKA",
        "Jalan Tamansari No. 55 Bandung 40132",
        "BERITA ACARA PENYELESAIAN LAYANAN",
        "Nomor: BA/0001/DISKOMINFO/2026",
        ticket.number,
        "Siti Rahmawati",
        "198703152010012004",
        "Dinas Pendidikan Provinsi Jawa Barat",
        agent.name,
        "Permintaan subdomain jabarprov.go.id",
        "Subdomain ppdb.jabarprov.go.id dibuat,",
        "sertifikat TLS dipasang dan diuji.",
        "Selasa, 2 Juni 2026",  # T0 in Indonesian
        "PIHAK PERTAMA",
        "PIHAK KEDUA",
    ):
        assert expected in text, expected
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (595, 842)  # A4
    # Every visible character is drawn in a bundled face (a font that failed to load falls back
    # to Helvetica); ReportLab's initial, unused Helvetica resource does not count.
    assert text_fonts(data) == {"DejaVuSerif", "DejaVuSerif-Bold"}
    history = TicketEvent.for_ticket(ticket.id).where(TicketEvent.action == "ba_requested")
    assert [e.public for e in history] == [False] and WORK.split(",")[0] in history[0].note


def test_regenerated_ba_is_a_new_version_with_the_same_number(make_ticket, users):
    ticket = make_ticket("assigned")
    request_berita_acara(users["agent"], ticket.id, "Versi pertama.", now=T0)
    request_berita_acara(users["agent"], ticket.id, "Versi kedua, diperbaiki.", now=T0)
    versions = list(
        Document.select()
        .where(Document.ticket == ticket.id, Document.kind == "ba")
        .order_by(Document.version)
    )
    assert [d.version for d in versions] == [1, 2]
    assert "Versi kedua" in pdf_text(store.get(current_ba(ticket.id).sha256))
    assert "Versi pertama" in pdf_text(store.get(versions[0].sha256))  # kept in the history
    assert Ticket.get_by_id(ticket.id).ba_number == "BA/0001/DISKOMINFO/2026"
    other = make_ticket("assigned")
    assert request_berita_acara(users["agent"], other.id, "x", now=T0) == "BA/0002/DISKOMINFO/2026"
    later = make_ticket("assigned", now=dt.datetime(2027, 1, 5, 3, 0))
    assert request_berita_acara(
        users["agent"], later.id, "y", now=dt.datetime(2027, 1, 5, 3, 0)
    ) == ("BA/0001/DISKOMINFO/2027")


@pytest.mark.parametrize(
    "who, status, text, message",
    [
        ("helpdesk", "assigned", "Selesai.", "tidak berwenang"),
        ("agent", "selesai", "Selesai.", "hanya untuk"),
        ("agent", "assigned", "   ", "Tuliskan pekerjaan"),
        ("agent", "assigned", "x" * 5001, "terlalu panjang"),
    ],
)
def test_refused_requests_change_nothing(make_ticket, users, who, status, text, message):
    ticket = make_ticket(status)
    docs_before = Document.select().where(Document.ticket == ticket.id).count()
    with pytest.raises(workflow.WorkflowError, match=message):
        request_berita_acara(users[who], ticket.id, text, now=T0)
    after = Ticket.get_by_id(ticket.id)
    assert after.ba_number is None and after.version == ticket.version
    assert Document.select().where(Document.ticket == ticket.id).count() == docs_before
    assert not Sequence.select().where(Sequence.name == "ba-2026").exists()


def test_markup_in_the_work_description_is_text_and_fetches_nothing(
    make_ticket, users, listener, watch_opens, watch_network
):
    ticket = make_ticket("assigned")
    work = (
        f'<img src="http://127.0.0.1:{listener.port}/"> dan <img src="/etc/passwd"> <b>tebal</b>'
        ' <img src="https://example.org/a.png">'
    )
    request_berita_acara(users["agent"], ticket.id, work, now=T0)
    text = " ".join(pdf_text(store.get(current_ba(ticket.id).sha256)).split())
    assert f'<img src="http://127.0.0.1:{listener.port}/">' in text
    assert '<img src="/etc/passwd">' in text and "<b>tebal</b>" in text
    assert '<img src="https://example.org/a.png">' in text
    assert listener.connections == 0 and watch_network == []
    assert not [p for p in watch_opens if "passwd" in p]


def test_the_renderer_itself_reads_only_the_bundled_assets(
    listener, watch_opens, watch_network, app
):
    """Even markup that reached the renderer unescaped fetches no URL and reads no other file."""
    port = listener.port
    html = f"""<html><head><style>
      @import url("http://127.0.0.1:{port}/style.css");
      @font-face {{ font-family: Bundled; src: url("DejaVuSerif.ttf"); }}
      body {{ font-family: Bundled; background-image: url("http://127.0.0.1:{port}/bg.png"); }}
    </style></head><body>
      <p>Isi</p>
      <img src="http://127.0.0.1:{port}/a.png">
      <img src="https://127.0.0.1:{port}/b.png">
      <img src="/etc/passwd">
      <img src="file:///etc/passwd">
      <img src="../../../../../../etc/passwd">
    </body></html>"""
    with app.app_context():
        data = html_to_pdf(html)
    assert data.startswith(b"%PDF-") and "Isi" in pdf_text(data)
    # Not even a lookup of the loopback address: the guard refuses before resolving.
    assert listener.connections == 0 and watch_network == []
    assert not [p for p in watch_opens if "passwd" in p]
    # The bundled font, inside the assets folder, was allowed and embedded.
    assert any(p.startswith(ASSETS_DIR) and p.endswith("DejaVuSerif.ttf") for p in watch_opens)
    assert text_fonts(data) == {"DejaVuSerif"}


PUBLIC = "example.org"  # a public name: xhtml2pdf's default policy would resolve and fetch it


@pytest.mark.parametrize(
    "head, body",
    [
        ("", f'<img src="https://{PUBLIC}/a.png">'),
        ("", f'<img src="http://{PUBLIC}:8080/a.png">'),
        (f"<style>@import url(http://{PUBLIC}/x.css);</style>", ""),
        (f'<link rel="stylesheet" type="text/css" href="https://{PUBLIC}/y.css">', ""),
        (
            f"<style>@font-face {{ font-family: Remote; src: url(https://{PUBLIC}/f.ttf); }}"
            " p { font-family: Remote; }</style>",
            "",
        ),
        (f"<style>body {{ background-image: url(https://{PUBLIC}/bg.png); }}</style>", ""),
    ],
    ids=["img-https", "img-http-port", "css-import", "link-stylesheet", "font-face", "background"],
)
def test_the_renderer_never_resolves_nor_connects_to_a_public_host(app, watch_network, head, body):
    """The guard's `allow_remote=False`: a public URL in markup that reached the renderer
    unescaped is refused before any DNS lookup, where the library's default would fetch it."""
    html = f"<html><head>{head}</head><body><p>Isi</p>{body}</body></html>"
    with app.app_context():
        data = html_to_pdf(html)
    assert "Isi" in pdf_text(data)
    assert watch_network == []


@pytest.fixture
def outside_files(tmp_path):
    """An image, a font and a stylesheet outside the assets folder, each readable."""
    folder = tmp_path / "outside"
    folder.mkdir()
    (folder / "secret.png").write_bytes(PNG_BYTES)
    shutil.copyfile(os.path.join(ASSETS_DIR, "DejaVuSerif.ttf"), folder / "secret.ttf")
    (folder / "secret.css").write_text("p { color: #ff0000; }")
    return folder


def test_the_renderer_opens_no_local_file_outside_the_assets(
    app, watch_opens, outside_files, monkeypatch
):
    """The guard's `base_dir=ASSETS_DIR`: local references outside the assets folder (absolute,
    `file://`, or climbing out of it) are never opened, and every local path the renderer
    considers is judged by that guard, not by xhtml2pdf's default policy."""
    judged = []
    check_path = ResourceAccessPolicy.check_path

    def spy(policy, path):
        judged.append((policy, str(path)))
        return check_path(policy, path)

    monkeypatch.setattr(ResourceAccessPolicy, "check_path", spy)
    secret = outside_files
    # From the assets folder up to the filesystem root, then down to the outside folder.
    climb = "../" * len(Path(ASSETS_DIR).resolve().parts) + str(secret).lstrip("/")
    html = f"""<html><head>
      <link rel="stylesheet" type="text/css" href="file://{secret}/secret.css">
      <style>
        @import url("{secret}/secret.css");
        @font-face {{ font-family: Bundled; src: url("DejaVuSerif.ttf"); }}
        @font-face {{ font-family: Outside; src: url("file://{secret}/secret.ttf"); }}
        body {{ font-family: Bundled; background-image: url("{secret}/secret.png"); }}
        .o {{ font-family: Outside; }}
      </style></head><body>
      <p>Isi</p><p class="o">Lain</p>
      <img src="{secret}/secret.png">
      <img src="file://{secret}/secret.png">
      <img src="{climb}/secret.png">
      <img src="../../app.py">
    </body></html>"""
    watch_opens.clear()  # the fixture wrote the files: record only the render
    with app.app_context():
        data = html_to_pdf(html)
    assert "Isi" in pdf_text(data)
    assert not [p for p in watch_opens if str(secret) in p or p.endswith("app.py")]
    # The hook does see the renderer's reads: the bundled font was opened.
    assert any(p.startswith(ASSETS_DIR) and p.endswith("DejaVuSerif.ttf") for p in watch_opens)
    assert any(str(secret) in p for _, p in judged) and any("app.py" in p for _, p in judged)
    assert {policy for policy, _ in judged} == {resource_policy()}


def test_the_qr_code_and_the_emblem_are_inline_and_a_remote_url_is_still_refused(
    listener, watch_opens, watch_network, app, tmp_path
):
    """The QR code and the emblem reach the renderer as data: URIs (no file, no fetch); beside
    them the guard still refuses a remote URL and a file outside the assets."""
    import base64

    from models.letterhead import PLACEHOLDER
    from tasks.issued_pdf import qr_data_uri

    with open(PLACEHOLDER, "rb") as fh:
        png = fh.read()
    emblem = "data:image/png;base64," + base64.b64encode(png).decode()
    outside = tmp_path / "outside.png"
    outside.write_bytes(png)
    watch_opens.clear()
    qr = qr_data_uri("https://servicedesk.example/verifikasi/AAAA-BBBB-CCCC-DDDD")
    assert qr.startswith("data:image/png;base64,")
    html = f"""<html><body><p>Isi</p>
      <img src="{emblem}" width="40" height="40"><img src="{qr}" width="40" height="40">
      <img src="http://127.0.0.1:{listener.port}/remote.png">
      <img src="{outside}">
    </body></html>"""
    with app.app_context():
        data = html_to_pdf(html)
    assert len(PdfReader(io.BytesIO(data)).pages[0].images) == 2  # the two inline ones only
    assert listener.connections == 0 and watch_network == []
    assert str(outside) not in watch_opens


def test_a_real_ba_with_its_qr_code_and_emblem_touches_no_network(
    make_ticket, users, watch_network
):
    ticket = make_ticket("assigned")
    request_berita_acara(users["agent"], ticket.id, WORK, now=T0)
    data = store.get(current_ba(ticket.id).sha256)
    assert len(PdfReader(io.BytesIO(data)).pages[0].images) == 2
    assert watch_network == []
