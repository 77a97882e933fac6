"""A new ticket's writes (issue #12, W1): what a brand-new ticket cannot have is not read (its
documents' versions, its history chain's head, whether its submission key made one), its number
comes from one upsert, its inserts are written from statement text kept per process; and each
shortcut keeps its rule: one ticket per form, gap-free numbers, an unbroken chain that still
shows a deletion, every document's row with its own id."""

from __future__ import annotations

import hashlib
import os

import pytest

from models import db as db_module
from models import outbox, workflow
from models.db import database, write_transaction
from models.hashchain import TICKET_CHAIN_PREFIX, ChainHead, verify
from models.sequence import next_value
from models.storage import STAGING, store
from models.ticket import Document, Ticket, TicketEvent
from models.uploads import Upload, check
from models.workflow.base import _store_documents
from tests.helpers import PDF_BYTES, T0, Statements, new_request, required_uploads


def _writes_of(seen, table):
    return [s for s in seen if f'"{table}"' in s.split(" -- ")[0]]


@pytest.fixture
def no_mail_task(monkeypatch):
    """The submission's statements only: the emails' task (immediate in the tests) not run."""
    monkeypatch.setattr(outbox, "_after_commit", lambda ids: None)


def test_a_new_ticket_reads_nothing_it_cannot_have(db, no_mail_task):
    uploads = required_uploads()
    with Statements() as count:
        ticket = workflow.submit(None, new_request(), uploads, submission_key="w1-new", now=T0)
    # the key is not looked up: its unique index refuses a form sent twice (tests below)
    assert sum('"submission_key" =' in s for s in count.seen) == 0
    # no MAX(version) per document: one INSERT of all of them
    assert _writes_of(count.seen, "document") == [
        s for s in count.seen if s.startswith('INSERT INTO "document"')
    ]
    assert len(_writes_of(count.seen, "document")) == 1
    # the history chain: the first entry and its head, nothing read
    assert len(_writes_of(count.seen, "chain_head")) == 1
    assert not [s for s in count.seen if s.startswith("SELECT") and '"chain_head"' in s]
    assert len(_writes_of(count.seen, "sequence")) == 1
    docs = Document.select().where(Document.ticket == ticket.id).order_by(Document.id)
    by_slot = {u.required_document_id: u for u in uploads}
    assert len(docs) == len(uploads)
    for doc in docs:
        sent = by_slot[doc.required_document_id]
        assert (doc.version, doc.filename, doc.size) == (1, sent.filename, len(sent.data))
        assert doc.sha256 == hashlib.sha256(sent.data).hexdigest()
    (event,) = TicketEvent.for_ticket(ticket.id)
    head = ChainHead.get_by_id(f"{TICKET_CHAIN_PREFIX}{ticket.id}")
    assert event.prev_hash is None and (head.last_id, head.last_hash) == (event.id, event.hash)
    assert verify() is None


def test_a_new_tickets_documents_get_their_own_ids(db, make_ticket):
    ticket = make_ticket("open")
    same = PDF_BYTES + b"same"
    files = [
        check(Upload("a.pdf", same)),
        check(Upload("b.pdf", same)),  # the same bytes under another name
        check(Upload("a.pdf", PDF_BYTES + b"other")),  # the same name, other bytes
    ]
    stored = [(f, hashlib.sha256(f.data).hexdigest()) for f in files]
    with write_transaction():
        docs = _store_documents(ticket, stored, "persyaratan", None, T0, new_ticket=True)
    assert len({d.id for d in docs}) == 3
    for doc in docs:
        row = Document.get_by_id(doc.id)
        assert (row.filename, row.sha256, row.size, row.version) == (
            doc.filename,
            doc.sha256,
            doc.size,
            1,
        )


def test_a_form_sent_again_makes_one_ticket_and_keeps_nothing_of_its_own(db, app):
    first = workflow.submit(None, new_request(), required_uploads(), submission_key="w1-k", now=T0)
    tickets, documents = Ticket.select().count(), Document.select().count()
    other = [
        Upload(u.filename, u.data + b"again", u.required_document_id) for u in required_uploads()
    ]
    with Statements() as count:
        again = workflow.submit(None, new_request(), other, submission_key="w1-k", now=T0)
    # refused by the key's unique index (nothing looked up first), then the first ticket read
    assert [s for s in count.seen if s.startswith('INSERT INTO "ticket"')]
    assert again.id == first.id and again.number == first.number
    assert (Ticket.select().count(), Document.select().count()) == (tickets, documents)
    staging = os.path.join(app.config["DOCUMENTS_DIR"], STAGING)
    assert os.listdir(staging) == []  # the second form's files: staged, then removed
    for upload in other:
        assert not store.exists(hashlib.sha256(upload.data).hexdigest())
    after = workflow.submit(None, new_request(), required_uploads(), now=T0)
    assert int(after.number.rsplit("-", 1)[1]) == int(first.number.rsplit("-", 1)[1]) + 1


def test_the_number_sequence_is_one_upsert_and_gives_back_a_rolled_back_number(db):
    with write_transaction(), Statements() as count:
        assert next_value("w1-test") == 1
        assert next_value("w1-test") == 2
    assert len(count.seen) == 2
    with pytest.raises(RuntimeError), write_transaction():
        assert next_value("w1-test") == 3
        raise RuntimeError("rolled back")
    with write_transaction():
        assert next_value("w1-test") == 3
    with pytest.raises(RuntimeError):
        next_value("w1-test")  # outside a transaction


def test_a_leftover_head_of_a_reused_ticket_id_is_still_linked_to(db, no_mail_task):
    """SQLite gives the id of a deleted last ticket again; its chain's head may be left: the new
    ticket's first entry links to it (as any entry links to its head), so the gap shows."""
    last = Ticket.select(Ticket.id).order_by(Ticket.id.desc()).first()
    names = [f"{TICKET_CHAIN_PREFIX}{(last.id if last else 0) + n}" for n in range(1, 21)]
    ChainHead.insert_many(
        [{"name": name, "last_id": 999_999, "last_hash": "f" * 64} for name in names]
    ).execute()
    ticket = workflow.submit(None, new_request(), required_uploads(), now=T0)
    name = f"{TICKET_CHAIN_PREFIX}{ticket.id}"
    assert name in names
    (event,) = TicketEvent.for_ticket(ticket.id)
    assert event.prev_hash == "f" * 64
    head = ChainHead.get_by_id(name)
    assert (head.last_id, head.last_hash) == (event.id, event.hash)
    ChainHead.delete().where(ChainHead.name.in_([n for n in names if n != name])).execute()
    broken = verify()
    assert broken is not None and broken.chain == name and broken.entry_id == event.id


def test_the_inserts_text_is_kept_per_table_columns_and_rows(db, no_mail_task):
    workflow.submit(None, new_request(), required_uploads(), now=T0)
    before = db_module._kept_insert_sql.cache_info()
    with Statements() as count:
        workflow.submit(None, new_request(), required_uploads(), now=T0)
    after = db_module._kept_insert_sql.cache_info()
    inserts = [s for s in count.seen if s.startswith("INSERT INTO")]
    assert after.misses == before.misses  # nothing compiled again
    assert after.hits - before.hits >= 5  # ticket, step, documents, event, head (+ outbox)
    assert any(s.startswith('INSERT INTO "ticket" ') for s in inserts)
    assert database.param in inserts[0]


def test_a_submission_reads_the_holidays_a_short_while_per_process_and_sees_an_edit(db):
    from models import process_cache
    from models.calendar import calendar
    from models.catalog import Holiday

    with Statements() as count:
        first = workflow.submit(None, new_request(), required_uploads(), now=T0)
        second = workflow.submit(None, new_request(), required_uploads(), now=T0)
    submissions = [s for s in count.on("holiday") if "BETWEEN" in s]
    assert len(submissions) == 1  # the first submission's window, kept for the second
    assert first.due_at == second.due_at
    day = calendar.to_local(first.due_at).date()
    Holiday.create(date=day, name="Cuti bersama")
    process_cache.forget()  # what the catalogue's views do after an edit
    third = workflow.submit(None, new_request(), required_uploads(), now=T0)
    assert third.due_at > first.due_at
    assert calendar.to_local(third.due_at).date() != day
    assert calendar.holidays == Holiday.dates_between  # outside a submission: the table


def test_the_kept_holidays_are_the_blocks_own_apps(app, make_app, tmp_path):
    from models.calendar import calendar, kept_holidays

    other = make_app(tmp_path / "other", TIMEZONE="Asia/Makassar")
    with app.app_context():
        own = calendar._get_current_object()
        with kept_holidays() as kept:
            assert calendar._get_current_object() is kept and kept.timezone == own.timezone
            with other.app_context():
                assert calendar.timezone == "Asia/Makassar"
                assert calendar._get_current_object() is other.extensions["desk_calendar"]
            assert calendar._get_current_object() is kept
        assert calendar._get_current_object() is own
