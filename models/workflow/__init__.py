"""The SOP, transition by transition: the only code that changes a ticket's status.

Every public function takes the acting staff user (or, for the requester, the ticket's private
token) and plain values; checks the role, the scope and the state; applies its change as one
conditional UPDATE on the ticket's expected version inside a write transaction, so that of two
concurrent calls exactly one succeeds; writes one TicketEvent; and writes the outbox rows of the
SPEC's notification table in the same transaction. A refused call raises `WorkflowError` with a
message fit to show a person, and changes nothing.

By SOP phase: `intake` (steps 2-3: submit, verification, missing documents, the lost link),
`fulfilment` (steps 4-6: disposition, SLA and Berita Acara, Selesai, signed copies), `closing`
(step 7, rejection, expiry); `base` holds the mechanics they share (checks, the conditional
update, history, steps, due times). Callers import this package only.
"""

from models.ticket import ASSIGNED, OPEN, SIGNED, VERIFIED, Ticket
from models.workflow.base import (
    REQUESTER_LABEL,
    SYSTEM_LABEL,
    NewRequest,
    WorkflowError,
    _require_assigned_agent,
    _require_helpdesk,
    due_time,
)
from models.workflow.closing import close, expire, expire_overdue, reject
from models.workflow.fulfilment import (
    BA_WORK_DONE_MAX,
    attach_document,
    dispose,
    mark_selesai,
    prepare_berita_acara,
    reassign,
    submit_signed,
)
from models.workflow.intake import (
    complete_documents,
    resend_tracking_link,
    submit,
    verify_complete,
    verify_incomplete,
)

__all__ = [
    "BA_WORK_DONE_MAX",
    "REQUESTER_LABEL",
    "SYSTEM_LABEL",
    "NewRequest",
    "WorkflowError",
    "attach_document",
    "available_actions",
    "close",
    "complete_documents",
    "dispose",
    "due_time",
    "expire",
    "expire_overdue",
    "mark_selesai",
    "prepare_berita_acara",
    "reassign",
    "reject",
    "resend_tracking_link",
    "submit",
    "submit_signed",
    "verify_complete",
    "verify_incomplete",
]

# --- what a user may do now ---------------------------------------------------------------------


def available_actions(actor, ticket: Ticket) -> set[str]:
    """The staff actions `actor` may take on `ticket` now (the buttons a page should show),
    by the same rules the transitions enforce.
    """
    actions = set()
    helpdesk = assigned = False
    try:
        _require_helpdesk(actor, ticket)
        helpdesk = True
    except WorkflowError:
        pass
    try:
        _require_assigned_agent(actor, ticket)
        assigned = True
    except WorkflowError:
        pass
    status = ticket.status
    if helpdesk and status == OPEN:
        actions |= {"verify_complete", "verify_incomplete", "reject"}
    if helpdesk and status == VERIFIED:
        actions.add("dispose")
    if helpdesk and status == ASSIGNED:
        actions.add("reassign")
    if assigned and status == ASSIGNED:
        actions |= {"attach_document", "generate_ba", "mark_selesai"}
    if (helpdesk or assigned) and status == SIGNED:
        actions.add("close")
    return actions
