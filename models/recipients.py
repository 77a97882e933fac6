"""Whom an outbox row goes to, resolved when it is sent (roles, bidang and seksi as they are)."""

from __future__ import annotations

import logging

from models.catalog import Seksi
from models.staff import ADMIN, HELPDESK, KEPALA_BIDANG, KEPALA_SEKSI, User
from models.ticket import AUDIENCE_REQUESTER
from models.validation import is_valid_email

log = logging.getLogger("desk.mail")


def resolve(notification) -> list[str]:
    """The addresses of one outbox row, each once, sorted.

    requester: the address on the row. Staff: helpdesk and kepala_bidang of the bidang that
    owns the ticket's service, kepala_seksi of its seksi, every admin, and the pinned agent;
    only active users with a well-formed address. A person holding several of these roles gets
    one email.
    """
    if notification.audience == AUDIENCE_REQUESTER:
        return [notification.email] if notification.email else []
    ticket = notification.ticket
    seksi = Seksi.get_by_id(ticket.layanan.seksi_id)
    emails = set()
    for audience in notification.audiences:
        if audience == "helpdesk":
            users = User.with_role(HELPDESK).where(User.bidang == seksi.bidang_id)
        elif audience == "kepala_bidang":
            users = User.with_role(KEPALA_BIDANG).where(User.bidang == seksi.bidang_id)
        elif audience == "kepala_seksi":
            users = User.with_role(KEPALA_SEKSI).where(User.seksi == seksi.id)
        elif audience == "admin":
            users = User.with_role(ADMIN)
        elif audience == "agent":
            user = notification.user
            users = [user] if user is not None and user.active else []
        else:
            raise ValueError(f"unknown audience {audience!r}")
        emails.update(u.email.lower() for u in users)
    # An address no server would accept (entered before staff forms validated it) is left out,
    # so that the email still reaches everybody else of the bidang.
    bad = {e for e in emails if not is_valid_email(e)}
    if bad:
        log.warning(
            "outbox %s: malformed staff address(es) left out: %s",
            notification.id,
            ", ".join(sorted(bad)),
        )
    return sorted(emails - bad)
