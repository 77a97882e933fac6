"""Password reset by email: the same answer for any address, a link that works once and
expires, and no way around the second factor."""

from __future__ import annotations

import datetime as dt
import re
import time

import pytest

from tests.helpers import totp_code

pytestmark = pytest.mark.csrf_off

NEW = "kuda-laut-menyanyi-di-cimahi"


def reset_link(outbox) -> str:
    body = outbox[-1].body
    return re.search(r"https?://[^/\s]+(/staf/reset/[^\s\"<]+)", body).group(1)


def ask_reset(client, email):
    return client.post("/staf/reset", data={"email": email})


def test_the_answer_is_the_same_for_an_unknown_address(client, outbox):
    unknown = ask_reset(client, "tidak-ada@example.go.id")
    known = ask_reset(client, "agen@example.go.id")
    assert unknown.status_code == known.status_code
    assert len(outbox) == 1 and outbox[0].to == ["agen@example.go.id"]

    def strip(r):  # the typed address, tokens and request ids aside
        html = r.get_data(as_text=True).replace("tidak-ada@", "agen@")
        return re.sub(r'value="[^"]*"|nonce="[^"]*"|[0-9a-f]{32}', "", html)

    assert strip(unknown) == strip(known)


def test_the_link_works_once(client, outbox):
    ask_reset(client, "agen@example.go.id")
    link = reset_link(outbox)
    done = client.post(link, data={"password": NEW, "password_confirm": NEW})
    assert done.status_code == 302
    again = client.post(link, data={"password": "lagi-" + NEW, "password_confirm": "lagi-" + NEW})
    assert again.status_code == 302 and "/staf/reset/" not in again.headers["Location"]
    login = client.post("/staf/login", data={"email": "agen@example.go.id", "password": NEW})
    assert login.status_code == 302 and "/admin/" in login.headers["Location"]


def test_the_link_expires(make_app):
    app = make_app(WTF_CSRF_ENABLED=False, SECURITY_RESET_PASSWORD_WITHIN=dt.timedelta(seconds=1))
    outbox = app.extensions["mailman"].outbox = []
    client = app.test_client()
    ask_reset(client, "agen@example.go.id")
    link = reset_link(outbox)
    time.sleep(2.1)
    late = client.post(link, data={"password": NEW, "password_confirm": NEW})
    assert late.status_code == 302 and "/staf/reset/" not in late.headers["Location"]
    login = client.post("/staf/login", data={"email": "agen@example.go.id", "password": NEW})
    assert login.status_code == 200  # the old password still holds


def test_a_reset_does_not_skip_the_second_factor(app, client, outbox, users):
    ask_reset(client, users["admin"].email)
    done = client.post(reset_link(outbox), data={"password": NEW, "password_confirm": NEW})
    assert done.status_code == 302
    assert client.get("/admin/tiket/").status_code == 302  # not logged in by the reset
    login = client.post("/staf/login", data={"email": users["admin"].email, "password": NEW})
    assert "/staf/tf-validate" in login.headers["Location"]
    code = totp_code(app, users["admin"], fresh=True)
    assert client.post("/staf/tf-validate", data={"code": code}).status_code == 302
    assert client.get("/admin/tiket/").status_code == 200


def test_the_reset_email_speaks_indonesian(client, outbox):
    ask_reset(client, "agen@example.go.id")
    assert "kata sandi" in (outbox[0].subject + outbox[0].body).lower()


def test_the_link_goes_to_the_desk_not_to_a_forged_host(make_app):
    app = make_app(WTF_CSRF_ENABLED=False, BASE_URL="https://servicedesk.example.go.id")
    outbox = app.extensions["mailman"].outbox = []
    app.test_client().post(
        "/staf/reset", data={"email": "agen@example.go.id"}, headers={"Host": "evil.example"}
    )
    body = outbox[0].body + "".join(str(a[0]) for a in outbox[0].alternatives)
    assert "evil.example" not in body
    assert "https://servicedesk.example.go.id/staf/reset/" in body
