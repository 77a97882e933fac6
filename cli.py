"""Flask commands (thin: each calls the module that holds the rule)."""

from __future__ import annotations

import os

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext

from models.db import connection


def init_app(app) -> None:
    commands = (
        init_db,
        db_group,
        seed_demo,
        seed_demo_surveys,
        seed_bench,
        create_user,
        sweep,
        serve,
        backup,
        restore,
        documents_group,
        audit_group,
        monthly_report,
    )
    for command in commands:
        app.cli.add_command(command)


def _upgrade() -> None:
    from models.migrate import MigrationError, upgrade

    try:
        applied = upgrade()
    except MigrationError as exc:
        raise click.ClickException(str(exc)) from exc
    for name in applied:
        click.echo(f"Migrasi diterapkan: {name}")
    if not applied:
        click.echo("Tidak ada migrasi yang tertunda.")


@click.command("init-db")
@with_appcontext
def init_db():
    """Bring the database to the head schema: apply every pending migration (safe to run
    twice)."""
    _upgrade()
    click.echo("Database siap.")


db_group = AppGroup("db", help="Migrasi skema database.")


@db_group.command("upgrade")
def db_upgrade():
    """Apply the pending migrations in order, one transaction each; print what it applied."""
    _upgrade()


@db_group.command("status")
def db_status():
    """List every migration as applied (with when) or pending; change nothing."""
    from models.migrate import MigrationError, status

    try:
        states = status()
    except MigrationError as exc:
        raise click.ClickException(str(exc)) from exc
    for state in states:
        if not state.applied:
            click.echo(f"{state.name:32} tertunda")
        elif state.applied_at is None:
            click.echo(f"{state.name:32} sudah (skema rilis sebelumnya)")
        else:
            click.echo(f"{state.name:32} sudah ({state.applied_at:%Y-%m-%d %H:%M} UTC)")
    pending = sum(not s.applied for s in states)
    click.echo(f"{pending} migrasi tertunda." if pending else "Database pada versi terbaru.")


@click.command("seed-demo")
@with_appcontext
@click.option("--password", help="Kata sandi semua pengguna demo (bawaan: acak, dicetak).")
def seed_demo(password):
    """Load the demo catalogue and one staff user per role (safe to run twice)."""
    from models.seed import seed_demo as run
    from staffauth.production import production

    if production():
        raise click.ClickException(
            "DESK_ENV=production: seed-demo membuat akun demo dan tidak dijalankan. "
            "Buat admin dengan `flask create-user`."
        )
    with connection():
        for role, email, pw in run(password):
            if pw is None:
                click.echo(f"{role:14} {email:28} (sudah ada)")
            elif password:
                click.echo(f"{role:14} {email}")
            else:
                click.echo(f"{role:14} {email:28} kata sandi: {pw}")


@click.command("seed-demo-surveys")
@with_appcontext
def seed_demo_surveys():
    """A few demo tickets through the whole SOP, each with its satisfaction survey answered
    (after seed-demo; safe to run twice)."""
    from models.demo_surveys import seed_demo_surveys as run
    from staffauth.production import production

    if production():
        raise click.ClickException("DESK_ENV=production: data demo tidak dibuat.")
    with connection():
        done = run()
    click.echo(f"{done} survei kepuasan demo diisi." if done else "Survei demo sudah ada.")


@click.command("seed-bench")
@with_appcontext
@click.option("--tickets", default=100_000, show_default=True, help="Jumlah tiket.")
@click.option("--seed", "random_seed", default=12, show_default=True, help="Benih acak.")
def seed_bench(tickets, random_seed):
    """Fill the database with N realistic tickets in every state (benchmarks; `bench/seed.py`):
    needs the catalogue and the demo users (`seed-demo`)."""
    import time

    from bench.seed import seed_bench as run

    started = time.perf_counter()
    with connection():
        counts = run(tickets, seed=random_seed)
    rows = ", ".join(f"{table} {n}" for table, n in counts.items())
    click.echo(f"{tickets} tiket dibuat dalam {time.perf_counter() - started:.1f} s ({rows}).")


@click.command("create-user")
@with_appcontext
@click.argument("email")
@click.option("--name", required=True, help="Nama lengkap.")
@click.option("--role", required=True, help="admin, helpdesk, agent, kepala_bidang, kepala_seksi")
@click.option("--bidang", "bidang_code", help="Kode bidang (mis. aptika).")
@click.option("--seksi", "seksi_code", help="Kode seksi (mis. rekayasa-aplikasi).")
@click.option("--password", help="Kata sandi (bawaan: acak, dicetak).")
def create_user(email, name, role, bidang_code, seksi_code, password):
    """Create a staff user with one role."""
    from models.seed import StaffError, create_staff_user, seed_roles
    from staffauth.passwords import check_password

    problems = check_password(password) if password else []
    if problems:
        raise click.ClickException(" ".join(str(p) for p in problems))
    with connection():
        seed_roles()
        try:
            user, pw = create_staff_user(email, name, role, bidang_code, seksi_code, password)
        except StaffError as exc:
            raise click.ClickException(str(exc)) from exc
    click.echo(
        f"Pengguna {user.email} dibuat ({role})." + ("" if password else f" Kata sandi: {pw}")
    )


@click.command("sweep")
@with_appcontext
def sweep():
    """Close now every incomplete ticket past its one-month deadline (reason: expired)."""
    from models.workflow import expire_overdue

    with connection():
        closed = expire_overdue()
    click.echo(f"{closed} tiket ditutup karena kedaluwarsa.")


@click.command("backup")
@with_appcontext
@click.argument("dest", type=click.Path(file_okay=False))
def backup(dest):
    """Write a consistent backup (database and documents, with a manifest) into the new or
    empty folder DEST while the desk runs (SQLite; on PostgreSQL use pg_dump)."""
    from models.backup import BackupError
    from models.backup import backup as run
    from models.storage import store

    try:
        done = run(dest, store._get_current_object())
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(
        f"Cadangan ditulis ke {done.path}: {done.tickets} tiket, {done.documents} dokumen "
        f"({done.bytes} byte), semua checksum cocok."
    )


@click.command("restore")
@with_appcontext
@click.argument("src", type=click.Path(exists=True, file_okay=False))
@click.option("--force", is_flag=True, help="Timpa desk yang tidak kosong.")
def restore(src, force):
    """Bring back the backup in SRC into this (stopped) desk after checking every document's
    checksum; a desk that is not empty is refused without --force."""
    from models.backup import BackupError
    from models.backup import restore as run
    from models.migrate import status
    from models.storage import store

    try:
        done = run(src, store._get_current_object(), force=force)
    except BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    pending = [s.name for s in status() if not s.applied]
    click.echo(f"Dipulihkan: {done.tickets} tiket, {done.documents} dokumen, checksum cocok.")
    if pending:
        click.echo(f"Jalankan `flask db upgrade`: {len(pending)} migrasi tertunda.")


@click.command("serve")
@with_appcontext
@click.option("--host", default="127.0.0.1", show_default=True)
@click.option("--port", default=5000, show_default=True, envvar="PORT")
@click.option("--workers", default=2, show_default=True, help="Huey worker threads.")
def serve(host, port, workers):
    """Serve the app with an embedded huey consumer (the embedded default; one process)."""
    import signal

    from werkzeug.serving import run_simple

    from staffauth.production import ProductionError, refuse_demo_accounts
    from tasks import huey

    try:
        with connection():
            refuse_demo_accounts()
    except ProductionError as exc:
        raise click.ClickException(str(exc)) from exc
    if not os.environ.get("DESK_BASE_URL"):
        # Links in emails must point at the server actually started (PORT=8000 make run).
        current_app.config["BASE_URL"] = f"http://{host}:{port}"
    consumer = huey.create_consumer(workers=workers, worker_type="thread", periodic=True)
    consumer.start()
    # huey installs its own SIGINT/SIGTERM handlers; give Ctrl-C back to the web server.
    signal.signal(signal.SIGINT, signal.default_int_handler)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    try:
        run_simple(host, port, current_app._get_current_object(), threaded=True)
    finally:
        consumer.stop(graceful=True)


documents_group = AppGroup("documents", help="Berkas dokumen di penyimpanan.")


@documents_group.command("gc")
@click.option(
    "--grace-hours",
    type=click.FloatRange(min=0),
    default=6.0,
    show_default=True,
    help="Berkas yang lebih muda dari ini tidak disentuh (unggahan yang sedang berjalan).",
)
def documents_gc(grace_hours):
    """Delete document bytes no row references (refused or interrupted uploads), older than
    the grace period; print how many."""
    from models.document_gc import collect_orphans

    with connection():
        deleted = collect_orphans(grace_seconds=grace_hours * 3600)
    click.echo(f"Berkas yatim dihapus: {len(deleted)}")


audit_group = AppGroup("audit", help="Log audit staf dan rantai hash riwayat tiket.")


@audit_group.command("verify")
def audit_verify():
    """Walk the hash chains of the audit log and of every ticket's history; print the first
    broken link and exit 1, or say that every chain is whole."""
    from models.hashchain import verify

    with connection():
        broken = verify()
    if broken is not None:
        click.echo(f"Rantai rusak: {broken}", err=True)
        raise SystemExit(1)
    click.echo("Semua rantai utuh.")


@click.command("monthly-report")
@with_appcontext
@click.argument("email")
@click.argument("out", type=click.Path(dir_okay=False, writable=True))
@click.option("--periode", default="", help="TTTT-BB, TTTT-T1..T4 atau TTTT (bawaan: bulan ini).")
@click.option("--bidang", "bidang_code", help="Kode bidang (hanya admin; bawaan: seluruh bidang).")
def monthly_report(email, out, periode, bidang_code):
    """Write the monthly report PDF that staff member EMAIL would download to OUT (audited as
    their export); prints its number, size and the time it took."""
    import time

    from models import audit, compliance
    from models import monthly_report as report_model
    from models.catalog import Bidang
    from models.db import utcnow
    from models.staff import User
    from tasks.monthly_report import monthly_report_pdf

    with connection():
        user = User.get_or_none(User.email == email.strip().lower())
        if user is None or not user.active:
            raise click.ClickException(f"Tidak ada staf aktif dengan email {email}.")
        try:
            period = report_model.parse_period(periode) if periode else compliance.current_month()
        except report_model.PeriodError as exc:
            raise click.ClickException(str(exc)) from None
        bidang = Bidang.get_or_none(Bidang.code == bidang_code) if bidang_code else None
        if bidang_code and bidang is None:
            raise click.ClickException(f"Bidang tidak dikenal: {bidang_code}.")
        started = time.perf_counter()
        report, data = monthly_report_pdf(
            user, period, utcnow(), bidang_id=bidang.id if bidang else None
        )
        elapsed = time.perf_counter() - started
        audit.record(
            "export", user, target=f"laporan bulanan {report.number}", detail={"via": "cli"}
        )
    with open(out, "wb") as f:
        f.write(data)
    click.echo(f"{report.number}: {out}, {len(data)} bita, {elapsed:.2f} s")
