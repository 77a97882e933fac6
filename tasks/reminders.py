"""Reminders, each sent once (recorded in `ReminderSent` with the outbox row, atomically).

- The requester, 7 days and 1 day before the deadline for incomplete documents (a run that
  finds less than a day left sends only the 1-day one).
- The requester, once one working day after Selesai has passed without the signed SLA and BA
  (the due time of step 6).
- The staff member responsible for a step when it passes its due time: the helpdesk of the
  bidang for verification (step 3) and disposition (step 4), the assigned agent for fulfilment
  (step 5) and Close Tiket (step 7).
- The Kepala Seksi of the service when a staff step is overdue by more than one working day.

The key of each reminder is the `TicketStep` it is about, so a step that starts again (a ticket
back to incomplete) gets its reminders again, and a reassignment does not.
"""

from __future__ import annotations

import datetime as dt

from huey import crontab
from peewee import IntegrityError

from models.calendar import calendar
from models.db import utcnow, write_transaction
from models.outbox import notify
from models.reminder import ReminderSent
from models.staff import User
from models.ticket import (
    ASSIGNED,
    INCOMPLETE,
    OPEN,
    SELESAI,
    SIGNED,
    VERIFIED,
    Ticket,
    TicketStep,
)
from tasks import app_periodic_task

HELPDESK_STEPS = (OPEN, VERIFIED)
AGENT_STEPS = (ASSIGNED, SIGNED)
DEADLINE_WINDOWS = (("1d", dt.timedelta(days=1)), ("7d", dt.timedelta(days=7)))


def _open_steps(statuses, *due_condition):
    return list(
        TicketStep.select(TicketStep, Ticket)
        .join(Ticket)
        .where(
            TicketStep.ended_at.is_null(True),
            TicketStep.status.in_(statuses),
            Ticket.status == TicketStep.status,
            *due_condition,
        )
        .order_by(TicketStep.id)
    )


def _remind(step, kind: str, key: str, now, *, requester=False, staff=(), user=None) -> bool:
    """Write one reminder's outbox row unless it was written before; True if written now."""
    try:
        with write_transaction():
            if ReminderSent.exists_for(step.ticket_id, kind, key):
                return False
            still_open = TicketStep.get_by_id(step.id).ended_at is None
            if not still_open:
                return False
            ticket = Ticket.get_by_id(step.ticket_id)
            ReminderSent.create(ticket=ticket, kind=kind, key=key, created_at=now)
            notify(ticket, None, kind, requester=requester, staff=staff, user=user)
    except IntegrityError:
        return False  # another run wrote it at the same moment
    return True


def send_reminders(now=None) -> dict[str, int]:
    """Write every reminder that is due and not yet sent; returns how many of each kind."""
    now = now or utcnow()
    counts = {
        "reminder_deadline": 0,
        "reminder_signed": 0,
        "reminder_overdue": 0,
        "reminder_escalation": 0,
    }

    for step in _open_steps([INCOMPLETE], TicketStep.due_at > now):
        left = step.due_at - now
        for label, window in DEADLINE_WINDOWS:  # the closest window only
            if left <= window:
                key = f"step-{step.id}-{label}"
                counts["reminder_deadline"] += _remind(
                    step, "reminder_deadline", key, now, requester=True
                )
                break

    for step in _open_steps([SELESAI], TicketStep.due_at <= now):
        counts["reminder_signed"] += _remind(
            step, "reminder_signed", f"step-{step.id}", now, requester=True
        )

    for step in _open_steps(HELPDESK_STEPS + AGENT_STEPS, TicketStep.due_at <= now):
        key = f"step-{step.id}"
        if step.status in HELPDESK_STEPS:
            counts["reminder_overdue"] += _remind(
                step, "reminder_overdue", key, now, staff=("helpdesk",)
            )
        else:
            agent = User.get_or_none(User.id == step.ticket.assigned_agent_id)
            counts["reminder_overdue"] += _remind(
                step, "reminder_overdue", key, now, staff=("agent",), user=agent
            )
        if now > calendar.add_working_days(step.due_at, 1):
            counts["reminder_escalation"] += _remind(
                step, "reminder_escalation", key, now, staff=("kepala_seksi",)
            )
    return counts


# Under huey's lock: never two runs at once (each reminder is still written once regardless).
@app_periodic_task(crontab(minute="*/10"), lock="send_reminders")
def send_reminders_task() -> dict[str, int]:
    """Every ten minutes: the reminders that became due."""
    return send_reminders()
