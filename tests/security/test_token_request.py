"""An auth token authenticates a request wherever Flask-Security reads it (the header, the
query, a JSON body), and a request without one is anonymous (staffauth.session_user.token_user
asks Flask-Security's loader only when a token may be there)."""

from __future__ import annotations

import pytest

from tests.helpers import DEMO_PASSWORD


@pytest.fixture
def token_app(make_app):
    return make_app(WTF_CSRF_ENABLED=False)


def auth_token(app) -> str:
    login = app.test_client().post(
        "/staf/login?include_auth_token",
        json={"email": "helpdesk@example.go.id", "password": DEMO_PASSWORD},
    )
    return login.get_json()["response"]["user"]["authentication_token"]


def test_a_token_in_the_header_the_query_or_a_json_body_authenticates(token_app):
    token = auth_token(token_app)
    key = token_app.config["SECURITY_TOKEN_AUTHENTICATION_KEY"]
    header = token_app.config["SECURITY_TOKEN_AUTHENTICATION_HEADER"]
    fresh = token_app.test_client
    assert fresh().get("/admin/tiket/", headers={header: token}).status_code == 200
    assert fresh().get(f"/admin/tiket/?{key}={token}").status_code == 200
    assert fresh().get("/admin/tiket/", json={key: token}).status_code == 200


def test_without_a_token_or_with_a_bad_one_the_request_is_anonymous(token_app):
    key = token_app.config["SECURITY_TOKEN_AUTHENTICATION_KEY"]
    for answer in (
        token_app.test_client().get("/admin/tiket/"),
        token_app.test_client().get(f"/admin/tiket/?{key}=nonsense"),
        token_app.test_client().get("/admin/tiket/", json={key: "nonsense"}),
    ):
        assert answer.status_code == 302 and "/staf/login" in answer.headers["Location"]
