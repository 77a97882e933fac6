"""The conversation on a ticket, and step 5's clock paused while the agent waits for an answer.

Every message, note and reply is one append-only history entry (`TicketEvent`) with its author,
its time and its text: a message to the requester and the requester's replies are public (the
tracking page, and an email with the text and the link), an internal note is not (staff pages
only: no email, no tracking page, no document, no export).

The pause ("menunggu informasi pemohon"): the assigned agent asks the requester a question; the
ticket waits in `menunggu_pemohon`, step 5's row stays open with `paused_at`, and nothing falls
due. The requester's answer, or the agent ("lanjutkan"), resumes it: the step's due time moves
by exactly the working time it was paused (`calendar.working_time_between`), which the
compliance report therefore counts out.
"""

from __future__ import annotations

from flask_babel import gettext as _

from models.calendar import calendar
from models.db import locked, utcnow, write_transaction
from models.outbox import notify
from models.sop import AGENT, HELPDESK, PAUSED, step_for_status
from models.staff import User
from models.ticket import Ticket, TicketStep
from models.workflow.base import (
    WorkflowError,
    _check_files,
    _event,
    _put_files,
    _store_documents,
    check,
    transition,
)
from models.workflow.transitions import DESK, REQUESTER_ACTOR, actor_fits

BODY_MAX = 5000
ATTACHMENT_KIND = "lampiran_pesan"
MAX_ATTACHMENTS = 5


def _body(text: str, what) -> str:
    text = (text or "").strip()
    if not text:
        raise WorkflowError(_("Tuliskan %(what)s.", what=what))
    if len(text) > BODY_MAX:
        raise WorkflowError(_("Teks terlalu panjang (maksimal %(n)d karakter).", n=BODY_MAX))
    return text


def _load_locked(ticket_id=None, token=None) -> Ticket:
    """The ticket, its row locked until the transaction ends (PostgreSQL; SQLite's write
    transaction holds the database already): a message and a concurrent close are serialised,
    and two writers of messages never make each other's call stale."""
    if token is not None:
        found = Ticket.by_token(token)
        if found is None:
            raise WorkflowError(_("Tautan pelacakan tidak dikenal."), WorkflowError.NOT_FOUND)
        ticket_id = found.id
    ticket = locked(Ticket.select().where(Ticket.id == ticket_id)).first()
    if ticket is None:
        raise WorkflowError(_("Tiket tidak ditemukan."), WorkflowError.NOT_FOUND)
    return ticket


def answering_staff(ticket) -> dict:
    """Who answers for the ticket's current step (the step table's owner): the bidang's
    helpdesk before disposition, the assigned agent after; where the requester owns the step,
    the same rule by whether an agent is assigned. As `notify` arguments."""
    step = step_for_status(ticket.status)
    owner = step.owner if step is not None else None
    if owner == HELPDESK or (owner != AGENT and ticket.assigned_agent_id is None):
        return {"staff": ("helpdesk",)}
    return {"staff": ("agent",), "user": User.get_or_none(User.id == ticket.assigned_agent_id)}


def answers_for_step(user, ticket) -> bool:
    """Whether `user` is among the staff who answer for the ticket's current step (reading
    the ticket clears its unread-reply marker): the assigned agent once there is one, else the
    bidang's helpdesk or an admin."""
    if "agent" in answering_staff(ticket)["staff"]:
        return user is not None and user.active and user.id == ticket.assigned_agent_id
    return actor_fits(DESK, user, ticket)


def post_message(actor, ticket_id, body: str, files=(), *, now=None):
    """Staff who may act on the ticket (its bidang's helpdesk, an admin, the assigned agent)
    write a message to the requester while the ticket is not closed, optionally with files
    under the upload rules (the requester may download them): a public history entry, and an
    email to the requester with the text and the tracking link."""
    now = now or utcnow()
    body = _body(body, _("pesan untuk pemohon"))
    with _put_files(_checked_attachments(files)) as stored, write_transaction():
        ticket = _load_locked(ticket_id)
        t = check("post_message", actor, ticket)
        body = _with_attachments(
            body, _store_documents(ticket, stored, ATTACHMENT_KIND, actor, now)
        )
        event = _event(ticket, actor, t.event, body, now=now, public=True)
        notify(ticket, event, "message", requester=True)
    return event


def _checked_attachments(files) -> list:
    checked = _check_files(list(files or ()))
    if len(checked) > MAX_ATTACHMENTS:
        raise WorkflowError(_("Lampiran paling banyak %(n)d berkas.", n=MAX_ATTACHMENTS))
    return checked


def _with_attachments(body: str, docs) -> str:
    """The text of a message or reply, naming its files (the history keeps which came with it)."""
    if not docs:
        return body
    names = ", ".join(d.filename for d in docs)
    return f"{body}\n\n{_('Lampiran: %(names)s', names=names)}"


def post_note(actor, ticket_id, body: str, *, now=None):
    """Staff who may act on the ticket write an internal note, in any state (closed too): a
    history entry seen by staff only, which reaches no requester's page, email or document."""
    now = now or utcnow()
    body = _body(body, _("catatan internal"))
    with write_transaction():
        ticket = _load_locked(ticket_id)
        t = check("post_note", actor, ticket)
        event = _event(ticket, actor, t.event, body, now=now, public=False)
    return event


def _requester_writes(action: str, token: str, body: str, files, now):
    body = _body(body, _("balasan Anda"))
    with _put_files(_checked_attachments(files)) as stored, write_transaction():
        ticket = _load_locked(token=token)
        t = check(action, REQUESTER_ACTOR, ticket)
        changes = {"reply_unread": True, "last_reply_at": now}
        if t.target is not None:  # the answer to a question: the paused clock runs again
            changes["due_at"], _paused = _pause_bookkeeping(ticket, now)
        body = _with_attachments(body, _store_documents(ticket, stored, ATTACHMENT_KIND, None, now))
        from_status = transition(ticket, REQUESTER_ACTOR, t.action, now, keep_step=True, **changes)
        event = _event(
            ticket,
            None,
            t.event,
            body,
            from_status=from_status,
            to_status=ticket.status,
            now=now,
        )
        notify(ticket, event, "requester_reply", **answering_staff(ticket))
    return ticket


def reply(token: str, body: str, files=(), *, now=None) -> Ticket:
    """The requester replies from the tracking page while the ticket is not closed (and not
    waiting for their answer: that is `answer_question`), with text and optionally files under
    the upload rules. The reply is marked unread; the staff who answer for the current step get
    an email."""
    return _requester_writes("reply", token, body, files, now or utcnow())


def _pause_bookkeeping(ticket, now) -> tuple:
    """Resume step 5's open row: the working time paused, and the due time moved by it."""
    row = (
        TicketStep.select()
        .where(TicketStep.ticket == ticket.id, TicketStep.ended_at.is_null(True))
        .order_by(TicketStep.id.desc())
        .first()
    )
    paused = calendar.working_time_between(row.paused_at, now)
    due = calendar.add_working_time(row.due_at, paused) if paused else row.due_at
    TicketStep.update(
        paused_at=None,
        due_at=due,
        paused_seconds=TicketStep.paused_seconds + int(paused.total_seconds()),
    ).where(TicketStep.id == row.id).execute()
    return due, paused


def answer_question(token: str, body: str, files=(), *, now=None) -> Ticket:
    """The requester answers the agent's question while the clock is paused: a reply (as
    `reply`), and the work resumes (back to `assigned`, the due time moved by the paused
    working time)."""
    return _requester_writes("answer_pause", token, body, files, now or utcnow())


def requester_reply(token: str, body: str, files=(), *, now=None) -> Ticket:
    """What the tracking page's one form does: the answer while the agent waits for it, a reply
    otherwise. If the agent resumed the work in the meantime, the text is still kept, as a
    reply."""
    ticket = Ticket.by_token(token)
    if ticket is not None and ticket.status == PAUSED:
        try:
            return answer_question(token, body, files, now=now)
        except WorkflowError as exc:
            if exc.kind != WorkflowError.STATE:
                raise
    return reply(token, body, files, now=now)


def pause(actor, ticket_id, question: str, *, now=None) -> Ticket:
    """The assigned agent asks the requester a question during step 5 and the clock stops:
    `menunggu_pemohon`, step 5's row stays open with `paused_at`, no due time runs. The question
    is a public history entry; the requester gets it by email with the tracking link."""
    now = now or utcnow()
    question = _body(question, _("pertanyaan untuk pemohon"))
    with write_transaction():
        ticket = _load_locked(ticket_id)
        t = check("pause", actor, ticket)
        TicketStep.update(paused_at=now).where(
            TicketStep.ticket == ticket.id, TicketStep.ended_at.is_null(True)
        ).execute()
        from_status = transition(ticket, actor, t.action, now, keep_step=True, due_at=None)
        event = _event(
            ticket, actor, t.event, question, from_status=from_status, to_status=t.target, now=now
        )
        notify(ticket, event, "question", requester=True)
    return ticket


def resume(actor, ticket_id, note: str = "", *, now=None) -> Ticket:
    """The assigned agent resumes the work without an answer ("lanjutkan"): back to
    `assigned`, step 5's due time moved by exactly the paused working time."""
    now = now or utcnow()
    with write_transaction():
        ticket = _load_locked(ticket_id)
        t = check("resume", actor, ticket)
        due, paused = _pause_bookkeeping(ticket, now)
        from_status = transition(ticket, actor, t.action, now, keep_step=True, due_at=due)
        minutes = int(paused.total_seconds() // 60)
        text = _("Waktu dijeda %(h)d jam %(m)d menit kerja.", h=minutes // 60, m=minutes % 60)
        _event(
            ticket,
            actor,
            t.event,
            " ".join(x for x in (text, (note or "").strip()) if x),
            from_status=from_status,
            to_status=t.target,
            now=now,
        )
    return ticket


def mark_replies_read(user, ticket_id) -> bool:
    """Clear the unread-reply marker when a staff member who answers for the ticket's current
    step opens it; anyone else leaves it. Not a transition: no version, no history entry.
    Returns whether it was cleared."""
    ticket = Ticket.get_or_none(Ticket.id == ticket_id)
    if ticket is None or not ticket.reply_unread or not answers_for_step(user, ticket):
        return False
    return bool(
        Ticket.update(reply_unread=False)
        .where(Ticket.id == ticket_id, Ticket.reply_unread == True)  # noqa: E712
        .execute()
    )


__all__ = [
    "answer_question",
    "answering_staff",
    "answers_for_step",
    "mark_replies_read",
    "pause",
    "post_message",
    "post_note",
    "reply",
    "requester_reply",
    "resume",
]
