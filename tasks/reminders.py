"""Reminders, each sent once (recorded in `ReminderSent` with the outbox row, atomically).

Which reminders exist is the step table's (`models.sop.STEPS`, each step's `reminders`); today:

- The requester, 7 days and 1 day before the deadline for incomplete documents (a run that
  finds less than a day left sends only the 1-day one).
- The requester, once one working day after Selesai has passed without the signed SLA and BA
  (the due time of step 6).
- The staff member responsible for a step when it passes its due time: the helpdesk of the
  bidang for verification (step 3) and disposition (step 4), the assigned agent for fulfilment
  (step 5) and Close Tiket (step 7).
- The Kepala Seksi of the service when a staff step is overdue by more than one working day.

The key of each reminder is the `TicketStep` it is about, so a step that starts again (a ticket
back to incomplete) gets its reminders again, and a reassignment does not; a deadline moved
from the step's own due rule (the one-month window extended) gets its `before` reminders again.
"""

from __future__ import annotations

from huey import crontab
from peewee import IntegrityError

from models.calendar import calendar
from models.db import utcnow, write_transaction
from models.outbox import notify
from models.reminder import ReminderSent
from models.sop import AGENT, REQUESTER, TIMED_STEPS
from models.staff import User
from models.ticket import Ticket, TicketStep
from tasks import app_periodic_task

KINDS = tuple(dict.fromkeys(r.kind for step in TIMED_STEPS for r in step.reminders))


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


def _audience(reminder, step_row, sop_step) -> dict:
    """Whom a reminder goes to: the requester, the step's owner, or a staff audience."""
    to = sop_step.owner if reminder.to == "owner" else reminder.to
    if to == REQUESTER:
        return {"requester": True}
    if to == AGENT:
        return {
            "staff": ("agent",),
            "user": User.get_or_none(User.id == step_row.ticket.assigned_agent_id),
        }
    return {"staff": (to,)}


def _due_after(reminder, step_row, now) -> bool:
    if reminder.after_working_days == 0:
        return step_row.due_at <= now
    return now > calendar.add_working_days(step_row.due_at, reminder.after_working_days)


def send_reminders(now=None) -> dict[str, int]:
    """Write every reminder of the step table that is due and not yet sent; returns how many
    of each kind. A step's `before` reminders: only the closest window that has been reached
    (a run that finds less than a day left sends only the 1-day one); its `after` reminders:
    once the due time (plus the working days) has passed."""
    now = now or utcnow()
    counts = dict.fromkeys(KINDS, 0)
    for sop_step in TIMED_STEPS:
        before = sorted((r for r in sop_step.reminders if r.before), key=lambda r: r.before)
        after = [r for r in sop_step.reminders if r.after_working_days is not None]
        if before:
            for row in _open_steps(sop_step.statuses, TicketStep.due_at > now):
                left = row.due_at - now
                reminder = next((r for r in before if left <= r.before), None)
                if reminder is not None:
                    key = f"step-{row.id}-{reminder.before.days}d"
                    if row.due_at != sop_step.due(row.started_at, row.ticket.layanan):
                        # a moved deadline (the window extended) is reminded of again
                        key += f"-{row.due_at:%Y%m%d%H%M}"
                    counts[reminder.kind] += _remind(
                        row, reminder.kind, key, now, **_audience(reminder, row, sop_step)
                    )
        if after:
            for row in _open_steps(sop_step.statuses, TicketStep.due_at <= now):
                for reminder in after:
                    if _due_after(reminder, row, now):
                        counts[reminder.kind] += _remind(
                            row,
                            reminder.kind,
                            f"step-{row.id}",
                            now,
                            **_audience(reminder, row, sop_step),
                        )
    return counts


# Under huey's lock: never two runs at once (each reminder is still written once regardless).
@app_periodic_task(crontab(minute="*/10"), lock="send_reminders")
def send_reminders_task() -> dict[str, int]:
    """Every ten minutes: the reminders that became due."""
    return send_reminders()
