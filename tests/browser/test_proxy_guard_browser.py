"""The guard of the proxied walk: the same nginx (deploy/nginx/) in front, but the desk NOT told
to trust it (DESK_TRUSTED_PROXIES unset). It then takes nginx's plain-HTTP hop for the request's
scheme, and the walk of `test_proxy_browser.py` breaks in these ways: the tracking link shown
after the request form is http:// (nginx refuses it on its TLS port), no HSTS is sent, and
Flask-WTF's https-only Referer check never runs (a cross-site POST without a Referer passes,
where the trusting desk refuses it)."""

from __future__ import annotations

import pytest

from tests.helpers import browser_submit_request
from tests.nginx import behind_nginx

pytestmark = pytest.mark.browser


@pytest.fixture
def app_config():
    return behind_nginx(trusted=False)


def test_an_untrusted_proxy_breaks_the_https_walk(nginx_proxy, phone_page, tmp_path):
    base, page = nginx_proxy.url, phone_page
    first = page.goto(base + "/")
    assert "strict-transport-security" not in first.headers
    _, link = browser_submit_request(page, base, tmp_path)
    assert link.startswith("http://127.0.0.1:"), link  # the scheme of nginx's hop, not https
    refused = page.request.get(link)
    assert refused.status == 400 and "plain HTTP request was sent to HTTPS port" in refused.text()

    # No Referer check: a POST that names no page of the desk is let through.
    page.goto(base + "/lacak")
    token = page.locator("input[name=csrf_token]").input_value()
    answer = page.request.post(
        base + "/lacak",
        form={"csrf_token": token, "number": "SD-2026-999999", "email": "x@example.go.id"},
        max_redirects=0,
    )
    assert answer.status == 303, answer.text()[:400]
