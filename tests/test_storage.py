"""The document store and the upload rules."""

from __future__ import annotations

import hashlib
import os

import pytest

from models.storage import CorruptDocument, DocumentStore
from models.uploads import Upload, UploadRefused, check, safe_filename
from tests.helpers import PDF_BYTES, PNG_BYTES


def test_put_is_content_addressed_idempotent_and_checked_on_read(tmp_path):
    store = DocumentStore(str(tmp_path))
    digest = store.put(PDF_BYTES)
    assert digest == hashlib.sha256(PDF_BYTES).hexdigest()
    assert store.put(PDF_BYTES) == digest
    path = tmp_path / digest[:2] / digest[2:4] / digest
    assert path.read_bytes() == PDF_BYTES
    assert store.get(digest) == PDF_BYTES
    assert not [p for p in path.parent.iterdir() if p.name.startswith(".tmp-")]
    path.write_bytes(PDF_BYTES + b"tampered")
    with pytest.raises(CorruptDocument, match="checksum"):
        store.get(digest)
    os.unlink(path)
    with pytest.raises(CorruptDocument, match="missing"):
        store.get(digest)


def test_staged_bytes_are_published_by_a_rename_into_a_folder_made_beforehand(
    tmp_path, monkeypatch
):
    store = DocumentStore(str(tmp_path))
    staged = store.stage(PDF_BYTES)
    final = os.path.join(tmp_path, staged.sha256[:2], staged.sha256[2:4], staged.sha256)
    assert os.path.isdir(os.path.dirname(final)) and not os.path.exists(final)
    made = []
    monkeypatch.setattr(os, "mkdir", lambda *args, **kw: made.append(args))
    assert store.publish(staged) == staged.sha256
    assert made == []  # publishing (under the write lock) made no folder
    with open(final, "rb") as fh:
        assert fh.read() == PDF_BYTES
    assert not os.path.exists(staged.path)


def test_store_refuses_names_that_are_not_digests(tmp_path):
    store = DocumentStore(str(tmp_path))
    with pytest.raises(ValueError):
        store.get("../../etc/passwd")


def test_uploads_judged_by_content_not_name():
    assert check(Upload("scan.PDF", PDF_BYTES)).content_type == "application/pdf"
    assert check(Upload("foto", PNG_BYTES)).filename == "foto.png"
    assert check(Upload("x.png", b"\xff\xd8\xff\xe0rest")).content_type == "image/jpeg"
    for data in (b"<html>", b"MZ\x90\x00", b"GIF89a", b"PK\x03\x04docx"):
        with pytest.raises(UploadRefused, match="bukan PDF"):
            check(Upload("surat.pdf", data))
    with pytest.raises(UploadRefused, match="kosong"):
        check(Upload("surat.pdf", b""))


def test_file_names_are_sanitised():
    assert safe_filename("../../etc/passwd", ".pdf") == "passwd.pdf"
    assert safe_filename("C:\\Users\\x\\Surat Permohonan.exe", ".pdf") == "Surat Permohonan.pdf"
    assert safe_filename("sürat<script>.pdf", ".pdf") == "surat_script.pdf"
    assert safe_filename("", ".png") == "dokumen.png"


def test_staging_into_folders_that_exist_makes_none(tmp_path, monkeypatch):
    store = DocumentStore(str(tmp_path))
    first = store.stage(PDF_BYTES)
    store.publish(first)
    made = []
    real_mkdir = os.mkdir
    monkeypatch.setattr(os, "mkdir", lambda *args, **kw: made.append(args) or real_mkdir(*args))
    again = store.stage(PDF_BYTES)  # the staging folder and the file's folder are there
    assert made == [] and os.path.exists(again.path)
    store.discard(again)
