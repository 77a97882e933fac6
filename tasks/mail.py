"""Sending the outbox: one task per row, after the transaction that wrote it committed."""

from __future__ import annotations

from flask import current_app
from flask_mailman import EmailMultiAlternatives

from models.db import utcnow
from models.recipients import resolve
from models.ticket import Notification
from tasks import app_task


@app_task(retries=3, retry_delay=30)
def send_notification(notification_id: int) -> str:
    """Send one outbox row if still pending, then mark it sent."""
    row = Notification.get_or_none(Notification.id == notification_id)
    if row is None or row.status != "pending":
        return "skipped"
    recipients = resolve(row)
    if recipients:
        ticket = row.ticket
        message = EmailMultiAlternatives(
            subject=f"[{ticket.number}] {row.kind}",
            body=f"{ticket.number}: {ticket.subject} ({ticket.status_label})",
            to=recipients,
            from_email=current_app.config["MAIL_FROM"],
        )
        message.send()
    Notification.update(status="sent", sent_at=utcnow(), recipients=",".join(recipients)).where(
        Notification.id == row.id, Notification.status == "pending"
    ).execute()
    return "sent"
