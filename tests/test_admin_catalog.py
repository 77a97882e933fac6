"""The catalogue pages (issue #4, admin only) and the Indonesian of Flask-Admin's pages."""

from __future__ import annotations

import datetime as dt

import pytest

from models.catalog import Holiday, Layanan, RequiredDocument, Seksi
from models.ticket import Document

pytestmark = pytest.mark.csrf_off  # forms are posted without their token


def test_admin_adds_a_service_with_its_required_documents(client, login_as, db):
    login_as("admin")
    form = client.get("/admin/layanan/new/").get_data(as_text=True)
    assert "Kelas durasi" in form and "Dokumen persyaratan" in form
    seksi = Seksi.get(Seksi.code == "rekayasa-aplikasi")
    response = client.post(
        "/admin/layanan/new/",
        data={
            "code": "aplikasi-survei",
            "name": "Pembuatan aplikasi survei",
            "description": "Survei daring untuk Perangkat Daerah.",
            "seksi": str(seksi.id),
            "duration": "sedang",
            "active": "y",
            "required_documents-0-name": "Surat permohonan",
            "required_documents-0-description": "Ditandatangani Kepala PD.",
            "required_documents-0-position": "0",
        },
    )
    assert response.status_code == 302
    layanan = Layanan.get(Layanan.code == "aplikasi-survei")
    assert (layanan.seksi_id, layanan.duration) == (seksi.id, "sedang")
    assert [r.name for r in RequiredDocument.for_layanan(layanan.id)] == ["Surat permohonan"]


def test_holidays_in_indonesian_with_indonesian_form_messages(client, login_as, db):
    login_as("admin")
    listed = client.get("/admin/libur/").get_data(as_text=True)
    assert "17 Agustus" in listed and "Daftar" in listed and "Buat" in listed
    empty = client.post("/admin/libur/new/", data={"date": "", "name": ""})
    html = empty.get_data(as_text=True)
    assert "Isian ini wajib diisi." in html and "This field is required." not in html
    done = client.post("/admin/libur/new/", data={"date": "2026-03-20", "name": "Idulfitri"})
    assert done.status_code == 302
    assert Holiday.get(Holiday.date == dt.date(2026, 3, 20)).name == "Idulfitri"


def test_a_holiday_removed_is_forgotten_by_the_process_cache_at_once(app, client, login_as, db):
    from models import process_cache

    login_as("admin")
    holiday = Holiday.create(date=dt.date(2026, 3, 20), name="Idulfitri")
    with app.app_context():
        assert process_cache.cached("probe", lambda: "kept") == "kept"
    assert client.post("/admin/libur/delete/", data={"id": holiday.id}).status_code == 302
    assert Holiday.get_or_none(Holiday.id == holiday.id) is None
    with app.app_context():
        assert process_cache.cached("probe", lambda: "read again") == "read again"


def test_catalogue_rows_are_not_deleted(client, login_as, db):
    login_as("admin")
    layanan = Layanan.get(Layanan.code == "permintaan-subdomain")
    client.post("/admin/layanan/delete/", data={"id": layanan.id})
    assert Layanan.get_or_none(Layanan.id == layanan.id) is not None


def test_ticket_list_chrome_is_indonesian(client, login_as):
    login_as("helpdesk")
    html = client.get("/admin/tiket/").get_data(as_text=True)
    for word in ("Daftar", "Ekspor", "Saringan", "Cari", "Terapkan", "Beranda"):
        assert word in html, word
    for english in ("Add Filter", "Export", "With selected", ">List", "Search"):
        assert english not in html, english
    assert (
        'placeholder="Nomor, pemohon (nama, email, NIP), perihal, Perangkat Daerah atau petugas"'
        in html
    )


def test_admin_edits_a_service_keeping_its_required_documents(client, login_as, db):
    login_as("admin")
    layanan = Layanan.get(Layanan.code == "permintaan-subdomain")
    docs = list(RequiredDocument.for_layanan(layanan.id))
    form = client.get(f"/admin/layanan/edit/?id={layanan.id}").get_data(as_text=True)
    assert docs[0].name in form
    data = _service_form(layanan, docs) | {"name": "Permintaan subdomain (diperbarui)"}
    response = client.post(f"/admin/layanan/edit/?id={layanan.id}", data=data)
    assert response.status_code == 302
    assert Layanan.get_by_id(layanan.id).name == "Permintaan subdomain (diperbarui)"
    assert [d.id for d in RequiredDocument.for_layanan(layanan.id)] == [d.id for d in docs]


def _service_form(layanan, docs, delete_index=None):
    data = {
        "code": layanan.code,
        "name": layanan.name,
        "description": layanan.description,
        "seksi": str(layanan.seksi_id),
        "duration": layanan.duration,
        "active": "y",
    }
    for i, doc in enumerate(docs):
        data |= {
            f"required_documents-{i}-id": str(doc.id),
            f"required_documents-{i}-name": doc.name,
            f"required_documents-{i}-description": doc.description,
            f"required_documents-{i}-position": str(doc.position),
        }
    if delete_index is not None:
        data[f"del-required_documents-{delete_index}"] = "y"
    return data


def test_a_required_document_in_use_is_not_deleted(client, login_as, make_ticket):
    ticket = make_ticket("incomplete")  # has uploads for every document, and a missing one
    layanan = Layanan.get_by_id(ticket.layanan_id)
    docs = list(RequiredDocument.for_layanan(layanan.id))
    login_as("admin")
    response = client.post(
        f"/admin/layanan/edit/?id={layanan.id}",
        data=_service_form(layanan, docs, 0),
        follow_redirects=True,
    )
    assert "sudah dipakai tiket dan tidak dapat dihapus" in response.get_data(as_text=True)
    assert [d.id for d in RequiredDocument.for_layanan(layanan.id)] == [d.id for d in docs]
    linked = Document.select().where(Document.ticket == ticket.id, Document.kind == "persyaratan")
    assert all(d.required_document_id is not None for d in linked)


def test_an_unused_required_document_may_be_deleted(client, login_as, db):
    layanan = Layanan.get(Layanan.code == "permintaan-subdomain")
    docs = list(RequiredDocument.for_layanan(layanan.id))
    login_as("admin")
    response = client.post(
        f"/admin/layanan/edit/?id={layanan.id}", data=_service_form(layanan, docs, 2)
    )
    assert response.status_code == 302
    assert [d.id for d in RequiredDocument.for_layanan(layanan.id)] == [d.id for d in docs[:2]]


def test_in_use_counts_a_missing_list_entry(make_ticket):
    ticket = make_ticket("incomplete")
    (missing_id,) = ticket.missing_document_ids
    other = [r.id for r in RequiredDocument.for_layanan(ticket.layanan_id) if r.id != missing_id][0]
    Document.delete().execute()
    assert RequiredDocument.in_use(missing_id)
    assert not RequiredDocument.in_use(other)
