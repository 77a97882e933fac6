"""What the benchmark and its profilers stand on: the processes (gunicorn, their CPU and memory),
a small HTTP client with a cookie jar and the staff login, the load loop, and the set-up of a
bench workdir (its environment, its seeded database, the desk in this process). The workloads
and their report are `bench/run.py`."""

from __future__ import annotations

import http.client
import itertools
import os
import re
import statistics
import subprocess
import sys
import threading
import time
import uuid
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent
PASSWORD = "bench-password-2026"
CSRF_RE = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
KEY_RE = re.compile(r'name="submission_key"[^>]*value="([^"]+)"')
DOC_RE = re.compile(r'name="(dokumen-\d+)"')
PD_RE = re.compile(r'<option value="(\d+)"')
ACTION_RE = re.compile(r'<form method="post" action="([^"]+)" enctype="multipart/form-data"')


# --- processes -------------------------------------------------------------------------------
def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Gunicorn:
    """A gunicorn on 127.0.0.1 with `workers` workers (sync; gthread with `threads` > 1); stopped
    by its own pid."""

    def __init__(self, target: str, env: dict, workers: int = 2, threads: int = 1):
        self.port = free_port()
        self.proc = subprocess.Popen(
            [str(BIN / "gunicorn"), "-w", str(workers), "--threads", str(threads),
             "-b", f"127.0.0.1:{self.port}", "--log-level", "warning", target],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.time() + 30
        while time.time() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=2)
                conn.request("GET", "/healthz")
                conn.getresponse().read()
                return
            except OSError:
                time.sleep(0.2)
        raise RuntimeError(f"{target} did not start")

    def worker_pids(self) -> list[int]:
        out = subprocess.run(
            ["ps", "-o", "pid=", "--ppid", str(self.proc.pid)], capture_output=True, text=True
        )
        return [int(p) for p in out.stdout.split()]

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)


def memory_kb(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    return 0


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of one process so far (/proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def server_cpu(server: Gunicorn, run) -> dict:
    """`run()`'s result with `cpu_ms`: the CPU its server's workers spent per flow meanwhile (a
    figure the machine's load does not inflate the way it does wall time)."""
    pids = server.worker_pids()
    before = sum(cpu_seconds(p) for p in pids)
    result = run()
    spent = sum(cpu_seconds(p) for p in pids) - before
    return {**result, "cpu_ms": spent * 1000 / max(1, result["requests"])}


# --- a small HTTP client: one keep-alive connection, a cookie jar ------------------------------
class Client:
    def __init__(self, port: int, forwarded_for: str | None = None):
        self.port = port
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.cookies: dict[str, str] = {}
        self.forwarded_for = forwarded_for

    def request(self, method, path, body=None, headers=None) -> tuple[int, bytes, dict]:
        headers = dict(headers or {})
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if self.forwarded_for:
            headers["X-Forwarded-For"] = self.forwarded_for
        try:
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
        except (http.client.HTTPException, OSError):
            self.conn.close()
            self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
            self.conn.request(method, path, body=body, headers=headers)
            response = self.conn.getresponse()
        data = response.read()
        for name, value in response.getheaders():
            if name.lower() == "set-cookie":
                key, _, rest = value.partition("=")
                self.cookies[key] = rest.split(";", 1)[0]
        return response.status, data, dict(response.getheaders())

    def post_form(self, path, fields: dict):
        from urllib.parse import urlencode

        return self.request(
            "POST", path, urlencode(fields), {"Content-Type": "application/x-www-form-urlencoded"}
        )


def multipart(fields: dict, files: dict) -> tuple[bytes, str]:
    boundary = uuid.uuid4().hex
    parts = []
    for name, value in fields.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n'
            f"{value}\r\n".encode()
        )
    for name, (filename, data) in files.items():
        parts.append(
            f'--{boundary}\r\nContent-Disposition: form-data; name="{name}"; '
            f'filename="{filename}"\r\nContent-Type: application/pdf\r\n\r\n'.encode()
            + data
            + b"\r\n"
        )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def staff_client(port: int, email: str, totp_code=None) -> Client:
    """A client logged in through the login form (and the second-factor form with
    `totp_code()` when the user has an authenticator app, as the admin does)."""
    client = Client(port)
    _, html, _ = client.request("GET", "/staf/login")
    token = CSRF_RE.search(html.decode()).group(1)
    status, _, headers = client.post_form(
        "/staf/login", {"email": email, "password": PASSWORD, "csrf_token": token}
    )
    if status in (302, 303) and "/staf/tf-validate" in headers.get("Location", ""):
        _, html, _ = client.request("GET", "/staf/tf-validate")
        token = CSRF_RE.search(html.decode()).group(1)
        status, _, headers = client.post_form(
            "/staf/tf-validate", {"code": totp_code(), "csrf_token": token}
        )
    if status not in (302, 303) or "/staf/" in headers.get("Location", ""):
        raise RuntimeError(f"login of {email} failed: {status} {headers.get('Location')}")
    return client


def admin_totp(email: str = "admin@example.go.id"):
    """Give the admin an authenticator secret (once; inside `desk_app`) and return a function
    making its current code (each code is accepted once: the last counter is forgotten)."""
    from flask import current_app

    from models.db import connection
    from models.staff import User

    factory = current_app.extensions["security"]._totp_factory
    with connection():
        user = User.get(User.email == email)
        if not user.tf_totp_secret:
            user.tf_totp_secret = factory.generate_totp_secret()
            user.tf_primary_method = "authenticator"
            user.save()
        secret = user.tf_totp_secret

    def code():
        with connection():
            User.update(tf_totp_last_counter=None).where(User.id == user.id).execute()
        return factory.generate_totp_password(secret)

    return code


# --- load ------------------------------------------------------------------------------------
def load(make_state, flow, *, connections: int, duration: float) -> dict:
    """Run `flow(state)` in a loop on `connections` threads for `duration` seconds."""
    latencies, errors = [], []
    lock = threading.Lock()
    states = [make_state(n) for n in range(connections)]  # logins are not measured
    stop = time.perf_counter() + duration

    def worker(n):
        state = states[n]
        mine, bad = [], 0
        while time.perf_counter() < stop:
            t0 = time.perf_counter()
            ok = flow(state)
            mine.append(time.perf_counter() - t0)
            bad += not ok
        with lock:
            latencies.extend(mine)
            errors.append(bad)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(connections)]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    latencies.sort()

    def pct(p):
        return latencies[min(len(latencies) - 1, int(len(latencies) * p))] * 1000

    return {
        "requests": len(latencies),
        "errors": sum(errors),
        "rps": len(latencies) / elapsed,
        "p50": statistics.median(latencies) * 1000,
        "p95": pct(0.95),
        "p99": pct(0.99),
    }


def get_flow(paths, expected=200):
    cycle = itertools.cycle(paths)

    def flow(client):
        status, _, _ = client.request("GET", next(cycle))
        return status == expected

    return flow


def timed(fn, repeat: int) -> dict:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return {"runs": repeat, "p50": statistics.median(times) * 1000, "max": max(times) * 1000}


# --- set-up ----------------------------------------------------------------------------------
def environment(workdir: Path, database_url: str | None, redis_url: str | None = None) -> dict:
    env = dict(os.environ)
    name = f"bench-{uuid.uuid4().hex[:8]}"
    env.update(
        DESK_DATABASE_URL=database_url or f"sqlite:///{workdir}/desk.sqlite3",
        DESK_DOCUMENTS_DIR=str(workdir / "documents"),
        DESK_OUTBOX_DIR=str(workdir / "outbox"),
        DESK_HUEY_FILE=str(workdir / "huey.sqlite3"),
        DESK_HUEY_NAME=name,
        DESK_RATELIMIT_KEY_PREFIX=f"{name}-limit",
        DESK_SECRET_KEY="bench-secret-key-not-for-production",
        DESK_TRUSTED_PROXIES="1",
        DESK_LOG_LEVEL="WARNING",
        PYTHONPATH=str(ROOT),
    )
    env.pop("DESK_REDIS_URL", None)
    if redis_url:  # the queue (its own name) and the rate limiter on Redis
        env["DESK_REDIS_URL"] = redis_url
    return env


def flask(env, *args):
    subprocess.run([str(BIN / "flask"), "--app", "app", *args], cwd=ROOT, env=env, check=True)


def prepare(env, workdir: Path, tickets: int) -> None:
    marker = workdir / f"seeded-{tickets}"
    if marker.exists():
        print(f"reusing the seeded database in {workdir}")
        flask(env, "db", "upgrade")  # seeded by an older checkout: its schema brought to this one
        return
    flask(env, "init-db")
    flask(env, "seed-demo", "--password", PASSWORD)
    flask(env, "seed-bench", "--tickets", str(tickets))
    marker.touch()


@contextmanager
def desk_app(env):
    """The desk in this process, on the same configuration (W3's ids, W4, W5, W6)."""
    saved = dict(os.environ)
    os.environ.update(env)
    sys.path.insert(0, str(ROOT))
    try:
        from app import create_app

        app = create_app()
        with app.app_context():
            yield app
    finally:
        from playhouse.pool import PooledDatabase

        from models.db import database

        if isinstance(database.obj, PooledDatabase):  # --pool: its idle connections closed,
            database.obj.close_all()  # so that W4 can copy the database they were on
        os.environ.clear()
        os.environ.update(saved)
