"""The transition table is the only rule: for every (state, action, role), an action is offered
by `available_actions` exactly when calling its verb succeeds; a refusal says why (role or
state) and changes nothing. Also: the SOP tables are consistent with each other."""

from __future__ import annotations

import datetime as dt

import pytest

from models import sop, workflow
from models.catalog import RequiredDocument
from models.db import database
from models.seed import create_staff_user
from models.ticket import Document, Ticket
from models.uploads import Upload
from models.workflow.transitions import EVENTS, TRANSITIONS
from tests.helpers import PDF_BYTES, PNG_BYTES, T0, subdomain_service

ROLES = (
    "admin",
    "helpdesk",
    "helpdesk_other_bidang",
    "agent",
    "agent_not_assigned",
    "kepala_bidang",
    "kepala_seksi",
    "requester",
    "system",
)
STATE_OF = {
    "open": "open",
    "incomplete": "incomplete",
    "verified": "verified",
    "assigned": "assigned",
    "selesai": "selesai",
    "signed": "signed",
    "closed": "closed",
    "menunggu_pemohon": "menunggu_pemohon",
}
FAR_FUTURE = dt.datetime(2030, 1, 1)


@pytest.fixture
def actors(db, users):
    """Every kind of actor the table knows, staff and not."""
    other_helpdesk, _ = create_staff_user(
        "helpdesk.egov@example.go.id", "Helpdesk E-Gov", "helpdesk", "egov"
    )
    other_agent, _ = create_staff_user(
        "agen2@example.go.id", "Agen Kedua", "agent", seksi_code="rekayasa-aplikasi"
    )
    return {
        **users,
        "helpdesk_other_bidang": other_helpdesk,
        "agent_not_assigned": other_agent,
        "requester": workflow.REQUESTER_ACTOR,
        "system": workflow.SYSTEM_ACTOR,
    }


def _ticket_in(state, make_ticket, users):
    ticket = make_ticket("assigned" if state == "menunggu_pemohon" else state)
    if state in ("assigned", "menunggu_pemohon"):  # Selesai's own precondition: SLA and BA
        workflow.attach_document(users["agent"], ticket.id, "sla", Upload("s.pdf", PDF_BYTES))
        workflow.attach_document(users["agent"], ticket.id, "ba", Upload("b.pdf", PDF_BYTES))
    if state == "menunggu_pemohon":
        workflow.pause(users["agent"], ticket.id, "Nama subdomain yang diinginkan?")
    return Ticket.get_by_id(ticket.id)


def _call(action, actor, ticket, actors):
    """Call the verb behind `action` as `actor` with values it accepts; the requester's and
    the system's verbs take no staff actor (None: not callable by this actor at all)."""
    t = ticket
    missing = t.missing_document_ids
    docs = RequiredDocument.for_layanan(t.layanan_id)
    staff_calls = {
        "verify_complete": lambda: workflow.verify_complete(actor, t.id),
        "verify_incomplete": lambda: workflow.verify_incomplete(actor, t.id, [docs.first().id]),
        "dispose": lambda: workflow.dispose(actor, t.id, actors["agent"].id),
        "reassign": lambda: workflow.reassign(actor, t.id, actors["agent_not_assigned"].id),
        "attach_document": lambda: workflow.attach_document(
            actor, t.id, "sla", Upload("v2.pdf", PDF_BYTES + b"2")
        ),
        "generate_ba": lambda: workflow.prepare_berita_acara(actor, t.id, "Subdomain dibuat."),
        "generate_sla": lambda: workflow.prepare_sla(actor, t.id),
        "mark_selesai": lambda: workflow.mark_selesai(actor, t.id),
        "close": lambda: workflow.close(actor, t.id, confirm_wet_ink=True),
        "reject": lambda: workflow.reject(actor, t.id, "Duplikat"),
        "receive_documents": lambda: workflow.receive_documents(
            actor,
            t.id,
            [Upload("surat.pdf", PDF_BYTES + b"s", i) for i in missing]
            or [Upload("surat.pdf", PDF_BYTES)],
            "letter",
        ),
        "extend_window": lambda: workflow.extend_window(actor, t.id, "Pemohon sedang dinas luar"),
        "return_signed": lambda: workflow.return_signed(
            actor, t.id, ["ba_signed"], "Belum ditandatangani"
        ),
        "post_message": lambda: workflow.post_message(actor, t.id, "Mohon konfirmasi."),
        "post_note": lambda: workflow.post_note(actor, t.id, "Catatan untuk rekan."),
        "pause": lambda: workflow.pause(actor, t.id, "Nama subdomain?"),
        "resume": lambda: workflow.resume(actor, t.id),
    }
    requester_calls = {
        "complete_documents": lambda: workflow.complete_documents(
            t.tracking_token,
            [Upload("x.pdf", PDF_BYTES + b"x", i) for i in missing] or [Upload("x.pdf", PDF_BYTES)],
        ),
        "submit_signed": lambda: workflow.submit_signed(
            t.tracking_token, Upload("s.pdf", PDF_BYTES), Upload("b.png", PNG_BYTES)
        ),
        "withdraw": lambda: workflow.withdraw(t.tracking_token, "Sudah tidak diperlukan"),
        "dispute": lambda: workflow.dispute(t.tracking_token, "Subdomain belum bisa diakses"),
        "reply": lambda: workflow.reply(t.tracking_token, "Terima kasih."),
        "answer_pause": lambda: workflow.answer_question(t.tracking_token, "dinas.jabarprov.go.id"),
    }
    if action in staff_calls:
        return staff_calls[action]
    if action in requester_calls:
        return requester_calls[action] if actor is workflow.REQUESTER_ACTOR else None
    if action == "expire":
        if actor is not workflow.SYSTEM_ACTOR:
            return None

        def expire():
            if workflow.expire(t.id, now=FAR_FUTURE) is None:
                raise workflow.WorkflowError("not expired", workflow.WorkflowError.STATE)

        return expire
    raise AssertionError(f"the test has no call for {action}; add one")


@pytest.mark.parametrize("state", list(STATE_OF))
def test_an_action_is_offered_exactly_when_it_succeeds(state, db, make_ticket, users, actors):
    ticket = _ticket_in(state, make_ticket, users)
    assert ticket.status == state
    mismatches = []
    for action, transition in TRANSITIONS.items():
        if not transition.sources:
            continue  # submit creates a ticket: tested with the intake
        for role in ROLES:
            actor = actors[role]
            fresh = Ticket.get_by_id(ticket.id)
            offered = action in workflow.available_actions(actor, fresh)
            call = _call(action, actor, fresh, actors)
            with database.atomic() as txn:
                if call is None:
                    succeeded, kind = False, None
                else:
                    try:
                        call()
                        succeeded, kind = True, None
                    except workflow.WorkflowError as exc:
                        succeeded, kind = False, exc.kind
                after = Ticket.get_by_id(ticket.id)
                txn.rollback()
            if offered != succeeded:
                mismatches.append((action, role, offered, succeeded, kind))
            if succeeded:
                target = transition.target or state
                assert after.status == target, (action, role)
                assert after.version == fresh.version + 1 or transition.target is None
            elif call is not None:
                assert kind in ("role", "state"), (action, role, kind)
                assert Ticket.get_by_id(ticket.id).version == fresh.version  # nothing changed
    assert mismatches == []


def test_every_state_has_a_way_out_and_every_target_exists():
    """No dead end but `closed`; every transition leads to a state of the state table."""
    for code, state in sop.STATES.items():
        leaving = [t for t in TRANSITIONS.values() if code in t.sources and t.target]
        assert bool(leaving) != state.final, code
    for t in TRANSITIONS.values():
        assert t.target is None or t.target in sop.STATES
        assert t.sources <= set(sop.STATES)
        assert t.event in EVENTS or f"{t.event}_sla" in EVENTS, t.action
        assert t.partial is None or t.partial in EVENTS, t.action


def test_every_waiting_state_has_exactly_one_step_with_a_due_rule(db):
    for code, state in sop.STATES.items():
        step = sop.step_for_status(code)
        if state.final:
            assert step is None
            continue
        assert step is not None, code
        if isinstance(step.due_rule, sop.StoppedClock):  # paused: nothing falls due
            assert step.due(T0, _layanan()) is None and not step.mutu_baku, code
            continue
        assert step.due(T0, _layanan()) > T0, code
    numbers = [s.number for s in sop.STEPS]
    assert sorted(set(numbers)) == [1, 2, 3, 4, 5, 6, 7]
    assert sop.MUTU_BAKU_NUMBERS == (3, 4, 5, 6, 7)


def _layanan():
    return subdomain_service()


def test_due_times_come_from_the_step_table(db, make_ticket):
    """The ticket's due time is the due rule of the step its state waits on."""
    for state in ("open", "incomplete", "verified", "assigned"):
        ticket = make_ticket(state, now=T0)
        step = sop.step_for_status(state)
        assert ticket.step == step.number
        assert ticket.due_at == step.due(T0, ticket.layanan), state


def test_a_refusal_says_why_and_pages_answer_its_status(db, make_ticket, users):
    ticket = make_ticket("open")
    with pytest.raises(workflow.WorkflowError) as role:
        workflow.verify_complete(users["agent"], ticket.id)
    assert role.value.kind == "role" and role.value.http_status == 403
    with pytest.raises(workflow.WorkflowError) as state:
        workflow.dispose(users["helpdesk"], ticket.id, users["agent"].id)
    assert state.value.kind == "state" and state.value.http_status == 409
    stale = Ticket.get_by_id(ticket.id)
    workflow.verify_complete(users["helpdesk"], ticket.id)
    with pytest.raises(workflow.WorkflowError) as conflict:
        # a stale copy: same status on paper, but the version moved on
        Ticket.update(status="open").where(Ticket.id == ticket.id).execute()
        from models.workflow.base import transition

        with database.atomic():
            transition(stale, users["helpdesk"], "verify_complete", T0)
    assert conflict.value.kind == "stale" and conflict.value.http_status == 409
    with pytest.raises(workflow.WorkflowError) as missing:
        workflow.verify_complete(users["helpdesk"], 10**6)
    assert missing.value.kind == "not_found" and missing.value.http_status == 404


def test_labels_of_history_entries_come_from_the_event_table(db, make_ticket):
    ticket = make_ticket("closed")
    for event in ticket.events:
        assert event.action in EVENTS, event.action
    assert Document.select().where(Document.ticket == ticket.id).count() > 0


@pytest.mark.parametrize("state", ["incomplete", "assigned", "selesai", "closed"])
def test_tracking_page_reads_the_state_and_step_tables(state, client, make_ticket):
    ticket = make_ticket(state)
    html = client.get(f"/lacak/{ticket.tracking_token}").get_data(as_text=True)
    assert str(sop.STATES[state].public) in html
    step = sop.step_for_status(state)
    if step is None:
        assert "paling lambat" not in html and "Target tahap ini" not in html
    else:
        assert str(step.due_wording or "Target tahap ini selesai") in html
    forms = {"incomplete": "/dokumen", "selesai": "/balasan"}
    for other, path in forms.items():
        assert (f"{ticket.tracking_token}{path}" in html) == (other == state)


def test_staff_page_names_steps_and_buttons_from_the_tables(client, login_as, make_ticket):
    ticket = make_ticket("verified")
    login_as("helpdesk")
    html = client.get(f"/admin/tiket/details/?id={ticket.id}").get_data(as_text=True)
    assert str(sop.mutu_baku_step(4).title) in html  # the current step
    assert str(sop.mutu_baku_step(3).title) in html  # the step row that ended
    assert f">{TRANSITIONS['dispose'].label}</button>" in html
    assert "btn-verify-complete" not in html  # not offered in this state


def test_overdue_reminder_names_the_step_and_its_standard(db, make_ticket, outbox):
    from tasks.reminders import send_reminders

    make_ticket("verified", now=T0)
    counts = send_reminders(now=T0 + dt.timedelta(days=1))
    assert counts["reminder_overdue"] == 1 and counts["reminder_escalation"] == 0
    (mail,) = [m for m in outbox if "Pengingat" in m.subject]
    step = sop.mutu_baku_step(4)
    assert f"{step.title} (mutu baku: {step.standard})" in mail.body
    assert "Helpdesk Bidang segera" in mail.body  # the step's owner, from the table
