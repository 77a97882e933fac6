"""The letterhead (kop surat) of every PDF the desk issues: the emblem and the text lines.

An admin edits them (`deskadmin/letterhead.py`); until then the defaults below apply and the
emblem is the neutral placeholder bundled in `static/pdf/emblem-placeholder.png`. The emblem
must be a PNG or JPEG by content (`models.uploads`); its bytes live in the document store and
the `setting` row names them by SHA-256.
"""

from __future__ import annotations

import base64
import io
import os
from dataclasses import dataclass

from flask_babel import gettext as _
from PIL import Image

from models.db import write_transaction
from models.settings import Setting
from models.storage import store
from models.uploads import Upload, UploadRefused, check

PREFIX = "letterhead."
LIMITS = {"line1": 120, "line2": 120, "line3": 200, "city": 60}
DEFAULTS = {
    "line1": "PEMERINTAH DAERAH PROVINSI JAWA BARAT",
    "line2": "DINAS KOMUNIKASI DAN INFORMATIKA",
    "line3": "Jalan Tamansari No. 55 Bandung 40132",
    "city": "Bandung",
}
PLACEHOLDER = os.path.join(
    os.path.dirname(os.path.dirname(os.path.abspath(__file__))),
    "static",
    "pdf",
    "emblem-placeholder.png",
)
IMAGE_TYPES = ("image/png", "image/jpeg")
# An emblem is printed a few centimetres wide; a bigger image is an accident or a
# decompression bomb (a few kilobytes declaring gigabytes of pixels for every PDF render).
MAX_EMBLEM_SIDE = 2000


@dataclass(frozen=True)
class Letterhead:
    line1: str
    line2: str
    line3: str
    city: str
    emblem_sha256: str | None
    emblem_content_type: str | None

    def emblem_bytes(self) -> tuple[bytes, str]:
        """The emblem's bytes and content type (the placeholder when none was uploaded)."""
        if self.emblem_sha256:
            return store.get(self.emblem_sha256), self.emblem_content_type or "image/png"
        with open(PLACEHOLDER, "rb") as fh:
            return fh.read(), "image/png"

    def emblem_data_uri(self) -> str:
        """The emblem inline (the renderer reads no file outside its assets)."""
        data, content_type = self.emblem_bytes()
        return f"data:{content_type};base64,{base64.b64encode(data).decode()}"


def current() -> Letterhead:
    """The letterhead as the admin left it, defaults for what they did not set."""
    values = {**DEFAULTS, **Setting.values(PREFIX)}
    return Letterhead(
        line1=values["line1"],
        line2=values["line2"],
        line3=values["line3"],
        city=values["city"],
        emblem_sha256=values.get("emblem_sha256"),
        emblem_content_type=values.get("emblem_content_type"),
    )


def check_lines(lines: dict[str, str]) -> dict[str, str]:
    """Field -> message for each text line that breaks a rule (required, one line, length)."""
    errors = {}
    for field, limit in LIMITS.items():
        value = (lines.get(field) or "").strip()
        if not value:
            errors[field] = _("Wajib diisi.")
        elif len(value) > limit:
            errors[field] = _("Terlalu panjang (maksimal %(n)d karakter).", n=limit)
        elif any(ord(c) < 32 for c in value):
            errors[field] = _("Isian ini harus satu baris, tanpa karakter kendali.")
    return errors


def check_emblem_image(data: bytes) -> None:
    """The emblem must decode as an image at most `MAX_EMBLEM_SIDE` pixels on each side (the
    renderer would otherwise drop it silently from every PDF); raises `UploadRefused`."""
    try:
        with Image.open(io.BytesIO(data)) as image:
            too_big = max(image.size) > MAX_EMBLEM_SIDE
            if not too_big:
                image.load()  # decodes it all: a truncated or corrupt file fails here
    except Exception:  # noqa: BLE001 - an untrusted file fails to decode in many ways
        raise UploadRefused(
            _("Lambang tidak dapat dibaca sebagai gambar; unggah berkas PNG atau JPEG yang utuh.")
        ) from None
    if too_big:
        raise UploadRefused(
            _("Lambang terlalu besar (maksimal %(n)d × %(n)d piksel).", n=MAX_EMBLEM_SIDE)
        )


def save(lines: dict[str, str], emblem: Upload | None = None, *, reset_emblem=False) -> None:
    """Store the letterhead's lines and, if given, its new emblem (PNG or JPEG by content).
    Raises `UploadRefused` (bad emblem) or `ValueError` (bad lines, its `args[0]` the errors by
    field); a refusal changes nothing."""
    errors = check_lines(lines)
    if errors:
        raise ValueError(errors)
    checked = None
    if emblem is not None:
        checked = check(emblem)
        if checked.content_type not in IMAGE_TYPES:
            raise UploadRefused(_("Lambang harus berupa gambar PNG atau JPEG."))
        check_emblem_image(checked.data)
    sha = store.put(checked.data) if checked else None
    with write_transaction():
        for field in LIMITS:
            Setting.put(PREFIX + field, lines[field].strip())
        if sha:
            Setting.put(PREFIX + "emblem_sha256", sha)
            Setting.put(PREFIX + "emblem_content_type", checked.content_type)
        elif reset_emblem:
            Setting.put(PREFIX + "emblem_sha256", None)
            Setting.put(PREFIX + "emblem_content_type", None)


def referenced_hashes() -> set[str]:
    """The document-store bytes the settings name (kept by the garbage collector)."""
    sha = Setting.values(PREFIX).get("emblem_sha256")
    return {sha} if sha else set()
