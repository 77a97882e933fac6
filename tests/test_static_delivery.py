"""What a staff page costs on the wire and what it declares: compressed (gzip here), Bootstrap's
CSS referenced once, `lang` on the <html> element, and static files (ours and Flask-Admin's)
under versioned addresses with a long Cache-Control."""

from __future__ import annotations

import gzip
import os
import re

import pytest

from static_files import YEAR

GZIP = {"Accept-Encoding": "gzip"}


def stylesheets(html: str) -> list[str]:
    return re.findall(r'<link href="([^"]+\.css[^"]*)" rel="stylesheet"', html) + re.findall(
        r'<link rel="stylesheet" href="([^"]+)"', html
    )


@pytest.fixture
def many_tickets(make_ticket):
    for i in range(30):
        make_ticket("open" if i % 2 else "assigned", subject=f"Permohonan nomor {i} " + "x" * 60)


def test_staff_list_is_sent_gzipped_and_small(app, client, login_as, many_tickets):
    login_as("admin")
    client.get("/admin/")  # the login's own message ("Kode Anda telah dikonfirmasi") shown once
    plain = client.get("/admin/tiket/")
    assert plain.status_code == 200 and "Content-Encoding" not in plain.headers
    packed = client.get("/admin/tiket/", headers=GZIP)
    assert packed.headers["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed.headers["Vary"]
    body = gzip.decompress(packed.get_data())
    nonce = re.compile(rb'nonce="[^"]*"')  # each answer has its own CSP nonce
    assert nonce.sub(b"", body) == nonce.sub(b"", plain.get_data())
    print(f"ticket list: {len(body)} bytes, gzip {len(packed.get_data())} bytes")
    assert len(packed.get_data()) < 12 * 1024, len(packed.get_data())
    assert len(packed.get_data()) * 4 < len(body)


def test_bootstrap_css_is_referenced_once_on_staff_pages(app, client, login_as, make_ticket):
    ticket = make_ticket("open")
    login = client.get("/staf/login").get_data(as_text=True)
    assert len([h for h in stylesheets(login) if "bootstrap.min.css" in h]) == 1
    login_as("admin")
    for path in ("/admin/", "/admin/tiket/", f"/admin/tiket/details/?id={ticket.id}"):
        html = client.get(path).get_data(as_text=True)
        bootstrap = [href for href in stylesheets(html) if "bootstrap.min.css" in href]
        assert len(bootstrap) == 1, (path, stylesheets(html))
        assert re.search(r'<html lang="id">', html), path
    change = client.get("/staf/change").get_data(as_text=True)
    assert len([h for h in stylesheets(change) if "bootstrap.min.css" in h]) == 1


def test_every_staff_page_has_lang(app, client, login_as):
    assert '<html lang="id">' in client.get("/staf/login").get_data(as_text=True)
    login_as("admin")
    for path in ("/admin/", "/admin/tiket/", "/admin/kepatuhan/", "/admin/email/", "/admin/x"):
        assert '<html lang="id">' in client.get(path).get_data(as_text=True), path


def test_static_files_have_versioned_addresses_and_are_cached(app, client, login_as):
    login_as("admin")
    html = client.get("/admin/").get_data(as_text=True)
    ours = next(h for h in stylesheets(html) if "desk-admin.css" in h)
    assert re.search(r"\?v=[0-9a-f]{10}$", ours)
    theirs = next(h for h in stylesheets(html) if "bootstrap.min.css" in h)
    assert "v=4.6.2" in theirs
    for href in (ours, theirs.replace("&amp;", "&")):
        response = client.get(href, headers=GZIP)
        assert response.status_code == 200
        assert response.cache_control.max_age == YEAR and response.cache_control.public
        assert response.cache_control.immutable and not response.cache_control.no_cache
        assert response.headers["Content-Encoding"] == "gzip"
        response.close()
    unversioned = client.get("/static/css/desk.css")
    assert unversioned.cache_control.max_age == 3600
    unversioned.close()
    public = client.get("/").get_data(as_text=True)
    assert re.search(r'href="/static/css/desk.css\?v=[0-9a-f]{10}"', public)


def test_a_changed_file_gets_a_new_version(app, tmp_path):
    from static_files import file_version

    (tmp_path / "a.css").write_text("a { color: red }")
    first = file_version(str(tmp_path), "a.css")
    (tmp_path / "a.css").write_text("a { color: blue }")
    os.utime(tmp_path / "a.css", (1, 1))
    assert file_version(str(tmp_path), "a.css") != first
    assert file_version(str(tmp_path), "missing.css") is None


def test_downloads_are_not_cached_like_static_files(app, client, make_ticket):
    ticket = make_ticket("open")
    html = client.get(f"/lacak/{ticket.tracking_token}").get_data(as_text=True)
    link = re.search(r'href="(/lacak/[^"]+/berkas/\d+)"', html).group(1)
    response = client.get(link)
    assert response.status_code == 200
    assert response.cache_control.max_age != YEAR and not response.cache_control.immutable
    response.close()
