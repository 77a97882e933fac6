"""The ready-made ticket queues of the staff menu, and which roles find them there.

A queue is only a filter on top of the user's scope (`models.scope.visible_tickets`); it never
widens what someone may see.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from models.staff import ADMIN, AGENT, HELPDESK, KEPALA_BIDANG, KEPALA_SEKSI
from models.ticket import ASSIGNED, INCOMPLETE, OPEN, SELESAI, SIGNED, VERIFIED, Ticket

DESK = frozenset({ADMIN, HELPDESK})
EVERYONE = frozenset({ADMIN, HELPDESK, AGENT, KEPALA_BIDANG, KEPALA_SEKSI})


def _answers_for(user):
    """The tickets whose current step `user` answers for (as `workflow.answers_for_step`): the
    ones assigned to them as agent; for the helpdesk and admins, the ones not yet disposed."""
    roles = user.role_names
    condition = Ticket.id.is_null(True)  # nothing, unless a role below adds to it
    if AGENT in roles:
        condition |= Ticket.assigned_agent == user.id
    if roles & DESK:
        condition |= Ticket.assigned_agent.is_null(True)
    return condition


answers_for = _answers_for  # public: the home page lists the same tickets


@dataclass(frozen=True)
class Queue:
    endpoint: str
    url: str
    name: object
    roles: frozenset
    condition: object  # callable(user) -> peewee expression

    def where(self, query, user):
        return query.where(self.condition(user))


QUEUES = [
    Queue(
        "q_verify",
        "perlu-verifikasi",
        _l("Perlu verifikasi"),
        DESK,
        lambda u: Ticket.status == OPEN,
    ),
    Queue(
        "q_incomplete",
        "menunggu-kelengkapan",
        _l("Menunggu kelengkapan"),
        DESK,
        lambda u: Ticket.status == INCOMPLETE,
    ),
    Queue(
        "q_dispose",
        "perlu-disposisi",
        _l("Perlu disposisi"),
        DESK,
        lambda u: Ticket.status == VERIFIED,
    ),
    Queue(
        "q_mine",
        "tiket-saya",
        _l("Tiket saya"),
        frozenset({AGENT}),
        lambda u: (Ticket.assigned_agent == u.id) & (Ticket.status == ASSIGNED),
    ),
    Queue(
        "q_signed_wait",
        "menunggu-balasan",
        _l("Menunggu balasan SLA/BA"),
        DESK | {AGENT},
        lambda u: Ticket.status == SELESAI,
    ),
    Queue(
        "q_close",
        "siap-ditutup",
        _l("Siap ditutup"),
        DESK | {AGENT},
        lambda u: Ticket.status == SIGNED,
    ),
    Queue(
        "q_replies",
        "balasan-pemohon-baru",
        _l("Balasan pemohon baru"),
        DESK | {AGENT},
        lambda u: (Ticket.reply_unread == True) & _answers_for(u),  # noqa: E712
    ),
    Queue(
        "q_overdue",
        "terlambat",
        _l("Terlambat"),
        EVERYONE,
        lambda u: Ticket.overdue_condition(),
    ),
]
