"""What an uploaded file must be: PDF, JPEG or PNG by its content, under the size limit.

The limit belongs to the app (`app.extensions["desk_uploads"]`, an `UploadLimits` made by
`init_app` from DESK_MAX_UPLOAD_MB); `check` reads the current app's.
"""

from __future__ import annotations

import os
import re
import unicodedata
from dataclasses import dataclass

from flask import current_app, has_app_context
from flask_babel import gettext as _

ACCEPTED = {  # magic bytes -> (content type, extension)
    b"%PDF-": ("application/pdf", ".pdf"),
    b"\xff\xd8\xff": ("image/jpeg", ".jpg"),
    b"\x89PNG\r\n\x1a\n": ("image/png", ".png"),
}

EXTENSION = "desk_uploads"


@dataclass
class UploadLimits:
    """The size limit of one uploaded file, in bytes."""

    max_bytes: int = 10 * 1024 * 1024


def init_app(app) -> None:
    """Give `app` its own upload limits from DESK_MAX_UPLOAD_MB."""
    app.extensions[EXTENSION] = UploadLimits(int(app.config["MAX_UPLOAD_MB"]) * 1024 * 1024)


def limits() -> UploadLimits:
    """The upload limits of the current app; outside any app, the embedded default."""
    if not has_app_context():
        return UploadLimits()
    return current_app.extensions[EXTENSION]


class UploadRefused(ValueError):
    """The file is refused; the message is fit to show next to its field."""


@dataclass(frozen=True)
class Upload:
    """A file as received: its name as the sender gave it and its bytes."""

    filename: str
    data: bytes
    required_document_id: int | None = None


@dataclass(frozen=True)
class CheckedUpload:
    filename: str  # sanitised, with the extension of its real type
    data: bytes
    content_type: str
    required_document_id: int | None


def sniff(data: bytes) -> tuple[str, str] | None:
    """The (content type, extension) of `data` by its magic bytes, or None."""
    for magic, kind in ACCEPTED.items():
        if data.startswith(magic):
            return kind
    return None


def safe_filename(name: str, extension: str) -> str:
    """A display name: no path, no control characters, ASCII-safe, the real extension."""
    name = os.path.basename((name or "").replace("\\", "/"))
    name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    stem = re.sub(r"[^A-Za-z0-9._ -]+", "_", os.path.splitext(name)[0]).strip(" ._-")
    return (stem[:80] or "dokumen") + extension


def check(upload: Upload) -> CheckedUpload:
    """Accept a PDF, JPEG or PNG (judged by content) within the size limit, or refuse it."""
    if not upload.data:
        raise UploadRefused(_("Berkas %(name)s kosong.", name=upload.filename or ""))
    max_bytes = limits().max_bytes
    if len(upload.data) > max_bytes:
        raise UploadRefused(
            _(
                "Berkas %(name)s terlalu besar (maksimal %(mb)d MB).",
                name=upload.filename or "",
                mb=max_bytes // (1024 * 1024),
            )
        )
    kind = sniff(upload.data)
    if kind is None:
        raise UploadRefused(
            _(
                "Berkas %(name)s bukan PDF, JPEG atau PNG. Unggah hasil pindaian dalam salah "
                "satu format tersebut.",
                name=upload.filename or "",
            )
        )
    content_type, extension = kind
    return CheckedUpload(
        filename=safe_filename(upload.filename, extension),
        data=upload.data,
        content_type=content_type,
        required_document_id=upload.required_document_id,
    )
