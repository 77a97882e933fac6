"""Staff passwords: at least 12 characters, strong by zxcvbn, not on the bundled list of common
and breached passwords; checked without any network call."""

from __future__ import annotations

import socket

import pytest

from models.db import connection
from models.staff_admin import StaffError, create_staff
from staffauth.passwords import LIST_FILE, common_passwords
from tests.helpers import DEMO_PASSWORD

pytestmark = pytest.mark.csrf_off


LOCAL = ("127.0.0.1", "::1", "localhost")  # the desk's own PostgreSQL and Redis


@pytest.fixture
def no_network(monkeypatch):
    """Any attempt to open a connection to another machine fails the test (the desk's own
    database and Redis on this machine stay reachable)."""
    connect, create_connection = socket.socket.connect, socket.create_connection

    def guarded_connect(sock, address, *args, **kwargs):
        if isinstance(address, tuple) and address[0] not in LOCAL:
            raise AssertionError(f"network call during a password check: {address!r}")
        return connect(sock, address, *args, **kwargs)

    def guarded_create(address, *args, **kwargs):
        if address[0] not in LOCAL:
            raise AssertionError(f"network call during a password check: {address!r}")
        return create_connection(address, *args, **kwargs)

    monkeypatch.setattr(socket, "create_connection", guarded_create)
    monkeypatch.setattr(socket.socket, "connect", guarded_connect)


def change(client, new):
    return client.post(
        "/staf/change",
        data={"password": DEMO_PASSWORD, "new_password": new, "new_password_confirm": new},
    )


@pytest.mark.parametrize(
    "password, message",
    [
        ("Kd8#pQz!w2x", "12 karakter"),  # 11 characters
        ("Diskominfo2026!", "terlalu umum"),  # on the bundled list (a local word + year)
        ("Password1234!", "terlalu umum"),  # a listed word with the usual suffix
        ("aaaaaaaaaaaaaaaa", "mudah ditebak"),  # long, not listed, but weak by zxcvbn
    ],
)
def test_weak_passwords_are_refused(client, login_as, no_network, password, message):
    login_as("agent")
    response = change(client, password)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)


def test_a_strong_password_is_accepted(client, login_as, no_network):
    login_as("agent")
    assert change(client, "kuda-laut-menyanyi-di-cimahi").status_code == 302


def test_the_bundled_list_is_large_and_local():
    assert LIST_FILE.exists() and len(common_passwords()) >= 10000
    assert "diskominfo2026" in common_passwords() and "password" in common_passwords()


def test_the_admin_staff_form_applies_the_same_rule(db, users):
    with pytest.raises(StaffError, match="terlalu umum"):
        create_staff(
            users["admin"], "baru@example.go.id", "Baru", ["admin"], None, None, "Jawabarat2026!"
        )
    user, _ = create_staff(
        users["admin"],
        "baru@example.go.id",
        "Baru",
        ["admin"],
        None,
        None,
        "kuda-laut-menyanyi-di-cimahi",
    )
    assert user.email == "baru@example.go.id"


def test_create_user_applies_the_rule(runner, app):
    result = runner.invoke(
        args=[
            "create-user",
            "x@example.go.id",
            "--name",
            "X",
            "--role",
            "admin",
            "--password",
            "password1234",
        ]
    )
    assert result.exit_code == 1 and "terlalu umum" in result.output
    with app.app_context(), connection():
        from models.staff import User

        assert User.get_or_none(User.email == "x@example.go.id") is None
