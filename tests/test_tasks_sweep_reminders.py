"""The expiry sweep and the reminders on a data set with known answers, each run twice."""

from __future__ import annotations

import datetime as dt

from models import workflow
from models.db import utcnow
from models.reminder import ReminderSent
from models.ticket import Notification, Ticket, TicketEvent
from tasks import huey
from tasks.reminders import send_reminders
from tasks.sweep import sweep_expired
from tests.helpers import T0, required_uploads

REQUESTER = ["siti.rahmawati@example.go.id"]


def closed_rows():
    return Notification.select().where(Notification.kind == "closed")


def test_sweep_closes_expired_tickets_once_and_catches_up(make_ticket, runner, outbox):
    now = utcnow()
    expired = make_ticket("incomplete", now=now - dt.timedelta(days=40))
    missed = make_ticket("incomplete", now=now - dt.timedelta(days=32))  # a missed day
    waiting = make_ticket("incomplete", now=now - dt.timedelta(days=20))
    completed = make_ticket("incomplete", now=now - dt.timedelta(days=45))
    docs = [
        u for u in required_uploads() if u.required_document_id in completed.missing_document_ids
    ]
    workflow.complete_documents(completed.tracking_token, docs, now=now - dt.timedelta(days=44))
    open_one = make_ticket("open", now=now - dt.timedelta(days=60))
    outbox.clear()

    assert sweep_expired.call_local() == 2  # the periodic task, as the consumer runs it
    status = {t.id: Ticket.get_by_id(t.id) for t in (expired, missed, waiting, completed, open_one)}
    assert [(status[t.id].status, status[t.id].close_reason) for t in (expired, missed)] == [
        ("closed", "expired")
    ] * 2
    assert [status[t.id].status for t in (waiting, completed, open_one)] == [
        "incomplete",
        "open",
        "open",
    ]
    # Close Tiket emails: requester and staff of each expired ticket, none for the others.
    assert sorted(r.ticket_id for r in closed_rows()) == sorted([expired.id] * 2 + [missed.id] * 2)
    assert len(outbox) == 4 and all(
        m.subject.endswith("Kedaluwarsa: dokumen tidak dilengkapi dalam satu bulan") for m in outbox
    )
    events = TicketEvent.select().where(TicketEvent.action == "expired")
    assert sorted(e.ticket_id for e in events) == sorted([expired.id, missed.id])

    assert sweep_expired.call_local() == 0  # the second run finds nothing
    result = runner.invoke(args=["sweep"])
    assert result.exit_code == 0 and "0 tiket ditutup" in result.output
    assert closed_rows().count() == 4 and len(outbox) == 4


def test_periodic_tasks_are_scheduled(app):
    def names(at):
        with app.app_context():  # each app has its own queue
            return {t.name.rsplit(".", 1)[-1] for t in huey.read_periodic(at)}

    every_minute = {"requeue_notifications", "heartbeat", "catch_up"}
    assert names(dt.datetime(2026, 6, 2, 17, 5)) == every_minute | {
        "sweep_expired",
        "requeue_issued_documents",
        "sweep_monthly_reports",
    }
    assert names(dt.datetime(2026, 6, 2, 17, 10)) == every_minute | {
        "send_reminders_task",
        "requeue_issued_documents",
        "sweep_monthly_reports",
    }
    assert names(dt.datetime(2026, 6, 2, 17, 11)) == every_minute


def reminders_to(outbox):
    return sorted(
        (m.subject.split("] ", 1)[1], m.subject.split("]")[0][1:], tuple(m.to)) for m in outbox
    )


def test_reminders_known_answers_each_sent_once(make_ticket, outbox, users):
    a = make_ticket("incomplete", now=T0)  # documents due 2 Jul 03:00 UTC
    b = make_ticket("incomplete", now=dt.datetime(2026, 5, 27, 15, 0))  # due 27 Jun 15:00
    c = make_ticket("selesai", now=T0)  # signed copies due 3 Jun, 1 working day later
    d = make_ticket("assigned", now=dt.datetime(2026, 6, 24, 3, 0))  # due in July: nothing
    e = make_ticket("open", now=dt.datetime(2026, 6, 25, 3, 0))  # verification due Fri 26 Jun
    f = make_ticket("assigned", now=T0)  # fulfilment (7 working days) long overdue
    g = make_ticket("closed", now=T0)  # closed: nothing
    h = make_ticket("signed", now=T0)  # Close Tiket (1 working hour) long overdue
    outbox.clear()

    now1 = dt.datetime(2026, 6, 27, 3, 0)  # Saturday 10.00 WIB
    first = send_reminders(now=now1)
    assert first == {
        "reminder_deadline": 2,  # a: 7 days before, b: 1 day before (its 7-day one skipped)
        "reminder_signed": 1,  # c
        "reminder_overdue": 3,  # e: helpdesk; f and h: the agent
        "reminder_escalation": 2,  # f and h (e is late by less than a working day)
    }
    req, hd, agent, kasi = (
        REQUESTER,
        ("helpdesk@example.go.id",),
        ("agen@example.go.id",),
        ("kasi@example.go.id",),
    )
    deadline = "Pengingat: batas waktu kelengkapan dokumen"
    overdue = "Pengingat: langkah tiket melewati batas waktu"
    escalation = "Eskalasi: tiket terlambat lebih dari satu hari kerja"
    assert reminders_to(outbox) == sorted(
        [
            (deadline, a.number, tuple(req)),
            (deadline, b.number, tuple(req)),
            ("Pengingat: balasan SLA dan BA belum diterima", c.number, tuple(req)),
            (overdue, e.number, hd),
            (overdue, f.number, agent),
            (overdue, h.number, agent),
            (escalation, f.number, kasi),
            (escalation, h.number, kasi),
        ]
    )
    keys = {
        (r.ticket_id, r.key.rsplit("-", 1)[-1])
        for r in ReminderSent.select().where(ReminderSent.kind == "reminder_deadline")
    }
    assert (a.id, "7d") in keys and (b.id, "1d") in keys and (b.id, "7d") not in keys
    deadline_mail = [m for m in outbox if a.number in m.subject][0]
    assert "2 Juli 2026, 10.00 WIB" in deadline_mail.body

    assert send_reminders(now=now1) == dict.fromkeys(first, 0)  # run twice: nothing new
    assert len(outbox) == 8

    now2 = dt.datetime(2026, 7, 1, 15, 0)  # a: 12 hours left; e: late by > 1 working day
    outbox.clear()
    second = send_reminders(now=now2)
    assert second == {
        "reminder_deadline": 1,
        "reminder_signed": 0,
        "reminder_overdue": 0,
        "reminder_escalation": 1,
    }
    assert reminders_to(outbox) == sorted(
        [(deadline, a.number, tuple(req)), (escalation, e.number, kasi)]
    )
    assert send_reminders(now=now2) == dict.fromkeys(second, 0)
    assert {t.id for t in (d, g)}.isdisjoint(r.ticket_id for r in ReminderSent.select())


def test_a_step_that_starts_again_is_reminded_again(make_ticket, users, outbox):
    ticket = make_ticket("incomplete", now=T0)
    send_reminders(now=dt.datetime(2026, 6, 27, 3, 0))
    missing = ticket.missing_document_ids
    docs = [u for u in required_uploads() if u.required_document_id in missing]
    workflow.complete_documents(ticket.tracking_token, docs, now=dt.datetime(2026, 6, 28, 3, 0))
    assert send_reminders(now=dt.datetime(2026, 6, 28, 4, 0))["reminder_deadline"] == 0
    workflow.verify_incomplete(
        users["helpdesk"],
        ticket.id,
        missing,
        now=dt.datetime(2026, 6, 29, 3, 0),
    )
    assert send_reminders(now=dt.datetime(2026, 7, 25, 3, 0))["reminder_deadline"] == 1
    assert ReminderSent.select().where(ReminderSent.ticket == ticket.id).count() == 2
