"""The letterhead page's emblem upload (admin only): an image that does not decode or that
declares a huge size is refused with its reason, nothing changes and no byte stays on disk; the
page and the emblem are the admin's alone; the form needs its CSRF token."""

from __future__ import annotations

import io
import os
import struct
import zlib

import pytest

from models import letterhead
from models.uploads import Upload, UploadRefused
from tests.helpers import PNG_BYTES, csrf_token

LINES = {"line1": "PEMKOT UJI", "line2": "DINAS UJI", "line3": "Jalan Uji 1", "city": "Cimahi"}


def png(width: int, height: int) -> bytes:
    """A valid grey PNG of that size: all zeros, so a few kilobytes even when huge."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        crc = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + crc

    packer = zlib.compressobj(9)
    row = b"\x00" * (width + 1)
    rows = b"".join(packer.compress(row) for _ in range(height)) + packer.flush()
    header = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    body = chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")
    return b"\x89PNG\r\n\x1a\n" + body


BAD_EMBLEMS = {
    "png-magic-then-junk": PNG_BYTES[:8] + b"junk" * 100,
    "truncated-png": png(300, 300)[:60],
    "jpeg-magic-then-junk": b"\xff\xd8\xff\xe0" + b"\x00" * 200,
    "decompression-bomb": png(12_000, 12_000),  # 144 megapixels, under Pillow's own guard
    "too-large": png(letterhead.MAX_EMBLEM_SIDE + 1, 10),
}


def stored_files(app) -> set[str]:
    root = app.config["DOCUMENTS_DIR"]
    return {os.path.join(d, f) for d, _dirs, files in os.walk(root) for f in files}


@pytest.mark.parametrize("data", BAD_EMBLEMS.values(), ids=BAD_EMBLEMS.keys())
def test_an_emblem_that_is_no_usable_image_is_refused_and_nothing_kept(app, db, data):
    before = stored_files(app)
    with pytest.raises(UploadRefused, match="Lambang"):
        letterhead.save(LINES, Upload("lambang.png", data))
    assert letterhead.current().line1 == letterhead.DEFAULTS["line1"]
    assert letterhead.current().emblem_sha256 is None
    assert stored_files(app) == before


def test_a_real_emblem_at_the_size_limit_is_kept(db):
    letterhead.save(LINES, Upload("lambang.png", png(letterhead.MAX_EMBLEM_SIDE, 40)))
    assert letterhead.current().emblem_sha256


@pytest.mark.csrf_off
def test_the_page_answers_a_bomb_with_a_400_and_its_reason(app, client, login_as):
    login_as("admin")
    response = client.post(
        "/admin/kop-surat/",
        data={**LINES, "emblem": (io.BytesIO(BAD_EMBLEMS["decompression-bomb"]), "l.png")},
        content_type="multipart/form-data",
    )
    assert response.status_code == 400
    assert "Lambang" in response.get_data(as_text=True)
    assert letterhead.current().line1 == letterhead.DEFAULTS["line1"]


@pytest.mark.parametrize("role", ["helpdesk", "agent", "kepala_bidang", "kepala_seksi"])
def test_no_other_role_reads_or_changes_the_letterhead(app, client, login_as, role):
    login_as(role)
    for path in ("/admin/kop-surat/", "/admin/kop-surat/lambang"):
        assert client.get(path).status_code in (302, 403, 404), path
    answer = client.post("/admin/kop-surat/", data={**LINES, "line1": "DIUBAH"})
    assert answer.status_code in (302, 400, 403, 404)
    assert letterhead.current().line1 == letterhead.DEFAULTS["line1"]


def test_the_letterhead_form_needs_its_csrf_token(app, client, login_as):
    login_as("admin")
    refused = client.post("/admin/kop-surat/", data={**LINES, "line1": "TANPA TOKEN"})
    assert refused.status_code == 400
    assert letterhead.current().line1 == letterhead.DEFAULTS["line1"]
    token = csrf_token(client, "/admin/kop-surat/")
    done = client.post("/admin/kop-surat/", data={**LINES, "csrf_token": token})
    assert done.status_code == 303 and letterhead.current().line1 == "PEMKOT UJI"
