"""Who may see which tickets: one rule, used by the staff views and by the workflow."""

from __future__ import annotations

from peewee import JOIN

from models.catalog import Layanan, Seksi
from models.staff import ADMIN, AGENT, HELPDESK, KEPALA_BIDANG, KEPALA_SEKSI
from models.ticket import Ticket


def visible_tickets(user, query=None):
    """Restrict a Ticket query to what `user` may see.

    admin: every ticket; helpdesk and kepala_bidang: the tickets of their bidang's services;
    kepala_seksi: of their seksi's services; agent: the tickets disposed to them. A user with
    several roles sees the union; a user with none (or inactive) sees nothing.
    """
    query = query if query is not None else Ticket.select()
    roles = user.role_names if user is not None and user.active else set()
    if ADMIN in roles:
        return query
    conditions = []
    if roles & {HELPDESK, KEPALA_BIDANG} and user.bidang_id:
        bidang_services = (
            Layanan.select(Layanan.id).join(Seksi, JOIN.INNER).where(Seksi.bidang == user.bidang_id)
        )
        conditions.append(Ticket.layanan.in_(bidang_services))
    if KEPALA_SEKSI in roles and user.seksi_id:
        seksi_services = Layanan.select(Layanan.id).where(Layanan.seksi == user.seksi_id)
        conditions.append(Ticket.layanan.in_(seksi_services))
    if AGENT in roles:
        conditions.append(Ticket.assigned_agent == user.id)
    if not conditions:
        return query.where(Ticket.id.is_null(True))  # an empty result, still composable
    condition = conditions[0]
    for other in conditions[1:]:
        condition |= other
    return query.where(condition)


def can_see(user, ticket_id: int) -> bool:
    return visible_tickets(user, Ticket.select(Ticket.id).where(Ticket.id == ticket_id)).exists()


def ticket_bidang_id(ticket) -> int:
    return Seksi.select(Seksi.bidang).where(Seksi.id == ticket.layanan.seksi_id).scalar()
