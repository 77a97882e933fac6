"""One logging set-up: the `desk` logger hierarchy, and one line per request.

Every module logs under `desk.*` (`desk.request`, `desk.mail`, `desk.tasks`, `desk.errors`,
`desk.workflow` ...). `configure_logging(app)` gives the `desk` logger one handler (stderr) and
the level `DESK_LOG_LEVEL`; calling it again (every app built in one process) changes the level
but never adds a second handler. Each line carries a timestamp, the level, the logger and the
request id (`-` outside a request).

Each request gets an id: a sane `X-Request-ID` header from the client or proxy, else a fresh
one. It is on `g.request_id`, in the response header `X-Request-ID`, and on the request's log
line (method, path without query string and with tracking tokens masked, status, duration).
"""

from __future__ import annotations

import logging
import os
import re
import sys
import time

from flask import g, has_request_context, request

LOGGER_NAME = "desk"
FORMAT = "%(asctime)s %(levelname)s %(name)s [%(request_id)s] %(message)s"
REQUEST_ID_HEADER = "X-Request-ID"
REQUEST_ID_ENVIRON = "HTTP_" + REQUEST_ID_HEADER.upper().replace("-", "_")  # as WSGI names it
# A client's id is kept only if it is short and plain: it goes into logs and a header.
SANE_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
# The private tracking token is a bearer secret: it must never reach a log file.
TOKEN_PATH = re.compile(r"^(/lacak/)([^/]+)")

log = logging.getLogger(LOGGER_NAME + ".request")


class RequestIdFilter(logging.Filter):
    """Give every record a `request_id`: the current request's, or `-` outside a request."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id"):
            record.request_id = current_request_id() or "-"
        return True


class RequestIdFormatter(logging.Formatter):
    """The desk format; a record that met no `RequestIdFilter` still gets its request id."""

    def format(self, record: logging.LogRecord) -> str:
        RequestIdFilter().filter(record)
        return super().format(record)


def current_request_id() -> str | None:
    """The id of the request being handled, or None outside a request."""
    if not has_request_context():
        return None
    return request.environ.get("desk.request_id")


def mask_path(path: str) -> str:
    """`path` fit for a log line: a tracking token shortened to its first 6 characters."""
    return TOKEN_PATH.sub(lambda m: m.group(1) + m.group(2)[:6] + "…", path)


def _handler() -> logging.Handler | None:
    for handler in logging.getLogger(LOGGER_NAME).handlers:
        if getattr(handler, "_desk_handler", False):
            return handler
    return None


def configure_logging(app) -> None:
    """Set the `desk` logger to `LOG_LEVEL` with one stderr handler (added once per process),
    and log one line per request of `app` with its request id."""
    level = str(app.config.get("LOG_LEVEL") or "INFO").upper()
    if level not in logging.getLevelNamesMapping():
        raise ValueError(f"DESK_LOG_LEVEL must be DEBUG, INFO, WARNING or ERROR, not {level!r}")
    logger = logging.getLogger(LOGGER_NAME)
    logger.setLevel(level)
    if _handler() is None:
        handler = logging.StreamHandler(sys.stderr)
        handler._desk_handler = True
        handler.setFormatter(RequestIdFormatter(FORMAT))
        handler.addFilter(RequestIdFilter())
        logger.addHandler(handler)
    app.before_request(_start_request)
    app.after_request(_finish_request)


def ensure_request_id() -> str:
    """The current request's id, given to it on first use (a sane `X-Request-ID` header from
    the client, else a fresh one); the request's clock starts then too."""
    # Kept in the WSGI environ, which lives exactly as long as the request: an app context
    # pushed around several requests (tests, CLI) keeps one `g` for all of them.
    environ = request.environ
    request_id = environ.get("desk.request_id")
    if request_id is None:
        # the header as WSGI gives it (what `request.headers` reads)
        given = environ.get(REQUEST_ID_ENVIRON, "")
        request_id = given if SANE_REQUEST_ID.match(given) else fresh_request_id()
        environ["desk.request_id"] = request_id
        environ["desk.request_started"] = time.perf_counter()
    g.request_id = request_id
    return request_id


def fresh_request_id() -> str:
    """A new request id: a random (version 4) UUID in hex, as `uuid.uuid4().hex` writes it,
    without building the UUID object."""
    raw = bytearray(os.urandom(16))
    raw[6] = raw[6] & 0x0F | 0x40  # the version, 4
    raw[8] = raw[8] & 0x3F | 0x80  # the RFC 4122 variant
    return raw.hex()


def _start_request() -> None:
    ensure_request_id()  # a before_request hook must return None, or it becomes the response


def _finish_request(response):
    response.headers[REQUEST_ID_HEADER] = ensure_request_id()
    if not log.isEnabledFor(logging.INFO):
        return response  # the line would be dropped: not worth its masked path
    duration_ms = (time.perf_counter() - request.environ["desk.request_started"]) * 1000
    log.info(
        "%s %s %s %.0f ms",
        request.method,
        mask_path(request.path),
        response.status_code,
        duration_ms,
    )
    return response
