"""The benchmark: the desk against gunicorn, next to the bare ceiling app, in one run.

    .venv/bin/python -m bench.run --tickets 100000 [--database-url postgresql://...]
        [--redis-url redis://...] [--workdir DIR] [--duration 10] [--connections 8]
        [--only W1,W2,...] [--w7-path PATH ...] [--w7-as EMAIL,...] [--w4-due 10000]
        [--w6-batch 2,50]
        [--emails 10000] [--pool]

Seeds a database (`flask init-db`, `seed-demo`, `seed-bench --tickets N`; kept in --workdir and
reused when it is already seeded), starts the desk and `bench/bare.py` under gunicorn (2 workers
each, 127.0.0.1 only, rate limits on: every flow is a new visitor with its own X-Forwarded-For
behind DESK_TRUSTED_PROXIES=1) and measures:

W1 public submission (GET the form, POST it with a 50 KB PDF per document slot), W2 the helpdesk's
list (status filter, default order, 50 rows and the total), W3 one ticket's staff page, W4 the
expiry sweep, W5 one Berita Acara PDF, W6 emails through two huey consumers to a local SMTP sink,
W7 the compliance page and the heads' home page for a month, a quarter and a year, as the admin
and the kepala bidang (`--w7-path` again and again for other pages, `--w7-as` for other users:
each page's first request, on a worker whose figure cache is still cold, then p50 and max of 10
after 4 more), W8 the CSV export of every ticket (time and the worker's peak memory).
W1-W3 print requests per second, p50/p95/p99 and the ratio to the ceiling. No test is timed:
this is the only place numbers come from.
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import subprocess
import tempfile
import time
from contextlib import contextmanager
from pathlib import Path

from bench.harness import (
    ACTION_RE,
    BIN,
    CSRF_RE,
    DOC_RE,
    KEY_RE,
    PD_RE,
    ROOT,
    Client,
    Gunicorn,
    admin_totp,
    desk_app,
    environment,
    free_port,
    get_flow,
    load,
    memory_kb,
    multipart,
    prepare,
    server_cpu,
    staff_client,
    timed,
)


# --- the workloads ---------------------------------------------------------------------------
def distinct_pdf(pdf: bytes, tag: str) -> bytes:
    """`pdf` with a comment line of its own: every upload of W1 is a new file, as real scans
    are (the same bytes again would take the store's shortcut for a file it already has)."""
    end = pdf.rindex(b"trailer")
    return pdf[:end] + b"% " + tag.encode() + b"\n" + pdf[end:]


def w1_desk(port, layanan_id, pdf):
    counter = itertools.count(1)

    def flow(_state):
        n = next(counter)
        client = Client(port, forwarded_for=f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}")
        _, html, _ = client.request("GET", f"/?layanan={layanan_id}")
        page = html.decode()
        fields = {
            "csrf_token": CSRF_RE.search(page).group(1),
            "submission_key": KEY_RE.search(page).group(1),
            "layanan_id": str(layanan_id),
            "perangkat_daerah_id": PD_RE.search(page).group(1),
            "requester_name": "Asep Sunarya",
            "requester_nip": "198201012006041001",
            "requester_position": "Pranata Komputer",
            "requester_email": f"asep{n}@unit{n}.jabarprov.go.id",  # the limits are per domain
            "requester_phone": "081234567890",
            "subject": f"Permohonan beban uji {n}",
            "description": "Mohon ditindaklanjuti.",
        }
        files = {
            name: (f"{name}.pdf", distinct_pdf(pdf, f"desk {n} {name}"))
            for name in DOC_RE.findall(page)
        }
        body, ctype = multipart(fields, files)
        action = ACTION_RE.search(page).group(1)
        status, _, _ = client.request("POST", action, body, {"Content-Type": ctype})
        client.conn.close()
        return status == 303

    return flow


def w1_bare(port, pdf, files: int = 1):
    """The ceiling's W1: the same essential work per file as the desk's POST (`files` PDFs, one
    per document slot of the desk's form: each one fsynced file and one row)."""

    counter = itertools.count(1)

    def flow(_state):
        n = next(counter)
        client = Client(port)
        client.request("GET", "/form")
        uploads = {
            f"file-{i}": (f"a{i}.pdf", distinct_pdf(pdf, f"bare {n} {i}")) for i in range(files)
        }
        body, ctype = multipart({"name": "Asep Sunarya", "subject": "Permohonan"}, uploads)
        status, _, _ = client.request("POST", "/submit", body, {"Content-Type": ctype})
        client.conn.close()
        return status == 201

    return flow


def report(name, desk, ceiling=None) -> dict:
    line = (
        f"{name:4} {desk['rps']:8.1f} req/s  p50 {desk['p50']:6.1f} ms  p95 {desk['p95']:6.1f} ms"
        f"  p99 {desk['p99']:6.1f} ms  errors {desk['errors']}"
    )
    row = {"workload": name, **desk}
    if ceiling:
        row["ceiling"] = ceiling
        row["ratio"] = desk["rps"] / ceiling["rps"]
        line += f"  | ceiling {ceiling['rps']:8.1f} req/s p95 {ceiling['p95']:5.1f} ms"
        line += f"  ratio {row['ratio']:.2f}x"
    print(line, flush=True)
    return row


def print_cpu(desk, ceiling, unit: str, before: str = "") -> None:
    """The line under a workload's: its servers' workers' CPU per flow or request (the part
    of the machine the load client, which shares it, did not take)."""
    print(
        f"     {before}the workers' CPU per {unit}: desk {desk['cpu_ms']:.2f} ms, "
        f"ceiling {ceiling['cpu_ms']:.2f} ms",
        flush=True,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tickets", type=int, default=100_000)
    parser.add_argument("--database-url")
    parser.add_argument("--redis-url", help="huey and the rate limiter on Redis")
    parser.add_argument("--workdir")
    parser.add_argument("--duration", type=float, default=10.0)
    parser.add_argument("--connections", type=int, default=8)
    parser.add_argument("--emails", type=int, default=10_000)
    parser.add_argument("--only", default="W1,W2,W3,W4,W5,W6,W7,W8")
    parser.add_argument(
        "--w7-path", action="append", help=f"a page W7 times (default: {', '.join(W7_PATHS)})"
    )
    parser.add_argument("--w7-as", default=",".join(W7_USERS), help="who W7 logs in as")
    parser.add_argument("--w6-batch", default="2,50", help="W6's rows per task, each in turn")
    parser.add_argument("--w4-due", type=int, default=10_000, help="tickets W4 finds due")
    parser.add_argument(
        "--pool",
        action="store_true",
        help="the desk with DESK_DATABASE_POOL=1, the ceiling on the same pooled URL",
    )
    args = parser.parse_args()
    only = set(args.only.split(","))
    workdir = Path(args.workdir or tempfile.mkdtemp(prefix="desk-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    env = environment(workdir, args.database_url, args.redis_url)
    prepare(env, workdir, args.tickets)
    bare_env = dict(
        env, BARE_DATABASE_URL=env["DESK_DATABASE_URL"], BARE_FILES=str(workdir / "bare")
    )
    if args.pool:  # both keep their connections: the ratio compares like with like
        from models.db import pooled_url

        env["DESK_DATABASE_POOL"] = "1"
        bare_env.update(
            DESK_DATABASE_POOL="1", BARE_DATABASE_URL=pooled_url(env["DESK_DATABASE_URL"])
        )

    from bench.seed import sample_pdf

    pdf = sample_pdf(50_000)
    results = {
        "tickets": args.tickets,
        "backend": env["DESK_DATABASE_URL"].split(":")[0],
        "pool": args.pool,
    }
    rows = results["rows"] = []
    with desk_app(env):
        from models.catalog import RequiredDocument
        from models.db import connection
        from models.scope import visible_tickets
        from models.staff import User
        from models.ticket import Ticket

        with connection():
            helpdesk = User.get(User.email == "helpdesk@example.go.id")
            visible = visible_tickets(helpdesk, Ticket.select(Ticket.id, Ticket.layanan))
            sample = [t.id for t in visible.order_by(Ticket.id.desc()).limit(2000)]
            layanan_id = visible.first().layanan_id
            slots = RequiredDocument.for_layanan(layanan_id).count()  # W1's files per POST
        admin_code = admin_totp()

    desk = Gunicorn("app:create_app()", env)
    bare = Gunicorn("bench.bare:create_app()", bare_env)
    try:
        n, d = args.connections, args.duration
        phase = {"connections": n, "duration": d}
        if "W1" in only:
            ceiling = server_cpu(
                bare, lambda: load(lambda i: None, w1_bare(bare.port, pdf, slots), **phase)
            )
            measured = server_cpu(
                desk, lambda: load(lambda i: None, w1_desk(desk.port, layanan_id, pdf), **phase)
            )
            rows.append(report("W1", measured, ceiling))
            print_cpu(measured, ceiling, "flow", f"{slots} PDFs a flow; ")
        if "W2" in only:
            ceiling = server_cpu(bare, lambda: load(
                lambda i: Client(bare.port), get_flow(["/list?status=assigned"]), **phase,
            ))  # fmt: skip
            measured = server_cpu(desk, lambda: load(
                lambda i: staff_client(desk.port, "helpdesk@example.go.id"),
                get_flow(["/admin/tiket/?flt0_0=assigned"]), **phase,
            ))  # fmt: skip
            rows.append(report("W2", measured, ceiling))
            print_cpu(measured, ceiling, "request")
        if "W3" in only:
            ceiling = server_cpu(bare, lambda: load(
                lambda i: Client(bare.port), get_flow([f"/ticket/{i}" for i in sample]), **phase,
            ))  # fmt: skip
            measured = server_cpu(desk, lambda: load(
                lambda i: staff_client(desk.port, "helpdesk@example.go.id"),
                get_flow([f"/admin/tiket/details/?id={i}" for i in sample]), **phase,
            ))  # fmt: skip
            rows.append(report("W3", measured, ceiling))
            print_cpu(measured, ceiling, "request")
        if "W7" in only or "W8" in only:
            with desk_app(env):
                admin = staff_client(desk.port, "admin@example.go.id", admin_code)
        if "W7" in only:
            for email in args.w7_as.split(","):
                client = admin if email == "admin@example.go.id" else staff_client(desk.port, email)
                for path in args.w7_path or W7_PATHS:
                    rows.append(w7_page(client, email, path))
    finally:
        desk.stop()
        bare.stop()

    if "W8" in only:
        rows.append(w8_export(env, admin.cookies))
    if "W5" in only:
        with desk_app(env):
            rows.append(w5_berita_acara())
    if "W4" in only:
        with database_copy(env, workdir) as copy_env, desk_app(copy_env):
            rows.append(w4_sweep(args.w4_due))
    if "W6" in only:
        for batch in (int(b) for b in args.w6_batch.split(",")):
            rows.append(w6_emails(env, args.emails, batch))
    if args.redis_url:
        forget_redis_keys(args.redis_url, env["DESK_HUEY_NAME"])
    out = workdir / "results.json"
    out.write_text(json.dumps(results, indent=2, default=str))
    print(f"results: {out}")


W7_PATHS = [
    "/admin/kepatuhan/",
    "/admin/?periode=bulan",
    "/admin/?periode=kuartal",
    "/admin/?periode=tahun",
]
W7_USERS = ["admin@example.go.id", "kabid@example.go.id"]


def w7_page(client, email: str, path: str) -> dict:
    """One staff page: its first request (the answering worker's figure cache still cold for
    it), then 4 more to warm both workers, then p50 and max of 10."""
    t0 = time.perf_counter()
    status, _, _ = client.request("GET", path)
    first = (time.perf_counter() - t0) * 1000
    if status != 200:
        raise RuntimeError(f"W7 {path} as {email}: {status}")
    for _ in range(4):
        client.request("GET", path)
    timed_ = timed(lambda: client.request("GET", path), 10)
    print(
        f"W7   {path} as {email}: first {first:.0f} ms, "
        f"then p50 {timed_['p50']:.0f} ms, max {timed_['max']:.0f} ms"
    )
    return {"workload": "W7", "path": path, "as": email, "first": first, **timed_}


def forget_redis_keys(url: str, name: str) -> None:
    """Delete the run's queue and rate-limit keys (each names the run: huey's queue, the
    limiter's prefixes) from the shared Redis."""
    import redis

    client = redis.Redis.from_url(url)
    keys = list(client.scan_iter(match=f"*{name}*", count=1000))
    if keys:
        client.delete(*keys)


def w8_export(env, cookies: dict) -> dict:
    """The CSV export of every ticket by the admin (the session logged in for W7), on a fresh
    one-worker gunicorn: the time and the worker's peak memory above its resident size after a
    first page. Its worker has threads, as in production (`deploy/gunicorn.conf.py`): a sync
    worker busy for longer than gunicorn's timeout (30 s, an export of 1,000,000 tickets) is
    killed mid-download; a threaded one keeps answering the arbiter."""
    server = Gunicorn("app:create_app()", env, workers=1, threads=2)
    try:
        admin = Client(server.port)
        admin.cookies = dict(cookies)
        admin.request("GET", "/admin/tiket/")
        (pid,) = server.worker_pids()
        before = memory_kb(pid, "VmRSS")
        t0 = time.perf_counter()
        # every ticket: "Tampilkan: Semua" (the list opens on the open ones)
        status, body, _ = admin.request("GET", "/admin/tiket/export/csv/?flt0_6=all")
        elapsed = time.perf_counter() - t0
        peak = memory_kb(pid, "VmHWM")
    finally:
        server.stop()
    lines = body.count(b"\n") - 1
    print(
        f"W8   CSV export: status {status}, {lines} rows, {elapsed:.1f} s, "
        f"worker peak +{(peak - before) / 1024:.0f} MB over {before / 1024:.0f} MB"
    )
    return {
        "workload": "W8",
        "rows": lines,
        "seconds": elapsed,
        "peak_growth_mb": (peak - before) / 1024,
    }


def w5_berita_acara() -> dict:
    """One Berita Acara PDF rendered (the task's rendering, without storing it)."""
    from models.db import connection
    from models.staff import User
    from models.ticket import SELESAI, Ticket
    from tasks.berita_acara import render_berita_acara

    with connection():
        ticket = Ticket.select().where(Ticket.status == SELESAI).first()
        agent = User.get_by_id(ticket.assigned_agent_id)
        render_berita_acara(ticket, agent, "Pemasangan dan konfigurasi selesai.")
        w5 = timed(lambda: render_berita_acara(ticket, agent, "Pekerjaan selesai. " * 40), 10)
    print(f"W5   one BA PDF: p50 {w5['p50']:.0f} ms, max {w5['max']:.0f} ms")
    return {"workload": "W5", **w5}


@contextmanager
def database_copy(env, workdir: Path):
    """The bench database copied (SQLite: the backup API; PostgreSQL: a template copy) and
    dropped afterwards, so that a destructive workload (W4) leaves the seeded one as it was."""
    url = env["DESK_DATABASE_URL"]
    if url.startswith("sqlite"):
        import sqlite3

        copy = workdir / "copy.sqlite3"
        source = sqlite3.connect(url.split("///", 1)[1])
        target = sqlite3.connect(copy)
        source.backup(target)
        source.close()
        target.close()
        try:
            yield dict(env, DESK_DATABASE_URL=f"sqlite:///{copy}")
        finally:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{copy}{suffix}").unlink(missing_ok=True)
        return
    import psycopg2

    base, _, name = url.rpartition("/")
    admin = psycopg2.connect(f"{base}/postgres")
    admin.autocommit = True
    copy = f"{name}_copy"
    with admin.cursor() as cursor:
        cursor.execute(f'DROP DATABASE IF EXISTS "{copy}"')
        cursor.execute(f'CREATE DATABASE "{copy}" TEMPLATE "{name}"')
    try:
        yield dict(env, DESK_DATABASE_URL=f"{base}/{copy}")
    finally:
        from models.db import database

        if not database.is_closed():
            database.close()
        with admin.cursor() as cursor:
            cursor.execute(f'DROP DATABASE IF EXISTS "{copy}" WITH (FORCE)')
        admin.close()


def w4_sweep(wanted: int) -> dict:
    """The expiry sweep over the whole table at the time when `wanted` incomplete tickets are
    past their window (all of them when there are fewer)."""
    import datetime as dt
    import resource

    from models.db import connection, utcnow
    from models.ticket import INCOMPLETE, Ticket
    from models.workflow import expire_overdue

    with connection():
        incomplete = Ticket.select(Ticket.due_at).where(Ticket.status == INCOMPLETE)
        total = incomplete.count()
        nth = incomplete.order_by(Ticket.due_at).offset(wanted - 1).limit(1).scalar()
        now = nth if nth is not None and total > wanted else utcnow() + dt.timedelta(days=62)
        due = Ticket.expired_incomplete(now).count()
        rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        t0 = time.perf_counter()
        closed = expire_overdue(now=now)
        elapsed = time.perf_counter() - t0
        grown = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss
        tickets = Ticket.select().count()
    print(
        f"W4   sweep over {tickets} tickets: {closed} of {due} due ({total} incomplete) expired "
        f"in {elapsed:.1f} s, peak +{grown / 1024:.0f} MB"
    )
    return {
        "workload": "W4", "tickets": tickets, "due": due, "expired": closed,
        "seconds": elapsed, "peak_growth_mb": grown / 1024,
    }  # fmt: skip


def w6_emails(env, count: int, batch: int) -> dict:
    """`count` emails through two huey consumers (thread workers) to an aiosmtpd sink, queued
    `batch` rows a task (2: the rows of one submission; 50: a backlog the periodic re-queue
    finds)."""
    from aiosmtpd.controller import Controller

    received: list[str] = []

    class Sink:
        async def handle_DATA(self, server, session, envelope):
            text = envelope.content.decode("utf-8", "replace")
            match = re.search(r"^Message-ID: (.+)$", text, re.M | re.I)
            received.append(match.group(1).strip() if match else "")
            return "250 OK"

    smtp_port = free_port()
    sink = Controller(Sink(), hostname="127.0.0.1", port=smtp_port)
    sink.start()
    mail_env = dict(env, DESK_SMTP_HOST="127.0.0.1", DESK_SMTP_PORT=str(smtp_port))
    consumers = []
    try:
        with desk_app(mail_env):
            from models.db import connection, database
            from models.ticket import Notification, Ticket
            from tasks.mail import send_notifications

            with connection():
                tickets = [t.id for t in Ticket.select(Ticket.id).limit(count)]
                emails = {
                    t.id: t.requester_email for t in Ticket.select().where(Ticket.id.in_(tickets))
                }
                with database.atomic():
                    ids = []
                    for tid in tickets:
                        ids.append(
                            Notification.insert(
                                ticket=tid, kind="opened", audience="requester", email=emails[tid]
                            ).execute()
                        )
                for start in range(0, len(ids), batch):  # one task per transaction's rows
                    send_notifications(ids[start : start + batch])
        t0 = time.perf_counter()
        for flags in ([], ["-n"]):
            consumers.append(
                subprocess.Popen(
                    [str(BIN / "huey_consumer"), "tasks.worker.huey", "-w", "4", "-k", "thread",
                     *flags],
                    cwd=ROOT, env=mail_env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                )
            )  # fmt: skip
        wanted = {f"<notification-{i}." for i in ids}

        def ours():
            return [m for m in received if m.split(".")[0] + "." in wanted]

        deadline = time.time() + 300
        while len(ours()) < len(ids) and time.time() < deadline:
            time.sleep(0.2)
        elapsed = time.perf_counter() - t0
        time.sleep(2)  # a duplicate would arrive now
    finally:
        for proc in consumers:
            proc.terminate()
            proc.wait(20)
        sink.stop()
    with desk_app(mail_env):
        from models.db import connection
        from models.ticket import Notification

        with connection():
            sent = (
                Notification.select()
                .where(Notification.id.in_(ids), Notification.status == "sent")
                .count()
            )
    received = ours()
    unique = len(set(received))
    print(
        f"W6   emails, {batch} a task: {len(received)} received ({unique} distinct, "
        f"{sent} marked sent) of {len(ids)} in {elapsed:.1f} s = {len(received) / elapsed:.0f}/s"
    )
    return {
        "workload": "W6", "batch": batch, "queued": len(ids), "received": len(received),
        "distinct": unique, "sent": sent, "seconds": elapsed, "per_second": len(received) / elapsed,
    }  # fmt: skip


if __name__ == "__main__":
    main()
