"""The signed copies' PDF signatures, checked offline: a certificate authority made here (keys and
certificates from `cryptography`), a requester certificate under it, the ticket's real issued BA
(rendered by the BA task) signed with pyHanko as an incremental update."""

from __future__ import annotations

import datetime as dt
import io
import os
import time

import pytest
from asn1crypto import keys as asn1_keys
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from PIL import Image
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.sign import signers
from pyhanko_certvalidator.registry import SimpleCertificateStore

from models import workflow
from models.signature_records import SignatureVerdict, SignedCopyCheck, verdicts_for
from models.signatures import TrustRootsError, check_signed_copy, read_trust_roots, trust_roots
from models.storage import store
from models.ticket import Document, Ticket, TicketEvent
from models.uploads import Upload
from tasks.berita_acara import render_berita_acara, request_berita_acara
from tests.helpers import T0

NOW = dt.datetime.now(dt.UTC)


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _usage(ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=True,
        content_commitment=not ca,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def _certificate(subject, key, issuer, issuer_key, *, ca: bool) -> x509.Certificate:
    return (
        x509.CertificateBuilder()
        .subject_name(_name(subject))
        .issuer_name(_name(issuer))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - dt.timedelta(days=1))
        .not_valid_after(NOW + dt.timedelta(days=365))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(_usage(ca), critical=True)
        .sign(issuer_key, hashes.SHA256())
    )


def _asn1(cert: x509.Certificate) -> asn1_x509.Certificate:
    return asn1_x509.Certificate.load(cert.public_bytes(serialization.Encoding.DER))


class Authority:
    """A root CA and a requester certificate issued by it, with a pyHanko signer."""

    def __init__(self, root_name: str, signer_name: str):
        root_key = ec.generate_private_key(ec.SECP256R1())
        self.root = _certificate(root_name, root_key, root_name, root_key, ca=True)
        key = ec.generate_private_key(ec.SECP256R1())
        cert = _certificate(signer_name, key, root_name, root_key, ca=False)
        self.signer = signers.SimpleSigner(
            signing_cert=_asn1(cert),
            signing_key=asn1_keys.PrivateKeyInfo.load(
                key.private_bytes(
                    serialization.Encoding.DER,
                    serialization.PrivateFormat.PKCS8,
                    serialization.NoEncryption(),
                )
            ),
            cert_registry=SimpleCertificateStore.from_certs([_asn1(self.root)]),
        )

    def pem(self) -> bytes:
        return self.root.public_bytes(serialization.Encoding.PEM)

    def sign(self, pdf: bytes, field: str = "TandaTanganPemohon") -> bytes:
        """`pdf` signed as an incremental update (its bytes stay the file's first revision)."""
        out = io.BytesIO()
        signers.sign_pdf(
            IncrementalPdfFileWriter(io.BytesIO(pdf)),
            signers.PdfSignatureMetadata(field_name=field),
            signer=self.signer,
            output=out,
        )
        return out.getvalue()


@pytest.fixture(scope="module")
def national_ca():
    return Authority("Root CA Tanda Tangan Elektronik Uji", "Budi Santoso")


@pytest.fixture(scope="module")
def rogue_ca():
    return Authority("Root CA Tidak Dikenal", "Budi Palsu")


@pytest.fixture(scope="module")
def roots_dir(tmp_path_factory, national_ca):
    folder = tmp_path_factory.mktemp("trust-roots")
    (folder / "root.pem").write_bytes(national_ca.pem())
    (folder / "README.txt").write_text("not a certificate, skipped")
    return folder


@pytest.fixture
def app_config(roots_dir):
    return {"SIGNATURE_TRUST_ROOTS": str(roots_dir)}


@pytest.fixture
def issued(make_ticket, users):
    """A Selesai ticket whose BA was rendered by the BA task; (ticket, issued BA bytes)."""
    ticket = make_ticket("assigned")
    request_berita_acara(users["agent"], ticket.id, "Aplikasi dipasang dan diuji.", now=T0)
    sla = render_berita_acara(ticket, users["agent"], "Kesepakatan tingkat layanan.")  # a PDF
    workflow.attach_document(users["agent"], ticket.id, "sla", Upload("sla.pdf", sla), now=T0)
    workflow.mark_selesai(users["agent"], ticket.id, now=T0)
    ba = Document.current(ticket.id, "ba")
    assert ba.filename.startswith("berita-acara-")  # the generated one, not the fixture's
    return Ticket.get_by_id(ticket.id), store.get(ba.sha256)


def jpeg_scan() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (40, 40), "white").save(out, "JPEG")
    return out.getvalue()


def _stored_files(app) -> set[str]:
    root = app.config["DOCUMENTS_DIR"]
    return {
        os.path.join(d, f) for d, _dirs, files in os.walk(root) for f in files if "tmp" not in f
    }


def _signed_events(ticket):
    """The history entries of the signed copies' uploads (they carry the verdicts)."""
    kinds = ("signed", "signed_partial")
    return [e for e in TicketEvent.for_ticket(ticket.id) if e.action in kinds]


def test_the_issued_ba_signed_under_the_trusted_root_is_accepted_valid_and_matching(
    db, issued, national_ca
):
    ticket, ba = issued
    signing = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    signed = national_ca.sign(ba)
    assert signed.startswith(ba)  # an incremental update

    started = time.perf_counter()
    verdict = check_signed_copy(signed, [Document.current(ticket.id, "ba").sha256], trust_roots())
    took = time.perf_counter() - started
    print(f"one signature checked in {took * 1000:.1f} ms")  # reported, never asserted
    assert not verdict.wet_ink

    workflow.submit_signed(ticket.tracking_token, None, Upload("ba-ttd.pdf", signed))
    doc = Document.current(ticket.id, "ba_signed")
    assert doc is not None and doc.returned_at is None
    (row,) = verdicts_for(doc)
    assert (row.signer, row.intact, row.trusted, row.matches_issued) == (
        "Budi Santoso",
        True,
        True,
        True,
    )
    assert abs(row.signed_at - signing) < dt.timedelta(seconds=5)
    assert SignedCopyCheck.of(doc.id).wet_ink is False
    (event,) = _signed_events(ticket)
    assert event.public
    assert "Budi Santoso" in event.note and "sertifikat tepercaya" in event.note
    assert "sesuai dokumen yang diterbitkan" in event.note


def test_a_signature_under_an_unknown_root_is_accepted_as_not_trusted(db, issued, rogue_ca):
    ticket, ba = issued
    workflow.submit_signed(ticket.tracking_token, None, Upload("ba.pdf", rogue_ca.sign(ba)))
    (row,) = verdicts_for(Document.current(ticket.id, "ba_signed"))
    assert (row.signer, row.intact, row.trusted, row.matches_issued) == (
        "Budi Palsu",
        True,
        False,
        True,
    )
    assert "sertifikat tidak tepercaya" in _signed_events(ticket)[0].note


def test_without_trust_roots_a_signature_is_not_checked_never_valid(app, db, issued, national_ca):
    app.config["SIGNATURE_TRUST_ROOTS"] = None
    ticket, ba = issued
    workflow.submit_signed(ticket.tracking_token, None, Upload("ba.pdf", national_ca.sign(ba)))
    (row,) = verdicts_for(Document.current(ticket.id, "ba_signed"))
    assert row.trusted is None and row.intact and row.matches_issued
    note = _signed_events(ticket)[0].note
    assert "tidak diperiksa" in note and "sertifikat tepercaya" not in note


def _refused(app, ticket, upload, message):
    before = _stored_files(app)
    with pytest.raises(workflow.WorkflowError, match=message) as refused:
        workflow.submit_signed(ticket.tracking_token, None, upload)
    assert refused.value.kind == "invalid"
    assert Document.current(ticket.id, "ba_signed") is None
    assert SignatureVerdict.select().count() == 0
    assert Ticket.get_by_id(ticket.id).status == "selesai"
    assert _signed_events(ticket) == []
    assert _stored_files(app) == before  # no bytes kept, not even staged ones


def test_a_signed_different_pdf_is_refused_as_not_the_issued_document(
    app, db, issued, national_ca, users
):
    ticket, _ba = issued
    other = render_berita_acara(ticket, users["agent"], "Pekerjaan lain yang tidak diterbitkan.")
    _refused(
        app,
        ticket,
        Upload("ba.pdf", national_ca.sign(other)),
        "bukan dokumen yang diterbitkan",
    )


def test_a_signed_copy_tampered_after_signing_is_refused_as_broken(app, db, issued, national_ca):
    ticket, ba = issued
    signed = bytearray(national_ca.sign(ba))
    # a byte of the signed incremental update (the signature dictionary's field name), so the
    # first revision still is the issued BA: only the signature is broken
    at = signed.index(b"TandaTanganPemohon", len(ba))
    signed[at] = ord("X")
    _refused(app, ticket, Upload("ba.pdf", bytes(signed)), "rusak")


def test_a_content_change_appended_after_signing_is_refused_as_broken(app, db, issued, national_ca):
    ticket, ba = issued
    signed = national_ca.sign(ba)
    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    page = writer.root["/Pages"]["/Kids"][0].get_object()
    page["/Rotate"] = generic.NumberObject(
        90
    )  # an incremental update that changes the page: not a signature
    writer.update_container(page)
    out = io.BytesIO()
    writer.write(out)
    _refused(app, ticket, Upload("ba.pdf", out.getvalue()), "rusak")


def test_a_scan_is_accepted_as_wet_ink_and_closing_needs_the_agents_confirmation(db, issued, users):
    ticket, _ba = issued
    workflow.submit_signed(
        ticket.tracking_token, Upload("sla.jpg", jpeg_scan()), Upload("ba.jpg", jpeg_scan())
    )
    assert Ticket.get_by_id(ticket.id).status == "signed"
    for kind in ("sla_signed", "ba_signed"):
        doc = Document.current(ticket.id, kind)
        assert SignedCopyCheck.of(doc.id).wet_ink and verdicts_for(doc) == []
    assert "tanda tangan basah, tidak diverifikasi" in _signed_events(ticket)[0].note

    with pytest.raises(workflow.WorkflowError, match="bertanda tangan basah") as refused:
        workflow.close(users["agent"], ticket.id)
    assert refused.value.kind == "invalid"
    assert Ticket.get_by_id(ticket.id).status == "signed"

    workflow.close(users["agent"], ticket.id, confirm_wet_ink=True)
    assert Ticket.get_by_id(ticket.id).status == "closed"
    check = SignedCopyCheck.of(Document.current(ticket.id, "ba_signed").id)
    assert check.confirmed_by_id == users["agent"].id and check.confirmed_at is not None
    (confirmed,) = [e for e in TicketEvent.for_ticket(ticket.id) if e.action == "closed"]
    assert "bertanda tangan basah telah diperiksa" in confirmed.note
    assert "SLA" in confirmed.note and "Berita Acara" in confirmed.note


def test_a_signed_pdf_and_a_scan_only_the_scan_needs_confirmation(db, issued, national_ca, users):
    ticket, ba = issued
    workflow.submit_signed(
        ticket.tracking_token,
        Upload("sla.jpg", jpeg_scan()),
        Upload("ba.pdf", national_ca.sign(ba)),
    )
    assert [d.kind for d in workflow.unconfirmed_wet_ink(ticket.id)] == ["sla_signed"]


def test_the_ticket_page_shows_the_verdicts_and_asks_to_confirm_a_scan(
    client, db, issued, national_ca, login_as
):
    ticket, ba = issued
    workflow.submit_signed(
        ticket.tracking_token,
        Upload("sla.jpg", jpeg_scan()),
        Upload("ba.pdf", national_ca.sign(ba)),
    )
    login_as("agent")
    html = client.get(f"/admin/tiket/details/?id={ticket.id}").get_data(as_text=True)
    assert "Budi Santoso" in html and "tepercaya" in html
    assert "sesuai dokumen yang diterbitkan" in html
    assert "tanda tangan basah, tidak diverifikasi" in html
    assert 'name="confirm_wet_ink"' in html
    assert "Saya telah memeriksa salinan bertanda tangan basah" in html


@pytest.mark.csrf_off
def test_the_tracking_page_refuses_a_wrong_signed_copy_with_the_message(
    client, db, issued, national_ca, users
):
    ticket, _ba = issued
    other = national_ca.sign(render_berita_acara(ticket, users["agent"], "Bukan yang terbit."))
    response = client.post(
        f"/lacak/{ticket.tracking_token}/balasan",
        data={"ba_signed": (io.BytesIO(other), "ba.pdf")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "bukan dokumen yang diterbitkan" in response.get_data(as_text=True)
    assert Document.current(ticket.id, "ba_signed") is None


def test_trust_roots_are_read_from_a_file_or_a_folder(tmp_path, roots_dir, national_ca):
    (root,) = read_trust_roots(str(roots_dir))  # the folder: its .pem files only
    assert root.subject.native["common_name"] == "Root CA Tanda Tangan Elektronik Uji"
    assert [c.dump() for c in read_trust_roots(str(roots_dir / "root.pem"))] == [root.dump()]
    assert read_trust_roots(None) == [] and read_trust_roots("") == []
    with pytest.raises(TrustRootsError):
        read_trust_roots(str(tmp_path / "missing"))
    (tmp_path / "broken.pem").write_text("-----BEGIN CERTIFICATE-----\nxx\n")
    with pytest.raises(TrustRootsError):
        read_trust_roots(str(tmp_path / "broken.pem"))


@pytest.mark.csrf_off
def test_closing_from_the_ticket_page_needs_the_wet_ink_checkbox(client, db, issued, login_as):
    ticket, _ba = issued
    workflow.submit_signed(
        ticket.tracking_token, Upload("sla.jpg", jpeg_scan()), Upload("ba.jpg", jpeg_scan())
    )
    login_as("agent")
    url = f"/admin/tiket/{ticket.id}/aksi/close"
    refused = client.post(url, data={"note": "Selesai"})
    assert refused.status_code == 400
    assert "bertanda tangan basah" in refused.get_data(as_text=True)
    assert Ticket.get_by_id(ticket.id).status == "signed"
    assert client.post(url, data={"confirm_wet_ink": "1"}).status_code == 303
    assert Ticket.get_by_id(ticket.id).status == "closed"


def test_a_second_signature_appended_later_keeps_the_first_intact(
    db, issued, national_ca, rogue_ca
):
    ticket, ba = issued
    twice = rogue_ca.sign(national_ca.sign(ba), "TandaTanganKedua")
    workflow.submit_signed(ticket.tracking_token, None, Upload("ba.pdf", twice))
    rows = verdicts_for(Document.current(ticket.id, "ba_signed"))
    assert [(r.signer, r.intact, r.trusted, r.matches_issued) for r in rows] == [
        ("Budi Santoso", True, True, True),
        ("Budi Palsu", True, False, True),
    ]


def test_the_admin_sees_the_loaded_trust_roots_and_no_one_else(app, client, login_as):
    login_as("admin")
    html = client.get("/admin/akar-tepercaya/").get_data(as_text=True)
    assert "Root CA Tanda Tangan Elektronik Uji" in html and 'id="trust-roots"' in html
    app.config["SIGNATURE_TRUST_ROOTS"] = None
    html = client.get("/admin/akar-tepercaya/").get_data(as_text=True)
    assert 'id="trust-roots-none"' in html and "Root CA" not in html
    app.config["SIGNATURE_TRUST_ROOTS"] = "/nonexistent/roots.pem"
    response = client.get("/admin/akar-tepercaya/")
    assert response.status_code == 200 and 'id="trust-roots-error"' in response.get_data(
        as_text=True
    )


@pytest.mark.parametrize("role", ["helpdesk", "agent"])
def test_the_trust_roots_page_is_for_admins_only(client, login_as, role):
    login_as(role)
    assert client.get("/admin/akar-tepercaya/").status_code == 403


@pytest.mark.csrf_off
def test_the_verification_page_shows_who_signed_the_accepted_copy(client, db, issued, national_ca):
    ticket, ba = issued
    signed = national_ca.sign(ba)
    workflow.submit_signed(ticket.tracking_token, None, Upload("ba-ttd.pdf", signed))
    issued_ba = Document.current(ticket.id, "ba")
    url = f"/verifikasi/{issued_ba.verification_code}"
    html = client.get(url).get_data(as_text=True)
    copies = html[html.index('id="signed-copies"') : html.index('id="periksa-berkas"')]
    assert "Budi Santoso" in copies and "tepercaya" in copies
    assert "sesuai dokumen yang diterbitkan" in copies
    dropped = client.post(
        url, data={"file": (io.BytesIO(signed), "ba-ttd.pdf")}, follow_redirects=True
    ).get_data(as_text=True)
    assert 'data-match="signed"' in dropped
    result = dropped[dropped.index('id="hasil-periksa"') : dropped.index('id="file"')]
    assert "Budi Santoso" in result
