"""The security headers of every response, set in one place (an `after_request` hook).

- a Content-Security-Policy without inline script or style: our own scripts and styles are
  files under /static, and the few inline blocks (Flask-Admin's, the staff login page's) carry
  the request's nonce (`csp_nonce()` in templates, `Admin(csp_nonce_generator=nonce)`);
- no framing (`frame-ancestors 'none'` and `X-Frame-Options: DENY`), `nosniff`;
- `Referrer-Policy: strict-origin-when-cross-origin` (a view may set a stricter one: the
  tracking pages send `same-origin`, so the private token never leaves the desk while
  Flask-WTF's Referer check of forms posted over HTTPS still sees a same-origin Referer);
- HSTS on requests that came over HTTPS (directly or, with DESK_TRUSTED_PROXIES, through the
  proxy's `X-Forwarded-Proto`);
- requester files (`sandbox(response)`): a sandboxing CSP, so that a file opened in the browser
  never runs as a page of the desk.

A view that sets one of these headers itself keeps its value.
"""

from __future__ import annotations

import secrets

from flask import g, request

HSTS = "max-age=31536000; includeSubDomains"


def nonce() -> str:
    """The CSP nonce of the current request (one per request, made on first use)."""
    request_g = g._get_current_object()  # one look-up through the proxy, not two
    value = request_g.get("csp_nonce")
    if value is None:
        value = request_g.csp_nonce = secrets.token_urlsafe(18)
    return value


# The CSP of the desk's pages around the request's nonce (written twice), joined once here.
_POLICY_PARTS = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self' 'nonce-\0'",
        "style-src 'self' 'nonce-\0'",
        "img-src 'self' data:",
        "font-src 'self' data:",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
).split("\0")


def page_policy(request_nonce: str) -> str:
    """The CSP of the desk's pages: only our own files, plus inline blocks with the nonce."""
    return request_nonce.join(_POLICY_PARTS)


# A file of a requester shown by the browser: no script, no plugin, no form, a unique origin.
FILE_POLICY = "default-src 'none'; img-src 'self'; style-src 'unsafe-inline'; sandbox"
# Chrome's PDF viewer refuses to render inside a `sandbox` CSP, so an inline PDF preview gets
# the same policy without it: its scripts (if any) run in PDFium, never as a page of the desk.
PDF_PREVIEW_POLICY = "default-src 'none'; object-src 'self'; frame-ancestors 'self'"


def sandbox(response, *, pdf_preview: bool = False):
    """Mark a response carrying a requester's file: the sandboxing CSP, nosniff, never cached."""
    response.headers["Content-Security-Policy"] = PDF_PREVIEW_POLICY if pdf_preview else FILE_POLICY
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers.setdefault("Cache-Control", "private, no-store")
    return response


# The fixed headers of every response, in the order they are added.
FIXED_HEADERS = tuple(
    (name, name.lower(), value)
    for name, value in (
        ("X-Frame-Options", "DENY"),
        ("X-Content-Type-Options", "nosniff"),
        ("Referrer-Policy", "strict-origin-when-cross-origin"),
        ("Cross-Origin-Opener-Policy", "same-origin"),
    )
)


def add_headers(response):
    """The `after_request` hook: every header above, unless the view set its own."""
    headers = response.headers
    # The names the view set, read once: `Headers.setdefault` finds a missing name by raising
    # (and building) an HTTP exception, once for each of these headers on nearly every page.
    present = {name.lower() for name, _ in headers.items()}
    if "content-security-policy" not in present:
        headers.add("Content-Security-Policy", page_policy(nonce()))
    for name, lower, value in FIXED_HEADERS:
        if lower not in present:
            headers.add(name, value)
    if request.is_secure and "strict-transport-security" not in present:
        headers.add("Strict-Transport-Security", HSTS)
    return response


def init_app(app) -> None:
    """Set the headers on every response of `app`; `csp_nonce()` in its templates."""
    app.after_request(add_headers)
    app.jinja_env.globals["csp_nonce"] = nonce
