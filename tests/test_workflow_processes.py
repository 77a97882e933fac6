"""One winner across PROCESSES on PostgreSQL under READ COMMITTED (its default): each worker
process builds the app from the environment (DESK_DATABASE_URL, as a gunicorn worker does) and
they race, round by round behind a barrier, on the same ticket; exactly one wins each round, and
ticket numbers stay unique under submissions from every process at once."""

from __future__ import annotations

import multiprocessing
import os

import pytest

from models import workflow
from models.db import connection
from models.staff import User
from models.ticket import Ticket, TicketEvent
from tests.helpers import T0, new_request, required_uploads

PROCESSES = 4
ROUNDS = 4
SUBMISSIONS = 2  # rounds in which every process submits a ticket


def _race_worker(env: dict, plan: list, barrier, results) -> None:
    """One process: the app from the environment, then each round of `plan` behind the
    barrier; puts (round, isolation level, outcome) on `results`."""
    os.environ.update(env)
    from app import create_app
    from models.db import database

    app = create_app()
    with app.app_context(), connection():
        level = database.execute_sql("SHOW transaction_isolation").fetchone()[0]
        for number, (action, ticket_id, actor_email, agent_email) in enumerate(plan):
            actor = User.get(User.email == actor_email) if actor_email else None
            barrier.wait(60)
            try:
                if action == "dispose":
                    agent = User.get(User.email == agent_email)
                    workflow.dispose(actor, ticket_id, agent.id)
                elif action == "close":
                    workflow.close(actor, ticket_id, confirm_wet_ink=True)
                else:
                    workflow.submit(None, new_request(), required_uploads())
                results.put((number, level, "ok", os.getpid()))
            except workflow.WorkflowError as exc:
                results.put((number, level, exc.kind, os.getpid()))


def _environment(app, tmp_path) -> dict:
    return {
        "DESK_DATABASE_URL": app.config["DATABASE_URL"],
        "DESK_SECRET_KEY": "process-race",
        "DESK_DOCUMENTS_DIR": str(tmp_path / "documents"),
        "DESK_OUTBOX_DIR": str(tmp_path / "outbox"),
        "DESK_HUEY_FILE": str(tmp_path / "huey.sqlite3"),  # emails queued, not sent
    }


def _run(env, plans) -> list[tuple]:
    spawn = multiprocessing.get_context("spawn")  # fresh interpreters, as separate workers
    barrier = spawn.Barrier(len(plans))
    results = spawn.Queue()
    procs = [spawn.Process(target=_race_worker, args=(env, p, barrier, results)) for p in plans]
    for proc in procs:
        proc.start()
    outcomes = [results.get(timeout=180) for _ in range(sum(len(p) for p in plans))]
    for proc in procs:
        proc.join(60)
        assert proc.exitcode == 0
    results.close()
    return outcomes


@pytest.fixture
def pg_app(make_app, postgres_url):
    return make_app(DATABASE_URL=postgres_url)


def test_one_winner_per_ticket_and_unique_numbers_across_processes(pg_app, tmp_path):
    with pg_app.app_context(), connection():
        helpdesk = User.get(User.email == "helpdesk@example.go.id")
        tickets = []
        for _ in range(ROUNDS):
            ticket = workflow.submit(None, new_request(), required_uploads(), now=T0)
            workflow.verify_complete(helpdesk, ticket.id, now=T0)
            tickets.append(ticket.id)
    # every process disposes every ticket at the same moment (helpdesk and admin alike), then
    # every process submits a new ticket at the same moment
    actors = ["helpdesk@example.go.id", "admin@example.go.id"]
    plans = [
        [("dispose", t, actors[i % 2], "agen@example.go.id") for t in tickets]
        + [("submit", None, None, None)] * SUBMISSIONS
        for i in range(PROCESSES)
    ]
    outcomes = _run(_environment(pg_app, tmp_path), plans)

    assert {level for _, level, _, _ in outcomes} == {"read committed"}
    assert len({pid for *_, pid in outcomes}) == PROCESSES
    for number in range(ROUNDS):
        kinds = sorted(kind for n, _, kind, _ in outcomes if n == number)
        assert kinds.count("ok") == 1, kinds
        assert set(kinds) - {"ok"} <= {"stale", "state"}, kinds
    submitted = [kind for n, _, kind, _ in outcomes if n >= ROUNDS]
    assert submitted == ["ok"] * PROCESSES * SUBMISSIONS
    with pg_app.app_context(), connection():
        for ticket_id in tickets:
            assert Ticket.get_by_id(ticket_id).status == "assigned"
            disposed = TicketEvent.select().where(
                TicketEvent.ticket == ticket_id, TicketEvent.action == "disposed"
            )
            assert disposed.count() == 1
        numbers = sorted(int(t.number.rsplit("-", 1)[1]) for t in Ticket.select())
    assert numbers == list(range(1, ROUNDS + PROCESSES * SUBMISSIONS + 1))  # none twice, no gap
