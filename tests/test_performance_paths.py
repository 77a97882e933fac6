"""The shortcuts issue #12 took stay correct: roles read once per request but a change seen,
cached filter choices forgotten on an edit, one enqueue per transaction, none for a rollback."""

from __future__ import annotations

import logging

import pytest

from models import process_cache, workflow
from models.catalog import Seksi
from models.db import database
from models.outbox import notifications_committed, notify
from models.staff import User
from models.staff_admin import create_staff, update_staff
from models.ticket import Notification, Ticket, TicketEvent
from tests.helpers import T0, new_request, required_uploads


class QueryCount(logging.Handler):
    """Counts the SQL statements peewee runs while installed."""

    def __init__(self):
        super().__init__(logging.DEBUG)
        self.statements = []

    def emit(self, record):
        self.statements.append(record.getMessage())

    def __enter__(self):
        logger = logging.getLogger("peewee")
        self._level = logger.level
        logger.addHandler(self)
        logger.setLevel(logging.DEBUG)
        return self

    def __exit__(self, *exc):
        logger = logging.getLogger("peewee")
        logger.removeHandler(self)
        logger.setLevel(self._level)


@pytest.fixture
def committed():
    """The id lists `notifications_committed` carries, one list per signal."""
    seen = []

    def listen(sender, ids):
        seen.append(list(ids))

    notifications_committed.connect(listen)
    yield seen
    notifications_committed.disconnect(listen)


def test_roles_are_read_once_per_request_and_a_change_is_seen(app, db, users):
    helpdesk = User.get_by_id(users["helpdesk"].id)
    with app.test_request_context("/"):
        with QueryCount() as count:
            assert helpdesk.role_names == {"helpdesk"}
            assert helpdesk.role_names == {"helpdesk"}
            assert User.get_by_id(helpdesk.id).role_names == {"helpdesk"}
        assert sum("role" in s for s in count.statements) == 1
        update_staff(
            users["admin"], helpdesk.id, helpdesk.name, ["helpdesk", "kepala_bidang"],
            bidang_id=helpdesk.bidang_id,
        )  # fmt: skip
        assert helpdesk.role_names == {"helpdesk", "kepala_bidang"}  # in the same request
    with app.test_request_context("/"):
        assert helpdesk.role_names == {"helpdesk", "kepala_bidang"}


def test_cached_values_are_per_app_expire_and_are_forgotten(app, make_app):
    calls = []

    def load():
        calls.append(1)
        return len(calls)

    with app.app_context():
        assert process_cache.cached("x", load) == 1
        assert process_cache.cached("x", load) == 1  # kept
        process_cache.forget()
        assert process_cache.cached("x", load) == 2
        assert process_cache.cached("y", load, ttl=0) == 3  # expired at once
        assert process_cache.cached("y", load, ttl=0) == 4
    with make_app().app_context():
        assert process_cache.cached("x", load) == 5  # another app has its own


def test_a_new_agent_is_in_the_list_filter_at_once(app, client, login_as, users):
    login_as("admin")
    assert client.get("/admin/tiket/").status_code == 200  # the choices are cached now
    with app.app_context(), database.connection_context():
        seksi = Seksi.get_by_id(users["agent"].seksi_id)
        create_staff(
            users["admin"], "agen.baru@example.go.id", "Petugas Baru Sekali", ["agent"],
            seksi_id=seksi.id,
        )  # fmt: skip
    page = client.get("/admin/tiket/").get_data(as_text=True)
    assert "Petugas Baru Sekali" in page


def test_the_outbox_rows_of_one_transaction_are_queued_together(db, committed):
    ticket = workflow.submit(None, new_request(), required_uploads(), now=T0)
    rows = [n.id for n in Notification.select().where(Notification.ticket == ticket.id)]
    assert len(rows) == 2
    assert committed == [rows]  # one signal, one task, for both rows


def test_a_rolled_back_transaction_queues_nothing(db, committed):
    ticket = workflow.submit(None, new_request(), required_uploads(), now=T0)
    event = TicketEvent.for_ticket(ticket.id).first()
    committed.clear()
    with pytest.raises(RuntimeError):
        with database.atomic():
            notify(ticket, event, "opened", requester=True)
            raise RuntimeError("rolled back")
    assert committed == []
    with database.atomic():
        (row,) = notify(ticket, event, "opened", requester=True)
    assert committed == [[row.id]]  # only its own row, not the rolled-back one's


def test_a_list_reads_every_ticket_column_it_shows(app, monkeypatch):
    from deskadmin.tickets import TicketListBase

    (view,) = [
        v for admin in app.extensions["admin"] for v in admin._views if v.endpoint == "tickets"
    ]
    assert isinstance(view, TicketListBase)
    read = {c.name for c in view._row_columns() if c.model is Ticket}
    assert {name for name, _label in view._list_columns} <= read
    monkeypatch.setattr(view, "_list_columns", [*view._list_columns, ("requester_name", "x")])
    assert "requester_name" in {c.name for c in view._row_columns() if c.model is Ticket}
