"""The deployment recipe in deploy/ is real: gunicorn accepts its configuration and loads the
app with it, nginx accepts its site (`nginx -t`, when nginx is installed), and the recipe
agrees with itself (body size = DESK_MAX_REQUEST_MB, every DESK_* setting in the env file)."""

from __future__ import annotations

import re
import runpy
import shutil
import subprocess
import sys
from pathlib import Path

import config
from tests.helpers import unavailable
from tests.nginx import nginx_binary, render_site

ROOT = Path(__file__).resolve().parent.parent
DEPLOY = ROOT / "deploy"
GUNICORN = Path(sys.executable).parent / "gunicorn"


def env_file() -> dict[str, str]:
    pairs = {}
    for line in (DEPLOY / "desk.env").read_text().splitlines():
        if line and not line.startswith("#"):
            key, _, value = line.partition("=")
            pairs[key] = value
    return pairs


def test_gunicorn_config_is_gthread_behind_nginx():
    settings = runpy.run_path(str(DEPLOY / "gunicorn.conf.py"))
    assert settings["worker_class"] == "gthread" and settings["threads"] >= 2
    assert settings["bind"].startswith("127.0.0.1:")  # only nginx talks to it
    assert settings["forwarded_allow_ips"] == "127.0.0.1"
    assert callable(settings["child_exit"])


def test_gunicorn_loads_the_app_with_that_config(tmp_path):
    env = {
        "PATH": "/usr/bin:/bin",
        "DESK_SECRET_KEY": "deploy-test",
        "DESK_DATABASE_URL": f"sqlite:///{tmp_path}/desk.sqlite3",
        "DESK_DOCUMENTS_DIR": str(tmp_path / "documents"),
        "DESK_HUEY_FILE": str(tmp_path / "huey.sqlite3"),
        "DESK_OUTBOX_DIR": str(tmp_path / "outbox"),
    }
    result = subprocess.run(
        [str(GUNICORN), "--check-config", "-c", "deploy/gunicorn.conf.py", "app:create_app()"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert not (tmp_path / "desk.sqlite3").exists()  # building the app touched no database


def test_the_env_file_names_every_setting_with_placeholder_secrets():
    values = env_file()
    assert {f"DESK_{name}" for name in config.DEFAULTS} - set(values) <= {
        "DESK_HUEY_FILE",  # only without Redis: commented out in the file
        "DESK_HUEY_IMMEDIATE",  # tests only
    }
    for secret in ("DESK_SECRET_KEY", "DESK_METRICS_TOKEN", "DESK_SMTP_PASSWORD"):
        assert values[secret].startswith("CHANGE-ME"), secret
    assert values["DESK_TRUSTED_PROXIES"] == "1"


def test_nginx_body_limit_matches_the_desk_and_buffers_requests():
    site = (DEPLOY / "nginx" / "servicedesk.conf").read_text()
    limit = re.search(r"client_max_body_size (\d+)m;", site).group(1)
    assert limit == env_file()["DESK_MAX_REQUEST_MB"]
    assert "proxy_request_buffering on;" in site
    proxy = (DEPLOY / "nginx" / "servicedesk-proxy.conf").read_text()
    for header in ("X-Forwarded-For", "X-Forwarded-Proto", "X-Forwarded-Host"):
        assert f"proxy_set_header {header}" in proxy


def test_nginx_accepts_the_site(tmp_path):
    nginx = nginx_binary()
    if nginx is None:
        unavailable("nginx is not installed (apt-get install nginx-light)")
    if shutil.which("openssl") is None:
        unavailable("openssl is not installed")
    cert, key = tmp_path / "fullchain.pem", tmp_path / "privkey.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-subj",
         "/CN=servicedesk.test", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    proxy = tmp_path / "servicedesk-proxy.conf"
    shutil.copy(DEPLOY / "nginx" / "servicedesk-proxy.conf", proxy)
    (tmp_path / "site.conf").write_text(render_site(cert=cert, key=key, proxy_conf=proxy))
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\n"
        f"events {{}}\nhttp {{\n access_log off;\n include {tmp_path}/site.conf;\n}}\n"
    )
    result = subprocess.run(
        [nginx, "-t", "-p", str(tmp_path), "-c", str(tmp_path / "nginx.conf")],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert "syntax is ok" in result.stderr


def test_systemd_units_one_periodic_consumer_and_others_without():
    units = DEPLOY / "systemd"
    periodic = (units / "servicedesk-consumer-periodic.service").read_text()
    others = (units / "servicedesk-consumer@.service").read_text()
    web = (units / "servicedesk-web.service").read_text()
    assert "huey_consumer tasks.worker.huey" in periodic and " -f" in periodic
    assert " -n" not in periodic.split("ExecStart=")[1].splitlines()[0]
    assert " -n" in others.split("ExecStart=")[1].splitlines()[0]
    assert "gunicorn -c deploy/gunicorn.conf.py 'app:create_app()'" in web
    for unit in (periodic, others, web):
        assert "EnvironmentFile=/etc/servicedesk/desk.env" in unit and "User=servicedesk" in unit
