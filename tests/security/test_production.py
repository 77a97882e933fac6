"""No shared secrets in a fresh install: demo passwords generated per install and printed once,
and DESK_ENV=production refuses demo users and a missing or plain-http DESK_BASE_URL."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from app import create_app
from config import ConfigError
from models.db import connection
from models.seed import create_staff_user
from staffauth.production import ProductionError, refuse_demo_accounts
from tests.helpers import DEMO_PASSWORD, make_config

ROOT = Path(__file__).resolve().parents[2]
HTTPS = "https://servicedesk.example.go.id"


def test_production_needs_an_https_base_url(tmp_path, monkeypatch):
    monkeypatch.delenv("DESK_BASE_URL", raising=False)
    with pytest.raises(ConfigError, match="production needs DESK_BASE_URL, the public https"):
        create_app(make_config(tmp_path, ENV="production"))
    with pytest.raises(ConfigError, match="https"):
        create_app(make_config(tmp_path, ENV="production", BASE_URL="http://desk.example"))
    app = create_app(make_config(tmp_path, ENV="production", BASE_URL=HTTPS))
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["REMEMBER_COOKIE_SECURE"]
    # Outside production the default address still serves a laptop.
    assert create_app(make_config(tmp_path)).config["BASE_URL"] == "http://127.0.0.1:5000"


def test_desk_env_comes_from_the_environment(tmp_path, monkeypatch):
    monkeypatch.setenv("DESK_ENV", "production")
    monkeypatch.delenv("DESK_BASE_URL", raising=False)
    with pytest.raises(ConfigError, match="production needs DESK_BASE_URL, the public https"):
        create_app(make_config(tmp_path))


@pytest.fixture
def production_app(make_app):
    return make_app(ENV="production", BASE_URL=HTTPS, WTF_CSRF_ENABLED=False)


def test_production_refuses_demo_users_at_login(production_app, caplog):
    client = production_app.test_client()
    demo = client.post(
        "/staf/login", data={"email": "helpdesk@example.go.id", "password": DEMO_PASSWORD}
    )
    assert demo.status_code == 200  # the generic refusal, even with the right password
    assert "Autentikasi gagal" in demo.get_data(as_text=True)
    assert "demo account helpdesk@example.go.id refused" in caplog.text
    assert client.get("/admin/tiket/").status_code == 302
    with production_app.app_context(), connection():
        create_staff_user(
            "rina@jabarprov.go.id", "Rina", "helpdesk", "aptika", password=DEMO_PASSWORD
        )
    real = client.post(
        "/staf/login", data={"email": "rina@jabarprov.go.id", "password": DEMO_PASSWORD}
    )
    assert real.status_code == 302


def test_production_refuses_to_serve_or_seed_with_demo_users(production_app):
    with production_app.app_context(), connection():
        with pytest.raises(ProductionError, match="helpdesk@example.go.id"):
            refuse_demo_accounts()
        from models.staff import User

        User.update(active=False).where(User.email.contains("@example.go.id")).execute()
        refuse_demo_accounts()  # deactivated demo accounts no longer stop the server
    result = production_app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 1 and "create-user" in result.output


def test_seed_demo_generates_a_password_per_install(make_app, tmp_path):
    printed = []
    for name in ("one", "two"):
        app = make_app(tmp_path / name)
        with app.app_context(), connection():
            from models.staff import User

            User.delete().execute()  # a fresh install: no demo user yet
        result = app.test_cli_runner().invoke(args=["seed-demo"])
        assert result.exit_code == 0, result.output
        printed.append(
            dict(re.findall(r"(\S+@example\.go\.id)\s+kata sandi: (\S+)", result.output))
        )
    assert len(printed[0]) >= 5 and all(len(pw) >= 12 for pw in printed[0].values())
    assert printed[0]["agen@example.go.id"] != printed[1]["agen@example.go.id"]
    again = app.test_cli_runner().invoke(args=["seed-demo"])
    assert "kata sandi" not in again.output  # printed once, stored only as hashes


def test_no_fixed_demo_password_in_the_repository():
    for name in ("Makefile", "README.md"):
        text = (ROOT / name).read_text(encoding="utf-8")
        assert "demo-servicedesk-2026" not in text, name
    # `make run` seeds without a password of its own unless one is asked for.
    assert re.search(r"^DEMO_PASSWORD \?=\s*$", (ROOT / "Makefile").read_text(), re.M)
