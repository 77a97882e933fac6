"""The staff list (W2) and ticket page (W3) in-process: statements and CPU time per request, the
best of several rounds (the machine is shared: the best round is the one least disturbed).
`bench/profile_page.py` measures one page once; this one compares both in the same minute.

    .venv/bin/python -m bench.profile_staff --workdir /tmp/b-sqlite \\
        [--database-url sqlite+pool:////tmp/b-sqlite/desk.sqlite3] [--requests 40] [--rounds 5] \\
        [--profile W3] [--queries]

GET only: the workdir's database is read, not written (the login is one POST).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from bench.harness import CSRF_RE, PASSWORD, ROOT, environment
from bench.statements import Statements

W2 = "/admin/tiket/?flt0_0=assigned"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--database-url")
    parser.add_argument("--as", dest="email", default="helpdesk@example.go.id")
    parser.add_argument("--ticket", type=int, help="W3's ticket id (default: the newest assigned)")
    parser.add_argument("--requests", type=int, default=40)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--profile", choices=("W2", "W3"))
    parser.add_argument("--queries", action="store_true")
    parser.add_argument("--all-frames", action="store_true", help="pyinstrument: no frame hidden")
    args = parser.parse_args()
    os.environ.update(environment(Path(args.workdir), args.database_url))
    sys.path.insert(0, str(ROOT))

    from app import create_app

    app = create_app()
    client = app.test_client()
    token = CSRF_RE.search(client.get("/staf/login").get_data(as_text=True)).group(1)
    client.post(
        "/staf/login", data={"email": args.email, "password": PASSWORD, "csrf_token": token}
    )
    ticket = args.ticket
    if ticket is None:
        with app.app_context():
            from models.ticket import Ticket

            ticket = (
                Ticket.select(Ticket.id)
                .where(Ticket.status == "assigned")
                .order_by(Ticket.id.desc())
                .scalar()
            )
    paths = {"W2": W2, "W3": f"/admin/tiket/details/?id={ticket}"}
    for name, path in paths.items():
        first = client.get(path)
        if first.status_code != 200:
            raise SystemExit(f"{path}: {first.status_code}")
        with Statements() as handler:
            client.get(path)
        statements = [s for s in handler.seen if not s.startswith("Returning ")]
        best, each = float("inf"), []
        for _ in range(args.rounds):
            round_start = time.process_time()
            for _ in range(args.requests):
                cpu = time.process_time()
                client.get(path)
                each.append(time.process_time() - cpu)
            best = min(best, (time.process_time() - round_start) / args.requests * 1000)
        each.sort()
        size = len(first.get_data())
        print(f"{name} {path}: {len(statements)} statements, CPU per request: best round "
              f"{best:.2f} ms, median {each[len(each) // 2] * 1000:.2f} ms, "
              f"fastest {each[0] * 1000:.2f} ms; {size} bytes")  # fmt: skip
        for statement in statements if args.queries else ():
            print("   ", statement[:300])
    if args.profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0002)
        profiler.start()
        for _ in range(args.requests * 2):
            client.get(paths[args.profile])
        profiler.stop()
        print(profiler.output_text(unicode=False, color=False, show_all=args.all_frames))
    print(f"load average: {os.getloadavg()}")


if __name__ == "__main__":
    main()
