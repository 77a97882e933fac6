"""The public verification page `/verifikasi/<code>`, attacked as an outsider: junk codes are a
404 (never a 500) on SQLite and PostgreSQL, only the exact code opens a document, guessing codes
is rate limited per address whatever code is tried, and every answer (found, unknown, refused,
limited) carries the no-store, noindex and CSP headers."""

from __future__ import annotations

import pytest

from models import verification
from tests.helpers import csrf_token
from tests.test_verification import issue_ba, url

JUNK = [
    "x" * 5000,
    "%00",
    "ABCD-EFGH-JKLM-NPQ%00",
    "%E2%80%AE%F0%9F%98%80",
    "..%2F..%2Fetc%2Fpasswd",
    "%25%25%25%25%25%25%25%25%25%25%25%25%25%25%25%25",
    "________________",
    "' OR '1'='1",
    "9" * 40,
]


@pytest.mark.parametrize("code", JUNK)
def test_a_junk_code_is_a_404_never_a_500(any_app, code):
    client = any_app.test_client()
    for response in (
        client.get(f"/verifikasi/{code}"),
        client.get(f"/verifikasi?kode={code}"),
        client.post(f"/verifikasi/{code}", data={}),
    ):
        assert response.status_code in (400, 404), (code, response.status_code)


def test_only_the_exact_code_opens_the_document(client, make_ticket, users):
    _, doc = issue_ba(make_ticket, users)
    code = doc.verification_code
    assert client.get(f"/verifikasi/{verification.display(code)}").status_code == 200
    assert client.get(f"/verifikasi/{code.lower()}").status_code == 200  # typed by hand

    def swap(c):
        return "A" if c != "A" else "B"

    for guess in (code[:-1], code[:-1] + swap(code[-1]), code + "A", swap(code[0]) + code[1:]):
        assert client.get(f"/verifikasi/{guess}").status_code == 404, guess


def _unknown(i: int) -> str:
    return verification.display(f"{i:016d}".translate(str.maketrans("0123456789", "ABCDEFGHJK")))


@pytest.mark.parametrize("route", ["/verifikasi/{code}", "/verifikasi?kode={code}"])
def test_guessing_codes_is_rate_limited_per_address(client, db, route):
    statuses = [client.get(route.format(code=_unknown(i))).status_code for i in range(61)]
    assert set(statuses[:60]) <= {303, 404} and statuses[60] == 429
    other = client.get(route.format(code=_unknown(99)), environ_base={"REMOTE_ADDR": "10.9.8.7"})
    assert other.status_code in (303, 404)  # another address is not limited by this one


def _assert_private_headers(response):
    assert "no-store" in response.headers["Cache-Control"]
    assert response.headers["X-Robots-Tag"] == "noindex"
    csp = response.headers["Content-Security-Policy"]
    assert "script-src" in csp and "'unsafe-inline'" not in csp and "frame-ancestors" in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"


def test_every_answer_carries_the_private_headers(client, make_ticket, users):
    _, doc = issue_ba(make_ticket, users)
    _assert_private_headers(client.get(url(doc)))
    _assert_private_headers(client.get(f"/verifikasi/{_unknown(1)}"))
    refused = client.post(url(doc), data={"csrf_token": csrf_token(client, url(doc))})
    assert refused.status_code == 400
    _assert_private_headers(refused)
    for _ in range(60):
        client.get(f"/verifikasi/{_unknown(2)}")
    limited = client.get(f"/verifikasi/{_unknown(3)}")
    assert limited.status_code == 429
    _assert_private_headers(limited)
