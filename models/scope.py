"""Who may see which tickets: one rule, used by the staff views and by the workflow."""

from __future__ import annotations

from peewee import JOIN

from models import prepared
from models.catalog import Layanan, Seksi
from models.staff import ADMIN, AGENT, HELPDESK, KEPALA_BIDANG, KEPALA_SEKSI
from models.ticket import CLOSED, SELESAI, SIGNED, Document, Ticket

# What the requester may download: their own uploads always; the SLA and the BA (current
# version only) once the ticket is Selesai — drafts attached while the agent works stay internal.
REQUESTER_OWN_KINDS = ("persyaratan", "sla_signed", "ba_signed", "lampiran_pesan")
RESULT_KINDS = ("sla", "ba")
RESULTS_VISIBLE = (SELESAI, SIGNED, CLOSED)


def visible_tickets(
    user, query=None, *, layanan=Ticket.layanan, agent=Ticket.assigned_agent, ticket=Ticket.id
):
    """Restrict a Ticket query to what `user` may see.

    admin: every ticket; helpdesk and kepala_bidang: the tickets of their bidang's services;
    kepala_seksi: of their seksi's services; agent: the tickets disposed to them. A user with
    several roles sees the union; a user with none (or inactive) sees nothing. `layanan`,
    `agent`, `ticket`: the columns that carry the ticket's service, agent and id in a query of
    another table that copies them (`models.step_facts`).
    """
    kind, values = scope_rule(user)
    return apply_scope(kind, values, query, layanan=layanan, agent=agent, ticket=ticket)


# The kinds of scope `scope_rule` gives: ALL_TICKETS, NO_TICKET, or a tuple of the rules that
# apply (BIDANG_RULE, SEKSI_RULE, AGENT_RULE), each with one value (bidang id, seksi id, user id).
ALL_TICKETS = "all"
NO_TICKET = "none"
BIDANG_RULE, SEKSI_RULE, AGENT_RULE = "bidang", "seksi", "agent"


def scope_rule(user) -> tuple:
    """(the kind of `user`'s scope, its values): what `visible_tickets` adds to a query, split
    into its shape (the kind: a prepared query's key, `models.prepared`) and the ids it compares
    with (the values, one per rule of the kind, in its order)."""
    roles = user.role_names if user is not None and user.active else set()
    if ADMIN in roles:
        return ALL_TICKETS, ()
    rules, values = [], []
    if roles & {HELPDESK, KEPALA_BIDANG} and user.bidang_id:
        rules.append(BIDANG_RULE)
        values.append(user.bidang_id)
    if KEPALA_SEKSI in roles and user.seksi_id:
        rules.append(SEKSI_RULE)
        values.append(user.seksi_id)
    if AGENT in roles:
        rules.append(AGENT_RULE)
        values.append(user.id)
    if not rules:
        return NO_TICKET, ()
    return tuple(rules), tuple(values)


def apply_scope(
    kind,
    values,
    query=None,
    *,
    layanan=Ticket.layanan,
    agent=Ticket.assigned_agent,
    ticket=Ticket.id,
):
    """Restrict a Ticket query to the scope `scope_rule` gave as (`kind`, `values`); the
    columns as in `visible_tickets`."""
    query = query if query is not None else Ticket.select()
    if kind == ALL_TICKETS:
        return query
    if kind == NO_TICKET:
        return query.where(ticket.is_null(True))  # an empty result, still composable
    conditions = []
    for rule, value in zip(kind, values, strict=True):
        if rule == BIDANG_RULE:
            bidang_services = (
                Layanan.select(Layanan.id).join(Seksi, JOIN.INNER).where(Seksi.bidang == value)
            )
            conditions.append(layanan.in_(bidang_services))
        elif rule == SEKSI_RULE:
            conditions.append(layanan.in_(Layanan.select(Layanan.id).where(Layanan.seksi == value)))
        else:
            conditions.append(agent == value)
    condition = conditions[0]
    for other in conditions[1:]:
        condition |= other
    return query.where(condition)


class _WithoutAgentRule:
    """A user seen without the agent's role: for aggregates the agent has no scope of their own."""

    def __init__(self, user):
        self.id, self.active = user.id, user.active
        self.bidang_id, self.seksi_id = user.bidang_id, user.seksi_id
        self.role_names = set(user.role_names) - {AGENT}


def survey_tickets(user, query):
    """Restrict a query joined to Ticket to the tickets whose satisfaction answers `user` may
    count: as `visible_tickets`, but never through the agent's rule (the answers are anonymous
    to the agent: an agent alone counts nothing, a head who is also an agent counts their
    seksi or bidang)."""
    if user is None or not user.active:
        return query.where(Ticket.id.is_null(True))
    return visible_tickets(_WithoutAgentRule(user), query)


def intake_services(user, query=None):
    """Restrict a Layanan query to the services `user` may enter a request for on behalf of a
    requester: an admin every service, a helpdesk those of their own bidang (so that nobody
    creates a ticket they then cannot see), anyone else none."""
    query = query if query is not None else Layanan.select()
    roles = user.role_names if user is not None and user.active else set()
    if ADMIN in roles:
        return query
    if HELPDESK in roles and user.bidang_id:
        own = (
            Layanan.select(Layanan.id).join(Seksi, JOIN.INNER).where(Seksi.bidang == user.bidang_id)
        )
        return query.where(Layanan.id.in_(own))
    return query.where(Layanan.id.is_null(True))


def can_see(user, ticket_id: int) -> bool:
    return visible_tickets(user, Ticket.select(Ticket.id).where(Ticket.id == ticket_id)).exists()


def ticket_bidang_id(ticket) -> int:
    """The bidang of `ticket`'s service's seksi: from the seksi read with the ticket (the
    ticket page joins it), else read (its SQL compiled once, `models.prepared`)."""
    seksi = ticket.layanan.__rel__.get("seksi")
    if seksi is not None and seksi.id == ticket.layanan.seksi_id:
        return seksi.bidang_id
    row = prepared.first(
        "seksi_bidang",
        lambda seksi_id: Seksi.select(Seksi.bidang).where(Seksi.id == seksi_id).tuples(),
        ticket.layanan.seksi_id,
        keep_plan=True,
    )
    return row[0] if row else None


def requester_documents(ticket) -> tuple[list, list]:
    """(the requester's own uploads, the current SLA and BA they may download now)."""
    own = list(
        Document.select()
        .where(Document.ticket == ticket.id, Document.kind.in_(REQUESTER_OWN_KINDS))
        .order_by(Document.uploaded_at, Document.id)
    )
    results = []
    if ticket.status in RESULTS_VISIBLE:
        results = [d for d in (Document.current(ticket.id, k) for k in RESULT_KINDS) if d]
    return own, results


def requester_may_download(ticket, document) -> bool:
    """Whether the holder of `ticket`'s tracking token may fetch `document` (see above)."""
    if document.ticket_id != ticket.id:
        return False
    if document.kind in REQUESTER_OWN_KINDS:
        return True
    if document.kind in RESULT_KINDS and ticket.status in RESULTS_VISIBLE:
        current = Document.current(ticket.id, document.kind)
        return current is not None and current.id == document.id
    return False
