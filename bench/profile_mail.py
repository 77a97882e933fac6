"""The consumer's side of W6 in-process: `count` outbox rows sent by `tasks.mail.deliver_all`,
`batch` rows a call, to an aiosmtpd sink in this process; SQL statements and CPU per email (and,
with `--profile`, pyinstrument's tree). It writes to the seeded database (rows marked sent,
history appended), as W6 does.

    .venv/bin/python -m bench.profile_mail --workdir /tmp/perfbench-sqlite \\
        [--database-url postgresql://...] [--count 500] [--batch 50] [--profile | --cprofile]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from bench.harness import desk_app, environment, free_port
from bench.statements import Statements


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--database-url")
    parser.add_argument("--count", type=int, default=500)
    parser.add_argument("--batch", type=int, default=50)
    parser.add_argument("--profile", action="store_true")
    parser.add_argument(
        "--cprofile", action="store_true", help="cProfile of this thread (not the sink's)"
    )
    args = parser.parse_args()
    from aiosmtpd.controller import Controller

    received: list[int] = []

    class Sink:
        async def handle_DATA(self, server, session, envelope):
            received.append(1)
            return "250 OK"

    port = free_port()
    sink = Controller(Sink(), hostname="127.0.0.1", port=port)
    sink.start()
    env = dict(
        environment(Path(args.workdir), args.database_url),
        DESK_SMTP_HOST="127.0.0.1",
        DESK_SMTP_PORT=str(port),
    )
    try:
        with desk_app(env):
            from models.db import connection, database
            from models.ticket import Notification, Ticket
            from tasks.mail import deliver_all

            with connection():
                tickets = list(
                    Ticket.select(Ticket.id, Ticket.requester_email)
                    .order_by(Ticket.id.desc())
                    .limit(args.count)
                )
                with database.atomic():
                    ids = [
                        Notification.insert(
                            ticket=t.id,
                            kind="opened",
                            audience="requester",
                            email=t.requester_email,
                        ).execute()
                        for t in tickets
                    ]
                chunks = [ids[i : i + args.batch] for i in range(0, len(ids), args.batch)]
                with Statements() as handler:
                    deliver_all(chunks[0])
                print(f"{len(handler.seen) / len(chunks[0]):.1f} SQL statements per email")
                profiler = None
                if args.cprofile:
                    import cProfile

                    profiler = cProfile.Profile()
                    profiler.enable()
                elif args.profile:
                    from pyinstrument import Profiler

                    profiler = Profiler(interval=0.0005)
                    profiler.start()
                wall, cpu = time.perf_counter(), time.process_time()
                thread = time.thread_time()  # this thread only: the consumer without the sink
                for chunk in chunks[1:]:
                    deliver_all(chunk)
                n = len(ids) - len(chunks[0])
                print(
                    f"{(time.perf_counter() - wall) / n * 1000:.2f} ms wall, "
                    f"{(time.process_time() - cpu) / n * 1000:.2f} ms CPU per email "
                    f"(sink in this process), {(time.thread_time() - thread) / n * 1000:.2f} ms "
                    f"CPU of the sending thread, {len(received)} received of {len(ids)}"
                )
                if args.cprofile:
                    import pstats

                    profiler.disable()
                    stats = pstats.Stats(profiler).sort_stats("tottime")
                    stats.print_stats(40)
                    stats.sort_stats("cumulative").print_stats(60)
                elif profiler is not None:
                    profiler.stop()
                    print(profiler.output_text(unicode=False, color=False))
    finally:
        sink.stop()


if __name__ == "__main__":
    main()
