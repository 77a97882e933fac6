"""The error pages: every HTTP error in Bahasa Indonesia, on the public and on the staff side.

`init_app(app)` registers the generic handlers; a blueprint's own handler wins where it is more
specific (the request form's 413/429/CSRF pages in `views/public.py`, the unknown tracking token
in `views/tracking.py`). A path under `/admin/` or `/staf/` gets the staff layout, every other
path the public one; `/healthz` and clients asking for JSON get JSON. No framework default
(English) page remains.

- Any `HTTPException` (400 ... 429, and any other code): its page, its headers (`Allow` of a 405,
  `Retry-After` of a 429) kept.
- `CSRFError`: the 400 page, saying the form expired.
- The database does not answer (peewee `OperationalError`/`InterfaceError`): 503, Retry-After.
- Anything else: 500 (Flask turns it into an `InternalServerError`), logged by `log_exception`
  with its traceback and the request id; the page shows the request id so that staff can quote
  it. Under TESTING Flask re-raises instead, as usual.
"""

from __future__ import annotations

import logging

from flask import current_app, jsonify, render_template, request
from flask_babel import lazy_gettext as _l
from flask_wtf.csrf import CSRFError
from peewee import InterfaceError, OperationalError
from werkzeug.exceptions import HTTPException

from logging_setup import ensure_request_id, mask_path

log = logging.getLogger("desk.errors")

STAFF_PREFIXES = ("/admin/", "/staf/")
JSON_PATHS = ("/healthz",)

PAGES = {
    400: (
        _l("Permintaan tidak valid"),
        _l("Permintaan yang dikirim tidak dapat diproses. Periksa kembali isian, lalu coba lagi."),
    ),
    403: (
        _l("Akses ditolak"),
        _l("Anda tidak memiliki hak untuk membuka halaman ini."),
    ),
    404: (
        _l("Halaman tidak ditemukan"),
        _l("Halaman yang Anda cari tidak ada. Periksa kembali alamatnya."),
    ),
    405: (
        _l("Metode tidak diizinkan"),
        _l(
            "Halaman ini tidak dapat dibuka dengan cara tersebut. Kembali, lalu gunakan tautan "
            "atau tombol yang tersedia."
        ),
    ),
    409: (
        _l("Terjadi konflik"),
        _l("Data ini baru saja diubah oleh orang lain. Muat ulang halaman, lalu coba lagi."),
    ),
    413: (
        _l("Berkas terlalu besar"),
        _l(
            "Kiriman melebihi batas ukuran yang diizinkan. Kembali, lalu lampirkan berkas yang "
            "lebih kecil."
        ),
    ),
    429: (
        _l("Terlalu banyak percobaan"),
        _l(
            "Terlalu banyak permintaan dari alamat jaringan Anda dalam waktu singkat. Silakan "
            "coba lagi beberapa menit lagi."
        ),
    ),
    500: (
        _l("Terjadi kesalahan pada server"),
        _l(
            "Maaf, terjadi kesalahan saat memproses permintaan Anda. Silakan coba lagi beberapa "
            "saat lagi."
        ),
    ),
    503: (
        _l("Layanan sedang tidak tersedia"),
        _l(
            "Layanan sedang tidak tersedia karena gangguan basis data. Silakan coba lagi "
            "beberapa saat lagi."
        ),
    ),
}
OTHER = (
    _l("Permintaan tidak dapat diproses"),
    _l("Permintaan Anda tidak dapat diproses. Kembali ke halaman sebelumnya, lalu coba lagi."),
)
CSRF_MESSAGE = _l(
    "Sesi formulir ini sudah berakhir atau tidak sah, sehingga kiriman belum diproses. Muat "
    "ulang halaman, lalu kirim sekali lagi."
)
# Headers of an HTTPException worth keeping on our page (its Content-Type is not).
KEPT_HEADERS = ("Allow", "Retry-After", "WWW-Authenticate")


def init_app(app) -> None:
    """Register the generic error handlers on `app`."""
    app.register_error_handler(HTTPException, handle_http_error)
    app.register_error_handler(CSRFError, handle_csrf_error)
    app.register_error_handler(OperationalError, database_unavailable)
    app.register_error_handler(InterfaceError, database_unavailable)


def is_staff_path(path: str) -> bool:
    """A page of the staff side (Flask-Admin under /admin/, Flask-Security under /staf/)."""
    return path.startswith(STAFF_PREFIXES) or path in ("/admin", "/staf")


def wants_json() -> bool:
    """`/healthz`, or a client that prefers JSON to HTML."""
    if request.path in JSON_PATHS:
        return True
    return request.accept_mimetypes.best_match(["text/html", "application/json"]) == (
        "application/json"
    )


def error_response(code: int, *, message=None, headers=None):
    """The page (or JSON body) of error `code` for the current request, with `headers`."""
    title, default_message = PAGES.get(code, OTHER)
    message = message or default_message
    request_id = ensure_request_id()
    headers = dict(headers or {})
    if wants_json():
        body = {"status": "error", "code": code, "error": str(title), "request_id": request_id}
        return jsonify(body), code, headers
    context = dict(code=code, title=title, message=message, request_id=request_id)
    if is_staff_path(request.path):
        body = _render_staff(context)
    else:
        body = render_template("errors/public.html", **context)
    return body, code, headers


def _render_staff(context: dict) -> str:
    """The staff layout (Flask-Admin's master through the admin's index view), or the plain
    staff page when the layout itself cannot be built (its menu reads the logged-in user, who
    lives in the database that may be the reason of the error)."""
    admin = current_app.extensions.get("desk_admin")
    if admin is not None:
        try:
            return admin.index_view.render("errors/staff.html", **context)
        except Exception:  # noqa: BLE001 - the error page must not fail; the cause is logged
            log.warning("staff error page without the staff layout", exc_info=True)
    return render_template("errors/staff_plain.html", **context)


def handle_http_error(error: HTTPException):
    """Any HTTP error raised by a view, the router or an extension, and the 500 Flask makes of
    an unhandled exception (logged before, by `log_exception`): its Indonesian page."""
    if error.code is None or error.code < 400:
        return error
    headers = {k: v for k, v in error.get_headers() if k in KEPT_HEADERS}
    return error_response(error.code, headers=headers)


def handle_csrf_error(error: CSRFError):
    """A form posted without a valid CSRF token (expired page, forged post): the 400 page."""
    return error_response(400, message=CSRF_MESSAGE)


def database_unavailable(error):
    """The database does not answer: say so plainly (503), never a stack trace."""
    log.error("database unavailable: %s: %s", type(error).__name__, error)
    return error_response(503, headers={"Retry-After": "60"})


def log_exception(exc_info) -> None:
    """Log an unhandled exception of the current request with its traceback and request id
    (the path with its tracking token masked; Flask's own line would carry the token)."""
    ensure_request_id()
    log.error(
        "unhandled %s on %s %s",
        exc_info[0].__name__,
        request.method,
        mask_path(request.path),
        exc_info=exc_info,
    )
