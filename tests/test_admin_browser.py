"""A small browser smoke test of the staff side (issue #4): log in as helpdesk, see the ticket
list and open a ticket, in Debian's Chromium through Playwright. Screenshots go to
test-artifacts/ (git-ignored). The whole-SOP browser test comes with the public side."""

from __future__ import annotations

import os
import pathlib
import threading

import pytest

from app import create_app
from models import workflow
from models.db import connection, database
from tests.conftest import DEMO_PASSWORD, T0, _prepare, make_config, new_request, required_uploads

CHROMIUM = "/usr/bin/chromium"
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
ARTIFACTS = pathlib.Path(__file__).resolve().parent.parent / "test-artifacts" / "admin"

pytestmark = pytest.mark.browser


def need_browser():
    reason = None
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        reason = "playwright is not installed"
    if reason is None and not os.path.exists(CHROMIUM):
        reason = f"no Chromium at {CHROMIUM}"
    if reason:
        if os.environ.get("CI"):
            pytest.fail(f"browser test cannot run in CI: {reason}")
        pytest.skip(reason)


@pytest.fixture
def live_server(tmp_path):
    from werkzeug.serving import make_server

    app = create_app(make_config(tmp_path))  # CSRF on, as in production
    _prepare(app)
    with app.app_context(), connection():
        ticket = workflow.submit(None, new_request(), required_uploads(), now=T0)
        number = ticket.number
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", number
    server.shutdown()
    thread.join(5)
    if not database.is_closed():
        database.close()


def test_helpdesk_logs_in_and_opens_a_ticket(live_server):
    need_browser()
    from playwright.sync_api import sync_playwright

    base, number = live_server
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        try:
            page = browser.new_page()
            page.goto(f"{base}/admin/tiket/")
            assert "/staf/login" in page.url
            page.screenshot(path=str(ARTIFACTS / "01-login.png"), full_page=True)
            page.fill("#email", "helpdesk@example.go.id")
            page.fill("#password", DEMO_PASSWORD)
            page.click("#submit")
            page.wait_for_url(f"{base}/admin/tiket/**")
            assert number in page.content()
            page.screenshot(path=str(ARTIFACTS / "02-ticket-list.png"), full_page=True)
            page.click(f"text={number}")
            page.wait_for_selector("#btn-verify-complete")
            page.screenshot(path=str(ARTIFACTS / "03-ticket-page.png"), full_page=True)
            page.click("#btn-verify-complete")
            page.wait_for_selector("text=Dokumen dinyatakan lengkap")
            assert "Menunggu disposisi" in page.content()
            page.screenshot(path=str(ARTIFACTS / "04-verified.png"), full_page=True)
            page.click("#logout-button")
            page.wait_for_url("**/staf/login**")
        finally:
            browser.close()
