"""The shortcuts issue #12 took stay correct: roles read once per request but a change seen,
cached filter choices forgotten on an edit, one enqueue per transaction, none for a rollback."""

from __future__ import annotations

import pytest
from flask import template_rendered

from models import process_cache, workflow
from models.catalog import Seksi
from models.db import database
from models.outbox import notifications_committed, notify
from models.staff import User
from models.staff_admin import create_staff, update_staff
from models.ticket import Notification, Ticket, TicketEvent
from tests.helpers import T0, Statements, new_request, required_uploads


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
        with Statements() as count:
            assert helpdesk.role_names == {"helpdesk"}
            assert helpdesk.role_names == {"helpdesk"}
            assert User.get_by_id(helpdesk.id).role_names == {"helpdesk"}
        assert sum("role" in s for s in count.seen) == 1
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


# --- W1: the public request form ----------------------------------------------------------------

CATALOGUE_TABLES = tuple(
    f'FROM "{table}" AS' for table in ("layanan", "perangkat_daerah", "required_document")
)


def _form_fields(html: str) -> dict:
    import re

    def value(name):
        return re.search(rf'name="{name}"[^>]*value="([^"]+)"', html).group(1)

    return {
        "csrf_token": value("csrf_token"),
        "submission_key": value("submission_key"),
        "layanan_id": value("layanan_id"),
        "perangkat_daerah_id": re.search(r'<option value="(\d+)"', html).group(1),
        "requester_name": "Siti Rahmawati",
        "requester_nip": "198703152010012004",
        "requester_position": "Pranata Komputer",
        "requester_email": "siti@example.go.id",
        "requester_phone": "081234567890",
        "subject": "Subdomain",
        "description": "Mohon dibuatkan subdomain.",
    }


def _with_documents(html: str, data: dict) -> dict:
    import io
    import re

    from tests.helpers import PDF_BYTES

    for i, name in enumerate(re.findall(r'name="(dokumen-\d+)"', html)):
        data[name] = (io.BytesIO(PDF_BYTES + bytes([i])), f"{name}.pdf")
    return data


def test_the_blank_form_is_kept_but_each_visitor_gets_their_own_token_and_key(app):
    with app.app_context(), database.connection_context():
        layanan_id = new_request().layanan_id
    path = f"/?layanan={layanan_id}"
    first, second = app.test_client(), app.test_client()
    page_one = first.get(path).get_data(as_text=True)
    rendered = []

    def seen(sender, template, **extra):
        rendered.append(template.name)

    with template_rendered.connected_to(seen), Statements() as count:
        page_two = second.get(path).get_data(as_text=True)
    assert "public/form.html" not in rendered
    assert not any(table in s for s in count.seen for table in CATALOGUE_TABLES)
    assert not any('"seksi"' in s or '"bidang"' in s for s in count.seen)
    one, two = _form_fields(page_one), _form_fields(page_two)
    assert one["csrf_token"] != two["csrf_token"]
    assert one["submission_key"] != two["submission_key"]
    assert page_two.replace(two["csrf_token"], "").replace(two["submission_key"], "") == (
        page_one.replace(one["csrf_token"], "").replace(one["submission_key"], "")
    )
    # The kept page's token is the second visitor's own: their post is accepted, the first
    # visitor's token in the second session is not.
    stolen = _with_documents(page_two, {**two, "csrf_token": one["csrf_token"]})
    assert second.post("/", data=stolen, content_type="multipart/form-data").status_code == 400
    mine = _with_documents(page_two, _form_fields(second.get(path).get_data(as_text=True)))
    assert second.post("/", data=mine, content_type="multipart/form-data").status_code == 303
    with app.app_context(), database.connection_context():
        assert Ticket.select().where(Ticket.submission_key == mine["submission_key"]).exists()


def test_an_edit_of_the_catalogue_is_on_the_form_at_once(app, client):
    from models.catalog import Layanan

    with app.app_context(), database.connection_context():
        layanan_id = new_request().layanan_id
    path = f"/?layanan={layanan_id}"
    assert client.get(path).status_code == 200  # kept now
    with app.app_context(), database.connection_context():
        Layanan.update(name="Subdomain baru sekali").where(Layanan.id == layanan_id).execute()
        process_cache.forget()  # what the admin's catalogue views do after an edit
    assert "Subdomain baru sekali" in client.get(path).get_data(as_text=True)
    with app.app_context(), database.connection_context():
        Layanan.update(active=False).where(Layanan.id == layanan_id).execute()
        process_cache.forget()
    assert client.get(path).status_code == 404


def test_a_submission_reads_no_catalogue_row_the_form_already_read(app, client):
    with app.app_context(), database.connection_context():
        layanan_id = new_request().layanan_id
    html = client.get(f"/?layanan={layanan_id}").get_data(as_text=True)
    data = _with_documents(html, _form_fields(html))
    with Statements() as count:
        response = client.post("/", data=data, content_type="multipart/form-data")
    assert response.status_code == 303
    # (the emails' task runs inside the post here: its own reads join the catalogue)
    selects = [s for s in count.seen if s.startswith("SELECT")]
    assert not [s for s in selects if any(table in s for table in CATALOGUE_TABLES)]
    whole_ticket = [s for s in selects if '"t1"."requester_name"' in s]
    assert whole_ticket == []  # the submission key is looked up by id only


def test_the_workflow_reads_the_catalogue_rows_it_is_not_given_or_that_do_not_fit(db):
    from models.catalog import Layanan, PerangkatDaerah, RequiredDocument

    request = new_request()
    other = Layanan.select().where(Layanan.id != request.layanan_id).first()
    agency = PerangkatDaerah.get_by_id(request.perangkat_daerah_id)
    with Statements() as count:
        ticket = workflow.submit(
            None,
            request,
            required_uploads(),
            layanan=other,  # not the service the request names: read again
            perangkat_daerah=agency,
            required_documents=tuple(RequiredDocument.for_layanan(other.id)),
        )
    assert ticket.layanan_id == request.layanan_id
    assert any('FROM "layanan"' in s for s in count.seen)
    assert any('FROM "required_document"' in s for s in count.seen)
    assert not any('FROM "perangkat_daerah"' in s for s in count.seen)
    agency.active = False  # a row the caller holds, now inactive: not trusted
    PerangkatDaerah.update(active=False).where(PerangkatDaerah.id == agency.id).execute()
    with pytest.raises(workflow.WorkflowError):
        workflow.submit(None, new_request(), required_uploads(), perangkat_daerah=agency)
