"""W1 in-process: the public form (GET `/?layanan=<id>`) and its submission (POST with a 50 KB
PDF per document slot, redirect), through the test client, each flow from its own address and
domain; SQL statements and CPU per flow (and, with `--profile`, pyinstrument's tree). It writes
tickets into the seeded database, as W1 does.

    .venv/bin/python -m bench.profile_public --workdir /tmp/perfbench-sqlite \\
        [--database-url postgresql://...] [--flows 30] [--profile]
"""

from __future__ import annotations

import argparse
import itertools
import os
import sys
import time
from pathlib import Path

from bench.harness import ACTION_RE, CSRF_RE, DOC_RE, KEY_RE, PD_RE, ROOT, environment
from bench.run import distinct_pdf
from bench.statements import Statements


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--database-url")
    parser.add_argument("--flows", type=int, default=30)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--queries", action="store_true", help="print each statement")
    parser.add_argument(
        "--cpu-profile", action="store_true", help="cProfile on CPU time (not wall), top 40"
    )
    parser.add_argument("--callers", help="--cpu-profile: who calls the functions matching this")
    parser.add_argument("--callees", help="--cpu-profile: what the functions matching this call")
    parser.add_argument("--match", help="--cpu-profile: only the functions matching this")
    parser.add_argument("--sort", default="cumulative", help="--cpu-profile's order (tottime...)")
    args = parser.parse_args()
    os.environ.update(environment(Path(args.workdir), args.database_url))
    sys.path.insert(0, str(ROOT))
    from app import create_app
    from bench.seed import sample_pdf
    from models.catalog import Layanan
    from models.db import connection

    app = create_app()
    with app.app_context(), connection():
        layanan_id = Layanan.select(Layanan.id).where(Layanan.active == True).first().id  # noqa: E712
    pdf = sample_pdf(50_000)
    counter = itertools.count(1)

    def flow():
        n = next(counter)
        client = app.test_client()
        address = f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}"
        headers = {"X-Forwarded-For": address}
        page = client.get(f"/?layanan={layanan_id}", headers=headers).get_data(as_text=True)
        data = {
            "csrf_token": CSRF_RE.search(page).group(1),
            "submission_key": KEY_RE.search(page).group(1),
            "layanan_id": str(layanan_id),
            "perangkat_daerah_id": PD_RE.search(page).group(1),
            "requester_name": "Asep Sunarya",
            "requester_nip": "198201012006041001",
            "requester_position": "Pranata Komputer",
            "requester_email": f"asep{n}@prof{n}.jabarprov.go.id",
            "requester_phone": "081234567890",
            "subject": f"Permohonan profil {n}",
            "description": "Mohon ditindaklanjuti.",
        }
        import io

        for name in DOC_RE.findall(page):
            upload = distinct_pdf(pdf, f"profile {os.getpid()} {n} {name}")
            data[name] = (io.BytesIO(upload), f"{name}.pdf", "application/pdf")
        action = ACTION_RE.search(page).group(1)
        response = client.post(action, data=data, headers=headers)
        if response.status_code != 303:
            raise SystemExit(f"POST {action}: {response.status_code}")

    flow()
    with Statements() as handler:
        flow()
    print(f"{len(handler.seen)} SQL statements per flow")
    for statement in handler.seen if args.queries else ():
        print("  ", statement[:300])
    wall, cpu = time.perf_counter(), time.process_time()
    for _ in range(args.flows):
        flow()
    n = args.flows
    print(
        f"{(time.perf_counter() - wall) / n * 1000:.1f} ms wall, "
        f"{(time.process_time() - cpu) / n * 1000:.1f} ms CPU per flow (GET + POST)"
    )
    if args.profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.0005)
        profiler.start()
        for _ in range(n):
            flow()
        profiler.stop()
        print(profiler.output_text(unicode=False, color=False))
    if args.cpu_profile:
        import cProfile
        import pstats

        profiler = cProfile.Profile(time.process_time)
        profiler.enable()
        for _ in range(n):
            flow()
        profiler.disable()
        stats = pstats.Stats(profiler).sort_stats(args.sort)
        stats.print_stats(*([args.match] if args.match else []), 40)
        if args.callers:
            stats.print_callers(args.callers)
        if args.callees:
            stats.print_callees(args.callees)


if __name__ == "__main__":
    main()
