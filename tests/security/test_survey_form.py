"""The satisfaction survey form on the tracking page, attacked: junk answers and comments are a
400 with nothing written on SQLite and PostgreSQL, the form is rate limited, a comment's markup
is shown as text on the heads' page, and a group under the minimum of respondents shows no
figures on the page nor in its download (anonymity of the answers)."""

from __future__ import annotations

import re

import pytest

from models import skm, workflow
from models.db import connection
from models.ticket import Ticket
from tests.helpers import T0, export_rows, new_request, required_uploads

ALL_GOOD = {f"u{n}": "4" for n in range(1, 10)}
PERIOD = "dari=2026-06-01&sampai=2026-06-30"


def csrf(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def post_survey(client, ticket, answers, comment=""):
    html = client.get(f"/lacak/{ticket.tracking_token}").get_data(as_text=True)
    data = {"csrf_token": csrf(html), "survey_comment": comment, **answers}
    return client.post(f"/lacak/{ticket.tracking_token}/survei", data=data)


def closed_ticket(app) -> Ticket:
    """A ticket closed as fulfilled, through the verbs (works on either database)."""
    with app.app_context(), connection():
        ticket = workflow.submit(None, new_request(), required_uploads(), now=T0)
        Ticket.update(status="closed", close_reason="fulfilled").where(
            Ticket.id == ticket.id
        ).execute()
        return Ticket.get_by_id(ticket.id)


def responses(app) -> int:
    with app.app_context(), connection():
        return skm.SurveyResponse.select().count()


JUNK = {
    "out-of-scale": {**ALL_GOOD, "u1": "5"},
    "zero": {**ALL_GOOD, "u2": "0"},
    "negative": {**ALL_GOOD, "u3": "-1"},
    "beyond-64-bits": {**ALL_GOOD, "u4": "9" * 30},
    "text": {**ALL_GOOD, "u5": "sangat baik"},
    "float": {**ALL_GOOD, "u6": "3.5"},
    "missing": {k: v for k, v in ALL_GOOD.items() if k != "u9"},
}


@pytest.mark.parametrize("answers", JUNK.values(), ids=JUNK.keys())
def test_junk_answers_are_a_400_with_nothing_written(any_app, answers):
    ticket = closed_ticket(any_app)
    client = any_app.test_client()
    response = post_survey(client, ticket, answers)
    assert response.status_code == 400
    assert "Pilih" in response.get_data(as_text=True)
    assert responses(any_app) == 0


@pytest.mark.parametrize(
    "comment", ["x" * (skm.COMMENT_MAX + 1), "Baik\x00sekali"], ids=["too-long", "nul"]
)
def test_a_junk_comment_is_a_400_with_nothing_written(any_app, comment):
    ticket = closed_ticket(any_app)
    response = post_survey(any_app.test_client(), ticket, ALL_GOOD, comment)
    assert response.status_code == 400
    assert responses(any_app) == 0


def test_the_survey_form_is_rate_limited(client, db, make_ticket):
    ticket = make_ticket("closed")
    answers = {**ALL_GOOD, "u1": "9"}  # refused each time: nothing is ever written
    codes = [post_survey(client, ticket, answers).status_code for _ in range(21)]
    assert codes[:20] == [400] * 20 and codes[20] == 429


def test_a_comments_markup_is_text_on_the_heads_page(client, login_as, db, make_ticket):
    evil = '<script>alert("skm")</script><img src=x onerror=alert(1)>'
    for i in range(skm.MIN_RESPONDENTS):
        ticket = make_ticket("closed")
        skm.submit_survey(ticket.tracking_token, ALL_GOOD, f"Saran {i} {evil}", now=T0)
    login_as("kepala_bidang")
    html = client.get(f"/admin/survei-kepuasan/?{PERIOD}").get_data(as_text=True)
    assert "Saran 0" in html
    assert "<script>alert(" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(" in html


def test_a_group_under_the_minimum_shows_no_figures_in_its_download(
    client, login_as, db, make_ticket
):
    ticket = make_ticket("closed")
    skm.submit_survey(ticket.tracking_token, {**ALL_GOOD, "u1": "1"}, "Lambat.", now=T0)
    login_as("kepala_bidang")
    response = client.get("/admin/tabel/skm-layanan/unduh/csv?periode=bulan&bulan=2026-06")
    assert response.status_code == 200
    rows = export_rows(response.data)
    body = [row for row in rows[1:] if any(cell.strip() for cell in row)]
    assert body, rows
    for row in body:  # the count may be given, never a mean, an index or a grade
        assert not [cell for cell in row[2:] if re.search(r"\d", cell)], row
