"""The working duration of every ended SOP step: `ticket_step.working_seconds`.

The dashboard's medians and 90th percentiles are read from this column (see
`models.step_duration`); the workflow fills it when a step ends. Existing ended rows are filled
here with the working calendar (the app's when there is one, else the configured defaults with
the holidays of the `holiday` table); open rows stay NULL. One nullable `ADD COLUMN` (no table
rebuild), then one UPDATE per thousand ended rows. Two indexes for the dashboard: `ticket_step
(ended_at, due_at, status, step, working_seconds)` replaces 0009's `(ended_at, due_at)` (its
prefix), so the figures of the steps ended in a period are read without touching the table;
and `ticket (closed_at)`.
"""

from __future__ import annotations

import datetime as dt

from models.step_duration import working_seconds


def _calendar(database):
    """The current app's calendar, or one from the DESK_* defaults with the holiday table."""
    from flask import current_app, has_app_context

    from models.calendar import EXTENSION, WorkingCalendar

    holidays = {
        (row[0] if isinstance(row[0], dt.date) else dt.date.fromisoformat(str(row[0])[:10]))
        for row in database.execute_sql('SELECT "date" FROM "holiday"').fetchall()
    }
    if has_app_context() and EXTENSION in current_app.extensions:
        own = current_app.extensions[EXTENSION]
        base = dict(timezone=own.timezone, work_days=own.work_days, start=own.start, end=own.end)
    else:
        base = {}
    # the holidays are read once: one query per row would make the backfill slow
    return WorkingCalendar(**base, holidays=lambda first, last: holidays)


def _datetime(value):
    return value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value))


def upgrade(migrator, database) -> None:
    """Add `ticket_step.working_seconds` (INTEGER NULL), fill it for the ended rows, index
    (step, ended_at)."""
    database.execute_sql('ALTER TABLE "ticket_step" ADD COLUMN "working_seconds" INTEGER')
    fill(database)
    columns = ("ended_at", "due_at", "status", "step", "working_seconds")
    migrator.add_index("ticket_step", columns, False).run()
    migrator.drop_index("ticket_step", "ticket_step_ended_at_due_at").run()  # its prefix
    migrator.add_index("ticket", ("closed_at",), False).run()


def fill(database) -> None:
    """Fill `working_seconds` of every ended step that has none, by the working calendar (also
    used by `flask seed-bench`, whose bulk rows bypass the workflow)."""
    calendar = _calendar(database)
    rows = database.execute_sql(
        'SELECT "id", "started_at", "ended_at", "paused_seconds", "paused_at" '
        'FROM "ticket_step" WHERE "ended_at" IS NOT NULL AND "working_seconds" IS NULL'
    ).fetchall()
    batch = []
    for row_id, started, ended, paused_seconds, paused_at in rows:
        seconds = working_seconds(
            calendar,
            _datetime(started),
            _datetime(ended),
            paused_seconds,
            _datetime(paused_at) if paused_at else None,
        )
        batch.append((row_id, seconds))
        if len(batch) == BATCH:
            _write(database, batch)
            batch = []
    _write(database, batch)


BATCH = 1000  # rows an UPDATE: 3,000 parameters, under every back end's limit


def _write(database, batch) -> None:
    """One UPDATE for a batch of (id, seconds): a statement per row made a million-ticket
    seed spend most of its hour here."""
    if not batch:
        return
    param = database.param
    cases = " ".join(f"WHEN {param} THEN {param}" for _ in batch)
    ids = ", ".join([param] * len(batch))
    database.execute_sql(
        f'UPDATE "ticket_step" SET "working_seconds" = CASE "id" {cases} END WHERE "id" IN ({ids})',
        [value for pair in batch for value in pair] + [row_id for row_id, _ in batch],
    )
