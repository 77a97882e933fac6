"""Abuse and bad input (issue #10 item 5): a refused upload leaves no bytes, orphans are
collected, uploads per token and emails per address/domain are limited, the requester email
domain allow-list, a full disk, and /healthz naming no internal host."""

from __future__ import annotations

import errno
import io
import os
import re
import subprocess
import time
import uuid

import pytest

from models import workflow
from models.catalog import Layanan, PerangkatDaerah, RequiredDocument
from models.db import connection
from models.document_gc import collect_orphans
from models.storage import store
from models.ticket import Document, Ticket
from models.uploads import Upload
from tests.helpers import PDF_BYTES, PNG_BYTES

REQUESTER = {
    "requester_name": "Siti Rahmawati",
    "requester_nip": "19870315 201001 2 004",
    "requester_position": "Pranata Komputer Ahli Muda",
    "requester_email": "siti.rahmawati@example.go.id",
    "requester_phone": "0812-3456-7890",
    "subject": "Subdomain untuk aplikasi PPDB",
    "description": "Mohon dibuatkan subdomain ppdb.jabarprov.go.id untuk PPDB 2027.",
}


def hidden(html: str, name: str) -> str:
    return re.search(rf'name="{name}" (?:type="hidden" )?value="([^"]*)"', html).group(1)


def request_form(app, client, *, size=0, **overrides):
    """The post data of the subdomain service's form, as a browser sends it."""
    with app.app_context(), connection():
        layanan = Layanan.get(Layanan.code == "permintaan-subdomain")
        docs = list(RequiredDocument.for_layanan(layanan.id))
        pd = PerangkatDaerah.get(PerangkatDaerah.code == "DISDIK")
    html = client.get(f"/?layanan={layanan.id}").get_data(as_text=True)
    data = {
        "csrf_token": hidden(html, "csrf_token"),
        "submission_key": hidden(html, "submission_key"),
        "layanan_id": str(layanan.id),
        "perangkat_daerah_id": str(pd.id),
        **REQUESTER,
    }
    for i, doc in enumerate(docs):
        body = PDF_BYTES + bytes([i]) + os.urandom(size)
        data[f"dokumen-{doc.id}"] = (io.BytesIO(body), f"{doc.name}.pdf")
    data.update(overrides)
    return data


def all_files(app) -> list[str]:
    root = app.config["DOCUMENTS_DIR"]
    return [os.path.join(d, f) for d, _, files in os.walk(root) for f in files]


# --- a refused upload leaves no bytes ------------------------------------------------------------


def test_refused_uploads_leave_no_bytes_on_disk(app, db, make_ticket, users):
    ticket = make_ticket("open")  # not incomplete, not selesai, not assigned
    before = set(all_files(app))
    fresh = [Upload("x.pdf", PDF_BYTES + os.urandom(64), None) for _ in range(2)]
    with pytest.raises(workflow.WorkflowError):
        workflow.complete_documents(ticket.tracking_token, fresh[:1])
    with pytest.raises(workflow.WorkflowError):
        workflow.submit_signed(ticket.tracking_token, fresh[0], fresh[1])
    with pytest.raises(workflow.WorkflowError):
        workflow.attach_document(users["agent"], ticket.id, "sla", fresh[0])
    assert set(all_files(app)) == before


def test_a_refused_submission_leaves_no_bytes(app, db, monkeypatch):
    from tests.helpers import new_request, required_uploads

    uploads = [
        Upload(u.filename, u.data + os.urandom(32), u.required_document_id)
        for u in required_uploads()
    ]
    before = set(all_files(app))
    # the transaction fails after the files were written (a database error, here)
    monkeypatch.setattr("models.workflow.intake.next_value", lambda name: 1 / 0)
    with pytest.raises(ZeroDivisionError):
        workflow.submit(None, new_request(), uploads)
    assert set(all_files(app)) == before and Ticket.select().count() == 0


def test_gc_collects_orphans_only(app, db, make_ticket, runner):
    ticket = make_ticket("open")
    kept = Document.select().where(Document.ticket == ticket.id).first()
    orphan = store.put(PNG_BYTES + b"orphan")
    young = store.put(PNG_BYTES + b"young")
    stale_stage = store.stage(PDF_BYTES + b"left behind")
    old = time.time() - 7 * 3600
    for path in (store._path(orphan), store._path(kept.sha256), stale_stage.path):
        os.utime(path, (old, old))
    deleted = collect_orphans()
    assert sorted(deleted) == sorted([store._path(orphan), stale_stage.path])
    assert store.get(kept.sha256) and store.exists(young)  # referenced / too young: kept
    # the command, with no grace: the young orphan goes too, the referenced bytes never
    result = runner.invoke(args=["documents", "gc", "--grace-hours", "0"])
    assert result.exit_code == 0 and "Berkas yatim dihapus: 1" in result.output
    assert not store.exists(young) and store.get(kept.sha256)


def test_publishing_known_bytes_refreshes_them_for_the_grace_period(app, db):
    sha = store.put(PDF_BYTES + b"shared")
    old = time.time() - 7 * 3600
    os.utime(store._path(sha), (old, old))
    staged = store.stage(PDF_BYTES + b"shared")  # a new upload of the same bytes, mid-commit
    store.publish(staged)
    assert collect_orphans() == []  # its row is not committed yet: the bytes stay


def test_gc_runs_daily_under_a_lock(app):
    import datetime as dt

    from tasks import huey

    with app.app_context():
        due = {
            t.name.rsplit(".", 1)[-1] for t in huey.read_periodic(dt.datetime(2026, 6, 2, 18, 20))
        }
    assert "collect_orphaned_documents" in due


# --- a full disk -----------------------------------------------------------------------------


@pytest.fixture
def tiny_disk(tmp_path):
    """A 2 MB filesystem of our own (tmpfs); skipped where mounting is refused."""
    folder = tmp_path / "tiny"
    folder.mkdir()
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(folder)], capture_output=True
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a tmpfs here: {done.stderr.decode().strip()}")
    yield folder
    subprocess.run(["umount", "-l", str(folder)], check=False)


def assert_full_disk_answer(app, response):
    html = response.get_data(as_text=True)
    assert response.status_code == 503
    assert "ruang penyimpanan server penuh" in html
    assert REQUESTER["subject"] in html and REQUESTER["requester_name"] in html  # kept
    with app.app_context(), connection():
        assert Ticket.select().count() == 0 and Document.select().count() == 0
    staging = os.path.join(app.config["DOCUMENTS_DIR"], ".staging")
    assert not os.path.isdir(staging) or os.listdir(staging) == []


@pytest.mark.csrf_off
def test_full_disk_while_uploading_on_a_real_small_filesystem(make_app, tiny_disk):
    app = make_app(DOCUMENTS_DIR=str(tiny_disk / "documents"), WTF_CSRF_ENABLED=False)
    client = app.test_client()
    response = client.post(
        "/", data=request_form(app, client, size=900_000), content_type="multipart/form-data"
    )
    assert_full_disk_answer(app, response)


@pytest.mark.csrf_off
def test_full_disk_injected(app, client, monkeypatch):
    def no_space(fd):
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr("models.storage.os.fsync", no_space)
    response = client.post("/", data=request_form(app, client), content_type="multipart/form-data")
    assert_full_disk_answer(app, response)


def test_healthz_reports_low_disk_space(make_app, client):
    assert client.get("/healthz").get_json()["disk"]["status"] == "ok"
    low = make_app(MIN_FREE_DISK_MB=10**9).test_client().get("/healthz")
    assert low.status_code == 200
    assert low.get_json()["status"] == "warning" and low.get_json()["disk"]["status"] == "low"


def test_healthz_names_no_internal_host(tmp_path):
    from app import create_app
    from tests.helpers import make_config

    app = create_app(
        make_config(
            tmp_path,
            DATABASE_URL="postgresql://desk:secret@db-internal.example:1/desk",
            REDIS_URL="redis://cache-internal.example:1/0",
            HUEY_IMMEDIATE=False,
            HUEY_NAME=f"desk-test-{uuid.uuid4().hex}",
        )
    )
    response = app.test_client().get("/healthz")
    body = response.get_data(as_text=True)
    assert response.status_code == 503
    assert response.get_json()["queue"].startswith("error: ")
    for leak in ("internal", "example", "secret", ":1", "desk:"):
        assert leak not in body, body


# --- limits ----------------------------------------------------------------------------------


@pytest.mark.csrf_off
def test_uploads_per_tracking_token_are_limited_from_any_address(make_app):
    app = make_app(TOKEN_UPLOAD_LIMIT="3 per hour", WTF_CSRF_ENABLED=False)
    client = app.test_client()
    with app.app_context(), connection():
        from tests.helpers import new_request, required_uploads

        t = workflow.submit(None, new_request(), required_uploads())
    url = f"/lacak/{t.tracking_token}/balasan"
    answers = [
        client.post(url, data={}, environ_base={"REMOTE_ADDR": f"10.0.0.{i}"}).status_code
        for i in range(4)
    ]
    assert answers == [400, 400, 400, 429]
    other = f"/lacak/{t.tracking_token[:-2]}xx/balasan"  # another token counts on its own
    assert client.post(other, data={}).status_code == 404


@pytest.mark.csrf_off
def test_emails_per_recipient_address_and_domain_are_limited(make_app):
    app = make_app(
        MAIL_LIMIT_PER_ADDRESS="2 per hour",
        MAIL_LIMIT_PER_DOMAIN="3 per hour",
        WTF_CSRF_ENABLED=False,
    )
    client = app.test_client()

    def submit(email, addr):
        data = request_form(app, client, requester_email=email)
        return client.post(
            "/", data=data, content_type="multipart/form-data", environ_base={"REMOTE_ADDR": addr}
        ).status_code

    assert submit("a@victim.example", "10.1.0.1") == 303
    assert submit("a@victim.example", "10.1.0.2") == 303
    assert submit("A@Victim.example", "10.1.0.3") == 429  # the same address, from elsewhere
    assert submit("b@victim.example", "10.1.0.4") == 303
    assert submit("c@victim.example", "10.1.0.5") == 429  # the domain's limit
    assert submit("d@other.example", "10.1.0.6") == 303
    # the lost-link form counts on the same keys
    answer = client.post(
        "/lacak",
        data={"number": "SD-2026-000001", "email": "a@victim.example"},
        environ_base={"REMOTE_ADDR": "10.1.0.7"},
    )
    assert answer.status_code == 429


@pytest.mark.csrf_off
def test_requester_email_domain_allow_list(make_app):
    app = make_app(REQUESTER_EMAIL_DOMAINS="jabarprov.go.id, go.id", WTF_CSRF_ENABLED=False)
    client = app.test_client()
    refused = client.post(
        "/",
        data=request_form(app, client, requester_email="x@gmail.com"),
        content_type="multipart/form-data",
    )
    assert refused.status_code == 400
    assert "Gunakan alamat email dinas" in refused.get_data(as_text=True)
    for ok in ("siti@diskominfo.jabarprov.go.id", "budi@kominfo.go.id"):
        answer = client.post(
            "/",
            data=request_form(app, client, requester_email=ok),
            content_type="multipart/form-data",
        )
        assert answer.status_code == 303, ok
    evil = client.post(
        "/",
        data=request_form(app, client, requester_email="x@evilgo.id"),
        content_type="multipart/form-data",
    )
    assert evil.status_code == 400


# --- staff addresses -------------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["helpdesk dua@example.go.id", "tanpa-at", "a@b@c.go.id", "x@"])
def test_staff_forms_refuse_a_malformed_address(db, users, bad):
    from models import staff_admin

    with pytest.raises(staff_admin.StaffError):
        staff_admin.create_staff(users["admin"], bad, "Budi", ["helpdesk"], bidang_id=1)
    with pytest.raises(staff_admin.StaffError):
        from models.seed import create_staff_user

        create_staff_user(bad, "Budi", "helpdesk", "aptika")


def test_one_malformed_staff_address_does_not_stop_the_others(db, users, outbox, caplog):
    from models.recipients import resolve
    from models.staff import User
    from models.ticket import Notification
    from tests.helpers import new_request, required_uploads

    legacy = User.get(User.email == "helpdesk@example.go.id")
    User.update(email="helpdesk lama@@example").where(User.id == legacy.id).execute()
    ticket = workflow.submit(None, new_request(), required_uploads())
    row = Notification.get(Notification.ticket == ticket.id, Notification.audience != "requester")
    recipients = resolve(row)
    assert "helpdesk lama@@example" not in recipients and "admin@example.go.id" in recipients
    assert Notification.get_by_id(row.id).status == "sent"
    staff_mail = [m for m in outbox if "admin@example.go.id" in m.to]
    assert staff_mail and all("helpdesk lama@@example" not in m.to for m in outbox)
    assert "malformed staff address" in caplog.text
