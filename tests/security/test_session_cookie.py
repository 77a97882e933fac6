"""The session cookie (session_cookie.py) is Flask's: the same signed value written and read
back by Flask's own interface, refused when tampered with, expired or signed with another key,
on the first reading and on every later one (the verified cookies it remembers), with the
rotated keys of SECRET_KEY_FALLBACKS."""

from __future__ import annotations

import time

from flask.sessions import SecureCookieSessionInterface

from session_cookie import KeptSerializerSessionInterface


def opened(app, interface, cookie):
    with app.test_request_context("/", headers={"Cookie": f"session={cookie}"}):
        from flask import request

        return dict(interface.open_session(app, request))


def signed(app, interface, data) -> str:
    return interface.get_signing_serializer(app).dumps(data)


def test_the_desk_uses_it(app):
    assert isinstance(app.session_interface, KeptSerializerSessionInterface)


def test_flask_reads_its_cookie_and_it_reads_flasks(app):
    flask_interface, ours = SecureCookieSessionInterface(), KeptSerializerSessionInterface()
    data = {"_user_id": "abc", "_fresh": True, "fs_paa": 1.5, "lang": "en", "t": (1, 2)}
    assert opened(app, flask_interface, signed(app, ours, data)) == data
    cookie = signed(app, flask_interface, data)
    for _ in range(2):  # the first reading verifies it, the second finds it verified
        assert opened(app, ours, cookie) == data


def test_a_session_read_twice_is_two_sessions(app):
    ours = KeptSerializerSessionInterface()
    cookie = signed(app, ours, {"items": [1]})
    opened(app, ours, cookie)["items"].append(2)
    assert opened(app, ours, cookie) == {"items": [1]}
    plain = signed(app, ours, {"_user_id": "abc", "_fresh": True})
    for _ in range(2):
        with app.test_request_context("/", headers={"Cookie": f"session={plain}"}):
            from flask import request

            session = ours.open_session(app, request)
            assert session == {"_user_id": "abc", "_fresh": True}
            session["_fresh"] = False
            session["lang"] = "en"


def test_a_tampered_cookie_is_no_session(app):
    ours = KeptSerializerSessionInterface()
    cookie = signed(app, ours, {"_user_id": "abc"})
    assert opened(app, ours, cookie) == {"_user_id": "abc"}
    for forged in (cookie[:-2] + ("AA" if cookie[-2:] != "AA" else "BB"), cookie + "x"):
        assert opened(app, ours, forged) == {}


def test_an_expired_cookie_is_no_session_also_once_verified(app, monkeypatch):
    ours = KeptSerializerSessionInterface()
    cookie = signed(app, ours, {"_user_id": "abc"})
    assert opened(app, ours, cookie) == {"_user_id": "abc"}  # verified, remembered
    lifetime = int(app.permanent_session_lifetime.total_seconds())
    now = time.time()
    monkeypatch.setattr(time, "time", lambda: now + lifetime + 2)
    assert opened(app, ours, cookie) == {}
    assert opened(app, SecureCookieSessionInterface(), cookie) == {}  # Flask's rule too
    monkeypatch.setattr(time, "time", lambda: now - 5)  # signed "in the future"
    assert opened(app, ours, cookie) == {}


def test_a_new_key_ends_the_old_cookies_unless_it_is_a_fallback(app, monkeypatch):
    ours = KeptSerializerSessionInterface()
    old_key = app.secret_key
    cookie = signed(app, ours, {"_user_id": "abc"})
    assert opened(app, ours, cookie) == {"_user_id": "abc"}
    monkeypatch.setitem(app.config, "SECRET_KEY", "another-key-entirely-0123456789")
    assert opened(app, ours, cookie) == {}  # verified with the old key: forgotten with it
    monkeypatch.setitem(app.config, "SECRET_KEY_FALLBACKS", [old_key])
    assert opened(app, ours, cookie) == {"_user_id": "abc"}
    assert opened(app, SecureCookieSessionInterface(), cookie) == {"_user_id": "abc"}
    new_cookie = signed(app, ours, {"n": 1})  # signed with the current key
    assert opened(app, SecureCookieSessionInterface(), new_cookie) == {"n": 1}
