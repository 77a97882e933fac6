"""The request guard's own answers (request_guard.py), on a page that reads no parameter
(`/healthz`), so that each answer is the guard's: 400 for a control character in a query name
or value or a list parameter that is no small non-negative integer, 404 for an `id` that cannot
name a row or a control character in the path; an empty list parameter and a sane id pass."""

from __future__ import annotations

import pytest

PASSES = {200, 503}  # /healthz answers 503 when something it watches is down


@pytest.mark.parametrize(
    ("query", "status"),
    [
        ("page=-1", 400),
        ("page_size=12345678", 400),
        ("sort=x", 400),
        ("page=1&page=-1", None),  # the first value counts, as MultiDict.get reads it
        ("page=", None),
        ("page=1000000", None),
        ("page=1000001", 400),
        ("id=99999999999999999999", 404),
        ("id=9223372036854775808", 404),
        ("id=abc", 404),
        ("id=", 404),
        ("id=9223372036854775807", None),
        ("q=a%01b", 400),
        ("a%00=1", 400),
        ("q=tab%09and%0Anewline", None),
        ("", None),
    ],
)
def test_the_guard_answers_a_query(client, query, status):
    answer = client.get(f"/healthz?{query}")
    assert answer.status_code in (PASSES if status is None else {status}), answer.status_code


def test_a_control_character_in_the_path_is_a_404(client):
    assert client.get("/healthz%01").status_code == 404


@pytest.mark.csrf_off
def test_a_nul_in_a_posted_field_is_a_400(client):
    assert client.post("/?layanan=1", data={"subject": "a\x00b"}).status_code == 400
