"""Flask-Limiter's hooks around every request (extensions.py): its before_request check runs
when the limiter has an app-wide limit to count (none configured by the desk), and its
after-request hooks whenever a limit was checked (the email limits deduct there)."""

from __future__ import annotations

import pytest

from extensions import limiter


@pytest.fixture
def default_limit():
    """A default limit on every view for one test; the shared limiter forgets it after."""
    manager = limiter.limit_manager
    kept = manager._default_limits
    manager.set_default_limits([])
    yield "2 per minute"
    manager.set_default_limits(kept)


def test_without_app_wide_limits_a_page_is_not_limited(app, client):
    assert all(client.get("/healthz").status_code in (200, 503) for _ in range(5))


def test_a_default_limit_counts_on_every_view(make_app, default_limit):
    app = make_app(RATELIMIT_DEFAULT=default_limit)
    client = app.test_client()
    assert [client.get("/staf/login").status_code for _ in range(3)] == [200, 200, 429]


def test_limit_headers_are_added_where_a_limit_was_checked(app, client, monkeypatch):
    # the shared limiter reads RATELIMIT_HEADERS_ENABLED from the first app only
    monkeypatch.setattr(limiter, "_headers_enabled", True)
    assert "X-RateLimit-Limit" in client.get("/verifikasi").headers
    assert "X-RateLimit-Limit" not in client.get("/staf/login").headers
