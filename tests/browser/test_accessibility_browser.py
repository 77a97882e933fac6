"""WCAG 2.1 AA in a real chromium: axe-core on every public and staff page (any violation
fails), reflow at 320 CSS px (no sideways scrolling), and a failed submission's error summary
focused and named first in the title.

The walk is generic: public pages by address (the tracking page of a ticket in each state),
staff pages by following every link of the staff menu, so pages and cards added later are
checked too.
"""

from __future__ import annotations

import pytest

from tests.helpers import (
    axe_violations,
    browser_log_in,
    fill_requester_fields,
    horizontal_overflow,
    subdomain_service,
    widest_elements,
)

pytestmark = pytest.mark.browser

TRACKED_STATES = ["open", "incomplete", "verified", "assigned", "selesai", "signed", "closed"]
TICKET_STATES = TRACKED_STATES + ["rejected"]


def check_page(page, problems: list[str], reflow: bool = True) -> None:
    """Add to `problems` what axe finds on the page and, at 320 px, any sideways scrolling."""
    report = axe_violations(page)
    if report:
        problems.append(report)
    if reflow:
        overflow = horizontal_overflow(page)
        if overflow > 1:
            problems.append(f"{page.url}: {overflow}px too wide at 320px: {widest_elements(page)}")


# --- public side ---------------------------------------------------------------------------------


PUBLIC_PATHS = ["/", "/?layanan={layanan}", "/lacak", "/tidak-ada", "/lacak/tidak-dikenal"]


@pytest.mark.parametrize("path", PUBLIC_PATHS)
def test_public_page_passes_axe_and_reflows_at_320px(db, live_server, narrow_page, path):
    path = path.format(layanan=subdomain_service().id)
    narrow_page.goto(live_server.url + path)
    problems = []
    check_page(narrow_page, problems)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("state", TRACKED_STATES + ["rejected"])
def test_tracking_page_in_each_state_passes_axe_and_reflows(
    live_server, narrow_page, make_ticket, state
):
    ticket = make_ticket(state)
    narrow_page.goto(f"{live_server.url}/lacak/{ticket.tracking_token}")
    problems = []
    check_page(narrow_page, problems)
    assert not problems, "\n".join(problems)


def test_submission_pages_pass_axe_and_a_failed_one_takes_focus(
    live_server, narrow_page, screenshot, tmp_path
):
    page, base, problems = narrow_page, live_server.url, []
    page.goto(base + "/")
    page.get_by_label("Layanan yang dimohon").select_option(
        label="Permintaan subdomain jabarprov.go.id"
    )
    page.get_by_role("button", name="Lanjutkan").click()
    page.wait_for_url("**/?layanan=*")
    title = page.title()

    page.get_by_role("button", name="Kirim permohonan").click()  # everything empty
    page.wait_for_load_state()
    summary = page.locator("#ringkasan-kesalahan")
    assert summary.is_visible()
    assert page.evaluate("document.activeElement.id") == "ringkasan-kesalahan"
    assert page.title() == "Kesalahan: " + title
    # A focus ring that shows: 3px, on the summary and on the next control reached by keyboard
    assert page.evaluate("getComputedStyle(document.activeElement).outlineWidth") == "3px"
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.tagName") == "A"
    assert page.evaluate("getComputedStyle(document.activeElement).outlineWidth") == "3px"
    screenshot(page, "a11y-formulir-gagal")
    check_page(page, problems)

    # The summary's links lead to their fields.
    summary.get_by_role("link").first.click()
    assert page.evaluate("document.activeElement.id") == "requester_name"

    fill_requester_fields(page, tmp_path)
    page.get_by_role("button", name="Kirim permohonan").click()
    page.wait_for_url("**/terkirim")
    assert not page.title().startswith("Kesalahan")
    check_page(page, problems)

    page.goto(base + "/lacak")
    page.get_by_role("button", name="Kirim ulang tautan").click()
    page.wait_for_load_state()
    assert page.evaluate("document.activeElement.id") == "ringkasan-kesalahan"
    assert page.title().startswith("Kesalahan: ")
    check_page(page, problems)
    assert not problems, "\n".join(problems)


# --- staff side ----------------------------------------------------------------------------------


def staff_menu_links(page, base) -> list[str]:
    """Every address of the staff menu (its dropdowns too) that stays on the staff side."""
    hrefs = page.eval_on_selector_all(
        "#admin-navbar-collapse a[href]", "links => links.map(a => a.getAttribute('href'))"
    )
    seen = []
    for href in hrefs:
        if href.startswith("/admin") and href not in seen:
            seen.append(href)
    return seen


def test_staff_pages_pass_axe(live_server, desktop_page, make_ticket, users, screenshot):
    page, base, problems = desktop_page, live_server.url, []
    tickets = {state: make_ticket(state) for state in TICKET_STATES}

    page.goto(base + "/staf/login")
    check_page(page, problems, reflow=False)
    browser_log_in(page, live_server, users["admin"].email)
    links = staff_menu_links(page, base)
    assert len(links) >= 10, links
    for href in links:
        page.goto(base + href)
        check_page(page, problems, reflow=False)
    for ticket in tickets.values():
        page.goto(f"{base}/admin/tiket/details/?id={ticket.id}")
        check_page(page, problems, reflow=False)
    page.goto(base + "/admin/kepatuhan/")
    check_page(page, problems, reflow=False)
    page.goto(base + "/staf/change")
    check_page(page, problems, reflow=False)

    # The buttons and forms differ by role: the helpdesk's and the agent's ticket pages too.
    for role, states in (("helpdesk", ["open", "verified"]), ("agent", ["assigned", "signed"])):
        page.goto(base + "/admin/")
        page.click("#logout-button")
        page.wait_for_url("**/staf/login**")
        browser_log_in(page, live_server, users[role].email)
        for state in states:
            page.goto(f"{base}/admin/tiket/details/?id={tickets[state].id}")
            check_page(page, problems, reflow=False)
    assert not problems, "\n".join(problems)


def test_main_staff_pages_reflow_at_320px(live_server, narrow_page, make_ticket, users):
    page, base, problems = narrow_page, live_server.url, []
    ticket = make_ticket("assigned")
    page.goto(base + "/staf/login")
    check_page(page, problems)
    browser_log_in(page, live_server, users["agent"].email)
    for path in ("/admin/", "/admin/tiket/", f"/admin/tiket/details/?id={ticket.id}"):
        page.goto(base + path)
        check_page(page, problems)
    assert not problems, "\n".join(problems)
