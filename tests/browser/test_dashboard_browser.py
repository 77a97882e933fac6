"""The home page in a real browser: the head's figures with their SVG charts and the helpdesk's
urgent list, with no CSP violation and no axe violation; screenshots of both under
`test-artifacts/browser/`, and with UPDATE_DOCS=1 the head's page as `docs/dashboard.png` for
the README."""

from __future__ import annotations

import datetime as dt
import os
import shutil

import pytest

from models import workflow
from models.db import connection, utcnow
from models.uploads import Upload
from tests.browser.conftest import REPO
from tests.helpers import (
    PDF_BYTES,
    PNG_BYTES,
    axe_violations,
    browser_log_in,
    new_request,
    required_uploads,
)

pytestmark = pytest.mark.browser

CSP_WATCH = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', e => window.__cspViolations.push(
  e.violatedDirective + ' ' + e.blockedURI));
"""


def fill(users, months=6):
    """Tickets over the last months: some closed through every step, some still waiting."""
    helpdesk, agent = users["helpdesk"], users["agent"]
    start = utcnow() - dt.timedelta(days=30 * months)
    for n in range(months * 2):
        at = start + dt.timedelta(days=15 * n, hours=n % 5)
        ticket = workflow.submit(None, new_request(), required_uploads(), now=at)
        workflow.verify_complete(helpdesk, ticket.id, now=at + dt.timedelta(hours=2 + n % 7))
        if n % 4 == 3:
            continue
        workflow.dispose(helpdesk, ticket.id, agent.id, now=at + dt.timedelta(hours=9))
        if n % 3 == 2:
            continue
        for kind in ("sla", "ba"):
            upload = Upload(f"{kind}.pdf", PDF_BYTES + kind.encode())
            workflow.attach_document(agent, ticket.id, kind, upload, now=at + dt.timedelta(days=2))
        workflow.mark_selesai(agent, ticket.id, now=at + dt.timedelta(days=2, hours=n % 6))
        signed = (Upload("s.pdf", PDF_BYTES), Upload("b.png", PNG_BYTES))
        workflow.submit_signed(ticket.tracking_token, *signed, now=at + dt.timedelta(days=3))
        workflow.close(
            agent, ticket.id, confirm_wet_ink=True, now=at + dt.timedelta(days=3, hours=1 + n % 2)
        )
    for _n in range(3):
        workflow.submit(None, new_request(), required_uploads(), now=utcnow())


def test_home_pages_of_a_head_and_of_the_helpdesk(live_server, desktop_page, users, screenshot):
    with live_server.app.app_context(), connection():
        fill(users)
    page = desktop_page
    page.add_init_script(CSP_WATCH)
    console = []
    page.on("console", lambda m: console.append(m.text) if "Content Security" in m.text else None)

    browser_log_in(page, live_server, users["kepala_bidang"].email)
    page.goto(live_server.url + "/admin/?periode=tahun")
    assert page.locator("#chart-tren polyline").count() == 2  # received and closed
    assert page.locator("#chart-langkah rect.chart-bar").count() == 5
    assert page.locator("#table-langkah tbody tr").count() == 5
    assert page.locator("#table-tren tbody tr").count() == 12
    # the figures are drawn with the stylesheet: a bar is filled, not the default black
    fill_colour = page.eval_on_selector(
        "#chart-langkah rect.chart-bar", "e => getComputedStyle(e).fill"
    )
    assert fill_colour == "rgb(31, 95, 153)"
    assert axe_violations(page) == ""
    head = screenshot(page, "dashboard-kepala-bidang")
    (REPO / "docs").mkdir(exist_ok=True)
    if os.environ.get("UPDATE_DOCS"):  # the README's picture, only when asked
        shutil.copyfile(head, REPO / "docs" / "dashboard.png")

    page.goto(live_server.url + "/admin/?periode=bulan&bulan=2026-13")
    assert "Bulan tidak valid" in page.inner_text("#period-error")

    page.click("#logout-button")
    page.wait_for_url("**/staf/login**")
    browser_log_in(page, live_server, users["helpdesk"].email)
    page.goto(live_server.url + "/admin/")
    assert page.locator("#desk-counts li").count() == 4
    assert page.locator("#table-mendesak tbody tr").count() >= 3
    assert axe_violations(page) == ""
    screenshot(page, "dashboard-helpdesk")
    assert console + page.evaluate("window.__cspViolations") == []
