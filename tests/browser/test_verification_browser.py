"""The public verification page in a real chromium on a phone: a BA's page and the code lookup
pass axe and reflow at 320 px, and a dropped PDF gets its verdict (issue #13)."""

from __future__ import annotations

import pytest

from models import verification
from models.storage import store
from models.ticket import Document
from tasks.berita_acara import request_berita_acara
from tests.helpers import T0, axe_violations, horizontal_overflow, widest_elements

pytestmark = pytest.mark.browser


def test_verification_page_passes_axe_and_gives_a_verdict(
    live_server, narrow_page, make_ticket, users, tmp_path, screenshot
):
    ticket = make_ticket("assigned")
    request_berita_acara(users["agent"], ticket.id, "Subdomain dibuat dan diuji.", now=T0)
    doc = Document.current(ticket.id, "ba")
    code = verification.display(doc.verification_code)
    page = narrow_page

    page.goto(f"{live_server.url}/verifikasi")
    assert axe_violations(page) == "" and horizontal_overflow(page) <= 1
    page.fill("#kode", code.lower().replace("-", " "))
    page.click("button[type=submit]")
    page.wait_for_url(f"**/verifikasi/{code}")
    assert page.inner_text("#status-verifikasi").startswith("Berlaku")
    assert axe_violations(page) == ""
    assert horizontal_overflow(page) <= 1, widest_elements(page)

    issued = tmp_path / "ba.pdf"
    issued.write_bytes(store.get(doc.sha256))
    page.set_input_files("#file", str(issued))
    page.click("form[method=post] button[type=submit]")
    page.wait_for_selector("#hasil-periksa")
    assert page.get_attribute("#hasil-periksa", "data-match") == "issued"
    assert axe_violations(page) == "" and horizontal_overflow(page) <= 1
    screenshot(page, "verification-match")

    forged = tmp_path / "palsu.pdf"
    forged.write_bytes(store.get(doc.sha256) + b"%")
    page.set_input_files("#file", str(forged))
    page.click("form[method=post] button[type=submit]")
    page.wait_for_selector("#hasil-periksa[data-match=none]")
    assert "Tidak cocok" in page.inner_text("#hasil-periksa")
