"""The document store: file bytes on disk, content-addressed, written atomically.

Rows of `Document` name their bytes by sha256; the bytes live in `DOCUMENTS_DIR/ab/cd/<sha256>`.
A write goes to a temporary file that is fsynced and renamed into place, so a reader never sees
half a file; a read recomputes the checksum and refuses bytes that do not match.

Each app has its own store (`app.extensions["desk_store"]`, made by `init_app`); the module's
`store` is a proxy to the current app's, so `from models.storage import store; store.put(...)`
works inside any app context and two apps in one process never share a root.
"""

from __future__ import annotations

import errno
import hashlib
import os
import secrets
import tempfile
import time
from dataclasses import dataclass

from flask import current_app
from werkzeug.local import LocalProxy

EXTENSION = "desk_store"


STAGING = ".staging"
HEX_DIGITS = frozenset("0123456789abcdef")


class CorruptDocument(Exception):
    """The stored bytes do not match their checksum (or are missing)."""


class StoreFull(OSError):
    """The document store's disk is full (ENOSPC/EDQUOT): nothing was kept."""


@dataclass
class Staged:
    """Bytes written and fsynced under the staging folder, not yet in the store: `publish`
    moves them into place (inside the transaction that writes their Document row), `discard`
    removes them. Staged bytes nobody published are removed by `collect_garbage`."""

    sha256: str
    path: str
    published: bool = False


class DocumentStore:
    """The content-addressed files under one root folder."""

    def __init__(self, root: str | None = None):
        self.root = root

    def _path(self, sha256: str) -> str:
        if len(sha256) != 64 or not HEX_DIGITS.issuperset(sha256):
            raise ValueError("not a sha256 hex digest")
        return os.path.join(self.root, sha256[:2], sha256[2:4], sha256)

    def put(self, data: bytes) -> str:
        """Store `data` (idempotent) and return its sha256."""
        digest = hashlib.sha256(data).hexdigest()
        path = self._path(digest)
        if os.path.exists(path):
            os.utime(path)  # see `publish`
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

    def stage(self, data: bytes) -> Staged:
        """Write `data` aside (fsynced), ready to be published, its folder in the store made;
        a full disk is `StoreFull`."""
        folder = os.path.join(self.root, STAGING)
        path = os.path.join(folder, secrets.token_hex(16))
        digest = hashlib.sha256(data).hexdigest()
        target = os.path.dirname(self._path(digest))
        try:
            # The folders are made only when missing: `makedirs` on a folder that exists is
            # three system calls (a look-up, a refused mkdir, a look-up), per file.
            try:
                fh = open(path, "xb")
            except FileNotFoundError:
                os.makedirs(folder, exist_ok=True)
                fh = open(path, "xb")
            with fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            # Here, before the transaction: `publish` runs under the write lock, where only the
            # rename should be.
            if not os.path.isdir(target):
                os.makedirs(target, exist_ok=True)
        except OSError as exc:
            if os.path.exists(path):
                os.unlink(path)
            if exc.errno in (errno.ENOSPC, errno.EDQUOT):
                raise StoreFull(exc.errno, "the document store is full") from exc
            raise
        return Staged(digest, path)

    def publish(self, staged: Staged) -> str:
        """Move staged bytes to their place in the store (a rename: no copy, no wait)."""
        final = self._path(staged.sha256)
        if os.path.exists(final):
            # Fresh again: `collect_garbage` spares it while this row's transaction commits.
            os.utime(final)
            os.unlink(staged.path)
        else:
            try:
                os.replace(staged.path, final)
            except FileNotFoundError:  # the folder `stage` made is gone: make it again
                os.makedirs(os.path.dirname(final), exist_ok=True)
                os.replace(staged.path, final)
        staged.published = True
        return staged.sha256

    def discard(self, staged: Staged) -> None:
        """Remove staged bytes that were never published."""
        if not staged.published and os.path.exists(staged.path):
            os.unlink(staged.path)

    def collect_garbage(self, referenced, *, grace_seconds: float, now=None) -> list[str]:
        """Delete what no row references: files of the store whose sha256 is not in
        `referenced` (a set, or a callable answering for one sha256) and staged files, both
        only when older than `grace_seconds` (an upload running now may not have committed
        yet). Returns the paths deleted."""
        now = now if now is not None else time.time()
        is_referenced = referenced if callable(referenced) else referenced.__contains__
        deleted = []
        if not self.root or not os.path.isdir(self.root):
            return deleted
        for folder, _dirs, files in os.walk(self.root):
            staging = os.path.basename(folder) == STAGING
            for name in files:
                path = os.path.join(folder, name)
                try:
                    if now - os.stat(path).st_mtime < grace_seconds:
                        continue
                except FileNotFoundError:
                    continue
                if staging or name.startswith(".tmp-") or not is_referenced(name):
                    try:
                        os.unlink(path)
                        deleted.append(path)
                    except FileNotFoundError:
                        pass
        return deleted

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
