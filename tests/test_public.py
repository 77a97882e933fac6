"""The public request form through Flask's test client: the two steps, a full submission with
real PDF bytes, every refusal (next to its field, keeping what was typed, storing nothing), the
honeypot, CSRF, the double submit, the rate limit, and the Indonesian date filter."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
import uuid

import pytest

from models.catalog import Layanan, PerangkatDaerah, RequiredDocument
from models.db import connection
from models.storage import store
from models.ticket import Document, Notification, Ticket
from tests.helpers import PDF_BYTES, PNG_BYTES, unavailable

REQUESTER = {
    "requester_name": "Siti Rahmawati",
    "requester_nip": "19870315 201001 2 004",
    "requester_position": "Pranata Komputer Ahli Muda",
    "requester_email": "Siti.Rahmawati@example.go.id",
    "requester_phone": "0812-3456-7890",
    "subject": "Subdomain untuk aplikasi PPDB",
    "description": "Mohon dibuatkan subdomain ppdb.jabarprov.go.id untuk PPDB 2027.",
}


def hidden(html: str, name: str) -> str:
    match = re.search(rf'name="{name}" (?:type="hidden" )?value="([^"]*)"', html)
    assert match, f"no hidden field {name}"
    return match.group(1)


def field_error(html: str, field: str) -> str:
    """The message rendered next to `field`, or ''."""
    match = re.search(
        rf'<p class="field-error" id="{re.escape(field)}-error">(.*?)</p>', html, re.S
    )
    return re.sub(r"<[^>]+>", "", match.group(1)).replace("Kesalahan:", "").strip() if match else ""


def stored_files(app) -> list[str]:
    root = app.config["DOCUMENTS_DIR"]
    return [f for _, _, files in os.walk(root) for f in files] if os.path.isdir(root) else []


@pytest.fixture
def catalogue(app):
    with app.app_context(), connection():
        layanan = Layanan.get(Layanan.code == "permintaan-subdomain")
        docs = list(RequiredDocument.for_layanan(layanan.id))
        pd = PerangkatDaerah.get(PerangkatDaerah.code == "DISDIK")
        return {"layanan": layanan, "docs": docs, "pd": pd}


@pytest.fixture
def open_form(client, catalogue):
    """GET the form of the subdomain service; returns the post data a requester would send."""

    def load(**overrides):
        response = client.get(f"/?layanan={catalogue['layanan'].id}")
        assert response.status_code == 200
        html = response.get_data(as_text=True)
        data = {
            "csrf_token": hidden(html, "csrf_token"),
            "submission_key": hidden(html, "submission_key"),
            "layanan_id": str(catalogue["layanan"].id),
            "perangkat_daerah_id": str(catalogue["pd"].id),
            **REQUESTER,
        }
        for i, doc in enumerate(catalogue["docs"]):
            data[f"dokumen-{doc.id}"] = (io.BytesIO(PDF_BYTES + bytes([i])), f"{doc.name}.pdf")
        data.update(overrides)
        return data

    return load


def post(client, data):
    return client.post("/", data=data, content_type="multipart/form-data")


def ticket_count(app) -> int:
    with app.app_context(), connection():
        return Ticket.select().count()


# --- the two steps ------------------------------------------------------------------------------


def test_first_step_lists_active_services_grouped_by_bidang(client, catalogue):
    html = client.get("/").get_data(as_text=True)
    assert 'name="layanan"' in html and "Bidang Aplikasi Informatika" in html
    assert f'<option value="{catalogue["layanan"].id}">Permintaan subdomain' in html
    assert '<form method="get"' in html  # works without JavaScript


def test_choosing_a_service_shows_duration_and_one_upload_slot_per_required_document(
    client, catalogue
):
    html = client.get(f"/?layanan={catalogue['layanan'].id}").get_data(as_text=True)
    assert "Sedang (3–7 hari kerja)" in html
    for doc in catalogue["docs"]:
        assert doc.name in html
        assert f'name="dokumen-{doc.id}" type="file"' in html
    assert re.search(r'name="submission_key" value="[A-Za-z0-9_-]{20,}"', html)
    assert f'<option value="{catalogue["pd"].id}">' in html


def test_unknown_service_is_refused_on_both_steps(app, client, open_form):
    response = client.get("/?layanan=99999")
    assert response.status_code == 404
    assert "Layanan yang dipilih tidak tersedia" in response.get_data(as_text=True)
    assert client.get("/?layanan=abc").status_code == 404
    response = post(client, open_form(layanan_id="99999"))
    assert response.status_code == 400
    assert "Layanan yang dipilih tidak tersedia" in response.get_data(as_text=True)
    assert ticket_count(app) == 0 and stored_files(app) == []


# --- a full submission --------------------------------------------------------------------------


def test_full_submission_opens_ticket_stores_pdfs_queues_emails_and_confirms(
    app, client, open_form, catalogue, outbox
):
    response = post(client, open_form())
    assert response.status_code == 303 and response.location.endswith("/terkirim")
    page = client.get(response.location).get_data(as_text=True)
    again = client.get(response.location)  # shown once: not to the next person at this PC
    assert again.status_code == 302 and again.location.endswith("/")
    with app.app_context(), connection():
        ticket = Ticket.get()
        assert ticket.status == "open" and ticket.channel == "web"
        assert ticket.requester_nip == "198703152010012004"
        assert ticket.requester_email == "siti.rahmawati@example.go.id"
        docs = {d.required_document_id: d for d in Document.select()}
        assert set(docs) == {d.id for d in catalogue["docs"]}
        for i, doc in enumerate(catalogue["docs"]):
            assert store.get(docs[doc.id].sha256) == PDF_BYTES + bytes([i])
            assert docs[doc.id].content_type == "application/pdf"
        kinds = {(n.kind, n.audience, n.status) for n in Notification.select()}
        assert ("opened", "requester", "sent") in kinds
    assert ticket.number in page
    assert f"/lacak/{ticket.tracking_token}" in page
    assert "siti.rahmawati@example.go.id" in page and "dikirim" in page
    assert any(m.to == ["siti.rahmawati@example.go.id"] for m in outbox)
    tracking = client.get(f"/lacak/{ticket.tracking_token}").get_data(as_text=True)
    assert "Menunggu verifikasi" in tracking


def test_extra_files_are_stored_without_a_required_document(app, client, open_form):
    data = open_form()
    data["lampiran"] = [(io.BytesIO(PNG_BYTES), "foto layar.png")]
    assert post(client, data).status_code == 303
    with app.app_context(), connection():
        extra = Document.get(Document.required_document.is_null(True))
        assert extra.filename == "foto layar.png" and extra.content_type == "image/png"


def test_confirmation_page_without_a_submission_goes_back_to_the_form(client):
    response = client.get("/terkirim")
    assert response.status_code == 302 and response.location.endswith("/")


# --- refusals: next to the field, keeping what was typed, storing nothing -----------------------


def assert_refused(app, response, field, words):
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert words in field_error(html, field), field_error(html, field)
    assert 'value="Siti Rahmawati"' in html and "untuk PPDB 2027." in html  # typed, kept
    assert ticket_count(app) == 0 and stored_files(app) == []
    return html


def test_bad_nip_is_shown_next_to_its_field(app, client, open_form):
    response = post(client, open_form(requester_nip="1987031520100120"))
    html = assert_refused(app, response, "requester_nip", "NIP harus terdiri dari 18 angka")
    assert 'value="1987031520100120"' in html
    assert 'aria-invalid="true"' in html and 'href="#requester_nip"' in html


def test_missing_agency_and_email_each_get_their_message(app, client, open_form):
    response = post(client, open_form(perangkat_daerah_id="", requester_email="bukan-email"))
    html = assert_refused(app, response, "perangkat_daerah_id", "Pilih Perangkat Daerah")
    assert "Alamat email tidak valid" in field_error(html, "requester_email")


def test_missing_required_document_is_named_at_its_slot(app, client, open_form, catalogue):
    doc = catalogue["docs"][1]
    data = open_form()
    del data[f"dokumen-{doc.id}"]
    response = post(client, data)
    html = assert_refused(app, response, f"dokumen-{doc.id}", f"Lampirkan {doc.name}")
    assert "pilih ulang semua berkas" in html  # the other files were given: say so


def test_wrong_type_by_content_with_pdf_name_is_refused(app, client, open_form, catalogue):
    doc = catalogue["docs"][0]
    fake = (io.BytesIO(b"MZ\x90\x00 this is an executable"), "surat.pdf")
    response = post(client, open_form(**{f"dokumen-{doc.id}": fake}))
    assert_refused(app, response, f"dokumen-{doc.id}", "bukan PDF, JPEG atau PNG")


def test_oversize_file_is_refused_at_its_slot(app, client, open_form, catalogue):
    doc = catalogue["docs"][2]
    big = PDF_BYTES + b"0" * (int(app.config["MAX_UPLOAD_MB"]) * 1024 * 1024)
    response = post(client, open_form(**{f"dokumen-{doc.id}": (io.BytesIO(big), "scan.pdf")}))
    assert_refused(app, response, f"dokumen-{doc.id}", "terlalu besar (maksimal 10 MB)")


def test_request_over_the_total_limit_gets_a_clear_page(make_app):
    app = make_app(MAX_REQUEST_MB=1, WTF_CSRF_ENABLED=False)
    client = app.test_client()
    data = {"layanan_id": "1", "lampiran": (io.BytesIO(PDF_BYTES + b"0" * 1_100_000), "a.pdf")}
    response = client.post("/", data=data, content_type="multipart/form-data")
    assert response.status_code == 413
    assert "paling banyak 1 MB" in response.get_data(as_text=True)
    assert ticket_count(app) == 0


# --- spam and repeats ---------------------------------------------------------------------------


def test_honeypot_filled_creates_nothing(app, client, open_form):
    response = post(client, open_form(website="http://spam.example"))
    assert response.status_code == 400
    assert "tidak dapat diproses" in response.get_data(as_text=True)
    assert ticket_count(app) == 0 and stored_files(app) == []


def test_post_without_csrf_token_is_refused_keeping_what_was_typed(app, client, open_form):
    data = open_form()
    del data["csrf_token"]
    response = post(client, data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "Sesi formulir ini sudah berakhir" in html
    assert 'value="Siti Rahmawati"' in html and hidden(html, "csrf_token")
    assert ticket_count(app) == 0 and stored_files(app) == []


def test_missing_submission_key_is_refused_with_a_fresh_form(app, client, open_form):
    response = post(client, open_form(submission_key=""))
    html = response.get_data(as_text=True)
    assert response.status_code == 400 and "kedaluwarsa" in html
    assert re.search(r'name="submission_key" value="[A-Za-z0-9_-]{20,}"', html)
    assert ticket_count(app) == 0


def test_double_submit_makes_one_ticket(app, client, open_form):
    data = open_form()
    again = {
        k: (io.BytesIO(v[0].getvalue()), v[1]) if isinstance(v, tuple) else v
        for k, v in data.items()
    }
    first = post(client, data)
    first_page = client.get(first.location).get_data(as_text=True)
    second = post(client, again)  # the back button, or a second click
    assert second.status_code == 303
    second_page = client.get(second.location).get_data(as_text=True)
    assert ticket_count(app) == 1
    with app.app_context(), connection():
        number = Ticket.get().number
    assert number in first_page and number in second_page


def test_submissions_are_rate_limited_per_address(app, client, open_form):
    data = {k: v for k, v in open_form(requester_nip="salah").items() if k != "lampiran"}
    data = {k: v for k, v in data.items() if not k.startswith("dokumen-")}
    for _ in range(10):
        assert post(client, data).status_code == 400
    response = post(client, data)
    assert response.status_code == 429
    assert "Terlalu banyak" in response.get_data(as_text=True)
    other = client.post("/", data=data, environ_base={"REMOTE_ADDR": "10.1.2.3"})
    assert other.status_code == 400  # another office is not blocked


def test_limiter_counts_in_redis_when_configured(make_app):
    redis = pytest.importorskip("redis")
    url = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/0")
    try:
        server = redis.Redis.from_url(url, socket_connect_timeout=2)
        server.ping()
    except redis.RedisError as exc:
        unavailable(f"no Redis at {url}: {exc}")
    app = make_app(REDIS_URL=url, WTF_CSRF_ENABLED=False)
    assert app.config["RATELIMIT_STORAGE_URI"] == url
    client = app.test_client()
    address = f"10.{uuid.uuid4().int % 250}.{uuid.uuid4().int % 250}.7"  # this test's own key
    env = {"REMOTE_ADDR": address}
    try:
        statuses = [
            client.post("/", data={"layanan_id": "x"}, environ_base=env).status_code
            for _ in range(11)
        ]
        assert statuses == [400] * 10 + [429]
        assert server.keys(f"*/{address}/*")  # counted in Redis, shared by every worker
    finally:
        keys = server.keys(f"*/{address}/*")
        if keys:
            server.delete(*keys)


# --- dates in Indonesian ------------------------------------------------------------------------


def test_local_datetime_filter_speaks_indonesian_in_desk_timezone(app):
    from formatting import local_date, local_datetime

    with app.app_context():
        assert local_datetime(dt.datetime(2026, 11, 28, 7, 5)) == "28 November 2026, 14.05 WIB"
        assert local_datetime(dt.datetime(2026, 8, 16, 17, 30)) == "17 Agustus 2026, 00.30 WIB"
        assert local_date(dt.datetime(2026, 12, 31, 18, 0)) == "1 Januari 2027"
        assert local_datetime(None) == ""
        rendered = app.jinja_env.from_string("{{ t|local_datetime }}").render(
            t=dt.datetime(2026, 3, 2, 1, 0)
        )
        assert rendered == "2 Maret 2026, 08.00 WIB"


def test_behind_a_trusted_proxy_the_limit_counts_the_forwarded_address(make_app):
    app = make_app(TRUSTED_PROXIES=1, WTF_CSRF_ENABLED=False)
    client = app.test_client()
    data = {"layanan": "999999", "perihal": "x"}
    proxy = {"REMOTE_ADDR": "127.0.0.1"}

    def from_office(address):
        return client.post(
            "/", data=data, environ_base=proxy, headers={"X-Forwarded-For": address}
        ).status_code

    statuses = [from_office("10.20.30.40") for _ in range(11)]
    assert statuses[-1] == 429 and 429 not in statuses[:-1]
    assert from_office("10.20.30.41") != 429  # another office behind the same proxy
