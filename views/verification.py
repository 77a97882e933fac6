"""The public verification page of the documents the desk issues: `/verifikasi/<code>`.

The code printed on every page of a generated SLA or BA (and in its QR code) leads here. The
page shows what the document is (kind and number, version, ticket number, service, Perangkat
Daerah, date of issue, the SHA-256 of the issued PDF) and whether it still stands (replaced by a
newer version: "diganti"; its ticket withdrawn or rejected), and nothing private: no requester
name, contact or text of the request. Anyone may drop a PDF on it to learn whether it is, byte
for byte, the document issued or a signed copy the desk accepted; the file is hashed in memory
and never stored. An unknown code is a 404 in Indonesian. Rate limited per address.
"""

from __future__ import annotations

from flask import Blueprint, abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError

from extensions import limiter
from models import verification
from models.catalog import Layanan, PerangkatDaerah
from models.signature_records import SignedCopyCheck, verdicts_for
from models.ticket import Ticket
from models.uploads import limits

bp = Blueprint("verification", __name__)

VIEW_LIMIT = "60 per minute;600 per hour"
DROP_LIMIT = "10 per minute;100 per hour"
HEADERS = {"Cache-Control": "no-store", "X-Robots-Tag": "noindex"}


def _message(title, message, status):
    body = render_template("public/message.html", title=title, message=message)
    return body, status, HEADERS


@bp.errorhandler(404)
def not_found(error):
    return _message(
        _("Kode verifikasi tidak dikenal"),
        _(
            "Tidak ada dokumen terbitan Service Desk dengan kode ini. Periksa kembali kode yang "
            "tercetak di bagian bawah setiap halaman dokumen."
        ),
        404,
    )


@bp.errorhandler(429)
def rate_limited(error):
    return _message(
        _("Terlalu banyak percobaan"),
        _("Terlalu banyak pemeriksaan dari alamat jaringan Anda. Coba lagi beberapa menit lagi."),
        429,
    )


@bp.errorhandler(413)
def too_large(error):
    return _message(
        _("Berkas terlalu besar"),
        _("Berkas yang dikirim terlalu besar untuk diperiksa. Tidak ada yang disimpan."),
        413,
    )


@bp.errorhandler(CSRFError)
def csrf_refused(error):
    return _message(
        _("Sesi berakhir"),
        _("Sesi halaman ini sudah berakhir. Muat ulang halaman, lalu pilih berkas sekali lagi."),
        400,
    )


def facts(document) -> dict:
    """What the page may show of an issued document: nothing about the requester."""
    ticket = Ticket.get_by_id(document.ticket_id)
    return {
        "document": document,
        "ticket_number": ticket.number,
        "service": Layanan.get_by_id(ticket.layanan_id).name,
        "agency": PerangkatDaerah.get_by_id(ticket.perangkat_daerah_id).name,
        "standing": verification.standing(document),
        "code": verification.display(document.verification_code),
    }


def signature_verdicts(document) -> dict:
    """The signature check of a signed copy (`check`, `verdicts` of
    `public/_signature_verdicts.html`): who signed, when, intact, trusted, the issued document."""
    return {"check": SignedCopyCheck.of(document.id), "verdicts": verdicts_for(document)}


def _page(document, *, match=None, error=None, status=200):
    body = render_template(
        "public/verify.html",
        match=match,
        error=error,
        signatures=(signature_verdicts(match.signed_copy) if match and match.signed_copy else None),
        signed_copies=[
            (copy, signature_verdicts(copy))
            for copy in verification.accepted_signed_copies(document)
        ],
        **facts(document),
    )
    return body, status, HEADERS


@bp.get("/verifikasi")
@limiter.limit(VIEW_LIMIT)
def lookup():
    """A typed code (`?kode=`) leads to its page; without one, the form to type it."""
    typed = request.args.get("kode", "")
    if typed:
        code = verification.normalize(typed)
        if not code:
            abort(404)
        return redirect(url_for(".show", code=verification.display(code)), code=303)
    return render_template("public/verify_lookup.html"), 200, HEADERS


@bp.get("/verifikasi/<code>")
@limiter.limit(VIEW_LIMIT)
def show(code):
    document = verification.find(code)
    if document is None:
        abort(404)
    return _page(document)


@bp.post("/verifikasi/<code>")
@limiter.limit(DROP_LIMIT)
def check_file(code):
    """Compare a dropped file with the document (read in memory up to the upload limit)."""
    document = verification.find(code)
    if document is None:
        abort(404)
    storage = request.files.get("file")
    if storage is None or not storage.filename:
        return _page(document, error=_("Pilih berkas PDF yang akan diperiksa."), status=400)
    max_bytes = limits().max_bytes
    data = storage.stream.read(max_bytes + 1)
    if len(data) > max_bytes:
        return _page(
            document,
            error=_(
                "Berkas terlalu besar (maksimal %(mb)d MB); tidak ada yang disimpan.",
                mb=max_bytes // (1024 * 1024),
            ),
            status=400,
        )
    return _page(document, match=verification.compare(document, data))
