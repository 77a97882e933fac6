"""Whom an outbox row goes to, resolved when it is sent (roles, bidang and seksi as they are)."""

from __future__ import annotations

import logging

from models.catalog import Seksi
from models.staff import ADMIN, HELPDESK, KEPALA_BIDANG, KEPALA_SEKSI, User
from models.ticket import AUDIENCE_REQUESTER
from models.validation import is_valid_email

log = logging.getLogger("desk.mail")


def resolve(notification, cache: dict | None = None) -> list[str]:
    """The addresses of one outbox row, each once, sorted.

    requester: the address on the row. Staff: helpdesk and kepala_bidang of the bidang that
    owns the ticket's service, kepala_seksi of its seksi, every admin, and the pinned agent;
    only active users with a well-formed address. A person holding several of these roles gets
    one email. `cache`: a dict the sender of several rows passes to each, so that a seksi and
    the staff of one (audience, bidang or seksi) are read once for all of them.
    """
    if notification.audience == AUDIENCE_REQUESTER:
        return [notification.email] if notification.email else []
    cache = {} if cache is None else cache
    ticket = notification.ticket
    seksi_id = ticket.layanan.seksi_id
    seksi = cache.get(("seksi", seksi_id))
    if seksi is None:
        seksi = cache[("seksi", seksi_id)] = Seksi.get_by_id(seksi_id)
    emails = set()
    for audience in notification.audiences:
        if audience == "agent":
            user = notification.user
            emails.update([user.email.lower()] if user is not None and user.active else [])
            continue
        key = (audience, seksi.id)
        if key not in cache:
            cache[key] = _staff_emails(audience, seksi)
        emails.update(cache[key])
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


def _staff_emails(audience: str, seksi) -> list[str]:
    """The addresses (lower case) of the staff of one audience for a ticket of `seksi`."""
    if audience == "helpdesk":
        users = User.with_role(HELPDESK).where(User.bidang == seksi.bidang_id)
    elif audience == "kepala_bidang":
        users = User.with_role(KEPALA_BIDANG).where(User.bidang == seksi.bidang_id)
    elif audience == "kepala_seksi":
        users = User.with_role(KEPALA_SEKSI).where(User.seksi == seksi.id)
    elif audience == "admin":
        users = User.with_role(ADMIN)
    else:
        raise ValueError(f"unknown audience {audience!r}")
    return [u.email.lower() for u in users]
