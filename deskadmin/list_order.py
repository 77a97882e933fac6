"""The order of a ticket list: Flask-Admin's sort, with no value placed the same way on both
back ends and ties broken so that every page of a list agrees with the others.

Many tickets share the sorted value (one due time on the hour, none at all while the clock
waits on the requester or once closed, one status, one agency). Without a last key two plans,
or two pages of one plan, may order them differently, and paging shows a ticket twice or
leaves one out. The ties are broken by the columns the index serving the sort continues with
(`models.ticket.Ticket.Meta.indexes`, migration 0027), so that index is still read in order
and the page stops, then by the ticket's id.
"""

from __future__ import annotations

from models.ticket import Ticket


class TicketListOrder:
    """The order rules of a Flask-Admin peewee list of tickets (a mixin before `ModelView`)."""

    # the columns the index serving a sort continues with: ties broken by them keep that index
    # read in order instead of sorting a whole status's tickets
    sort_ties = {
        "status": (Ticket.created_at,),
        "due_at": (Ticket.status, Ticket.layanan, Ticket.step, Ticket.assigned_agent),
    }

    def _sort_clause(self, query, joins, sort_field, sort_desc):
        """Flask-Admin's clause for one sorted column, the tickets with no value (no due time
        while the clock waits on the requester or once closed, no agent yet) last when
        ascending and first when descending, on both back ends: PostgreSQL's own order.
        SQLite's is the other way round, and opened the most-urgent-first list on the tickets
        whose clock is stopped. Both still read the due-time indexes in order."""
        query, joins, clause = super()._sort_clause(query, joins, sort_field, sort_desc)
        field = clause.node
        return query, joins, field.desc(nulls="FIRST") if sort_desc else field.asc(nulls="LAST")

    def _order_by(self, query, joins, order):
        """Flask-Admin's order, its ties then broken by `sort_ties` and the ticket's id, in the
        sort's direction: one order for every page of a list, so that while the list does not
        change its pages never show a ticket twice or leave one out."""
        query, joins = super()._order_by(query, joins, order)
        if order:
            field, desc = order[-1]
            if not isinstance(field, str):
                field = field.name if field.model is Ticket else None
            ties = (*self.sort_ties.get(field, ()), Ticket.id)
            query = query.order_by_extend(*(f.desc() if desc else f.asc() for f in ties))
        return query, joins
