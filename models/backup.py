"""Backups of the embedded desk (SQLite + the document store), taken while it runs, and their
restore, checked document by document.

A backup is a folder:

- `desk.sqlite3`: a consistent copy of the database, made by SQLite's online backup API
  (`sqlite3.Connection.backup`) in one step, so it is one committed state even while tickets
  are being written;
- `documents/ab/cd/<sha256>`: the bytes of every `Document` row of THAT copy, read from the
  store and checked against their sha256 while copied (the store writes a file before the row
  that names it commits, so every row of the copy has its bytes);
- `manifest.json`, written last (its presence marks a finished backup): when, the database
  file's sha256, the migrations it is at, its row counts, every document with its size.

On PostgreSQL the database is backed up with `pg_dump` (README "Running in production").
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from dataclasses import dataclass
from pathlib import Path

from flask_babel import gettext as _

from models.db import database, is_sqlite, utcnow
from models.storage import DocumentStore

FORMAT = 1
DB_FILE = "desk.sqlite3"
MANIFEST = "manifest.json"
DOCUMENTS = "documents"
CHUNK = 1024 * 1024


class BackupError(Exception):
    """A backup or restore that cannot be done as asked (the message says why, in Indonesian)."""


@dataclass
class Summary:
    """What a backup or restore did."""

    tickets: int
    documents: int
    bytes: int
    path: str


def _sqlite_file() -> str:
    if not is_sqlite():
        raise BackupError(
            _(
                "Basis data ini PostgreSQL: cadangkan dengan pg_dump dan salin folder dokumen "
                "(lihat README, bagian Running in production)."
            )
        )
    return database.obj.database


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(CHUNK):
            digest.update(block)
    return digest.hexdigest()


def _copy_checked(source: Path, target: Path, sha256: str) -> int:
    """Copy `source` to `target` (atomically), checking the bytes against `sha256`."""
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f".tmp-{target.name}")
    digest = hashlib.sha256()
    size = 0
    with open(source, "rb") as src, open(tmp, "wb") as dst:
        while block := src.read(CHUNK):
            digest.update(block)
            size += len(block)
            dst.write(block)
        dst.flush()
        os.fsync(dst.fileno())
    if digest.hexdigest() != sha256:
        tmp.unlink()
        raise BackupError(_("Dokumen %(sha)s tidak cocok dengan checksum-nya.", sha=sha256))
    os.replace(tmp, target)
    return size


def _snapshot_facts(path: Path) -> tuple[dict, list, list]:
    """The row counts, the applied migrations and the documents (sha256, size) of a copy."""
    con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        tables = [
            r[0]
            for r in con.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%' ORDER BY name"
            )
        ]
        counts = {t: con.execute(f'SELECT COUNT(*) FROM "{t}"').fetchone()[0] for t in tables}
        migrations = (
            [r[0] for r in con.execute('SELECT name FROM "schema_migration" ORDER BY name')]
            if "schema_migration" in tables
            else []
        )
        documents = (
            [
                {"sha256": sha, "size": size}
                for sha, size in con.execute(
                    'SELECT DISTINCT "sha256", "size" FROM "document" ORDER BY "sha256"'
                )
            ]
            if "document" in tables
            else []
        )
    finally:
        con.close()
    return counts, migrations, documents


def backup(dest: str, store: DocumentStore, now=None) -> Summary:
    """Write a consistent backup of the running desk into the new or empty folder `dest`: the
    database through SQLite's online backup API, then the bytes of every document that copy
    names (checked), then the manifest. Refuses a `dest` that holds anything."""
    source = _sqlite_file()
    folder = Path(dest)
    if folder.exists() and (not folder.is_dir() or any(folder.iterdir())):
        raise BackupError(_("Folder tujuan %(path)s tidak kosong.", path=dest))
    folder.mkdir(parents=True, exist_ok=True)
    copy = folder / DB_FILE
    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(copy)
    try:
        src.backup(dst)  # one step: one committed state, WAL included
    finally:
        dst.close()
        src.close()
    counts, migrations, documents = _snapshot_facts(copy)
    total = 0
    missing = []
    for doc in documents:
        sha = doc["sha256"]
        origin = Path(store._path(sha))
        if not origin.exists():
            missing.append(sha)
            continue
        total += _copy_checked(origin, folder / DOCUMENTS / sha[:2] / sha[2:4] / sha, sha)
    if missing:
        raise BackupError(
            _(
                "%(n)d dokumen tidak ada di penyimpanan (mis. %(sha)s); cadangan tidak lengkap.",
                n=len(missing),
                sha=missing[0],
            )
        )
    manifest = {
        "format": FORMAT,
        "created_at": (now or utcnow()).replace(microsecond=0).isoformat() + "Z",
        "database": {"file": DB_FILE, "sha256": _sha256_file(copy)},
        "migrations": migrations,
        "counts": counts,
        "documents": documents,
    }
    tmp = folder / f".{MANIFEST}"
    tmp.write_text(json.dumps(manifest, indent=1), encoding="utf-8")
    os.replace(tmp, folder / MANIFEST)
    return Summary(counts.get("ticket", 0), len(documents), total, str(folder))


def read_manifest(src: str) -> dict:
    """The manifest of the backup in `src`, with every file it names checked: the database
    copy and every document (present, right size, right sha256)."""
    folder = Path(src)
    try:
        manifest = json.loads((folder / MANIFEST).read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise BackupError(
            _("%(path)s bukan cadangan yang lengkap (manifest tidak terbaca).", path=src)
        ) from exc
    if manifest.get("format") != FORMAT:
        raise BackupError(_("Format cadangan tidak dikenal."))
    copy = folder / manifest["database"]["file"]
    if not copy.exists() or _sha256_file(copy) != manifest["database"]["sha256"]:
        raise BackupError(_("Salinan basis data di cadangan rusak atau hilang."))
    for doc in manifest["documents"]:
        sha = doc["sha256"]
        path = folder / DOCUMENTS / sha[:2] / sha[2:4] / sha
        if not path.exists() or path.stat().st_size != doc["size"] or _sha256_file(path) != sha:
            raise BackupError(
                _("Dokumen %(sha)s di cadangan rusak atau hilang; tidak dipulihkan.", sha=sha)
            )
    return manifest


def desk_is_empty(store: DocumentStore) -> bool:
    """Whether the desk has no table in its database and no file in its document store."""
    path = Path(_sqlite_file())
    if path.exists() and path.stat().st_size:
        con = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            tables = con.execute(
                "SELECT COUNT(*) FROM sqlite_master WHERE type = 'table' "
                "AND name NOT LIKE 'sqlite_%'"
            ).fetchone()[0]
        finally:
            con.close()
        if tables:
            return False
    root = Path(store.root)
    return not (root.exists() and any(p.is_file() for p in root.rglob("*")))


def restore(src: str, store: DocumentStore, *, force: bool = False) -> Summary:
    """Bring back the backup in `src` into this desk (stopped: no web worker, no consumer):
    every file of the backup is checked first, and nothing is changed if one is wrong; a desk
    that is not empty is refused unless `force`. The database is replaced whole (SQLite's
    backup API into the desk's file); the documents are written into the store atomically."""
    manifest = read_manifest(src)
    if not force and not desk_is_empty(store):
        raise BackupError(
            _("Desk ini tidak kosong; pulihkan dengan --force untuk menimpanya (data kini hilang).")
        )
    folder = Path(src)
    if not database.is_closed():
        database.close()
    target = Path(_sqlite_file())
    target.parent.mkdir(parents=True, exist_ok=True)
    total = 0
    for doc in manifest["documents"]:
        sha = doc["sha256"]
        into = Path(store._path(sha))
        if into.exists() and _sha256_file(into) == sha:
            continue
        total += _copy_checked(folder / DOCUMENTS / sha[:2] / sha[2:4] / sha, into, sha)
    source = sqlite3.connect(f"file:{folder / manifest['database']['file']}?mode=ro", uri=True)
    dest = sqlite3.connect(target, timeout=30)
    try:
        source.backup(dest)
    finally:
        dest.close()
        source.close()
    return Summary(
        manifest["counts"].get("ticket", 0), len(manifest["documents"]), total, str(target)
    )
