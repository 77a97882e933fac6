"""Benchmark: tickets taken through the whole SOP per second, on SQLite or PostgreSQL.

    .venv/bin/python -m bench.workflow [--tickets 200] [--database-url postgresql://...]

Each ticket: submit with three PDFs, verify, dispose, attach SLA and BA, Selesai, signed copies,
close (9 write transactions, with history, steps and outbox rows). The queue is a real SQLite
huey queue, so enqueueing after commit is included; the emails themselves are not sent.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--tickets", type=int, default=200)
    parser.add_argument("--database-url")
    args = parser.parse_args()

    from app import create_app
    from models import workflow
    from models.db import connection, create_tables
    from models.seed import seed_demo
    from models.staff import User
    from models.uploads import Upload
    from tests.conftest import PDF_BYTES, PNG_BYTES, make_config, new_request, required_uploads

    tmp = tempfile.mkdtemp(prefix="desk-bench-")
    from pathlib import Path

    extra = {"HUEY_IMMEDIATE": False}
    if args.database_url:
        extra["DATABASE_URL"] = args.database_url
    app = create_app(make_config(Path(tmp), **extra))
    with app.app_context():
        create_tables()
        with connection():
            seed_demo("bench-password-123")
            helpdesk = User.get(User.email == "helpdesk@example.go.id")
            agent = User.get(User.email == "agen@example.go.id")
            durations = []
            started = time.perf_counter()
            for _ in range(args.tickets):
                t0 = time.perf_counter()
                t = workflow.submit(None, new_request(), required_uploads())
                workflow.verify_complete(helpdesk, t.id)
                workflow.dispose(helpdesk, t.id, agent.id)
                workflow.attach_document(agent, t.id, "sla", Upload("sla.pdf", PDF_BYTES))
                workflow.attach_document(agent, t.id, "ba", Upload("ba.pdf", PDF_BYTES))
                workflow.mark_selesai(agent, t.id)
                workflow.submit_signed(
                    t.tracking_token, Upload("s.pdf", PDF_BYTES), Upload("b.png", PNG_BYTES)
                )
                workflow.close(agent, t.id)
                durations.append(time.perf_counter() - t0)
            total = time.perf_counter() - started
    backend = "postgresql" if args.database_url else "sqlite"
    durations.sort()
    print(
        f"backend={backend} tickets={args.tickets} total={total:.2f}s "
        f"tickets/s={args.tickets / total:.1f} "
        f"median_sop_ms={statistics.median(durations) * 1000:.1f} "
        f"p95_sop_ms={durations[int(len(durations) * 0.95) - 1] * 1000:.1f}"
    )


if __name__ == "__main__":
    main()
