"""The browser harness: the app served on a free 127.0.0.1 port in a thread (huey immediate, so
emails are sent inside the request), Debian's chromium driven by Playwright, and screenshots
saved under `test-artifacts/` (git-ignored; `TEST_ARTIFACTS` moves it).

Fixtures for any browser test (public or staff side):
- `live_server`: `.url` (no trailing slash) and `.app`; built on `tests/conftest.py`'s `app`, so
  `db`, `users` and `make_ticket` share its database;
- `https_server`: the same over HTTPS (werkzeug's own TLS, a throw-away certificate);
  `nginx_proxy`: the same behind a real nginx terminating TLS (deploy/nginx/, `tests/nginx.py`;
  skips without nginx, FAILS when CI is set); the module's `app_config` says whether the app
  trusts it (`tests.nginx.behind_nginx()`);
- `browser`: one chromium for the session; skips with the reason when chromium or Playwright is
  missing, but FAILS when the environment variable CI is set;
- `phone_page` (390x844, touch), `desktop_page` (1280x800) and `narrow_page` (320x640: the
  width WCAG's reflow criterion asks for, 1280 px at 400 %): a fresh context each;
- `screenshot(page, name)`: a full-page PNG at `test-artifacts/browser/<name>.png`, returns the
  path. A failing test also leaves `<test name>-failed.png` of every page it opened.
"""

from __future__ import annotations

import os
import shutil
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest
from werkzeug.serving import make_server

from tests.helpers import unavailable

CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
REPO = Path(__file__).resolve().parents[2]
ARTIFACTS = Path(os.environ.get("TEST_ARTIFACTS", REPO / "test-artifacts")) / "browser"


def chromium_path() -> str | None:
    configured = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
    if os.path.exists(configured):
        return configured
    return shutil.which("chromium") or shutil.which("chromium-browser")


@dataclass
class LiveServer:
    url: str
    app: object


@pytest.fixture
def live_server(app):
    """The test app served by a threaded werkzeug server on a free port of 127.0.0.1."""
    with serving(app) as port:
        url = f"http://127.0.0.1:{port}"
        app.config["BASE_URL"] = url  # links in emails point here
        yield LiveServer(url=url, app=app)


def closing_body(app):
    """The WSGI app, closing each response's body even when the client dropped the connection
    mid-answer (chromium does so over TLS; werkzeug would leave a static file open)."""

    def wrapped(environ, start_response):
        body = app(environ, start_response)
        try:
            yield from body
        finally:
            if hasattr(body, "close"):
                body.close()

    return wrapped


def throwaway_certificate(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1, valid one day: (certificate, key) PEM files."""
    import subprocess

    cert, key = folder / "cert.pem", folder / "key.pem"
    made = subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1",
         "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1",
         "-keyout", str(key), "-out", str(cert)],
        capture_output=True,
    )  # fmt: skip
    if made.returncode != 0:
        unavailable(f"openssl could not make a certificate: {made.stderr.decode()[:200]}")
    return cert, key


@contextmanager
def serving(app, ssl_context=None):
    """Serve a WSGI app on a free port of 127.0.0.1 in a thread: yields the port."""
    server = make_server("127.0.0.1", 0, app, threaded=True, ssl_context=ssl_context)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield server.server_port
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


def served_at(app, url: str) -> None:
    """The app is now at `url` (known once its port is): links in emails point there, and an
    https address makes the cookies Secure, as DESK_BASE_URL does at start (config.py)."""
    app.config["BASE_URL"] = url
    if url.startswith("https://"):
        app.config.update(SESSION_COOKIE_SECURE=True, REMEMBER_COOKIE_SECURE=True)


@pytest.fixture
def https_server(app, tmp_path):
    """The test app over HTTPS (a throw-away self-signed certificate for 127.0.0.1), as behind
    a TLS-terminating proxy: the browser sees https://, Flask sees a secure request."""
    import ssl

    cert, key = throwaway_certificate(tmp_path)
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(str(cert), str(key))
    with serving(closing_body(app), ssl_context=context) as port:
        url = f"https://127.0.0.1:{port}"
        served_at(app, url)
        yield LiveServer(url=url, app=app)


@pytest.fixture
def nginx_proxy(app, tmp_path):
    """The test app behind a real nginx terminating TLS, configured from deploy/nginx/ (the
    site and its proxy headers, with the test's ports, a throw-away certificate and the repo's
    static/): the browser talks https:// to nginx, nginx talks HTTP/1.1 to the app on another
    port, with X-Forwarded-For/Proto/Host. nginx listens on the port of the app's https
    BASE_URL; whether the app trusts the headers is its TRUSTED_PROXIES: a module's
    `app_config` returns `tests.nginx.behind_nginx()` (or `behind_nginx(trusted=False)`).
    `.url` is the https address."""
    from urllib.parse import urlsplit

    from tests.nginx import Nginx, nginx_binary

    binary = nginx_binary()
    if binary is None:
        unavailable("nginx is not installed (apt-get install nginx-light)")
    cert, key = throwaway_certificate(tmp_path)
    address = urlsplit(app.config["BASE_URL"])
    port = address.port if address.scheme == "https" and address.hostname == "127.0.0.1" else None
    with serving(closing_body(app)) as upstream:
        with Nginx(binary, tmp_path / "nginx", upstream, cert, key, port) as proxy:
            served_at(app, proxy.url)
            yield LiveServer(url=proxy.url, app=app)


# Package scope, not session: Playwright's sync API keeps an event loop running in the main
# thread while it is open, and code run by later tests that calls asyncio.run (pyHanko's
# signing and validation) would fail beside it.
@pytest.fixture(scope="package")
def _playwright():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as exc:  # pragma: no cover - depends on the environment
        unavailable(f"Playwright is not installed: {exc}")
    with sync_playwright() as playwright:
        yield playwright


@pytest.fixture(scope="package")
def browser(_playwright):
    path = chromium_path()
    if path is None:
        unavailable("no chromium found (apt-get install chromium, or set CHROMIUM_PATH)")
    browser = _playwright.chromium.launch(executable_path=path, args=CHROMIUM_ARGS)
    yield browser
    browser.close()


def _page(request, browser, **options):
    # ignore_https_errors: the `https_server` fixture's certificate is self-signed
    context = browser.new_context(
        locale="id-ID", timezone_id="Asia/Jakarta", ignore_https_errors=True, **options
    )
    context.set_default_timeout(15_000)
    page = context.new_page()
    pages = request.node.__dict__.setdefault("_browser_pages", [])
    pages.append(page)
    yield page
    report = getattr(request.node, "rep_call", None)
    if report is not None and report.failed:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        name = request.node.name.replace("/", "_")
        page.screenshot(path=str(ARTIFACTS / f"{name}-failed-{len(pages)}.png"), full_page=True)
    context.close()


@pytest.fixture
def phone_page(request, browser):
    """A page in a phone-sized viewport (390x844, touch)."""
    yield from _page(
        request, browser, viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True
    )


@pytest.fixture
def desktop_page(request, browser):
    yield from _page(request, browser, viewport={"width": 1280, "height": 800})


@pytest.fixture
def narrow_page(request, browser):
    """A page 320 CSS px wide (WCAG 2.1 reflow: 1280 px zoomed to 400 %, a small phone at 200 %)."""
    yield from _page(request, browser, viewport={"width": 320, "height": 640})


@pytest.fixture
def screenshot():
    """`screenshot(page, name)`: save a full-page PNG under test-artifacts/browser/."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)

    def take(page, name: str) -> Path:
        path = ARTIFACTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if report.when == "call":
        item.rep_call = report
    return report
