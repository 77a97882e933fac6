"""With Redis down (a closed port), the public site still takes requests: the rate limits fall
back to this process's memory and the emails wait in the outbox (issue #10 item 1)."""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
import subprocess
import uuid

from models.catalog import Layanan, PerangkatDaerah, RequiredDocument
from models.db import connection, utcnow
from models.ticket import Notification, Ticket
from tasks.mail import requeue_due
from tests.helpers import DEMO_PASSWORD, PDF_BYTES, csrf_token, free_port, unavailable, wait_for


def submit_the_form(app, client):
    """The request form filled in and posted as a browser does (its CSRF token and submission
    key from the page); returns the answer."""
    with app.app_context(), connection():
        layanan = Layanan.get(Layanan.code == "permintaan-subdomain")
        docs = list(RequiredDocument.for_layanan(layanan.id))
        pd = PerangkatDaerah.get(PerangkatDaerah.code == "DISDIK")
    page = client.get(f"/?layanan={layanan.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    data = {
        "submission_key": re.search(r'name="submission_key" value="([^"]+)"', html).group(1),
        "layanan_id": str(layanan.id),
        "perangkat_daerah_id": str(pd.id),
        "requester_name": "Siti Rahmawati",
        "requester_nip": "198703152010012004",
        "requester_position": "Pranata Komputer",
        "requester_email": "siti@example.go.id",
        "requester_phone": "081234567890",
        "subject": "Subdomain",
        "description": "Mohon dibuatkan subdomain.",
    }
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html)
    if token:
        data["csrf_token"] = token.group(1)
    for i, doc in enumerate(docs):
        data[f"dokumen-{doc.id}"] = (io.BytesIO(PDF_BYTES + bytes([i])), "d.pdf")
    return client.post("/", data=data, content_type="multipart/form-data")


def test_public_form_works_with_redis_down(make_app):
    app = make_app(
        REDIS_URL=f"redis://127.0.0.1:{free_port()}/0",
        HUEY_IMMEDIATE=False,
        HUEY_NAME=f"desk-test-{uuid.uuid4().hex}",
        WTF_CSRF_ENABLED=False,
    )
    answer = submit_the_form(app, app.test_client())
    assert answer.status_code == 303, answer.get_data(as_text=True)[:300]
    with app.app_context(), connection():
        ticket = Ticket.get()
        assert (
            Notification.select()
            .where(Notification.ticket == ticket.id, Notification.status == "pending")
            .count()
            >= 1
        )


def answers(huey) -> bool:
    try:
        return huey.pending_count() == 0
    except Exception:  # noqa: BLE001 - redis' ConnectionError while it starts
        return False


def test_redis_refusing_then_back_the_form_stores_and_every_email_goes_later(make_app, tmp_path):
    """Redis refuses connections: the form (CSRF on), the tracking page and the lost-link form
    all answer; the ticket is stored and its emails wait in the outbox. Redis comes back (a
    real redis-server on that port): the periodic re-queue and a consumer send every one."""
    binary = shutil.which("redis-server")
    if binary is None:
        unavailable("redis-server is not installed (apt-get install redis-server)")
    port = free_port()
    app = make_app(
        REDIS_URL=f"redis://127.0.0.1:{port}/0",
        HUEY_IMMEDIATE=False,
        HUEY_NAME=f"desk-test-{uuid.uuid4().hex}",
    )
    client, mailbox = app.test_client(), app.extensions["mailman"]
    mailbox.outbox = []
    answer = submit_the_form(app, client)
    assert answer.status_code == 303, answer.get_data(as_text=True)[:300]
    with app.app_context(), connection():
        ticket = Ticket.get()
        rows = list(Notification.select().where(Notification.ticket == ticket.id))
    assert rows and {r.status for r in rows} == {"pending"} and mailbox.outbox == []
    assert client.get(f"/lacak/{ticket.tracking_token}").status_code == 200
    lost = {"csrf_token": csrf_token(client, "/lacak"), "number": ticket.number}
    lost["email"] = ticket.requester_email
    assert client.post("/lacak", data=lost).status_code == 303
    assert client.get("/healthz").status_code == 503  # says so, names no host
    # the staff side too: the helpdesk logs in (limits in memory) and verifies the ticket
    staff = app.test_client()
    login = {"email": "helpdesk@example.go.id", "password": DEMO_PASSWORD}
    login["csrf_token"] = csrf_token(staff, "/staf/login")
    assert staff.post("/staf/login", data=login).status_code == 302
    token = csrf_token(staff, f"/admin/tiket/details/?id={ticket.id}")
    verify = f"/admin/tiket/{ticket.id}/aksi/verify_complete"
    assert staff.post(verify, data={"csrf_token": token}).status_code == 303
    with app.app_context(), connection():
        assert Ticket.get_by_id(ticket.id).status == "verified"
        rows = list(Notification.select().where(Notification.ticket == ticket.id))
    assert {r.kind for r in rows} >= {"opened", "tracking_link"}  # the lost link's email too
    assert {r.status for r in rows} == {"pending"} and mailbox.outbox == []

    server = subprocess.Popen(
        [binary, "--port", str(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no",
         "--dir", str(tmp_path)],
        stdout=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        huey = app.extensions["huey"]
        with app.app_context(), connection():
            assert wait_for(lambda: answers(huey), timeout=20)
            later = utcnow() + dt.timedelta(seconds=app.config["MAIL_LEASE_SECONDS"] + 1)
            assert requeue_due(now=later) >= len(rows)  # what the periodic task does
            while (task := huey.dequeue()) is not None:  # what a consumer does
                huey.execute(task)
            statuses = {
                n.status for n in Notification.select().where(Notification.ticket == ticket.id)
            }
        assert statuses == {"sent"}
        assert len(mailbox.outbox) >= len(rows)
        assert client.get("/healthz").status_code == 200
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_limits_still_count_in_memory_with_redis_down(make_app):
    app = make_app(
        REDIS_URL=f"redis://127.0.0.1:{free_port()}/0",
        WTF_CSRF_ENABLED=False,
        HUEY_NAME=f"desk-test-{uuid.uuid4().hex}",
    )
    client = app.test_client()
    form = {"number": "SD-2026-999999", "email": "x@example.go.id"}
    answers = [client.post("/lacak", data=form).status_code for _ in range(6)]
    assert answers == [303] * 5 + [429]  # "5 per minute", counted in memory meanwhile
