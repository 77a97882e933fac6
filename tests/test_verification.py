"""The public verification page `/verifikasi/<code>` (issue #13): what it shows of an issued
document (and nothing private), a dropped PDF compared byte for byte (never stored), replaced
and withdrawn documents, unknown codes, and its guards (CSRF, size, rate limit)."""

from __future__ import annotations

import io
import os

from models import verification, workflow
from models.storage import store
from models.ticket import Document, Ticket
from models.uploads import Upload
from tasks.berita_acara import request_berita_acara
from tests.helpers import PDF_BYTES, PNG_BYTES, T0, csrf_token

WORK = "Subdomain ppdb.jabarprov.go.id dibuat dan diuji."


def issue_ba(make_ticket, users, status="assigned"):
    ticket = make_ticket(status)
    request_berita_acara(users["agent"], ticket.id, WORK, now=T0)
    return Ticket.get_by_id(ticket.id), Document.current(ticket.id, "ba")


def url(doc) -> str:
    return f"/verifikasi/{verification.display(doc.verification_code)}"


def drop(client, doc, data: bytes, *, token=True):
    form = {"file": (io.BytesIO(data), "dokumen.pdf")}
    if token:
        form["csrf_token"] = csrf_token(client, url(doc))
    return client.post(url(doc), data=form, content_type="multipart/form-data")


def stored_files() -> int:
    return sum(len(files) for _, _, files in os.walk(store.root))


def test_codes_are_80_random_bits_short_enough_to_type():
    codes = {verification.new_code() for _ in range(2000)}
    assert len(codes) == 2000
    assert all(len(c) == 16 and verification.normalize(c) == c for c in codes)  # 16 x 5 bits
    code = next(iter(codes))
    typed = verification.display(code).lower().replace("-", " ")
    assert verification.normalize(typed) == code
    assert verification.normalize("ABCD") == "" and verification.normalize("<script>") == ""


def test_the_page_of_a_known_ba_shows_the_document_and_nothing_private(client, make_ticket, users):
    ticket, doc = issue_ba(make_ticket, users)
    response = client.get(url(doc))
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    for expected in (
        "Berita Acara",
        ticket.ba_number,
        ticket.number,
        ticket.layanan.name,
        ticket.perangkat_daerah.name,
        "2 Juni 2026",
        doc.sha256,
        verification.display(doc.verification_code),
        'data-status="current"',
    ):
        assert expected in html, expected
    for private in (
        ticket.requester_email,
        ticket.requester_phone,
        ticket.requester_name,
        ticket.requester_nip,
        ticket.tracking_token,
        ticket.description,
    ):
        assert private and private not in html, private
    assert response.headers["X-Robots-Tag"] == "noindex"
    # a typed code (any case, spaces) leads to the same page
    typed = verification.display(doc.verification_code).lower().replace("-", " ")
    found = client.get("/verifikasi", query_string={"kode": typed})
    assert found.status_code == 303 and found.headers["Location"].endswith(url(doc))


def test_a_dropped_file_is_compared_byte_for_byte_and_never_stored(client, make_ticket, users):
    _, doc = issue_ba(make_ticket, users)
    before = stored_files()
    same = drop(client, doc, store.get(doc.sha256))
    assert same.status_code == 200 and 'data-match="issued"' in same.get_data(as_text=True)
    other = drop(client, doc, store.get(doc.sha256) + b"\n")
    html = other.get_data(as_text=True)
    assert 'data-match="none"' in html and "Tidak cocok" in html
    assert stored_files() == before


def test_an_accepted_signed_copy_matches_and_a_returned_one_says_so(client, make_ticket, users):
    ticket, doc = issue_ba(make_ticket, users)
    workflow.attach_document(users["agent"], ticket.id, "sla", Upload("s.pdf", PDF_BYTES))
    workflow.mark_selesai(users["agent"], ticket.id)
    signed = PDF_BYTES + b"signed by the requester"
    workflow.submit_signed(
        ticket.tracking_token, Upload("s.pdf", PDF_BYTES), Upload("b.pdf", signed)
    )
    page = drop(client, doc, signed).get_data(as_text=True)
    assert 'data-match="signed"' in page
    workflow.return_signed(users["agent"], ticket.id, ["ba_signed"], "Belum ditandatangani")
    page = drop(client, doc, signed).get_data(as_text=True)
    assert 'data-match="returned"' in page and "dikembalikan" in page
    # a signed SLA is no signed copy of the BA
    assert 'data-match="none"' in drop(client, doc, PDF_BYTES).get_data(as_text=True)


def test_an_unknown_code_is_a_404_in_indonesian(client):
    for code in ("AAAA-BBBB-CCCC-DDDD", "tidak-ada", "x" * 300):
        response = client.get(f"/verifikasi/{code}")
        assert response.status_code == 404
        assert "Kode verifikasi tidak dikenal" in response.get_data(as_text=True)
    assert client.get("/verifikasi", query_string={"kode": "salah"}).status_code == 404


def test_a_replaced_version_says_diganti(client, make_ticket, users):
    ticket, first = issue_ba(make_ticket, users)
    request_berita_acara(users["agent"], ticket.id, "Versi kedua.", now=T0)
    second = Document.current(ticket.id, "ba")
    assert second.verification_code != first.verification_code
    old = client.get(url(first)).get_data(as_text=True)
    assert 'data-status="replaced"' in old and "diganti" in old
    assert 'data-status="current"' in client.get(url(second)).get_data(as_text=True)


def test_a_withdrawn_ticket_withdraws_its_documents(client, make_ticket, users):
    ticket, doc = issue_ba(make_ticket, users)
    workflow.reject(users["helpdesk"], ticket.id, "Permohonan ganda")
    page = client.get(url(doc)).get_data(as_text=True)
    assert 'data-status="withdrawn"' in page and "ditarik" in page


def test_the_drop_form_needs_its_csrf_token(client, make_ticket, users):
    _, doc = issue_ba(make_ticket, users)
    response = drop(client, doc, store.get(doc.sha256), token=False)
    assert response.status_code == 400 and "data-match" not in response.get_data(as_text=True)


def test_a_dropped_file_over_the_upload_limit_is_refused(app, client, make_ticket, users):
    _, doc = issue_ba(make_ticket, users)
    limits = app.extensions["desk_uploads"]
    saved, limits.max_bytes = limits.max_bytes, 64
    try:
        response = drop(client, doc, PNG_BYTES * 10)
    finally:
        limits.max_bytes = saved
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "terlalu besar" in html and "data-match" not in html


def test_the_page_is_rate_limited(client, make_ticket, users):
    _, doc = issue_ba(make_ticket, users)
    statuses = [drop(client, doc, b"%PDF-1.4 x").status_code for _ in range(11)]
    assert statuses[:10] == [200] * 10 and statuses[10] == 429


def test_an_sla_replaced_or_withdrawn_says_so_too(client, make_ticket, users):
    from tasks.sla import request_sla

    ticket = make_ticket("assigned")
    request_sla(users["agent"], ticket.id, now=T0)
    first = Document.current(ticket.id, "sla")
    assert 'data-status="current"' in client.get(url(first)).get_data(as_text=True)
    request_sla(users["agent"], ticket.id, now=T0)
    second = Document.current(ticket.id, "sla")
    old = client.get(url(first)).get_data(as_text=True)
    assert 'data-status="replaced"' in old and "diganti" in old and "versi 2" in old
    assert 'data-status="current"' in client.get(url(second)).get_data(as_text=True)
    workflow.withdraw(ticket.tracking_token, "Tidak jadi.")
    for doc in (first, second):
        page = client.get(url(doc)).get_data(as_text=True)
        assert 'data-status="withdrawn"' in page and "ditarik" in page
