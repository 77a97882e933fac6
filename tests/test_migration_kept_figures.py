"""Migration 0020: a database at 0017 with tickets upgrades to the head; the table of kept figures
is there, empty, and takes a row; the ticket indexes of the home page's counts replace the
narrow ones; no row is touched. On SQLite and on PostgreSQL (`tests/test_migrations.py`)."""

from __future__ import annotations

import datetime as dt

from models import migrate
from models.db import database
from models.kept_figures import KeptFigure
from tests.test_migrations import (  # noqa: F401 (the fixtures)
    HEAD,
    new_database,
    previous_release,
    snapshot,
)

KEPT = "0020_kept_figures"
BEFORE = "0017_issued_document_requests"


def _ticket_indexes() -> dict:
    return {i.name: tuple(i.columns) for i in database.get_indexes("ticket")}


def test_0017_upgrades_to_the_head_with_the_kept_figures(previous_release):  # noqa: F811
    migrate.upgrade(BEFORE)
    with database.connection_context():
        before = snapshot()
        assert not database.table_exists("kept_figure")
        assert "ticket_status_due_at" in _ticket_indexes()
    applied = migrate.upgrade()
    assert KEPT in applied and applied == HEAD[HEAD.index(BEFORE) + 1 :]
    with database.connection_context():
        after = snapshot()
        indexes = _ticket_indexes()
        assert after.pop("kept_figure") == []
        later = set(after) - set(before)  # the tables of the migrations after 0020: empty
        assert all(after.pop(name) == [] for name in later)
        assert after == before  # no row touched
        # widened again to the id by 0027 (a due-time sort's ties)
        assert indexes["ticket_status_due_at_layanan_id_step_assigned_agent_id_id"] == (
            "status",
            "due_at",
            "layanan_id",
            "step",
            "assigned_agent_id",
            "id",
        )
        assert "ticket_status_due_at_layanan_id_step_assigned_agent_id" not in indexes
        assert "ticket_due_at_status_layanan_id" not in indexes
        assert indexes["ticket_due_at_status_layanan_id_step_assigned_agent_id_id"] == (
            "due_at",
            "status",
            "layanan_id",
            "step",
            "assigned_agent_id",
            "id",
        )
        assert indexes["ticket_reply_unread_assigned_agent_id"] == (
            "reply_unread",
            "assigned_agent_id",
        )
        assert "ticket_status_due_at" not in indexes and "ticket_due_at" not in indexes
        KeptFigure.create(
            key="month|x|2026-06",
            kind="month",
            value="[1,2,3,4]",
            period_end=dt.datetime(2026, 6, 30, 17),
            tickets_seen=1,
            steps_seen=1,
        )
        assert KeptFigure.get_by_id("month|x|2026-06").value == "[1,2,3,4]"
