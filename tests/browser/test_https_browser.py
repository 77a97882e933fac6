"""Over HTTPS in a real browser (issue #10 items 1 and 4): the forms of the tracking page and
the staff login post with their CSRF token under the chosen Referrer-Policy (Flask-WTF demands
a same-origin Referer over HTTPS), HSTS is sent, and no page breaks its CSP."""

from __future__ import annotations

import pytest

from models.catalog import RequiredDocument
from models.db import connection
from models.ticket import Ticket
from tests.helpers import DEMO_PASSWORD, real_pdf

pytestmark = pytest.mark.browser


def test_tracking_upload_and_staff_login_over_https(
    https_server, browser, make_ticket, users, tmp_path
):
    app, base = https_server.app, https_server.url
    ticket = make_ticket("incomplete")
    with app.app_context(), connection():
        missing = [RequiredDocument.get_by_id(i).name for i in ticket.missing_document_ids]
    context = browser.new_context(ignore_https_errors=True, locale="id-ID")
    page = context.new_page()
    violations = []
    page.on(
        "console",
        lambda m: violations.append(m.text) if "Content Security Policy" in m.text else None,
    )
    try:
        response = page.goto(f"{base}/lacak/{ticket.tracking_token}")
        assert response.headers["strict-transport-security"].startswith("max-age=")
        assert response.headers["referrer-policy"] == "same-origin"
        for name in missing:
            page.get_by_label(name, exact=True).set_input_files(
                str(real_pdf(tmp_path / f"{name}.pdf", name))
            )
        page.locator("form[action$='/dokumen'] [type=submit]").click()
        page.wait_for_load_state()
        assert "Dokumen diterima" in page.content(), page.locator("main").inner_text()[:800]
        with app.app_context(), connection():
            assert Ticket.get_by_id(ticket.id).status == "open"

        page.goto(f"{base}/staf/login")
        page.fill("#email", users["helpdesk"].email)
        page.fill("#password", DEMO_PASSWORD)
        page.click("#submit")
        page.wait_for_url(f"{base}/admin/**")
        page.goto(f"{base}/admin/tiket/details/?id={ticket.id}")
        assert ticket.number in page.content()
        assert violations == []
    finally:
        context.close()
