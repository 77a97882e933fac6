"""The satisfaction survey in a real chromium: the requester of a ticket closed as fulfilled
opens the tracking page on a phone, forgets one unsur (the page says which, keeping the other
answers), answers all nine by their labels, and sees the thank-you state; the page has no axe
violation and no CSP refusal. The Kepala Bidang then sees the index on "Survei Kepuasan".
Screenshots under `test-artifacts/browser/`."""

from __future__ import annotations

import pytest

from models import skm
from models.db import connection
from tests.helpers import axe_violations, browser_log_in

pytestmark = pytest.mark.browser

ALL_GOOD = {f"u{n}": 4 for n in range(1, 10)}


def csp_refusals(page) -> list[str]:
    found = []
    page.on(
        "console",
        lambda m: found.append(m.text) if "Content Security Policy" in m.text else None,
    )
    return found


def test_requester_answers_the_survey_and_the_head_sees_the_index(
    live_server, phone_page, desktop_page, screenshot, make_ticket, users
):
    base, app = live_server.url, live_server.app
    ticket = make_ticket("closed")
    others = [make_ticket("closed"), make_ticket("closed")]
    page = phone_page
    refused = csp_refusals(page)
    page.goto(f"{base}/lacak/{ticket.tracking_token}")
    assert page.locator("#form-survei fieldset").count() == 9
    assert axe_violations(page) == ""
    screenshot(page, "skm-1-form")

    # Eight answers by clicking their labels; unsur 9 forgotten.
    for unsur in skm.UNSUR[:8]:
        page.click(f"label[for={unsur.field}-{unsur.number % 2 + 3}]")
    page.click("#kirim-survei")
    page.wait_for_selector("#u9-error")
    assert "Sarana dan Prasarana" in page.inner_text("#ringkasan-kesalahan")
    assert page.locator("#u1-4").is_checked()  # what was chosen is kept
    screenshot(page, "skm-2-missing")

    page.click("label[for=u9-4]")
    page.fill("#survey_comment", "Petugas sigap dan ramah.")
    page.click("#kirim-survei")
    page.wait_for_selector("#survei-terima-kasih")
    assert page.locator("#form-survei").count() == 0
    assert axe_violations(page) == ""
    screenshot(page, "skm-3-thanks")
    assert refused == []

    with app.app_context(), connection():
        row = skm.SurveyResponse.get(skm.SurveyResponse.ticket == ticket.id)
        assert (row.u1, row.u2, row.u9, row.comment) == (4, 3, 4, "Petugas sigap dan ramah.")
        for other in others:
            skm.submit_survey(other.tracking_token, ALL_GOOD)

    staff = desktop_page
    browser_log_in(staff, live_server, users["kepala_bidang"].email)
    staff.goto(f"{base}/admin/survei-kepuasan/")
    assert staff.inner_text("#ikm-responden") == "3"
    assert staff.inner_text("#ikm-mutu").startswith("A")
    assert "Petugas sigap dan ramah." in staff.inner_text("#skm-komentar")
    assert ticket.number not in staff.content()
    assert axe_violations(staff) == ""
    screenshot(staff, "skm-4-heads-page")
