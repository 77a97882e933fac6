"""The official documents the desk issues (issue #13): the Berita Acara on the admin's
letterhead with its number, "Halaman x dari y" and verification code on every page, the parties
with NIP and position and the Kepala Seksi under "Mengetahui"; refused while a value it prints
is missing; the SLA from the service's template; the staff NIP checked like the requester's."""

from __future__ import annotations

import io
import os
import shutil

import pytest
from PIL import Image
from pypdf import PdfReader

from models import letterhead, staff_admin, verification, workflow
from models.catalog import Layanan
from models.document_gc import collect_orphans
from models.staff import User
from models.storage import store
from models.ticket import Document, Ticket
from models.uploads import Upload, UploadRefused
from tasks.berita_acara import request_berita_acara
from tasks.sla import request_sla
from tests.helpers import PDF_BYTES, T0

LONG_WORK = "\n".join(
    f"{i}. Langkah pekerjaan nomor {i}: konfigurasi, pengujian, dan dokumentasi hasilnya."
    for i in range(1, 41)
)


def page_texts(data: bytes) -> list[str]:
    return [" ".join(p.extract_text().split()) for p in PdfReader(io.BytesIO(data)).pages]


def issued(ticket_id, kind) -> tuple[Document, bytes]:
    doc = Document.current(ticket_id, kind)
    return doc, store.get(doc.sha256)


def test_a_long_ba_carries_number_page_and_code_on_every_page(make_ticket, users):
    ticket = make_ticket("assigned")
    agent, kasi = users["agent"], users["kepala_seksi"]
    number = request_berita_acara(agent, ticket.id, LONG_WORK, now=T0)
    doc, data = issued(ticket.id, "ba")
    assert doc.number == number and doc.verification_code
    assert verification.normalize(doc.verification_code) == doc.verification_code
    code = verification.display(doc.verification_code)
    pages = page_texts(data)
    assert len(pages) >= 2  # the long description runs over
    for i, text in enumerate(pages, start=1):
        assert number in text, i
        assert f"Halaman {i} dari {len(pages)}" in text, i
        assert code in text, i
        assert f"/verifikasi/{code}" in text, i
    whole = " ".join(pages)
    for expected in (
        agent.nip,
        agent.position,
        "selanjutnya disebut PIHAK PERTAMA;",
        ticket.requester_nip,
        "selanjutnya disebut PIHAK KEDUA.",
        "Seksi Rekayasa Aplikasi",
        "Mengetahui,",
        "Kepala Seksi Rekayasa Aplikasi",
        kasi.name,
        kasi.nip,
        "40. Langkah pekerjaan nomor 40",
        "Selasa, 2 Juni 2026",
        "PEMERINTAH DAERAH PROVINSI JAWA BARAT",
    ):
        assert expected in whole, expected
    # the QR code and the emblem are embedded images, on the first page at least
    first = PdfReader(io.BytesIO(data)).pages[0]
    assert len(first.images) >= 2


@pytest.mark.parametrize(
    "change, named",
    [
        (lambda u: User.update(nip=None).where(User.id == u["agent"].id), "NIP petugas"),
        (lambda u: User.update(nip="12345").where(User.id == u["agent"].id), "NIP petugas"),
        (lambda u: User.update(position=None).where(User.id == u["agent"].id), "jabatan petugas"),
        (
            lambda u: User.update(nip=None).where(User.id == u["kepala_seksi"].id),
            "NIP Kepala Seksi",
        ),
        (
            lambda u: User.update(active=False).where(User.id == u["kepala_seksi"].id),
            "Kepala Seksi Seksi Rekayasa Aplikasi",
        ),
    ],
)
def test_a_ba_missing_a_value_it_prints_is_refused_naming_it(make_ticket, users, change, named):
    ticket = make_ticket("assigned")
    change(users).execute()
    agent = User.get_by_id(users["agent"].id)
    with pytest.raises(workflow.WorkflowError, match=named) as refused:
        request_berita_acara(agent, ticket.id, "Subdomain dibuat.", now=T0)
    assert refused.value.kind == workflow.WorkflowError.INVALID
    after = Ticket.get_by_id(ticket.id)
    assert after.ba_number is None and after.version == ticket.version
    assert Document.current(ticket.id, "ba") is None


def test_a_staff_nip_is_checked_like_the_requesters(db, users):
    agent = users["agent"]
    for bad in ("12345", "19900301201503100x", "1" * 19):
        with pytest.raises(staff_admin.StaffError, match="18 angka"):
            staff_admin.update_staff(
                users["admin"], agent.id, agent.name, ["agent"], seksi_id=agent.seksi_id, nip=bad
            )
    assert User.get_by_id(agent.id).nip == agent.nip
    staff_admin.update_staff(
        users["admin"],
        agent.id,
        agent.name,
        ["agent"],
        seksi_id=agent.seksi_id,
        nip="19900301 201503 1 099",
        position="Pranata Komputer Ahli Muda",
    )
    changed = User.get_by_id(agent.id)
    assert (changed.nip, changed.position) == ("199003012015031099", "Pranata Komputer Ahli Muda")


@pytest.mark.csrf_off
def test_the_staff_form_refuses_a_bad_nip_and_keeps_the_position(client, login_as, users):
    login_as("admin")
    agent = users["agent"]
    form = {
        "name": agent.name,
        "roles": ["agent"],
        "bidang": "",
        "seksi": str(agent.seksi_id),
        "nip": "1234",
        "position": "Analis Sistem",
    }
    refused = client.post(f"/admin/staf/edit/?id={agent.id}", data=form)
    assert "NIP harus terdiri dari 18 angka." in refused.get_data(as_text=True)
    assert User.get_by_id(agent.id).nip == agent.nip
    response = client.post(
        f"/admin/staf/edit/?id={agent.id}", data={**form, "nip": "199003012015031077"}
    )
    assert response.status_code == 302
    changed = User.get_by_id(agent.id)
    assert (changed.nip, changed.position) == ("199003012015031077", "Analis Sistem")
    page = client.get(f"/admin/staf/edit/?id={agent.id}").get_data(as_text=True)
    assert 'value="Analis Sistem"' in page


def test_the_sla_is_generated_from_the_services_template(make_ticket, users):
    ticket = make_ticket("assigned")
    layanan = Layanan.get_by_id(ticket.layanan_id)
    Layanan.update(sla_scope="Pembuatan satu subdomain dan satu sertifikat TLS.").where(
        Layanan.id == layanan.id
    ).execute()
    agent = users["agent"]
    number = request_sla(agent, ticket.id, now=T0)
    assert number == "SLA/0001/DISKOMINFO/2026"
    doc, data = issued(ticket.id, "sla")
    assert doc.number == number and doc.uploaded_by_id == agent.id and doc.version == 1
    text = " ".join(page_texts(data))
    for expected in (
        "PERJANJIAN TINGKAT LAYANAN",
        number,
        layanan.name,
        "Pembuatan satu subdomain dan satu sertifikat TLS.",
        str(layanan.duration_label),
        ticket.number,
        agent.name,
        agent.nip,
        agent.position,
        ticket.requester_name,
        ticket.requester_nip,
        "selanjutnya disebut PIHAK KEDUA (pengguna layanan).",
        "Pengguna layanan",
        "Dinas Pendidikan Provinsi Jawa Barat",
        "Halaman 1 dari 1",
        verification.display(doc.verification_code),
    ):
        assert expected in text, expected
    # a regenerated SLA is a new version with the same number; the agent may still upload
    assert request_sla(agent, ticket.id, now=T0) == number
    assert Document.current(ticket.id, "sla").version == 2
    own = workflow.attach_document(agent, ticket.id, "sla", Upload("sla.pdf", PDF_BYTES))
    assert own.version == 3 and own.verification_code is None


def test_without_a_scope_the_sla_prints_the_services_description(make_ticket, users):
    ticket = make_ticket("assigned")
    layanan = Layanan.get_by_id(ticket.layanan_id)
    assert not layanan.sla_scope
    request_sla(users["agent"], ticket.id, now=T0)
    text = " ".join(page_texts(issued(ticket.id, "sla")[1]))
    assert " ".join(layanan.description.split())[:60] in text


def test_the_sla_is_refused_while_the_agent_has_no_position(make_ticket, users):
    ticket = make_ticket("assigned")
    User.update(position=None).where(User.id == users["agent"].id).execute()
    with pytest.raises(workflow.WorkflowError, match="jabatan petugas"):
        request_sla(User.get_by_id(users["agent"].id), ticket.id, now=T0)
    assert Ticket.get_by_id(ticket.id).sla_number is None


def _png(width, height) -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (width, height), (200, 30, 30)).save(out, "PNG")
    return out.getvalue()


def test_the_letterhead_is_the_admins(make_ticket, users):
    lines = {
        "line1": "PEMERINTAH KOTA CONTOH",
        "line2": "DINAS UJI COBA",
        "line3": "Jalan Percobaan 1",
        "city": "Cimahi",
    }
    with pytest.raises(UploadRefused, match="PNG atau JPEG"):
        letterhead.save(lines, Upload("lambang.pdf", PDF_BYTES))
    assert letterhead.current().line1 == letterhead.DEFAULTS["line1"]  # nothing changed
    with pytest.raises(ValueError):
        letterhead.save({**lines, "line2": " "})
    letterhead.save(lines, Upload("lambang.png", _png(37, 23)))
    ticket = make_ticket("assigned")
    request_berita_acara(users["agent"], ticket.id, "Selesai.", now=T0)
    data = issued(ticket.id, "ba")[1]
    text = page_texts(data)[0]
    assert "PEMERINTAH KOTA CONTOH" in text and "DINAS UJI COBA" in text
    assert "Cimahi, 2 Juni 2026" in text and "DINAS KOMUNIKASI DAN INFORMATIKA" not in text
    sizes = {img.image.size for img in PdfReader(io.BytesIO(data)).pages[0].images}
    assert (37, 23) in sizes
    # the emblem's bytes are referenced: the garbage collector keeps them
    collect_orphans(grace_seconds=0)
    assert store.exists(letterhead.current().emblem_sha256)


@pytest.mark.csrf_off
def test_the_letterhead_page_is_the_admins_only(client, login_as):
    login_as("helpdesk")
    assert client.get("/admin/kop-surat/").status_code in (302, 403, 404)
    login_as("admin")
    assert "Kop surat" in client.get("/admin/kop-surat/").get_data(as_text=True)
    refused = client.post(
        "/admin/kop-surat/",
        data={
            "line1": "A",
            "line2": "B",
            "line3": "C",
            "city": "D",
            "emblem": (io.BytesIO(PDF_BYTES), "x.pdf"),
        },
    )
    assert refused.status_code == 400 and "PNG atau JPEG" in refused.get_data(as_text=True)
    done = client.post(
        "/admin/kop-surat/", data={"line1": "A", "line2": "B", "line3": "C", "city": "D"}
    )
    assert done.status_code == 303 and letterhead.current().line2 == "B"
    emblem = client.get("/admin/kop-surat/lambang")
    assert emblem.data.startswith(b"\x89PNG") and emblem.headers["X-Content-Type-Options"]


@pytest.mark.csrf_off
def test_the_agent_generates_the_sla_from_the_ticket_page(client, login_as, make_ticket):
    ticket = make_ticket("assigned")
    login_as("agent")
    page = client.get(f"/admin/tiket/details/?id={ticket.id}").get_data(as_text=True)
    assert 'id="btn-generate-sla"' in page
    response = client.post(f"/admin/tiket/{ticket.id}/aksi/generate_sla")
    assert response.status_code == 303
    doc = Document.current(ticket.id, "sla")
    assert doc.number == "SLA/0001/DISKOMINFO/2026"
    page = client.get(f"/admin/tiket/details/?id={ticket.id}").get_data(as_text=True)
    assert f"/verifikasi/{doc.verification_code}" in page


def test_every_demo_seksi_can_issue_its_ba_and_sla(db, users):
    """A newcomer's demo (`make run`) takes a ticket of any service through the whole SOP: each
    seksi's agent and Kepala Seksi have the NIP and position the BA and SLA print."""
    from models.catalog import Seksi
    from models.official_parties import kepala_seksi_of
    from tests.helpers import new_request, required_uploads

    for seksi in Seksi.select():
        kasi = kepala_seksi_of(seksi.id)
        assert kasi is not None and len(kasi.nip) == 18 and kasi.position, seksi.code
    helpdesk, seen = users["admin"], set()  # the demo helpdesk is Aplikasi Informatika's only
    for layanan in Layanan.select().order_by(Layanan.id):
        if layanan.seksi_id in seen:
            continue
        seen.add(layanan.seksi_id)
        agent = User.agents_of_seksi(layanan.seksi_id).first()
        ticket = workflow.submit(None, new_request(layanan), required_uploads(layanan), now=T0)
        workflow.verify_complete(helpdesk, ticket.id, now=T0)
        workflow.dispose(helpdesk, ticket.id, agent.id, now=T0)
        workflow.prepare_berita_acara(agent, ticket.id, "Pekerjaan selesai.", now=T0)
        ticket = workflow.prepare_sla(agent, ticket.id, now=T0)
        assert ticket.ba_number and ticket.sla_number, layanan.code
    assert len(seen) == 14  # every seksi with a service


# --- every page of a long BA and SLA: its number, "Halaman x dari y", its code and a QR code
# that decodes (from the page rendered to PNG) to the verification URL --------------------------


def decoded_qr_codes(data: bytes, tmp_path) -> list[list[str]]:
    """The text of every QR code on each page of the PDF `data`, read from the pages rendered
    to PNG (pdftoppm, 150 dpi) by a real decoder (zxing-cpp)."""
    import subprocess

    import zxingcpp

    (tmp_path / "doc.pdf").write_bytes(data)
    subprocess.run(
        ["pdftoppm", "-png", "-r", "150", str(tmp_path / "doc.pdf"), str(tmp_path / "page")],
        check=True,
    )
    pages = []
    for png in sorted(tmp_path.glob("page-*.png")):
        with Image.open(png) as image:
            found = zxingcpp.read_barcodes(image, formats=zxingcpp.BarcodeFormat.QRCode)
        pages.append([code.text for code in found])
    return pages


@pytest.mark.skipif(
    shutil.which("pdftoppm") is None and not os.environ.get("CI"),
    reason="pdftoppm (poppler-utils) missing",
)
@pytest.mark.parametrize("kind", ["ba", "sla"])
def test_every_page_carries_its_number_page_code_and_a_qr_leading_to_it(
    app, client, make_ticket, users, tmp_path, kind
):
    ticket = make_ticket("assigned")
    agent = users["agent"]
    if kind == "ba":
        number = request_berita_acara(agent, ticket.id, LONG_WORK, now=T0)
    else:
        Layanan.update(sla_scope=LONG_WORK).where(Layanan.id == ticket.layanan_id).execute()
        number = request_sla(agent, ticket.id, now=T0)
    doc, data = issued(ticket.id, kind)
    code = verification.display(doc.verification_code)
    url = f"{app.config['BASE_URL'].rstrip('/')}/verifikasi/{code}"
    pages = page_texts(data)
    assert len(pages) >= 2  # the long text runs over
    for i, text in enumerate(pages, start=1):
        assert number in text and f"Halaman {i} dari {len(pages)}" in text, i
        assert code in text and f"/verifikasi/{code}" in text, i
    assert decoded_qr_codes(data, tmp_path) == [[url]] * len(pages)
    page = client.get(url.removeprefix(app.config["BASE_URL"].rstrip("/")))
    assert page.status_code == 200 and number in page.get_data(as_text=True)
