"""Render a sample Berita Acara and SLA (demo data, temporary database) to PNGs of page 1.

    .venv/bin/python bench/render_ba_sample.py docs/berita-acara.png docs/sla.png

Needs `pdftoppm` (Debian: poppler-utils). Prints the render time of the PDF.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app import create_app  # noqa: E402
from models import workflow  # noqa: E402
from models.db import connection, create_tables  # noqa: E402
from models.seed import seed_demo  # noqa: E402
from models.staff import User  # noqa: E402
from tasks.berita_acara import render_berita_acara  # noqa: E402
from tasks.sla import render_sla  # noqa: E402
from tests.conftest import T0, make_config, new_request, required_uploads  # noqa: E402

WORK = (
    "1. Membuat subdomain ppdb.jabarprov.go.id pada DNS Pemerintah Daerah Provinsi Jawa Barat.\n"
    "2. Memasang sertifikat TLS dan mengarahkan subdomain ke server aplikasi PPDB.\n"
    "3. Menguji akses dari jaringan internet dan jaringan intranet Perangkat Daerah."
)


def _png(pdf: bytes, tmp: str, out_png: str, pages: str = "1") -> None:
    pdf_path = os.path.join(tmp, "doc.pdf")
    Path(pdf_path).write_bytes(pdf)
    stem = os.path.splitext(out_png)[0]
    first, last = pages.split("-") if "-" in pages else (pages, pages)
    single = ["-singlefile"] if first == last else []
    subprocess.run(
        ["pdftoppm", "-png", "-r", "80", "-f", first, "-l", last, *single, pdf_path, stem],
        check=True,
    )
    print(f"wrote {stem}.png")


def main(out_png: str, sla_png: str | None, pages: str = "1") -> None:
    with tempfile.TemporaryDirectory() as tmp:
        app = create_app(make_config(Path(tmp)))
        with app.app_context():
            create_tables()
            with connection():
                seed_demo("sample-password-123")
                helpdesk = User.get(User.email == "helpdesk@example.go.id")
                agent = User.get(User.email == "agen@example.go.id")
                ticket = workflow.submit(None, new_request(), required_uploads(), now=T0)
                workflow.verify_complete(helpdesk, ticket.id, now=T0)
                workflow.dispose(helpdesk, ticket.id, agent.id, now=T0)
                ticket = workflow.prepare_berita_acara(agent, ticket.id, WORK, now=T0)
                ticket = workflow.prepare_sla(agent, ticket.id, now=T0)
                started = time.perf_counter()
                pdf = render_berita_acara(ticket, agent, WORK, T0)
                print(f"rendered {len(pdf)} bytes in {time.perf_counter() - started:.2f} s")
                sla = render_sla(ticket, agent, T0)
        _png(pdf, tmp, out_png, pages)
        if sla_png:
            _png(sla, tmp, sla_png, pages)


if __name__ == "__main__":
    args = sys.argv[1:] or ["docs/berita-acara.png", "docs/sla.png"]
    main(args[0], args[1] if len(args) > 1 else None, *args[2:3])
