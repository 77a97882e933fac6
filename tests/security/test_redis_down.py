"""With Redis down (a closed port), the public site still takes requests: the rate limits fall
back to this process's memory and the emails wait in the outbox (issue #10 item 1)."""

from __future__ import annotations

import io
import re
import uuid

from models.catalog import Layanan, PerangkatDaerah, RequiredDocument
from models.db import connection
from models.ticket import Notification, Ticket
from tests.helpers import PDF_BYTES, free_port


def test_public_form_works_with_redis_down(make_app):
    app = make_app(
        REDIS_URL=f"redis://127.0.0.1:{free_port()}/0",
        HUEY_IMMEDIATE=False,
        HUEY_NAME=f"desk-test-{uuid.uuid4().hex}",
        WTF_CSRF_ENABLED=False,
    )
    client = app.test_client()
    with app.app_context(), connection():
        layanan = Layanan.get(Layanan.code == "permintaan-subdomain")
        docs = list(RequiredDocument.for_layanan(layanan.id))
        pd = PerangkatDaerah.get(PerangkatDaerah.code == "DISDIK")
    page = client.get(f"/?layanan={layanan.id}")
    assert page.status_code == 200
    key = re.search(r'name="submission_key" value="([^"]+)"', page.get_data(as_text=True))
    data = {
        "submission_key": key.group(1),
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
    for i, doc in enumerate(docs):
        data[f"dokumen-{doc.id}"] = (io.BytesIO(PDF_BYTES + bytes([i])), "d.pdf")
    answer = client.post("/", data=data, content_type="multipart/form-data")
    assert answer.status_code == 303, answer.get_data(as_text=True)[:300]
    with app.app_context(), connection():
        ticket = Ticket.get()
        assert (
            Notification.select()
            .where(Notification.ticket == ticket.id, Notification.status == "pending")
            .count()
            >= 1
        )


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
