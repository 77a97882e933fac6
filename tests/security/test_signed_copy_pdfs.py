"""Untrusted PDFs for pyHanko (the signed copies a requester uploads on the tracking page): a
file with thousands of signature fields, a deeply nested one, an encrypted one, a truncated one
and something that is no PDF at all under a `.pdf` name are each refused or read as a scan,
within bounded time, never a 500, and no byte of a refused one stays on disk."""

# ruff: noqa: F811 - the fixtures imported from the signed-copy tests are the parameters

from __future__ import annotations

import io
import time

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.pdf_utils.writer import copy_into_new_writer

import models.signatures as signatures
from models.signature_records import SignedCopyCheck
from models.ticket import Document, Ticket
from tests.test_signatures import (  # noqa: F401 - the fixtures of the signed-copy tests
    _stored_files,
    app_config,
    issued,
    national_ca,
    roots_dir,
)

pytestmark = pytest.mark.csrf_off  # the upload forms' CSRF is tested in test_existing_guards

SECONDS = 20  # generous on a shared machine; without the cap the many-fields copy takes minutes


def many_signature_fields(signed: bytes, n: int) -> bytes:
    """`signed` with `n` more signature fields in a later update, all naming its signature."""
    writer = IncrementalPdfFileWriter(io.BytesIO(signed))
    fields = writer.root["/AcroForm"]["/Fields"]
    signature = fields[0].get_object().raw_get("/V")
    for i in range(n):
        fields.append(
            writer.add_object(
                generic.DictionaryObject(
                    {
                        generic.NameObject("/FT"): generic.NameObject("/Sig"),
                        generic.NameObject("/T"): generic.TextStringObject(f"Salinan{i}"),
                        generic.NameObject("/V"): signature,
                    }
                )
            )
        )
    writer.update_container(fields)
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def deeply_nested(depth: int) -> bytes:
    body = b"[" * depth + b"]" * depth
    return (
        b"%PDF-1.7\n1 0 obj\n<< /Type /Catalog /AcroForm << /Fields [2 0 R] >> >>\nendobj\n"
        b"2 0 obj\n<< /FT /Sig /T (x) /V " + body + b" >>\nendobj\n"
        b"trailer\n<< /Root 1 0 R >>\n%%EOF\n"
    )


def encrypted(pdf: bytes) -> bytes:
    writer = copy_into_new_writer(PdfFileReader(io.BytesIO(pdf)))
    writer.encrypt("rahasia", "rahasia")
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def _upload(client, ticket, data: bytes):
    started = time.monotonic()
    response = client.post(
        f"/lacak/{ticket.tracking_token}/balasan",
        data={"ba_signed": (io.BytesIO(data), "ba.pdf")},
        content_type="multipart/form-data",
    )
    return response, time.monotonic() - started


def test_thousands_of_signature_fields_are_refused_without_checking_each(
    app, client, db, issued, national_ca, monkeypatch
):
    ticket, ba = issued
    data = many_signature_fields(national_ca.sign(ba), 2000)
    checked = []
    real = signatures.validate_pdf_signature
    monkeypatch.setattr(
        signatures,
        "validate_pdf_signature",
        lambda *a, **kw: checked.append(1) or real(*a, **kw),
    )
    before = _stored_files(app)
    response, seconds = _upload(client, ticket, data)
    assert response.status_code == 400
    assert "rusak" in response.get_data(as_text=True), response.get_data(as_text=True)[-3000:]
    assert len(checked) <= signatures.MAX_SIGNATURES
    assert seconds < SECONDS
    assert Document.current(ticket.id, "ba_signed") is None
    assert Ticket.get_by_id(ticket.id).status == "selesai"
    assert _stored_files(app) == before


def test_a_few_signatures_are_still_each_checked(issued, national_ca, app):
    _ticket, ba = issued
    data = many_signature_fields(national_ca.sign(ba), 3)
    with app.app_context():
        verdict = signatures.check_signed_copy(data, [], [])
    assert len(verdict.signatures) == 4 and verdict.signatures[0].signer == "Budi Santoso"


@pytest.mark.parametrize(
    "make",
    [
        pytest.param(lambda ba, ca: deeply_nested(100_000), id="deeply-nested"),
        pytest.param(lambda ba, ca: ca.sign(ba)[: len(ba) + 400], id="truncated-signed"),
        pytest.param(lambda ba, ca: b"%PDF-1.7\n" + b"\x00" * 300_000, id="header-then-junk"),
        pytest.param(lambda ba, ca: encrypted(ca.sign(ba)), id="encrypted"),
    ],
)
def test_a_malformed_pdf_is_handled_in_bounded_time_never_a_500(
    app, client, db, issued, national_ca, make
):
    ticket, ba = issued
    response, seconds = _upload(client, ticket, make(ba, national_ca))
    assert response.status_code in (303, 400), response.status_code
    assert seconds < SECONDS
    copy = Document.current(ticket.id, "ba_signed")
    if response.status_code == 400:
        assert copy is None
    else:  # read as a scan: kept, but the closing agent must look at it
        assert SignedCopyCheck.of(copy.id).wet_ink


@pytest.mark.parametrize(
    "data",
    [b"<html><script>alert(1)</script></html>", b"MZ\x90\x00" + b"\x00" * 100, b""],
    ids=["html", "executable", "empty"],
)
def test_something_that_is_no_pdf_under_a_pdf_name_is_refused(app, client, db, issued, data):
    ticket, _ba = issued
    before = _stored_files(app)
    response, _seconds = _upload(client, ticket, data)
    assert response.status_code == 400
    assert Document.current(ticket.id, "ba_signed") is None
    assert _stored_files(app) == before
