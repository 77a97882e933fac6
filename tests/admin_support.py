"""Fixtures and helpers shared by the staff-side tests (issue #4).

The app here runs with Flask-WTF's CSRF check off, so tests can post forms directly; the CSRF
test builds its own app with the check on.
"""

from __future__ import annotations

import pytest

from app import create_app
from models.db import database
from tests.conftest import DEMO_PASSWORD, _prepare, make_config


@pytest.fixture
def app(tmp_path):
    app = create_app(make_config(tmp_path, WTF_CSRF_ENABLED=False))
    _prepare(app)
    yield app
    if not database.is_closed():
        database.close()


@pytest.fixture
def login_as(client, users):
    """Log the test client in as the demo user of a role (or as a given User)."""

    def login(who):
        user = users[who] if isinstance(who, str) else who
        client.post("/staf/logout")
        response = client.post("/staf/login", data={"email": user.email, "password": DEMO_PASSWORD})
        assert response.status_code == 302, response.get_data(as_text=True)[:500]
        return user

    return login


__all__ = ["app", "login_as"]
