"""Plain helpers and constants for the tests (the fixtures are in `tests/conftest.py`).

- the test configuration (`make_config`) and the demo password;
- real file bytes (`PDF_BYTES`, `PNG_BYTES`), the reference time `T0`, a request and its uploads
  (`new_request`, `required_uploads`), a ticket's `snapshot`, the CSRF token of a page;
- `race` (calls in threads started together), `wait_for` (poll with a deadline), `free_port`,
  `unavailable` (skip, or fail when CI is set);
- `SmtpServer`, a real SMTP server on loopback (aiosmtpd) keeping what it receives;
- what a requester types into the form in a browser (`fill_requester_fields`, `real_pdf`);
- the rows of a CSV export (`export_rows`).
"""

from __future__ import annotations

import datetime as dt
import email
import email.policy
import io
import os
import re
import socket
import threading
import time

import pytest

from bench.statements import Statements as BenchStatements
from models import workflow
from models.catalog import Layanan, PerangkatDaerah, RequiredDocument
from models.db import connection
from models.staff import User
from models.ticket import Document, Notification, Ticket, TicketEvent, TicketStep
from models.uploads import Upload

DEMO_PASSWORD = "rahasia-demo-123"
POSTGRES_URL = os.environ.get("TEST_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/postgres")
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")

PDF_BYTES = (
    b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
    b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
    b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    b"trailer<</Root 1 0 R>>\n%%EOF\n"
)
PNG_BYTES = bytes.fromhex(
    "89504e470d0a1a0a0000000d49484452000000010000000108060000001f15c489"
    "0000000d4944415478da63f8cfc0f01f0005000201a2e1d5b80000000049454e44ae426082"
)

# Monday 1 June 2026 is a holiday in the seed; Tuesday 10:00 WIB = 03:00 UTC.
T0 = dt.datetime(2026, 6, 2, 3, 0)

STATUSES = ["open", "incomplete", "verified", "assigned", "selesai", "signed", "closed"]

# Still argon2 (the production scheme), at its minimal cost: one pass over 8 KiB. A test logs in
# and creates users by the hundred; production keeps argon2's defaults (config.py).
FAST_ARGON2 = {"argon2__rounds": 1, "argon2__memory_cost": 8, "argon2__parallelism": 1}


def make_config(tmp_path, **extra):
    """The app's configuration for a test: everything under `tmp_path`, huey immediate, emails
    in memory (Flask-Mailman's locmem backend), no Redis, cheap password hashing."""
    config = {
        "TESTING": True,
        "SECRET_KEY": "test-secret",
        "DATABASE_URL": f"sqlite:///{tmp_path}/desk.sqlite3",
        "DOCUMENTS_DIR": str(tmp_path / "documents"),
        "OUTBOX_DIR": str(tmp_path / "outbox"),
        "HUEY_FILE": str(tmp_path / "huey.sqlite3"),
        "HUEY_IMMEDIATE": True,
        "MAIL_BACKEND": "locmem",
        "REDIS_URL": None,
        "SMTP_HOST": None,
        "SECURITY_PASSWORD_HASH_PASSLIB_OPTIONS": FAST_ARGON2,
    }
    config.update(extra)
    return config


def totp_code(app, user, *, fresh=False, at=None) -> str:
    """The authenticator code of `user` now (or at the time `at`, seconds since the epoch). With
    `fresh`, the user's last accepted time-step is forgotten first, so that a test may log the
    same user in twice within 30 seconds (a code is accepted once only)."""
    from passlib.totp import TOTP

    from models.staff import User

    with app.app_context(), connection():
        if fresh:
            User.update(tf_totp_last_counter=None).where(User.id == user.id).execute()
        secret = User.get_by_id(user.id).tf_totp_secret
        totp = TOTP.using(secrets=app.config["SECURITY_TOTP_SECRETS"]).from_source(secret)
        return totp.generate(time=at).token


def unavailable(reason: str):
    """Skip a test whose server or tool is missing, but fail it when the variable CI is set
    (CI provides PostgreSQL, Redis and chromium: a skip there would hide a lost test)."""
    if os.environ.get("CI"):
        pytest.fail(f"must run in CI: {reason}")
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def wait_for(predicate, timeout: float = 20.0, interval: float = 0.02):
    """Poll `predicate` until it returns something true (returned) or `timeout` seconds pass
    (then None). An OSError (a server not listening yet) counts as not yet."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            value = predicate()
        except OSError:
            value = None
        if value or time.monotonic() >= deadline:
            return value or None
        time.sleep(interval)


def lock_waiters(url: str) -> int:
    """Backends of the PostgreSQL database at `url` waiting for a lock (seen from a connection
    of its own)."""
    import psycopg2

    watcher = psycopg2.connect(url)
    watcher.autocommit = True
    try:
        with watcher.cursor() as cur:
            cur.execute(
                "SELECT count(*) FROM pg_stat_activity "
                "WHERE datname = current_database() AND wait_event_type = 'Lock'"
            )
            return cur.fetchone()[0]
    finally:
        watcher.close()


# --- the SQL a call runs -------------------------------------------------------------------------


class Statements(BenchStatements):
    """Every statement peewee runs while installed (`with Statements() as s:`), as its SQL text
    followed by ` -- ` and its parameters' repr; the logger's level put back afterwards (a later
    test's log must not carry every statement)."""

    def emit(self, record):
        if isinstance(record.msg, tuple):
            sql, params = record.msg
            self.seen.append(f"{sql} -- {params!r}")
        else:
            self.seen.append(str(record.msg))

    def on(self, table: str) -> list[str]:
        """The statements that read `table`."""
        return [s for s in self.seen if f'FROM "{table}"' in s]


# --- the workflow ---------------------------------------------------------------------------------


def two_tickets():
    """An open ticket (no agent) and one disposed to the demo agent: (its id, its id, the agent)."""
    agent = User.get(User.email == "agen@example.go.id")
    helpdesk = User.get(User.email == "helpdesk@example.go.id")
    waiting = workflow.submit(None, new_request(subject="Belum"), required_uploads(), now=T0)
    taken = workflow.submit(None, new_request(subject="Sudah"), required_uploads(), now=T0)
    workflow.verify_complete(helpdesk, taken.id, now=T0)
    workflow.dispose(helpdesk, taken.id, agent.id, now=T0)
    return waiting.id, taken.id, agent


def subdomain_service():
    return Layanan.get(Layanan.code == "permintaan-subdomain")


def new_request(layanan=None, **overrides) -> workflow.NewRequest:
    layanan = layanan or subdomain_service()
    fields = dict(
        requester_name="Siti Rahmawati",
        requester_nip="198703152010012004",
        requester_position="Pranata Komputer Ahli Muda",
        requester_email="siti.rahmawati@example.go.id",
        requester_phone="081234567890",
        perangkat_daerah_id=PerangkatDaerah.get(PerangkatDaerah.code == "DISDIK").id,
        layanan_id=layanan.id,
        subject="Subdomain untuk aplikasi PPDB",
        description="Mohon dibuatkan subdomain ppdb.jabarprov.go.id untuk aplikasi PPDB 2027.",
    )
    fields.update(overrides)
    return workflow.NewRequest(**fields)


def required_uploads(layanan=None) -> list[Upload]:
    layanan = layanan or subdomain_service()
    return [
        Upload(f"{r.name}.pdf", PDF_BYTES + str(r.id).encode(), r.id)
        for r in RequiredDocument.for_layanan(layanan.id)
    ]


def snapshot(ticket_id):
    """Everything a refused call must leave as it was."""
    t = Ticket.get_by_id(ticket_id)
    return (
        t.status,
        t.version,
        t.assigned_agent_id,
        t.due_at,
        t.close_reason,
        TicketEvent.select().where(TicketEvent.ticket == ticket_id).count(),
        Notification.select().where(Notification.ticket == ticket_id).count(),
        Document.select().where(Document.ticket == ticket_id).count(),
        TicketStep.select().where(TicketStep.ticket == ticket_id).count(),
    )


def race(app, calls, errors=(workflow.WorkflowError,)):
    """Run the calls in threads started together; returns the outcomes ('ok' or the error)."""
    barrier = threading.Barrier(len(calls))
    results = [None] * len(calls)

    def run(i, call):
        with app.app_context(), connection():
            barrier.wait()
            try:
                call()
                results[i] = "ok"
            except errors as exc:
                results[i] = str(exc)

    threads = [threading.Thread(target=run, args=(i, c)) for i, c in enumerate(calls)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    return results


def csrf_token(client, path: str) -> str:
    """The CSRF token of the form on the page at `path`."""
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)


# --- a real SMTP server on loopback ---------------------------------------------------------------


class Received:
    def __init__(self, rcpt_tos, data: bytes):
        self.rcpt_tos = sorted(rcpt_tos)
        self.message = email.message_from_bytes(data, policy=email.policy.default)

    @property
    def subject(self) -> str:
        return str(self.message["Subject"])

    def part(self, content_type: str) -> str:
        body = self.message.get_body(preferencelist=(content_type.split("/")[1],))
        assert body is not None and body.get_content_type() == content_type, content_type
        return body.get_content()

    def attachments(self) -> dict[str, bytes]:
        return {a.get_filename(): a.get_content() for a in self.message.iter_attachments()}


class Handler:
    def __init__(self, delay: float = 0.0):
        self.messages: list[Received] = []
        self.delay = delay
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        if self.delay:
            time.sleep(self.delay)  # a slow server: the consumer is busy mid-batch
        with self.lock:
            self.messages.append(Received(envelope.rcpt_tos, envelope.content))
        return "250 OK"


class SmtpServer:
    """A real SMTP server (aiosmtpd) on 127.0.0.1. Start/stop on a fixed port, so a test can
    take the server down and bring it back."""

    def __init__(self, port: int | None = None, delay: float = 0.0):
        self.port = port or free_port()
        self.handler = Handler(delay)
        self.controller = None

    @property
    def messages(self) -> list[Received]:
        return self.handler.messages

    def start(self):
        from aiosmtpd.controller import Controller

        self.controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self.controller.start()
        return self

    def stop(self):
        if self.controller is not None:
            self.controller.stop()
            self.controller = None

    def wait_for(self, count: int, timeout: float = 20.0) -> bool:
        return bool(wait_for(lambda: len(self.messages) >= count, timeout))


# --- what a requester types into the form (browser tests) -----------------------------------------

SUBDOMAIN_DOCUMENTS = (
    "Surat permohonan",
    "Formulir pendaftaran subdomain",
    "Surat pernyataan pengelola konten",
)


def real_pdf(path, title: str):
    """A real one-page PDF, as a scanner would produce (no fixture bytes)."""
    from pypdf import PdfWriter

    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": title})
    buffer = io.BytesIO()
    writer.write(buffer)
    path.write_bytes(buffer.getvalue())
    return path


def fill_requester_fields(page, tmp_path) -> dict[str, bytes]:
    """Fill the form of the subdomain service (already chosen) and attach a real PDF for each
    required document; returns the bytes attached, by document name."""
    page.get_by_label("Nama lengkap").fill("Siti Rahmawati")
    page.get_by_label("NIP").fill("19870315 201001 2 004")
    page.get_by_label("Jabatan").fill("Pranata Komputer Ahli Muda")
    page.get_by_label("Perangkat Daerah").select_option(
        label="Dinas Pendidikan Provinsi Jawa Barat"
    )
    page.get_by_label("Email dinas").fill("siti.rahmawati@example.go.id")
    page.get_by_label("Nomor telepon / WhatsApp").fill("081234567890")
    page.get_by_label("Perihal").fill("Subdomain untuk aplikasi PPDB")
    page.get_by_label("Uraian permohonan").fill(
        "Mohon dibuatkan subdomain ppdb.jabarprov.go.id untuk aplikasi PPDB 2027."
    )
    uploaded = {}
    for name in SUBDOMAIN_DOCUMENTS:
        pdf = real_pdf(tmp_path / f"{name}.pdf", name)
        uploaded[name] = pdf.read_bytes()
        page.get_by_label(name, exact=True).set_input_files(str(pdf))
    return uploaded


def browser_submit_request(page, base, tmp_path) -> tuple[str, str]:
    """Submit the request form for a subdomain in a browser page, as a requester does (choose
    the service, fill every field, attach the documents); returns (ticket number, the tracking
    link shown on the confirmation page)."""
    page.goto(base + "/")
    page.get_by_label("Layanan yang dimohon").select_option(
        label="Permintaan subdomain jabarprov.go.id"
    )
    page.get_by_role("button", name="Lanjutkan").click()
    page.wait_for_url("**/?layanan=*")
    fill_requester_fields(page, tmp_path)
    page.get_by_role("button", name="Kirim permohonan").click()
    page.wait_for_url("**/terkirim")
    return (
        page.locator("#nomor-tiket").inner_text().strip(),
        page.locator("#tautan-pelacakan").inner_text().strip(),
    )


# --- accessibility in a real browser (axe-core, reflow) ------------------------------------------

# The rules of WCAG 2.0 and 2.1, levels A and AA (axe-core's tags): what the desk must meet.
WCAG_AA_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def axe_violations(page) -> str:
    """Run axe-core (bundled by axe-playwright-python, injected into the page, no network) on
    the page as it is now, against WCAG 2.1 A and AA; returns a readable report of every
    violation, or "" when there is none."""
    try:
        from axe_playwright_python.sync_playwright import Axe
    except ImportError as exc:  # pragma: no cover - depends on the environment
        unavailable(f"axe-playwright-python is not installed: {exc}")
    options = {"runOnly": {"type": "tag", "values": WCAG_AA_TAGS}, "resultTypes": ["violations"]}
    results = Axe().run(page, options=options)
    if not results.violations_count:
        return ""
    lines = [f"{page.url}: {results.violations_count} axe violation(s)"]
    for violation in results.response["violations"]:
        lines.append(f"- {violation['id']} ({violation['impact']}): {violation['help']}")
        for node in violation["nodes"][:5]:
            lines.append(f"    {', '.join(map(str, node['target']))}: {node['html'][:160]}")
    return "\n".join(lines)


def horizontal_overflow(page) -> int:
    """How many CSS pixels the page is wider than its viewport (0: no sideways scrolling), with
    the widest elements named when it overflows."""
    return page.evaluate(
        "document.scrollingElement.scrollWidth - document.documentElement.clientWidth"
    )


def widest_elements(page) -> list[str]:
    """The elements that reach past the viewport's right edge (to explain an overflow)."""
    return page.evaluate(
        """() => { const w = document.documentElement.clientWidth; const out = [];
        for (const el of document.querySelectorAll('body *')) {
          const r = el.getBoundingClientRect();
          if (r.right > w + 1 && out.length < 8)
            out.push(el.tagName + '.' + el.className + ' ' + Math.round(r.right));
        } return out; }"""
    )


def browser_log_in(page, server, email):
    """Log a browser page in on the staff side of `server` (the live server: `.url`, `.app`)
    through the real forms; a user with an authenticator app (the demo admin) then types its
    current code into the second form, as a person would."""
    import re as _re

    from models.db import connection
    from models.staff import User

    page.goto(server.url + "/staf/login")
    page.fill("#email", email)
    page.fill("#password", DEMO_PASSWORD)
    page.click("#submit")
    page.wait_for_url(_re.compile(r".*/(admin/.*|staf/tf-validate.*)$"))
    if "/staf/tf-validate" in page.url:
        with server.app.app_context(), connection():
            user = User.get(User.email == email)
            code = totp_code(server.app, user, fresh=True)
        page.fill("input[name=code]", code)
        page.locator("form [type=submit]").first.click()
    page.wait_for_url(server.url + "/admin/**")


class HttpsWatch:
    """Everything a browser page does over HTTPS that would betray a proxy misconfiguration:
    `watch(page)` records every request made and every console message about mixed content,
    insecure forms or the CSP; `problems()` lists those not on https:// (data: and blob: are
    fine) and those messages. `check(page)`: the page is on https:// now and nothing went wrong
    so far (the call after each POST of a walk)."""

    CONSOLE_WORDS = ("Mixed Content", "Content Security Policy", "not secure", "insecure")

    def __init__(self):
        self.requests: list[str] = []
        self.console: list[str] = []

    def watch(self, page):
        page.on("request", lambda r: self.requests.append(r.url))
        page.on(
            "console",
            lambda m: (
                self.console.append(m.text)
                if any(w in m.text for w in self.CONSOLE_WORDS)
                else None
            ),
        )
        return page

    def problems(self) -> list[str]:
        plain = [u for u in self.requests if not u.startswith(("https://", "data:", "blob:"))]
        return plain + self.console

    def check(self, page):
        assert page.url.startswith("https://"), page.url
        assert self.problems() == [], self.problems()


def export_rows(data: bytes, delimiter: str = ";") -> list[list[str]]:
    """The rows of a CSV export (`models.exports`): it starts with the UTF-8 BOM; the title row
    is dropped, the header row is the first one returned."""
    import csv

    assert data.startswith(b"\xef\xbb\xbf"), data[:20]
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig")), delimiter=delimiter))
    return rows[1:]


# --- the June 2026 data set of the compliance figures and the monthly report -------------------


def wib(month, day, hour, minute=0):
    """A local (WIB, UTC+7) time of 2026 as the naive UTC the workflow stores."""
    return dt.datetime(2026, month, day, hour, minute) - dt.timedelta(hours=7)


JUNE_TICKETS = ("a", "b", "c", "d", "d2", "e", "f", "h")


def june_scenario(users, names=JUNE_TICKETS) -> dict:
    """Drive the June 2026 tickets `names` (in this order: see tests/test_compliance.py's
    docstring for what each one does) through the workflow; returns them by name with the
    agents Budi and Dewi (made here) and Galih (the demo agent)."""
    from models.seed import create_staff_user

    budi, _ = create_staff_user(
        "budi@example.go.id", "Budi Santoso", "agent", seksi_code="pengelolaan-aplikasi"
    )
    dewi, _ = create_staff_user(
        "dewi@example.go.id", "Dewi Lestari", "agent", seksi_code="layanan-infrastruktur"
    )
    helpdesk, admin, galih = users["helpdesk"], users["admin"], users["agent"]

    def submit(code, pd, now):
        layanan = Layanan.get(Layanan.code == code)
        pd_id = PerangkatDaerah.get(PerangkatDaerah.code == pd).id
        request = new_request(layanan=layanan, perangkat_daerah_id=pd_id)
        return workflow.submit(None, request, required_uploads(layanan), now=now)

    def selesai(ticket, agent, now):
        for kind in ("sla", "ba"):
            upload = Upload(f"{kind}.pdf", PDF_BYTES + kind.encode())
            workflow.attach_document(agent, ticket.id, kind, upload, now=now)
        workflow.mark_selesai(agent, ticket.id, now=now)

    def a():
        t = submit("permintaan-subdomain", "DISDIK", wib(6, 2, 10))
        workflow.verify_complete(helpdesk, t.id, now=wib(6, 2, 11))
        workflow.dispose(helpdesk, t.id, galih.id, now=wib(6, 2, 11, 30))
        selesai(t, galih, wib(6, 3, 14))
        s, b = Upload("s.pdf", PDF_BYTES), Upload("b.png", PNG_BYTES)
        workflow.submit_signed(t.tracking_token, s, b, now=wib(6, 4, 9))
        workflow.close(galih, t.id, confirm_wet_ink=True, now=wib(6, 4, 11))
        return t

    def b():
        t = submit("permintaan-subdomain", "DINKES", wib(6, 2, 10))
        workflow.verify_complete(helpdesk, t.id, now=wib(6, 3, 13))
        workflow.dispose(helpdesk, t.id, galih.id, now=wib(6, 3, 15, 30))
        return t

    def c():
        t = submit("gangguan-aplikasi", "DISDIK", wib(6, 2, 10))
        workflow.verify_complete(helpdesk, t.id, now=wib(6, 2, 10, 30))
        workflow.dispose(helpdesk, t.id, budi.id, now=wib(6, 2, 11))
        return t

    missing = RequiredDocument.for_layanan(subdomain_service().id).first()

    def d():
        t = submit("permintaan-subdomain", "DISDIK", wib(6, 2, 10))
        workflow.verify_incomplete(helpdesk, t.id, [missing.id], now=wib(6, 2, 10, 15))
        upload = Upload("lengkap.pdf", PDF_BYTES + b"lengkap", missing.id)
        workflow.complete_documents(t.tracking_token, [upload], now=wib(6, 3, 9))
        return t

    def d2():
        t = submit("permintaan-subdomain", "DISDIK", wib(5, 4, 10))
        workflow.verify_incomplete(helpdesk, t.id, [missing.id], now=wib(5, 4, 10, 30))
        return t

    def e():
        t = submit("gangguan-jaringan", "DINKES", wib(6, 2, 10))
        workflow.verify_complete(admin, t.id, now=wib(6, 3, 11))
        workflow.dispose(admin, t.id, dewi.id, now=wib(6, 3, 11, 30))
        selesai(t, dewi, wib(6, 4, 10))
        return t

    def f():
        t = submit("permintaan-subdomain", "BAPENDA", wib(6, 2, 10))
        workflow.reject(helpdesk, t.id, "Duplikat", now=wib(6, 3, 12))
        return t

    def h():
        t = submit("pengembangan-aplikasi", "DISDIK", wib(5, 29, 10))
        workflow.verify_complete(helpdesk, t.id, now=wib(6, 1, 0, 30))
        return t

    steps = {"a": a, "b": b, "c": c, "d": d, "d2": d2, "e": e, "f": f, "h": h}
    tickets = {name: steps[name]() for name in JUNE_TICKETS if name in names}
    return {**tickets, "budi": budi, "dewi": dewi, "galih": galih}
