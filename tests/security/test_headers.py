"""Security headers (issue #10 item 4): a CSP without inline script or style on every page, no
framing, nosniff, a Referrer-Policy that keeps the tracking token private without breaking the
forms, HSTS over HTTPS, and a sandboxing CSP on requester files."""

from __future__ import annotations

import re

import pytest

from models.ticket import Document

PUBLIC_PAGES = ["/", "/?layanan=1", "/lacak", "/staf/login", "/tidak-ada"]
STAFF_PAGES = [
    "/admin/",
    "/admin/tiket/",
    "/admin/tiket/?flt0_0=open",
    "/admin/staf/",
    "/admin/staf/new/",
    "/admin/libur/",
    "/admin/on_behalf/",
    "/admin/kepatuhan/",
    "/admin/email/",
]


def policy(response) -> dict[str, str]:
    header = response.headers["Content-Security-Policy"]
    return {
        part.split()[0]: " ".join(part.split()[1:])
        for part in (p.strip() for p in header.split(";"))
        if part
    }


def assert_page_headers(response):
    csp = policy(response)
    for directive in ("script-src", "style-src"):
        assert "'unsafe-inline'" not in csp[directive]
        assert "'unsafe-eval'" not in csp[directive]
    assert csp["frame-ancestors"] == "'none'"
    assert csp["object-src"] == "'none'"
    assert csp["base-uri"] == "'none'"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] in ("strict-origin-when-cross-origin", "same-origin")
    nonce = re.search(r"'nonce-([^']+)'", csp["script-src"]).group(1)
    html = response.get_data(as_text=True)
    # every inline block carries this request's nonce; no inline style attribute
    for tag in re.findall(r"<(?:script|style)\b[^>]*>", html):
        assert f'nonce="{nonce}"' in tag or " src=" in tag, tag
        if " src=" in tag and "<script" in tag:
            assert f'nonce="{nonce}"' in tag, tag
    assert not re.search(r"<[^>]+\sstyle=", html), "an inline style attribute"
    return nonce


@pytest.mark.parametrize("path", PUBLIC_PAGES)
def test_public_pages_send_a_strict_policy(client, path):
    response = client.get(path)
    assert response.status_code in (200, 404)
    assert_page_headers(response)
    assert "Strict-Transport-Security" not in response.headers  # plain HTTP: no HSTS


@pytest.mark.parametrize("path", STAFF_PAGES)
def test_staff_pages_send_a_strict_policy(client, login_as, path):
    login_as("admin")
    response = client.get(path)
    assert response.status_code == 200, path
    assert_page_headers(response)


def test_ticket_page_and_tracking_page(client, login_as, make_ticket):
    ticket = make_ticket("selesai")
    response = client.get(f"/lacak/{ticket.tracking_token}")
    assert_page_headers(response)
    # the token reaches no other site, yet a form posted from this page keeps its Referer
    assert response.headers["Referrer-Policy"] == "same-origin"
    # nor does the page itself ask for less (a <meta name="referrer"> would win over the header)
    html = response.get_data(as_text=True)
    assert re.findall(r'<meta name="referrer" content="([^"]+)"', html) in ([], ["same-origin"])
    login_as("admin")
    assert_page_headers(client.get(f"/admin/tiket/details/?id={ticket.id}"))


def test_nonce_is_new_on_every_request(client):
    first = policy(client.get("/"))["script-src"]
    second = policy(client.get("/"))["script-src"]
    assert first != second


def test_hsts_only_over_https(client, make_app):
    assert "Strict-Transport-Security" not in client.get("/").headers
    secure = client.get("/", base_url="https://desk.example")
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=31536000")
    # behind the TLS-terminating proxy: the forwarded scheme counts
    proxied = make_app(TRUSTED_PROXIES=1).test_client()
    answer = proxied.get("/", headers={"X-Forwarded-Proto": "https"})
    assert "max-age=" in answer.headers["Strict-Transport-Security"]


def test_tracking_form_posts_over_https_with_its_same_origin_referer(app, make_ticket):
    """Flask-WTF checks the Referer of a form posted over HTTPS: under the tracking page's
    policy (same-origin) the browser sends it, so the upload form keeps working."""
    ticket = make_ticket("incomplete")
    client = app.test_client()
    base = "https://desk.example"
    page = client.get(f"/lacak/{ticket.tracking_token}", base_url=base)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True))
    data = {"csrf_token": token.group(1)}
    url = f"/lacak/{ticket.tracking_token}/dokumen"
    same_origin = client.post(
        url, data=data, base_url=base, headers={"Referer": f"{base}/lacak/{ticket.tracking_token}"}
    )
    assert same_origin.status_code == 400  # past CSRF: the form answers "attach the documents"
    assert "Lampirkan" in same_origin.get_data(as_text=True)
    # what no-referrer would have caused: the CSRF check refuses the post
    assert client.post(url, data=data, base_url=base).status_code == 400
    assert "Lampirkan" not in client.post(url, data=data, base_url=base).get_data(as_text=True)


def test_requester_files_are_sandboxed(client, db, login_as, make_ticket):
    ticket = make_ticket("selesai")
    sla = Document.current(ticket.id, "sla")
    download = client.get(f"/lacak/{ticket.tracking_token}/berkas/{sla.id}")
    assert download.status_code == 200
    assert "sandbox" in policy(download)
    assert policy(download)["default-src"] == "'none'"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    login_as("admin")
    own = Document.get(Document.ticket == ticket.id, Document.kind == "persyaratan")
    staff = client.get(f"/admin/tiket/{ticket.id}/dokumen/{own.id}")
    assert "sandbox" in policy(staff)
    preview = client.get(f"/admin/tiket/{ticket.id}/dokumen/{own.id}?inline=1")
    assert policy(preview)["default-src"] == "'none'"
    assert preview.headers["Content-Disposition"].startswith("inline")
