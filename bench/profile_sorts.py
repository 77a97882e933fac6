"""Every ticket list as one user sees it (all tickets, by status, and each queue) at page 4
under every sort, both ways, in-process: the best of three requests each (ms), slowest first.
What a change to the lists' order or indexes costs, at the seeded size, on either back end.

    .venv/bin/python -m bench.profile_sorts --workdir /tmp/b-sqlite [--database-url URL] \\
        [--as agen@example.go.id] [--top 20]

GET only: the workdir's database is read, not written (the login is one POST).
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from bench.harness import CSRF_RE, PASSWORD, ROOT, environment
from deskadmin.queues import QUEUES

LISTS = (
    "/admin/tiket/?",  # "Tampilkan" left at the open tickets
    "/admin/tiket/?flt0_0=open&",
    "/admin/tiket/?flt0_0=assigned&",
    "/admin/tiket/?flt0_0=closed&",
    "/admin/tiket/?flt0_6=all&",
    *(f"/admin/{queue.url}/?" for queue in QUEUES),  # every queue: one not in the user's menu
    # still answers, with the tickets its condition gives them
)
SORTS = (None, *range(8))  # the list's columns: number, agency, service ... due time, age


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--database-url")
    parser.add_argument("--as", dest="email", default="helpdesk@example.go.id")
    parser.add_argument("--top", type=int, default=0, help="only the slowest N (default all)")
    args = parser.parse_args()
    os.environ.update(environment(Path(args.workdir), args.database_url))
    sys.path.insert(0, str(ROOT))

    from app import create_app

    client = create_app().test_client()
    token = CSRF_RE.search(client.get("/staf/login").get_data(as_text=True)).group(1)
    answer = client.post(
        "/staf/login", data={"email": args.email, "password": PASSWORD, "csrf_token": token}
    )
    if answer.status_code != 302:
        raise SystemExit(f"login as {args.email}: {answer.status_code}")
    timed = []
    for url in LISTS:
        for sort in SORTS:
            for desc in (0,) if sort is None else (0, 1):
                path = url + ("" if sort is None else f"sort={sort}&desc={desc}&") + "page=3"
                first = client.get(path)
                if first.status_code != 200:
                    raise SystemExit(f"{path}: {first.status_code}")
                best = float("inf")
                for _ in range(3):
                    start = time.perf_counter()
                    client.get(path)
                    best = min(best, time.perf_counter() - start)
                timed.append((best * 1000, path))
    timed.sort(reverse=True)
    for ms, path in timed[: args.top or None]:
        print(f"{ms:8.1f} ms  {path}")


if __name__ == "__main__":
    main()
