"""Sessions: logout and a password change end them for good (a copied cookie or token no
longer works), tokens expire, cookies are HttpOnly/SameSite=Lax (Secure over HTTPS), and the
CSRF token changes at login."""

from __future__ import annotations

import time

import pytest

from models.db import connection
from models.staff import User
from tests.helpers import DEMO_PASSWORD, csrf_token


def session_cookie(client) -> str:
    return client.get_cookie("session").value


def replay(app, cookie: str):
    """A second browser carrying a copied session cookie asks for a staff page."""
    thief = app.test_client()
    thief.set_cookie("session", cookie)
    return thief.get("/admin/tiket/")


@pytest.mark.csrf_off
def test_a_stolen_cookie_is_dead_after_logout(app, client, login_as):
    login_as("helpdesk")
    stolen = session_cookie(client)
    assert replay(app, stolen).status_code == 200  # the copy works while the session lives
    client.post("/staf/logout")
    refused = replay(app, stolen)
    assert refused.status_code == 302 and "/staf/login" in refused.headers["Location"]


@pytest.mark.csrf_off
def test_a_password_change_ends_the_other_sessions(app, client, login_as):
    login_as("agent")
    stolen = session_cookie(client)
    changed = client.post(
        "/staf/change",
        data={
            "password": DEMO_PASSWORD,
            "new_password": "kuda-laut-menyanyi-di-cimahi",
            "new_password_confirm": "kuda-laut-menyanyi-di-cimahi",
        },
    )
    assert changed.status_code == 302, changed.get_data(as_text=True)[:400]
    assert replay(app, stolen).status_code == 302


@pytest.mark.csrf_off
def test_an_auth_token_dies_at_logout_and_expires(make_app, users):
    app = make_app(WTF_CSRF_ENABLED=False, SECURITY_TOKEN_MAX_AGE=1)
    client = app.test_client()
    login = client.post(
        "/staf/login?include_auth_token",
        json={"email": "helpdesk@example.go.id", "password": DEMO_PASSWORD},
    )
    assert "user" in login.get_json()["response"], login.get_data(as_text=True)[:500]
    token = login.get_json()["response"]["user"]["authentication_token"]
    header = {"Authentication-Token": token}
    assert app.test_client().get("/admin/tiket/", headers=header).status_code == 200
    time.sleep(2.1)  # token ages are counted in whole seconds
    assert app.test_client().get("/admin/tiket/", headers=header).status_code != 200
    # And logout kills a fresh one at once.
    client = app.test_client()
    token = client.post(
        "/staf/login?include_auth_token",
        json={"email": "helpdesk@example.go.id", "password": DEMO_PASSWORD},
    ).get_json()["response"]["user"]["authentication_token"]
    client.post("/staf/logout")
    header = {"Authentication-Token": token}
    assert app.test_client().get("/admin/tiket/", headers=header).status_code != 200


def test_no_never_expiring_token(app):
    assert app.config["SECURITY_TOKEN_MAX_AGE"] is not None
    assert app.config["SECURITY_TOKEN_MAX_AGE"].total_seconds() <= 8 * 3600


@pytest.mark.parametrize(
    "base_url, secure", [("https://servicedesk.example.go.id", True), ("http://127.0.0.1", False)]
)
def test_session_cookie_flags(make_app, base_url, secure):
    app = make_app(BASE_URL=base_url, WTF_CSRF_ENABLED=False)
    client = app.test_client()
    response = client.post(
        "/staf/login", data={"email": "helpdesk@example.go.id", "password": DEMO_PASSWORD}
    )
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert ("Secure" in cookie) is secure


def test_the_csrf_token_changes_at_login(app, client, users):
    before = csrf_token(client, "/staf/login")
    response = client.post(
        "/staf/login",
        data={"email": users["helpdesk"].email, "password": DEMO_PASSWORD, "csrf_token": before},
    )
    assert response.status_code == 302
    after = csrf_token(client, "/staf/change")
    assert after != before
    # The token seen before the login no longer passes a form of the logged-in session.
    assert client.post("/staf/logout", data={"csrf_token": before}).status_code == 400
    with app.app_context(), connection():
        assert User.get_by_id(users["helpdesk"].id).active
