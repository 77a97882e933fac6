"""Staff side, SOP step 2(a) (issue #4): helpdesk enters a request on the requester's behalf.

Two steps like the public form (choose the service, then one upload slot per required
document); documents stay optional on behalf, but every given file is checked and tied to its
slot, so the tracking checklist and verification see what the helpdesk attached.
"""

from __future__ import annotations

import io
import re

import pytest

from models.catalog import PerangkatDaerah, RequiredDocument
from models.ticket import Document, Ticket, TicketEvent
from tests.helpers import PDF_BYTES, subdomain_service

pytestmark = pytest.mark.csrf_off  # forms are posted without their token

URL = "/admin/on_behalf/"
KEY = "kunci-uji-0123456789"


def slots():
    return list(RequiredDocument.for_layanan(subdomain_service().id))


def slot_name(doc):
    return f"dokumen-{doc.id}"


def pdf(n, name="scan.pdf"):
    return (io.BytesIO(PDF_BYTES + str(n).encode()), name)


def on_behalf_form(**overrides):
    data = dict(
        intake_channel="phone",
        received_at="2026-06-02T09:30",
        requester_name="Budi Santoso",
        requester_nip="198001012005011001",
        requester_position="Kepala Subbagian Umum",
        requester_email="budi@example.go.id",
        requester_phone="0227654321",
        perangkat_daerah_id=PerangkatDaerah.get(PerangkatDaerah.code == "DISDIK").id,
        layanan_id=subdomain_service().id,
        subject="Subdomain via telepon",
        description="Permohonan lewat telepon.",
        submission_key=KEY,
    )
    data.update(overrides)
    return data


def post(client, data):
    return client.post(URL, data=data, content_type="multipart/form-data")


def slot_error(html, field):
    match = re.search(rf'id="{field}-error">([^<]*)<', html)
    return match.group(1) if match else None


def test_no_service_chosen_shows_the_chooser(client, login_as):
    login_as("helpdesk")
    html = client.get(URL).get_data(as_text=True)
    assert 'name="layanan"' in html and subdomain_service().name in html
    assert "on-behalf-form" not in html and "dokumen-" not in html
    unknown = client.get(URL + "?layanan=999999")
    assert unknown.status_code == 404
    assert "tidak tersedia" in unknown.get_data(as_text=True)
    assert 'name="layanan"' in unknown.get_data(as_text=True)
    no_service = post(client, on_behalf_form(layanan_id=""))
    assert no_service.status_code == 400 and 'name="layanan"' in no_service.get_data(as_text=True)
    assert Ticket.select().count() == 0


def test_the_form_has_one_slot_per_required_document(client, login_as):
    login_as("helpdesk")
    html = client.get(f"{URL}?layanan={subdomain_service().id}").get_data(as_text=True)
    assert len(slots()) >= 2
    for doc in slots():
        assert f'name="{slot_name(doc)}" type="file"' in html
        assert f'<label for="{slot_name(doc)}">{doc.name}' in html
        if doc.description:
            assert f'id="{slot_name(doc)}-hint">{doc.description}<' in html
    assert 'name="lampiran" type="file"' in html
    assert "Saluran masuk" in html and "Telepon" in html
    assert re.search(r'name="submission_key" value="[A-Za-z0-9_-]{20,}"', html)


def test_full_submission_ties_each_file_to_its_slot(client, login_as, users):
    login_as("helpdesk")
    data = on_behalf_form(lampiran=[pdf(99, "pendukung.pdf")])
    for n, doc in enumerate(slots()):
        data[slot_name(doc)] = pdf(n, f"{doc.name}.pdf")
    response = post(client, data)
    assert response.status_code == 303
    ticket = Ticket.get(Ticket.subject == "Subdomain via telepon")
    assert (ticket.channel, ticket.intake_channel, ticket.created_by_id) == (
        "helpdesk",
        "phone",
        users["helpdesk"].id,
    )
    assert ticket.received_at.strftime("%Y-%m-%d %H:%M") == "2026-06-02 02:30"  # 09.30 WIB
    stored = sorted(
        (d.required_document_id or 0) for d in Document.select().where(Document.ticket == ticket.id)
    )
    assert stored == sorted([0] + [doc.id for doc in slots()])
    event = TicketEvent.for_ticket(ticket.id).first()
    assert event.actor_id == users["helpdesk"].id and "Telepon" in event.note
    tracking = client.get(f"/lacak/{ticket.tracking_token}").get_data(as_text=True)
    assert "Belum ada" not in tracking and tracking.count("Diterima") >= len(slots())

    again = post(client, on_behalf_form())  # a double submission: the same one-time key
    assert again.status_code == 303
    assert again.headers["Location"].endswith(f"id={ticket.id}")
    assert Ticket.select().count() == 1
    assert Document.select().count() == len(slots()) + 1


def test_documents_may_follow_on_behalf(client, login_as):
    login_as("helpdesk")
    first = slots()[0]
    response = post(client, on_behalf_form(**{slot_name(first): pdf(1)}))
    assert response.status_code == 303
    ticket = Ticket.get()
    docs = list(Document.select().where(Document.ticket == ticket.id))
    assert [d.required_document_id for d in docs] == [first.id]
    tracking = client.get(f"/lacak/{ticket.tracking_token}").get_data(as_text=True)
    assert tracking.count("Belum ada") == len(slots()) - 1


def test_a_wrong_type_file_is_refused_next_to_its_slot(client, login_as):
    login_as("helpdesk")
    good, bad = slots()[0], slots()[1]
    data = on_behalf_form(
        **{slot_name(good): pdf(1), slot_name(bad): (io.BytesIO(b"MZ\x90\x00 exe"), "form.pdf")}
    )
    response = post(client, data)
    html = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "bukan PDF, JPEG atau PNG" in (slot_error(html, slot_name(bad)) or "")
    assert slot_error(html, slot_name(good)) is None
    assert 'value="Budi Santoso"' in html and "Permohonan lewat telepon.</textarea>" in html
    assert re.search(r'<option value="phone" selected>', html)
    assert 'name="submission_key" value="' + KEY in html  # a retry still cannot make two tickets
    assert "pilih ulang semua berkas" in html
    assert Ticket.select().count() == 0 and Document.select().count() == 0


def test_a_too_big_file_is_refused_next_to_its_slot(client, login_as, monkeypatch):
    login_as("helpdesk")
    limits = client.application.extensions["desk_uploads"]  # this app's upload limits
    monkeypatch.setattr(limits, "max_bytes", len(PDF_BYTES) + 2)
    doc = slots()[0]
    big = (io.BytesIO(PDF_BYTES + b"x" * 100), "besar.pdf")
    response = post(client, on_behalf_form(**{slot_name(doc): big}))
    assert response.status_code == 400
    assert "terlalu besar" in (slot_error(response.get_data(as_text=True), slot_name(doc)) or "")
    assert Ticket.select().count() == 0 and Document.select().count() == 0


def test_field_refusals_store_nothing(client, login_as):
    login_as("helpdesk")
    no_channel = post(client, on_behalf_form(intake_channel=""))
    assert no_channel.status_code == 400
    assert "Pilih saluran masuk" in (
        slot_error(no_channel.get_data(as_text=True), "intake_channel") or ""
    )
    bad_nip = post(client, on_behalf_form(requester_nip="123"))
    assert bad_nip.status_code == 400
    assert slot_error(bad_nip.get_data(as_text=True), "requester_nip") == (
        "NIP harus terdiri dari 18 angka."
    )
    future = post(client, on_behalf_form(received_at="2099-01-01T08:00"))
    assert future.status_code == 400
    assert "tidak boleh di masa depan" in future.get_data(as_text=True)
    stale = post(client, on_behalf_form(submission_key="x"))
    assert stale.status_code == 400 and "kedaluwarsa" in stale.get_data(as_text=True)
    assert Ticket.select().count() == 0 and Document.select().count() == 0


@pytest.mark.parametrize("role", ["agent", "kepala_bidang", "kepala_seksi"])
def test_agents_and_heads_get_403(client, login_as, role):
    login_as(role)
    data = on_behalf_form(**{slot_name(slots()[0]): pdf(1)})
    assert client.get(URL).status_code == 403
    assert client.get(f"{URL}?layanan={subdomain_service().id}").status_code == 403
    assert post(client, data).status_code == 403
    assert Ticket.select().count() == 0 and Document.select().count() == 0
