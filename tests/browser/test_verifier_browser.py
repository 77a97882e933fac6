"""The lists, the ticket page (the verifier's view) and the tracking page in a real chromium at
1366x768 and on a phone (390x844): no page scrolls sideways, no ticket number wraps, and the
actions are reachable without scrolling past the whole history (first on a phone, a sticky card
beside it on a laptop). Screenshots land in test-artifacts/browser/verifier-*.png."""

from __future__ import annotations

import datetime as dt

import pytest

from models import workflow
from models.catalog import RequiredDocument
from models.uploads import Upload
from tests.helpers import PDF_BYTES, T0, browser_log_in

pytestmark = pytest.mark.browser

LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


@pytest.fixture
def laptop_page(request, browser):
    """A page in a 1366x768 viewport, the usual office laptop."""
    context = browser.new_context(locale="id-ID", timezone_id="Asia/Jakarta", viewport=LAPTOP)
    context.set_default_timeout(15_000)
    yield context.new_page()
    context.close()


def no_sideways_scroll(page):
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= page.viewport_size["width"], (page.url, width)


def single_line(page, selector):
    for box in page.eval_on_selector_all(
        selector,
        """els => els.map(e => ({h: e.getBoundingClientRect().height,
                                 lh: parseFloat(getComputedStyle(e).fontSize) * 1.9}))""",
    ):
        assert 0 < box["h"] <= box["lh"], (selector, box)


@pytest.fixture
def busy_ticket(db, make_ticket, users):
    """A ticket with a long history and a re-uploaded (v2) requirement document, waiting for
    verification; and more tickets for the list."""
    for _ in range(3):
        make_ticket("assigned")
    ticket = make_ticket("incomplete")
    first = RequiredDocument.for_layanan(ticket.layanan_id).first()
    for round_ in range(3):
        later = T0 + dt.timedelta(hours=round_ + 1)
        if round_:
            workflow.verify_incomplete(users["helpdesk"], ticket.id, [first.id], "Lagi", now=later)
        upload = Upload(f"surat-v{round_ + 2}.pdf", PDF_BYTES + bytes([round_]), first.id)
        workflow.complete_documents(ticket.tracking_token, [upload], now=later)
    return ticket


@pytest.mark.parametrize("size", ["laptop", "phone"])
def test_lists_ticket_page_and_tracking_page_fit(
    request, live_server, busy_ticket, screenshot, size
):
    page = request.getfixturevalue("laptop_page" if size == "laptop" else "phone_page")
    base = live_server.url
    browser_log_in(page, live_server, "helpdesk@example.go.id")

    page.goto(base + "/admin/tiket/")
    no_sideways_scroll(page)
    single_line(page, ".ticket-number-link")
    screenshot(page, f"verifier-list-{size}")

    page.goto(base + f"/admin/tiket/details/?id={busy_ticket.id}")
    assert page.locator("#requirements .slot-version").count() >= 4  # v1..v4 of one slot
    no_sideways_scroll(page)
    single_line(page, "h4 .ticket-number")
    actions = page.locator("#actions").bounding_box()
    history = page.locator("#history").bounding_box()
    if size == "phone":
        assert actions["y"] < history["y"]  # the actions first on a phone
        assert actions["y"] < PHONE["height"]
    else:
        assert actions["y"] < LAPTOP["height"] and actions["x"] > history["x"]
        page.locator("#history").scroll_into_view_if_needed()
        page.mouse.wheel(0, 4000)
        card = page.locator(".desk-actions").bounding_box()
        assert card["y"] < LAPTOP["height"] and card["y"] + 40 > 0  # sticky: still in view
        page.evaluate("window.scrollTo(0, 0)")
    screenshot(page, f"verifier-ticket-{size}")

    page.goto(base + f"/lacak/{busy_ticket.tracking_token}")
    no_sideways_scroll(page)
    single_line(page, "h1.ticket-number")
    screenshot(page, f"verifier-tracking-{size}")
