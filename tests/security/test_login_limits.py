"""Login limits: per account and per address, counted exactly before any password is checked,
ending by themselves; the same answer for an unknown account and a wrong password."""

from __future__ import annotations

import re
import threading
import time
import uuid

import pytest

from tests.helpers import DEMO_PASSWORD, free_port, unavailable

pytestmark = pytest.mark.csrf_off

HELPDESK = "helpdesk@example.go.id"


@pytest.fixture
def app_config():
    return {"LOGIN_LIMITS_ACCOUNT": "5/minute", "LOGIN_LIMITS_ADDRESS": "1000/minute"}


def post_login(app, email, password, address="10.0.0.1"):
    client = app.test_client()
    return client.post(
        "/staf/login",
        data={"email": email, "password": password},
        environ_base={"REMOTE_ADDR": address},
    )


def test_parallel_wrong_passwords_are_counted_exactly(app):
    """20 wrong passwords at once: exactly 5 are checked, 15 refused unchecked, 20 counted; then
    even the right password is refused while the lockout lasts."""
    barrier = threading.Barrier(20)
    statuses = []
    lock = threading.Lock()

    def guess(i):
        barrier.wait()
        response = post_login(app, HELPDESK, f"salah-{i}")
        with lock:
            statuses.append(response.status_code)

    threads = [threading.Thread(target=guess, args=(i,)) for i in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert sorted(statuses) == [200] * 5 + [429] * 15
    with app.app_context():
        assert app.extensions["login_limits"].attempts(f"email:{HELPDESK}") == 20
    locked = post_login(app, HELPDESK, DEMO_PASSWORD)
    assert locked.status_code == 429 and int(locked.headers["Retry-After"]) > 0
    assert "Terlalu banyak percobaan masuk" in locked.get_data(as_text=True)


def test_the_json_login_counts_against_the_same_account(app):
    for _ in range(5):
        post_login(app, HELPDESK, "salah")
    client = app.test_client()
    response = client.post(
        "/staf/login",
        json={"email": HELPDESK.upper(), "password": DEMO_PASSWORD},
        environ_base={"REMOTE_ADDR": "10.9.9.9"},
    )
    assert response.status_code == 429


def test_an_address_is_limited_across_accounts(make_app):
    app = make_app(
        WTF_CSRF_ENABLED=False, LOGIN_LIMITS_ACCOUNT="100/minute", LOGIN_LIMITS_ADDRESS="3/minute"
    )
    codes = [post_login(app, f"orang{i}@example.go.id", "salah").status_code for i in range(4)]
    assert codes == [200, 200, 200, 429]
    # Another address is not affected.
    assert post_login(app, HELPDESK, DEMO_PASSWORD, address="10.0.0.2").status_code == 302


def test_an_office_behind_one_address_can_all_log_in(make_app):
    app = make_app(WTF_CSRF_ENABLED=False, LOGIN_LIMITS_ADDRESS="3/minute")
    emails = ["helpdesk@example.go.id", "agen@example.go.id", "kabid@example.go.id"]
    assert [post_login(app, e, DEMO_PASSWORD).status_code for e in emails * 2] == [302] * 6
    assert post_login(app, HELPDESK, "salah").status_code == 200


def test_the_lockout_ends_by_itself(make_app):
    app = make_app(
        WTF_CSRF_ENABLED=False, LOGIN_LIMITS_ACCOUNT="2/2second", LOGIN_LIMITS_ADDRESS="1000/minute"
    )
    assert [post_login(app, HELPDESK, "salah").status_code for _ in range(3)] == [200, 200, 429]
    retry = int(post_login(app, HELPDESK, DEMO_PASSWORD).headers["Retry-After"])
    assert 0 < retry <= 3
    time.sleep(retry + 0.2)
    assert post_login(app, HELPDESK, DEMO_PASSWORD).status_code == 302


def test_the_delays_grow(make_app):
    """A short window first (2 tries in 2 seconds), then a longer one (4 in an hour): once
    that is used up, the wait is the long window's."""
    app = make_app(
        WTF_CSRF_ENABLED=False,
        LOGIN_LIMITS_ACCOUNT="2/2second;4/hour",
        LOGIN_LIMITS_ADDRESS="1000/minute",
    )
    first = [post_login(app, HELPDESK, "salah") for _ in range(3)]
    assert [r.status_code for r in first] == [200, 200, 429]
    short_wait = int(first[-1].headers["Retry-After"])
    assert short_wait <= 3
    time.sleep(short_wait + 0.2)
    assert post_login(app, HELPDESK, "salah").status_code == 200  # the 4th of the hour
    longer = post_login(app, HELPDESK, "salah")
    assert longer.status_code == 429 and int(longer.headers["Retry-After"]) > 60 * 50


def test_a_successful_login_clears_its_account_counter(app):
    for _ in range(4):
        post_login(app, HELPDESK, "salah")
    assert post_login(app, HELPDESK, DEMO_PASSWORD).status_code == 302
    with app.app_context():
        assert app.extensions["login_limits"].attempts(f"email:{HELPDESK}") == 0


def _answer(response) -> str:
    html = response.get_data(as_text=True)
    html = re.sub(r'value="[^"]*"', 'value=""', html)  # the typed email, tokens
    html = re.sub(r'nonce="[^"]*"', "", html)  # the CSP nonce of each answer
    return re.sub(r"[0-9a-f]{32}", "", html)  # the request id


def test_unknown_account_and_wrong_password_get_the_same_answer(app):
    unknown = post_login(app, "tidak-ada@example.go.id", "salah-sekali")
    wrong = post_login(app, HELPDESK, "salah-sekali")
    assert unknown.status_code == wrong.status_code == 200
    assert _answer(unknown) == _answer(wrong)
    assert "Autentikasi gagal" in wrong.get_data(as_text=True)


def test_counters_live_in_redis_when_configured(make_app):
    redis = pytest.importorskip("redis")
    client = redis.Redis.from_url("redis://127.0.0.1:6379/0", socket_connect_timeout=2)
    try:
        client.ping()
    except redis.exceptions.ConnectionError as exc:
        unavailable(f"no Redis at 127.0.0.1:6379: {exc}")
    prefix = f"desk-login-test-{uuid.uuid4().hex}"
    app = make_app(
        WTF_CSRF_ENABLED=False,
        RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/0",
        LOGIN_LIMITS_PREFIX=prefix,
        LOGIN_LIMITS_ACCOUNT="5/minute",
        LOGIN_LIMITS_ADDRESS="1000/minute",
    )
    try:
        post_login(app, HELPDESK, "salah")
        keys = list(client.scan_iter(f"*{prefix}*"))
        assert keys, "no counter in Redis"
        other = make_app(
            RATELIMIT_STORAGE_URI="redis://127.0.0.1:6379/0",
            LOGIN_LIMITS_PREFIX=prefix,
            LOGIN_LIMITS_ACCOUNT="5/minute",
        )
        with other.app_context():  # another worker sees the same count
            assert other.extensions["login_limits"].attempts(f"email:{HELPDESK}") == 1
    finally:
        for key in client.scan_iter(f"*{prefix}*"):
            client.delete(key)
        client.close()


def test_redis_down_counts_in_memory_and_login_works(make_app):
    app = make_app(
        WTF_CSRF_ENABLED=False,
        RATELIMIT_STORAGE_URI=f"redis://127.0.0.1:{free_port()}/0",  # nobody listens
        LOGIN_LIMITS_ACCOUNT="2/minute",
        LOGIN_LIMITS_ADDRESS="1000/minute",
    )
    assert post_login(app, HELPDESK, DEMO_PASSWORD).status_code == 302
    assert [post_login(app, HELPDESK, "salah").status_code for _ in range(3)] == [200, 200, 429]


def test_a_lockout_is_written_to_the_audit_log(app):
    """The refused attempt past the limit leaves an audit entry: which account, from where."""
    from models.audit import AuditEntry
    from models.db import connection

    answers = [post_login(app, HELPDESK, "salah-sekali", "10.0.0.9").status_code for _ in range(6)]
    assert answers[-1] == 429
    with app.app_context(), connection():
        (entry,) = AuditEntry.select().where(AuditEntry.action == "lockout")
        assert entry.actor_label == f"email:{HELPDESK}" and entry.remote_addr == "10.0.0.9"
