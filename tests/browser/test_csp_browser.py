"""No page of the desk breaks its own Content-Security-Policy in a real browser (issue #10 item
4): every violation (the `securitypolicyviolation` event, or chromium's console error) fails."""

from __future__ import annotations

import pytest

from tests.helpers import browser_log_in

pytestmark = pytest.mark.browser

RECORD = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', function (e) {
  window.__cspViolations.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + e.sourceFile
                              + ':' + e.lineNumber);
});
"""


def watch(page):
    console = []
    page.add_init_script(RECORD)
    page.on(
        "console",
        lambda m: console.append(m.text) if "Content Security Policy" in m.text else None,
    )
    return console


def violations(page, console):
    return console + page.evaluate("window.__cspViolations || []")


def test_main_pages_keep_their_policy(live_server, desktop_page, users, make_ticket):
    page, base = desktop_page, live_server.url
    console = watch(page)
    ticket = make_ticket("selesai")
    for path in ("/", "/?layanan=1", "/lacak", f"/lacak/{ticket.tracking_token}"):
        page.goto(base + path)
        found = violations(page, console)
        assert not found, path + "\n" + "\n".join(found)

    page.goto(base + "/staf/login")
    assert "btn-primary" in page.locator("#submit").get_attribute("class")  # nonced script ran
    browser_log_in(page, live_server, users["admin"].email)
    found = violations(page, console)
    assert not found, "\n".join(found)
    for path in (
        "/admin/tiket/",
        f"/admin/tiket/details/?id={ticket.id}",
        "/admin/staf/",
        "/admin/kepatuhan/",
        "/admin/libur/",
    ):
        page.goto(base + path)
        found = violations(page, console)
        assert not found, path + "\n" + "\n".join(found)

    # Flask-Admin's menus, once inline handlers: the filter menu and the bulk actions
    page.goto(base + "/admin/tiket/")
    page.locator("a[data-toggle=dropdown]:has(+ .field-filters)").click()
    page.locator(".field-filters a.filter").first.click()
    assert page.locator(".filter-op").count() >= 1  # a filter row was added
    page.goto(base + "/admin/staf/")
    page.locator("input.action-checkbox").first.check()
    page.locator("a[data-toggle=dropdown]:has(+ .dropdown-menu [data-desk-action])").click()
    page.once("dialog", lambda dialog: dialog.dismiss())
    page.locator(".dropdown-menu a.dropdown-item").filter(has_text="Aktifkan kembali").click()
    assert "/admin/staf/" in page.url
    found = violations(page, console)
    assert not found, "\n".join(found)
