"""The SOP transitions refused: from every wrong state, for every wrong role, for bad input;
a refused call changes nothing."""

from __future__ import annotations

import pytest

from models import workflow
from models.catalog import RequiredDocument
from models.seed import create_staff_user
from models.ticket import Document, Ticket
from models.uploads import Upload
from models.workflow import WorkflowError
from tests.helpers import PDF_BYTES, STATUSES, new_request, required_uploads, snapshot


def _calls(users, ticket):
    """Each transition as (name, allowed statuses, allowed roles, call(actor))."""
    doc_id = RequiredDocument.for_layanan(ticket.layanan_id).first().id
    token = ticket.tracking_token
    return [
        (
            "verify_complete",
            {"open"},
            {"helpdesk", "admin"},
            lambda a: workflow.verify_complete(a, ticket.id),
        ),
        (
            "verify_incomplete",
            {"open"},
            {"helpdesk", "admin"},
            lambda a: workflow.verify_incomplete(a, ticket.id, [doc_id]),
        ),
        (
            "dispose",
            {"verified"},
            {"helpdesk", "admin"},
            lambda a: workflow.dispose(a, ticket.id, users["agent"].id),
        ),
        (
            "reject",
            {"open", "incomplete", "verified", "assigned", "selesai", "signed"},
            {"helpdesk", "admin"},
            lambda a: workflow.reject(a, ticket.id, "Spam"),
        ),
        (
            "attach_document",
            {"assigned"},
            {"agent"},
            lambda a: workflow.attach_document(a, ticket.id, "sla", Upload("s.pdf", PDF_BYTES)),
        ),
        ("mark_selesai", {"assigned"}, {"agent"}, lambda a: workflow.mark_selesai(a, ticket.id)),
        (
            "close",
            {"signed"},
            {"agent", "helpdesk", "admin"},
            lambda a: workflow.close(a, ticket.id, confirm_wet_ink=True),
        ),
        (
            "complete_documents",
            {"incomplete"},
            None,
            lambda a: workflow.complete_documents(token, [Upload("x.pdf", PDF_BYTES, doc_id)]),
        ),
        (
            "submit_signed",
            {"selesai"},
            None,
            lambda a: workflow.submit_signed(
                token, Upload("s.pdf", PDF_BYTES), Upload("b.pdf", PDF_BYTES)
            ),
        ),
        (
            "withdraw",
            {"open", "incomplete", "verified", "assigned"},
            None,
            lambda a: workflow.withdraw(token, "Tidak diperlukan lagi"),
        ),
        (
            "receive_documents",
            {"incomplete"},
            {"helpdesk", "admin"},
            lambda a: workflow.receive_documents(
                a, ticket.id, [Upload("x.pdf", PDF_BYTES, doc_id)], "letter"
            ),
        ),
        (
            "extend_window",
            {"incomplete"},
            {"helpdesk", "admin"},
            lambda a: workflow.extend_window(a, ticket.id, "Pemohon cuti"),
        ),
        (
            "return_signed",
            {"signed"},
            {"agent", "helpdesk", "admin"},
            lambda a: workflow.return_signed(a, ticket.id, ["sla_signed"], "Belum bertanda tangan"),
        ),
        ("dispute", {"selesai"}, None, lambda a: workflow.dispute(token, "Belum berfungsi")),
    ]


@pytest.mark.parametrize("status", STATUSES)
def test_every_transition_refused_from_wrong_state_changes_nothing(make_ticket, users, status):
    ticket = make_ticket(status)
    for name, allowed, roles, call in _calls(users, ticket):
        if status in allowed:
            continue
        actor = users[sorted(roles)[0]] if roles else None
        before = snapshot(ticket.id)
        with pytest.raises(WorkflowError) as info:
            call(actor)
        assert str(info.value), name
        assert snapshot(ticket.id) == before, name


@pytest.mark.parametrize("status", ["open", "verified", "assigned", "signed"])
def test_every_transition_refused_for_wrong_role_changes_nothing(make_ticket, users, status):
    ticket = make_ticket(status)
    for name, allowed, roles, call in _calls(users, ticket):
        if status not in allowed or roles is None:
            continue
        wrong = [r for r in users if r not in roles] + [None]
        for role in wrong:
            before = snapshot(ticket.id)
            with pytest.raises(WorkflowError, match="tidak berwenang"):
                call(users[role] if role else None)
            assert snapshot(ticket.id) == before, (name, role)


def test_helpdesk_of_another_bidang_and_inactive_users_are_refused(make_ticket, users, db):
    ticket = make_ticket("open")
    outsider, _ = create_staff_user("hd-egov@example.go.id", "Rina", "helpdesk", bidang_code="egov")
    before = snapshot(ticket.id)
    with pytest.raises(WorkflowError, match="tidak berwenang"):
        workflow.verify_complete(outsider, ticket.id)
    helpdesk = users["helpdesk"]
    helpdesk.active = False
    with pytest.raises(WorkflowError, match="tidak berwenang"):
        workflow.verify_complete(helpdesk, ticket.id)
    assert snapshot(ticket.id) == before


def test_other_agent_may_not_act_on_a_ticket_not_theirs(make_ticket, db):
    ticket = make_ticket("assigned")
    other, _ = create_staff_user(
        "agen4@example.go.id", "Eka", "agent", seksi_code="rekayasa-aplikasi"
    )
    with pytest.raises(WorkflowError, match="tidak berwenang"):
        workflow.mark_selesai(other, ticket.id)


def test_submit_refusals_change_nothing(db, users):
    bad = [
        (new_request(requester_nip="12345"), required_uploads(), "NIP"),
        (new_request(requester_email="bukan-email"), required_uploads(), "email"),
        (new_request(layanan_id=99999), required_uploads(), "Layanan"),
        (new_request(perangkat_daerah_id=99999), required_uploads(), "Perangkat Daerah"),
        (new_request(), required_uploads()[:1], "belum dilampirkan"),
        (new_request(), [Upload("surat.pdf", b"MZ\x90\x00 not a pdf")], "bukan PDF"),
        (new_request(), [Upload("besar.pdf", PDF_BYTES + b"0" * (11 * 1024 * 1024))], "besar"),
    ]
    for request, files, message in bad:
        with pytest.raises(WorkflowError, match=message):
            workflow.submit(None, request, files)
    with pytest.raises(WorkflowError, match="tidak berwenang"):
        workflow.submit(users["agent"], new_request(), [], intake_channel="phone")
    with pytest.raises(WorkflowError, match="saluran"):
        workflow.submit(users["helpdesk"], new_request(), [], intake_channel="fax")
    assert Ticket.select().count() == 0 and Document.select().count() == 0


def test_unknown_ticket_and_token(db, users):
    with pytest.raises(WorkflowError, match="tidak ditemukan"):
        workflow.verify_complete(users["admin"], 424242)
    with pytest.raises(WorkflowError, match="Tautan"):
        workflow.submit_signed("x" * 43, Upload("s.pdf", PDF_BYTES), Upload("b.pdf", PDF_BYTES))


def test_available_actions_match_the_rules(make_ticket, users):
    talk = {"post_message", "post_note"}  # the conversation, for whoever may act
    open_ticket = make_ticket("open")
    assert (
        workflow.available_actions(users["helpdesk"], open_ticket)
        == {
            "verify_complete",
            "verify_incomplete",
            "reject",
        }
        | talk
    )
    assert workflow.available_actions(users["kepala_bidang"], open_ticket) == set()
    assigned = make_ticket("assigned")
    agent_assigned = {"attach_document", "generate_ba", "generate_sla", "mark_selesai", "pause"}
    assert workflow.available_actions(users["agent"], assigned) == agent_assigned | talk
    assert workflow.available_actions(users["helpdesk"], assigned) == {"reassign", "reject"} | talk
    signed = make_ticket("signed")
    assert workflow.available_actions(users["agent"], signed) == {"close", "return_signed"} | talk
    assert workflow.available_actions(users["kepala_seksi"], signed) == set()


def test_line_breaks_in_one_line_fields_are_refused(db):
    for field in ("subject", "requester_name", "requester_position", "requester_email"):
        value = "Subdomain\r\nBcc: x@evil.example" if field != "requester_email" else "a@b.id\n"
        with pytest.raises(WorkflowError, match="satu baris"):
            workflow.submit(None, new_request(**{field: value}), required_uploads())
    with pytest.raises(WorkflowError, match="karakter kendali"):
        workflow.submit(None, new_request(description="ok\x00"), required_uploads())
    ticket = workflow.submit(
        None, new_request(description="Baris 1\r\nBaris 2\tok"), required_uploads()
    )
    assert "Baris 2" in ticket.description
    assert Ticket.select().count() == 1


def test_the_buttons_a_page_shows_are_found_without_writing_a_refusal(
    make_ticket, users, monkeypatch
):
    """`available_actions` asks the table of every transition; the ~20 it refuses write no
    message (a ticket page would translate them all for nothing), and it answers as `check`."""
    from models.workflow import base

    ticket = make_ticket("assigned")
    said = []
    monkeypatch.setattr(base, "_", lambda text, **kw: said.append(text) or text)
    for role in ("helpdesk", "agent", "kepala_bidang"):
        actions = workflow.available_actions(users[role], ticket)
        assert said == []
        for action in base.TRANSITIONS:
            if not base.TRANSITIONS[action].sources:
                continue
            try:
                base.check(action, users[role], ticket)
                assert action in actions, (role, action)
            except WorkflowError:
                assert action not in actions, (role, action)
        said.clear()
