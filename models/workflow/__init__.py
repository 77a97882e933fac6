"""The SOP, transition by transition: the only code that changes a ticket's status.

Every public function takes the acting staff user (or, for the requester, the ticket's private
token) and plain values; checks the role, the scope and the state; applies its change as one
conditional UPDATE on the ticket's expected version inside a write transaction, so that of two
concurrent calls exactly one succeeds; writes one TicketEvent; and writes the outbox rows of the
SPEC's notification table in the same transaction. A refused call raises `WorkflowError` with a
message fit to show a person, and changes nothing.

By SOP phase: `intake` (steps 2-3: submit, verification, missing documents, the lost link),
`fulfilment` (steps 4-6: disposition, SLA and Berita Acara, Selesai, signed copies), `closing`
(step 7, rejection, expiry), `exceptions` (withdrawal, documents by another channel, one more
month, a returned signed copy, a disputed result), `conversation` (messages, internal notes, the
requester's replies, step 5's clock paused and resumed); `base` holds the mechanics they share
(checks, the conditional update, history, steps, due times); `transitions` is the table every
verb checks itself against (states from and to, the role rule) and from which
`available_actions` is derived. The
states and the SOP steps themselves are tables in `models.sop`. Callers import this package
only.
"""

from __future__ import annotations

from models.scope import ticket_bidang_id
from models.workflow.base import (
    REQUESTER_LABEL,
    SYSTEM_LABEL,
    NewRequest,
    WorkflowError,
    allowed,
    check,
    due_time,
)
from models.workflow.closing import close, expire, expire_overdue, reject
from models.workflow.conversation import (
    answer_question,
    mark_replies_read,
    pause,
    post_message,
    post_note,
    reply,
    requester_reply,
    resume,
)
from models.workflow.exceptions import (
    REASON_MAX,
    dispute,
    extend_window,
    receive_documents,
    return_signed,
    withdraw,
)
from models.workflow.fulfilment import (
    BA_WORK_DONE_MAX,
    attach_document,
    dispose,
    mark_selesai,
    prepare_berita_acara,
    prepare_sla,
    reassign,
    submit_signed,
)
from models.workflow.intake import (
    complete_documents,
    helpdesk_note,
    resend_tracking_link,
    submit,
    verify_complete,
    verify_incomplete,
)
from models.workflow.signed_copies import unconfirmed_wet_ink
from models.workflow.transitions import (
    EVENTS,
    REQUESTER_ACTOR,
    SYSTEM_ACTOR,
    TRANSITIONS,
    event_label,
    public_event_label,
)

__all__ = [
    "BA_WORK_DONE_MAX",
    "EVENTS",
    "REASON_MAX",
    "REQUESTER_ACTOR",
    "REQUESTER_LABEL",
    "SYSTEM_ACTOR",
    "SYSTEM_LABEL",
    "TRANSITIONS",
    "NewRequest",
    "WorkflowError",
    "allowed",
    "answer_question",
    "attach_document",
    "available_actions",
    "check",
    "close",
    "complete_documents",
    "dispose",
    "dispute",
    "due_time",
    "event_label",
    "expire",
    "expire_overdue",
    "extend_window",
    "mark_replies_read",
    "helpdesk_note",
    "mark_selesai",
    "pause",
    "post_message",
    "post_note",
    "prepare_berita_acara",
    "prepare_sla",
    "public_event_label",
    "reassign",
    "receive_documents",
    "reject",
    "reply",
    "requester_reply",
    "resend_tracking_link",
    "return_signed",
    "resume",
    "submit",
    "submit_signed",
    "unconfirmed_wet_ink",
    "verify_complete",
    "verify_incomplete",
    "withdraw",
]


def available_actions(actor, ticket) -> set[str]:
    """The actions `actor` (a staff user, `REQUESTER_ACTOR` or `SYSTEM_ACTOR`) may take on
    `ticket` now: every row of the transition table whose role rule and source states allow
    it (the buttons a page shows). Checks beyond role and state (an SLA attached before
    Selesai, a deadline passed before expiry) are the verb's, and refuse with a message."""
    bidang_id = ticket_bidang_id(ticket)
    fits: dict = {}  # each role rule answered once for the whole table
    return {
        action
        for action, t in TRANSITIONS.items()
        if t.sources and allowed(action, actor, ticket, bidang_id=bidang_id, fits=fits)
    }
