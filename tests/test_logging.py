"""The one logging set-up (logging_setup.py): the `desk` logger, a line per request with its
request id (tracking tokens masked), per email, per task run; the lock of the periodic tasks."""

from __future__ import annotations

import logging

from app import create_app
from logging_setup import LOGGER_NAME, mask_path
from models.ticket import Notification
from tasks import huey, mail
from tasks.mail import deliver
from tasks.sweep import sweep_expired
from tests.helpers import make_config


def desk_handlers():
    return [h for h in logging.getLogger(LOGGER_NAME).handlers if getattr(h, "_desk_handler", 0)]


def request_lines(caplog):
    return [r for r in caplog.records if r.name == "desk.request"]


def test_configured_once_per_process_with_the_configured_level(tmp_path):
    create_app(make_config(tmp_path / "a", LOG_LEVEL="WARNING"))
    create_app(make_config(tmp_path / "b", LOG_LEVEL="debug"))
    assert len(desk_handlers()) == 1  # two apps, one handler
    assert logging.getLogger("desk").level == logging.DEBUG
    assert logging.getLogger("desk.workflow").getEffectiveLevel() == logging.DEBUG
    create_app(make_config(tmp_path / "c"))
    assert logging.getLogger("desk").level == logging.INFO and len(desk_handlers()) == 1
    line = desk_handlers()[0].format(logging.makeLogRecord({"name": "desk.x", "msg": "hallo"}))
    assert " desk.x [-] hallo" in line and line[:4].isdigit()  # timestamp, logger, no request


def test_one_line_per_request_with_its_id_in_the_response_header(client, caplog):
    caplog.set_level(logging.INFO, logger="desk")
    response = client.get("/?layanan=999&secret=1")
    request_id = response.headers["X-Request-ID"]
    assert len(request_id) == 32
    [line] = request_lines(caplog)
    assert line.request_id == request_id
    message = line.getMessage()
    assert message.startswith(f"GET / {response.status_code} ") and message.endswith(" ms")
    assert "secret" not in message and "layanan" not in message  # no query string
    again = client.get("/")
    assert again.headers["X-Request-ID"] != request_id  # a fresh id per request


def test_a_sane_incoming_request_id_is_kept_and_an_odd_one_replaced(client, caplog):
    caplog.set_level(logging.INFO, logger="desk")
    kept = client.get("/healthz", headers={"X-Request-ID": "proxy-4f3a2b1c"})
    assert kept.headers["X-Request-ID"] == "proxy-4f3a2b1c"
    odd_id = "<script>alert(1)</script> %s" + "x" * 100
    odd = client.get("/healthz", headers={"X-Request-ID": odd_id})
    assert len(odd.headers["X-Request-ID"]) == 32 and odd_id not in caplog.text
    assert [r.request_id for r in request_lines(caplog)] == [
        "proxy-4f3a2b1c",
        odd.headers["X-Request-ID"],
    ]


def test_tracking_token_never_reaches_the_log(client, make_ticket, caplog):
    ticket = make_ticket("open")
    caplog.set_level(logging.INFO, logger="desk")
    assert client.get(f"/lacak/{ticket.tracking_token}").status_code == 200
    assert ticket.tracking_token not in caplog.text
    assert f"GET /lacak/{ticket.tracking_token[:6]}… 200" in caplog.text
    assert mask_path("/lacak/abcdefghijkl/berkas/3") == "/lacak/abcdef…/berkas/3"
    assert mask_path("/admin/tiket/") == "/admin/tiket/"


def test_one_line_per_email_sent_or_given_up(app, make_ticket, outbox, caplog, monkeypatch):
    caplog.set_level(logging.INFO, logger="desk")
    ticket = make_ticket("open")  # immediate queue: its two emails are sent at once
    rows = list(Notification.select().where(Notification.ticket == ticket.id))
    lines = [r.getMessage() for r in caplog.records if r.name == "desk.mail"]
    assert len(rows) == 2 and len(outbox) == 2
    assert sorted(lines) == sorted(
        f"email {r.id} (opened) of ticket {ticket.id} sent to {len(r.recipients.split(','))} "
        "recipient(s)"
        for r in rows
    )
    caplog.clear()
    app.config["MAIL_MAX_ATTEMPTS"] = 1
    monkeypatch.setattr(mail, "compose", lambda row, to: 1 / 0)
    row = Notification.create(
        ticket=ticket, kind="opened", audience="requester", email="siti@example.go.id"
    )
    assert deliver(row.id) == "failed"
    [line] = [r for r in caplog.records if r.name == "desk.mail"]
    assert line.levelno == logging.ERROR
    assert line.getMessage().startswith(f"email {row.id} (opened) given up after 1 attempts")


def test_one_line_per_task_run_and_a_locked_run_is_skipped(db, caplog):
    caplog.set_level(logging.INFO, logger="desk")
    assert sweep_expired.call_local() == 0
    [done] = [r for r in caplog.records if r.name == "desk.tasks"]
    assert done.getMessage().startswith("task tasks.sweep.sweep_expired done in ")
    caplog.clear()
    lock = huey.lock_task("sweep_expired")  # another consumer is sweeping
    lock.acquire()
    try:
        assert sweep_expired.call_local() is None
    finally:
        lock.release()
    [skipped] = [r for r in caplog.records if r.name == "desk.tasks"]
    assert "skipped: another run holds its lock" in skipped.getMessage()
    assert not huey.is_locked("sweep_expired")  # released after the run
    assert sweep_expired.call_local() == 0
