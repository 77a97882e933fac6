"""One staff page in-process: its SQL statements and its CPU time per request (and, with
`--profile`, where the time goes, by pyinstrument). Wall time on a shared machine says little;
`time.process_time` is the figure bench/RESULTS.md compares.

    .venv/bin/python -m bench.profile_page --workdir /tmp/perfbench-sqlite \\
        [--database-url postgresql://...] [--as helpdesk@example.go.id] [--requests 30] \\
        [--profile] [--queries] "/admin/tiket/?flt0_0=assigned"

The workdir is one `bench.run` seeded; the user logs in through the login form (the demo
password of the bench; the admin's second factor with a code of its authenticator secret, as
`bench.run` does). The first request is reported on its own ("cold": the app's figure cache
still empty), then the mean of `--requests` more ("warm").
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from bench.harness import CSRF_RE, PASSWORD, ROOT, environment
from bench.statements import Statements


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("path")
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--database-url")
    parser.add_argument(
        "--as", "--user", dest="email", default="helpdesk@example.go.id", help="who logs in"
    )
    parser.add_argument("--requests", type=int, default=30)
    parser.add_argument("--profile", action="store_true", help="pyinstrument's tree")
    parser.add_argument("--queries", action="store_true", help="print each statement")
    args = parser.parse_args()
    os.environ.update(environment(Path(args.workdir), args.database_url))
    sys.path.insert(0, str(ROOT))
    from app import create_app
    from bench.harness import admin_totp

    app = create_app()
    with app.app_context():
        code = admin_totp(args.email) if args.email.startswith("admin@") else None
    client = app.test_client()
    token = CSRF_RE.search(client.get("/staf/login").get_data(as_text=True)).group(1)
    login = client.post(
        "/staf/login", data={"email": args.email, "password": PASSWORD, "csrf_token": token}
    )
    if "/staf/tf-validate" in login.headers.get("Location", ""):
        page = client.get("/staf/tf-validate").get_data(as_text=True)
        token = CSRF_RE.search(page).group(1)
        client.post("/staf/tf-validate", data={"code": code(), "csrf_token": token})
    wall, cpu = time.perf_counter(), time.process_time()
    first = client.get(args.path)
    if first.status_code != 200:
        raise SystemExit(f"{args.path}: {first.status_code}")
    print(
        f"first request (cold): {(time.perf_counter() - wall) * 1000:.1f} ms wall, "
        f"{(time.process_time() - cpu) * 1000:.1f} ms CPU"
    )
    with Statements() as handler:
        client.get(args.path)
    print(f"{len(handler.seen)} SQL statements")
    for statement in handler.seen if args.queries else ():
        print("  ", statement[:400])
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(args.requests):
        client.get(args.path)
    n = args.requests
    print(
        f"{(time.perf_counter() - wall) / n * 1000:.1f} ms wall, "
        f"{(time.process_time() - cpu) / n * 1000:.1f} ms CPU per request (warm, {n})"
    )
    if args.profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0005)
        profiler.start()
        for _ in range(n):
            client.get(args.path)
        profiler.stop()
        print(profiler.output_text(unicode=False, color=False))


if __name__ == "__main__":
    main()
