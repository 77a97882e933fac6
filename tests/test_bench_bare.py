"""The benchmark's ceiling (`bench/bare.py`) does per uploaded file what the desk's submission
must: one fsynced file and one row, so that W1's ratio compares like with like."""

from __future__ import annotations

import hashlib
import io
import os
import sqlite3

from tests.helpers import PDF_BYTES


def test_the_ceiling_keeps_one_file_and_one_row_per_uploaded_file(tmp_path, monkeypatch):
    from bench import bare

    database, files = tmp_path / "bare.sqlite3", tmp_path / "files"
    monkeypatch.setenv("BARE_DATABASE_URL", f"sqlite:///{database}")
    monkeypatch.setenv("BARE_FILES", str(files))
    synced = []
    real_fsync = os.fsync
    monkeypatch.setattr(bare.os, "fsync", lambda fd: (synced.append(fd), real_fsync(fd)))
    client = bare.create_app().test_client()
    assert 'name="token"' in client.get("/form").get_data(as_text=True)
    uploads = {f"file-{i}": (io.BytesIO(PDF_BYTES + bytes([i])), f"a{i}.pdf") for i in range(3)}
    response = client.post(
        "/submit",
        data={"name": "Asep", "subject": "Permohonan", **uploads},
        content_type="multipart/form-data",
    )
    assert response.status_code == 201 and response.get_json()["files"] == 3
    assert len(synced) == 3
    kept = sorted(os.listdir(files))
    assert kept == sorted(hashlib.sha256(PDF_BYTES + bytes([i])).hexdigest() for i in range(3))
    with sqlite3.connect(database) as db:
        rows = db.execute("SELECT submission, size, sha256 FROM bench_bare_file").fetchall()
        (submission,) = db.execute("SELECT id FROM bench_bare_submission").fetchone()
    assert sorted(r[2] for r in rows) == kept
    assert {r[0] for r in rows} == {submission}
    assert {r[1] for r in rows} == {len(PDF_BYTES) + 1}
