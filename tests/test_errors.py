"""The error pages (errors.py): every code in Bahasa Indonesia, on the public and the staff side,
never a framework default page; a 500 logged with its traceback and request id."""

from __future__ import annotations

import logging

import pytest
from flask import abort, request
from peewee import OperationalError
from werkzeug.exceptions import default_exceptions

from tests.helpers import csrf_token

TITLES = {
    400: "Permintaan tidak valid",
    403: "Akses ditolak",
    404: "Halaman tidak ditemukan",
    405: "Metode tidak diizinkan",
    409: "Terjadi konflik",
    413: "Berkas terlalu besar",
    429: "Terlalu banyak percobaan",
    500: "Terjadi kesalahan pada server",
}
# What the framework would have said: none of it may reach a page.
ENGLISH = ("The requested URL", "Not Found", "Internal Server Error", "Method Not Allowed")
SIDES = {"public": "", "staff": "/admin"}


def add_test_routes(app):
    """Routes that fail on purpose, on both sides (registered before the first request)."""
    for side, prefix in SIDES.items():
        app.add_url_rule(
            f"{prefix}/coba/galat/<int:code>", f"abort_{side}", lambda code: abort(code)
        )
        app.add_url_rule(f"{prefix}/coba/rusak", f"boom_{side}", _boom)
        app.add_url_rule(f"{prefix}/coba/db", f"db_down_{side}", _db_down)
        app.add_url_rule(f"{prefix}/coba/unggah", f"upload_{side}", _upload, methods=["POST"])


def _boom():
    raise RuntimeError("kaboom in a test route")


def _db_down():
    raise OperationalError("connection refused")


def _upload():
    return str(len(request.form))


@pytest.fixture
def error_app(make_app):
    """An app as in production for errors: exceptions become the 500 page (not re-raised), CSRF
    off (so that a POST reaches the size limit and the rate limiter), 1 MB per request."""
    app = make_app(PROPAGATE_EXCEPTIONS=False, WTF_CSRF_ENABLED=False, MAX_REQUEST_MB=1)
    add_test_routes(app)
    return app


def assert_indonesian(response, code):
    html = response.get_data(as_text=True)
    assert response.status_code == code
    assert response.mimetype == "text/html"
    assert TITLES[code] in html, html[:500]
    for phrase in ENGLISH + (default_exceptions[code].description, default_exceptions[code]().name):
        assert phrase not in html, phrase
    return html


def assert_page(response, code, side):
    """The generic page of errors.py in the layout of `side`."""
    html = assert_indonesian(response, code)
    assert f'data-code="{code}"' in html
    if side == "public":
        assert 'class="site-header"' in html and "Kembali ke halaman utama" in html
    else:
        assert "navbar" in html and "Service Desk Diskominfo Jabar" in html  # Flask-Admin's layout
        assert "Kembali ke beranda staf" in html and 'class="site-header"' not in html
    return html


@pytest.mark.parametrize("side", SIDES)
@pytest.mark.parametrize("code", [400, 403, 404, 405, 409, 413, 429, 500])
def test_every_code_has_an_indonesian_page_on_each_side(error_app, side, code):
    response = error_app.test_client().get(f"{SIDES[side]}/coba/galat/{code}")
    assert_page(response, code, side)


@pytest.mark.parametrize("side", SIDES)
def test_unknown_address_is_an_indonesian_404(error_app, side):
    response = error_app.test_client().get(f"{SIDES[side]}/tidak-ada/sama-sekali")
    assert_page(response, 404, side)


def test_wrong_method_is_an_indonesian_405_that_keeps_allow(error_app):
    client = error_app.test_client()
    public = client.post("/terkirim")
    assert_page(public, 405, "public")
    assert "GET" in public.headers["Allow"]
    staff = client.delete("/admin/coba/unggah")
    assert_page(staff, 405, "staff")
    assert "POST" in staff.headers["Allow"]


@pytest.mark.parametrize("side", SIDES)
def test_too_large_request_is_an_indonesian_413(error_app, side):
    body = {"berkas": "x" * (2 * 1024 * 1024)}
    response = error_app.test_client().post(f"{SIDES[side]}/coba/unggah", data=body)
    assert_page(response, 413, side)


@pytest.mark.parametrize("side", SIDES)
def test_unhandled_exception_is_logged_with_traceback_and_request_id(error_app, side, caplog):
    caplog.set_level(logging.INFO, logger="desk")
    response = error_app.test_client().get(f"{SIDES[side]}/coba/rusak")
    html = assert_page(response, 500, side)
    request_id = response.headers["X-Request-ID"]
    assert f"Nomor rujukan: {request_id}" in html  # staff can quote it
    assert "kaboom" not in html and "Traceback" not in html
    [record] = [r for r in caplog.records if r.name == "desk.errors"]
    assert record.levelno == logging.ERROR and record.request_id == request_id
    assert record.exc_info[0] is RuntimeError
    assert "RuntimeError" in record.getMessage() and "/coba/rusak" in record.getMessage()
    assert "kaboom in a test route" in caplog.text  # the traceback is in the log


def test_rate_limit_on_the_lost_link_form_is_an_indonesian_429(error_app):
    client = error_app.test_client()
    form = {"number": "SD-0000-0000", "email": "x@example.go.id"}
    statuses = [client.post("/lacak", data=form).status_code for _ in range(5)]
    assert 429 not in statuses  # the limit is 5 a minute
    response = client.post("/lacak", data=form)  # the form's own page (views/public.py)
    assert "Silakan coba lagi" in assert_indonesian(response, 429)


def test_missing_csrf_token_is_an_indonesian_400_on_both_sides(app):
    client = app.test_client()
    # The tracking forms keep their own page (views/public.py's csrf_refused).
    public = client.post("/lacak", data={"number": "SD-1", "email": "a@example.go.id"})
    assert public.status_code == 400 and "Sesi formulir ini sudah berakhir" in public.text
    assert "CSRF" not in public.text and "Bad Request" not in public.text
    staff = client.post("/staf/login", data={"email": "a@example.go.id", "password": "x"})
    html = assert_page(staff, 400, "staff")
    assert "Sesi formulir ini sudah berakhir atau tidak sah" in html
    assert "The CSRF token is missing" not in html
    # With the token the same form is not refused.
    data = {"email": "a@example.go.id", "password": "x"}
    data["csrf_token"] = csrf_token(client, "/staf/login")
    assert client.post("/staf/login", data=data).status_code == 200


def test_database_down_is_a_503_in_indonesian(error_app):
    client = error_app.test_client()
    public = client.get("/coba/db")
    assert public.status_code == 503 and public.headers["Retry-After"] == "60"
    assert "gangguan basis data" in public.get_data(as_text=True)
    assert "OperationalError" not in public.get_data(as_text=True)
    staff = client.get("/admin/coba/db")
    assert staff.status_code == 503 and "gangguan basis data" in staff.get_data(as_text=True)


def test_json_clients_get_json_errors_and_healthz_stays_json(error_app):
    client = error_app.test_client()
    missing = client.get("/tidak-ada", headers={"Accept": "application/json"})
    assert missing.status_code == 404 and missing.is_json
    assert missing.json["error"] == "Halaman tidak ditemukan"
    assert missing.json["request_id"] == missing.headers["X-Request-ID"]
    health = client.get("/healthz")
    assert health.is_json and health.json["database"] == "ok"


def test_the_tracking_pages_own_404_stays_more_specific(error_app):
    response = error_app.test_client().get("/lacak/token-yang-tidak-ada")
    html = response.get_data(as_text=True)
    assert response.status_code == 404
    assert "Not Found" not in html and 'data-code="404"' not in html  # tracking.py's own page
