"""The document store: file bytes on disk, content-addressed, written atomically.

Rows of `Document` name their bytes by sha256; the bytes live in `DOCUMENTS_DIR/ab/cd/<sha256>`.
A write goes to a temporary file that is fsynced and renamed into place, so a reader never sees
half a file; a read recomputes the checksum and refuses bytes that do not match.

Each app has its own store (`app.extensions["desk_store"]`, made by `init_app`); the module's
`store` is a proxy to the current app's, so `from models.storage import store; store.put(...)`
works inside any app context and two apps in one process never share a root.
"""

from __future__ import annotations

import hashlib
import os
import tempfile

from flask import current_app
from werkzeug.local import LocalProxy

EXTENSION = "desk_store"


class CorruptDocument(Exception):
    """The stored bytes do not match their checksum (or are missing)."""


class DocumentStore:
    """The content-addressed files under one root folder."""

    def __init__(self, root: str | None = None):
        self.root = root

    def _path(self, sha256: str) -> str:
        if len(sha256) != 64 or any(c not in "0123456789abcdef" for c in sha256):
            raise ValueError("not a sha256 hex digest")
        return os.path.join(self.root, sha256[:2], sha256[2:4], sha256)

    def put(self, data: bytes) -> str:
        """Store `data` (idempotent) and return its sha256."""
        digest = hashlib.sha256(data).hexdigest()
        path = self._path(digest)
        if os.path.exists(path):
            return digest
        folder = os.path.dirname(path)
        os.makedirs(folder, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".tmp-")
        try:
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, path)
        except BaseException:
            if os.path.exists(tmp):
                os.unlink(tmp)
            raise
        return digest

    def get(self, sha256: str) -> bytes:
        """The bytes stored under `sha256`, checked against it."""
        try:
            with open(self._path(sha256), "rb") as fh:
                data = fh.read()
        except FileNotFoundError as exc:
            raise CorruptDocument(f"document {sha256} is missing") from exc
        if hashlib.sha256(data).hexdigest() != sha256:
            raise CorruptDocument(f"document {sha256} does not match its checksum")
        return data

    def exists(self, sha256: str) -> bool:
        """Whether bytes are stored under `sha256` (not checked)."""
        return os.path.exists(self._path(sha256))


def current_store() -> DocumentStore:
    """The document store of the current app (an app context is needed)."""
    return current_app.extensions[EXTENSION]


store: DocumentStore = LocalProxy(current_store)  # type: ignore[assignment]


def init_app(app) -> None:
    """Give `app` its own document store at DESK_DOCUMENTS_DIR."""
    app.extensions[EXTENSION] = DocumentStore(app.config["DOCUMENTS_DIR"])
