"""A stored file sent as a download: always an attachment, never sniffed or rendered by the
browser. Used for the catalogue's template files (public and staff side)."""

from __future__ import annotations

import io

from flask import abort, send_file

from models.storage import CorruptDocument, store


def attachment(sha256: str | None, filename: str | None, content_type: str | None):
    """The bytes stored under `sha256` as an attachment named `filename` with
    `X-Content-Type-Options: nosniff`; 404 when there is no file, 410 when its bytes are lost."""
    if not sha256:
        abort(404)
    try:
        data = store.get(sha256)
    except CorruptDocument:
        abort(410)
    response = send_file(
        io.BytesIO(data),
        mimetype=content_type or "application/octet-stream",
        as_attachment=True,
        download_name=filename or "templat",
        max_age=0,
    )
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
