"""`/healthz` and `/metrics` on a seeded workdir, in-process: the wall time of each call, three
in a row (a worker's first `/metrics` counts the history and the outbox once; the next count
only the rows since, `models/running_totals.py`).

    .venv/bin/python -m bench.profile_ops --workdir /tmp/b-sqlite [--database-url postgresql://...]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

from bench.harness import ROOT, environment


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--database-url")
    parser.add_argument("--calls", type=int, default=3)
    args = parser.parse_args()
    os.environ.update(environment(Path(args.workdir), args.database_url))
    sys.path.insert(0, str(ROOT))

    from app import create_app

    client = create_app().test_client()
    for path in ("/healthz", "/metrics"):
        for n in range(args.calls):
            start = time.perf_counter()
            response = client.get(path, environ_base={"REMOTE_ADDR": "127.0.0.1"})
            took = (time.perf_counter() - start) * 1000
            print(f"{path} #{n + 1}: {response.status_code}, {took:.1f} ms")


if __name__ == "__main__":
    main()
