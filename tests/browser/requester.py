"""What a requester types into the request form, shared by the browser tests."""

from __future__ import annotations

import io

from pypdf import PdfWriter

SUBDOMAIN_DOCUMENTS = (
    "Surat permohonan",
    "Formulir pendaftaran subdomain",
    "Surat pernyataan pengelola konten",
)


def real_pdf(path, title: str):
    """A real one-page PDF, as a scanner would produce (no fixture bytes)."""
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_metadata({"/Title": title})
    buffer = io.BytesIO()
    writer.write(buffer)
    path.write_bytes(buffer.getvalue())
    return path


def fill_requester_fields(page, tmp_path) -> dict[str, bytes]:
    """Fill the form of the subdomain service (already chosen) and attach a real PDF for each
    required document; returns the bytes attached, by document name."""
    page.get_by_label("Nama lengkap").fill("Siti Rahmawati")
    page.get_by_label("NIP").fill("19870315 201001 2 004")
    page.get_by_label("Jabatan").fill("Pranata Komputer Ahli Muda")
    page.get_by_label("Perangkat Daerah").select_option(
        label="Dinas Pendidikan Provinsi Jawa Barat"
    )
    page.get_by_label("Email dinas").fill("siti.rahmawati@example.go.id")
    page.get_by_label("Nomor telepon / WhatsApp").fill("081234567890")
    page.get_by_label("Perihal").fill("Subdomain untuk aplikasi PPDB")
    page.get_by_label("Uraian permohonan").fill(
        "Mohon dibuatkan subdomain ppdb.jabarprov.go.id untuk aplikasi PPDB 2027."
    )
    uploaded = {}
    for name in SUBDOMAIN_DOCUMENTS:
        pdf = real_pdf(tmp_path / f"{name}.pdf", name)
        uploaded[name] = pdf.read_bytes()
        page.get_by_label(name, exact=True).set_input_files(str(pdf))
    return uploaded
