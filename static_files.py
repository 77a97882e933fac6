"""Static files: versioned addresses, cached by browsers, and pages sent compressed.

Every `url_for('static', ...)` gets `?v=<first 10 hex of the file's SHA-256>` and Flask-Admin's
own static files carry its library version (`?v=4.6.2`) or get ours the same way, so a
versioned static file is cached for a year (`immutable`); an unversioned one for an hour.
Pages, CSS and JavaScript are compressed (Flask-Compress: zstd, brotli or gzip, as the browser
accepts).
"""

from __future__ import annotations

import hashlib
import os
from functools import lru_cache

from flask import current_app, request
from flask_compress import Compress

STATIC_ENDPOINTS = ("static", "admin.static")
YEAR = 365 * 24 * 3600
HOUR = 3600

compress = Compress()


@lru_cache(maxsize=512)
def _digest(path: str, mtime: float) -> str:
    with open(path, "rb") as handle:
        return hashlib.sha256(handle.read()).hexdigest()[:10]


def file_version(folder: str | None, filename: str) -> str | None:
    """The version of a static file: a short hash of its content (None when it is missing)."""
    if not folder or not filename:
        return None
    path = os.path.join(folder, filename)
    try:
        return _digest(path, os.path.getmtime(path))
    except OSError:
        return None


def _add_version(endpoint: str, values: dict) -> None:
    if endpoint not in STATIC_ENDPOINTS or values.get("v"):
        return
    if endpoint == "static":
        folder = current_app.static_folder
    else:
        folder = current_app.blueprints["admin"].static_folder
    version = file_version(folder, values.get("filename", ""))
    if version:
        values["v"] = version


def _cache_static(response):
    if request.endpoint in STATIC_ENDPOINTS and response.status_code == 200:
        # Read the (small) file into the response, its file closed with the response, so that
        # Flask-Compress compresses it whole; it leaves streamed responses alone.
        response.direct_passthrough = False
        response.make_sequence()
    if request.endpoint in STATIC_ENDPOINTS and response.status_code in (200, 304):
        if request.args.get("v"):
            response.cache_control.max_age = YEAR
            response.cache_control.immutable = True
        else:
            response.cache_control.max_age = HOUR
        response.cache_control.public = True
        response.cache_control.no_cache = None
    return response


def init_app(app) -> None:
    """Versioned static URLs, their Cache-Control, and compression of every text response."""
    app.config.setdefault("COMPRESS_MIN_SIZE", 500)
    # A streamed response (a download, an export) stays as it is: compressing it would replace
    # its iterator and leave its file open.
    app.config.setdefault("COMPRESS_STREAMS", False)
    compress.init_app(app)
    app.url_defaults(_add_version)
    app.after_request(_cache_static)
