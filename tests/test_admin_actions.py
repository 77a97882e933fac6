"""Staff side, the SOP's actions through HTTP (issue #4): each action and its refusals, the
buttons shown, the bulk disposition, document downloads (the on-behalf entry:
tests/test_admin_onbehalf.py)."""

from __future__ import annotations

import io
import re

import pytest

from models import workflow
from models.catalog import RequiredDocument
from models.seed import create_staff_user
from models.ticket import Document, Ticket
from models.uploads import Upload
from tests.helpers import PDF_BYTES, PNG_BYTES, T0, snapshot

pytestmark = pytest.mark.csrf_off  # forms are posted without their token


def act(client, ticket, action, **data):
    return client.post(f"/admin/tiket/{ticket.id}/aksi/{action}", data=data)


def page(client, ticket):
    response = client.get(f"/admin/tiket/details/?id={ticket.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def buttons(html):
    return set(re.findall(r"/aksi/(\w+)", html))


def refused(response, status, message, ticket, before):
    assert response.status_code == status
    assert message in response.get_data(as_text=True)
    assert snapshot(ticket.id) == before


def test_buttons_follow_available_actions(client, login_as, make_ticket):
    opened, assigned, signed = make_ticket("open"), make_ticket("assigned"), make_ticket("signed")
    talk = {"post_message", "post_note"}  # the conversation, for whoever may act
    login_as("helpdesk")
    assert (
        buttons(page(client, opened)) == {"verify_complete", "verify_incomplete", "reject"} | talk
    )
    assert buttons(page(client, assigned)) == {"reassign", "reject"} | talk
    assert buttons(page(client, signed)) == {"close", "return_signed", "reject"} | talk
    login_as("agent")
    agent_assigned = {"attach_document", "generate_ba", "generate_sla", "mark_selesai", "pause"}
    assert buttons(page(client, assigned)) == agent_assigned | talk
    assert buttons(page(client, signed)) == {"close", "return_signed"} | talk


def test_verify_complete(client, login_as, make_ticket):
    ticket = make_ticket("open")
    login_as("helpdesk")
    response = act(client, ticket, "verify_complete", note="Lengkap semua")
    assert response.status_code == 303
    assert Ticket.get_by_id(ticket.id).status == "verified"
    assert "Dokumen dinyatakan lengkap" in page(client, ticket)
    before = snapshot(ticket.id)  # a second click on a stale page: the workflow's message
    refused(act(client, ticket, "verify_complete"), 409, "Menunggu disposisi", ticket, before)


def test_verify_incomplete_with_checklist_and_its_refusal(client, login_as, make_ticket):
    ticket = make_ticket("open")
    first = RequiredDocument.for_layanan(ticket.layanan_id).first()
    login_as("helpdesk")
    before = snapshot(ticket.id)
    refused(
        act(client, ticket, "verify_incomplete"),
        400,
        "Pilih dokumen yang kurang atau tuliskan catatan.",
        ticket,
        before,
    )
    response = act(client, ticket, "verify_incomplete", missing=[first.id], note="Tanpa stempel")
    assert response.status_code == 303
    changed = Ticket.get_by_id(ticket.id)
    assert changed.status == "incomplete" and changed.missing_document_ids == [first.id]
    assert first.name in page(client, ticket)


def test_reject_requires_a_reason(client, login_as, make_ticket):
    ticket = make_ticket("open")
    login_as("helpdesk")
    before = snapshot(ticket.id)
    refused(
        act(client, ticket, "reject", reason="  "),
        400,
        "Tuliskan alasan penolakan.",
        ticket,
        before,
    )
    assert act(client, ticket, "reject", reason="Duplikat SD-2026-000009").status_code == 303
    closed = Ticket.get_by_id(ticket.id)
    assert (closed.status, closed.close_reason) == ("closed", "rejected")


def test_dispose_offers_the_seksi_agents_and_refuses_others(client, login_as, make_ticket, users):
    ticket = make_ticket("verified")
    outsider, _ = create_staff_user(
        "agen.lain@example.go.id", "Agen Seksi Lain", "agent", seksi_code="pengelolaan-aplikasi"
    )
    login_as("helpdesk")
    html = page(client, ticket)
    assert users["agent"].name in html and "Agen Seksi Lain" not in html
    before = snapshot(ticket.id)
    refused(
        act(client, ticket, "dispose", agent=outsider.id),
        400,
        "Petugas harus berasal dari seksi pemilik layanan ini.",
        ticket,
        before,
    )
    refused(act(client, ticket, "dispose", agent="x"), 400, "bukan agen aktif", ticket, before)
    assert act(client, ticket, "dispose", agent=users["agent"].id, note="Segera").status_code == 303
    assert Ticket.get_by_id(ticket.id).assigned_agent_id == users["agent"].id


def test_reassign(client, login_as, make_ticket, users):
    ticket = make_ticket("assigned")
    second, _ = create_staff_user(
        "agen2@example.go.id", "Agen Kedua", "agent", seksi_code="rekayasa-aplikasi"
    )
    login_as("helpdesk")
    before = snapshot(ticket.id)
    refused(
        act(client, ticket, "reassign", agent=users["agent"].id),
        400,
        "Tiket sudah ditangani petugas tersebut.",
        ticket,
        before,
    )
    assert act(client, ticket, "reassign", agent=second.id).status_code == 303
    assert Ticket.get_by_id(ticket.id).assigned_agent_id == second.id


def upload(data, name):
    return (io.BytesIO(data), name)


def test_attach_mark_selesai_and_their_refusals(client, login_as, make_ticket):
    ticket = make_ticket("assigned")
    login_as("agent")
    before = snapshot(ticket.id)
    refused(
        act(client, ticket, "mark_selesai"),
        400,
        "Lampirkan dahulu SLA dan Berita Acara",
        ticket,
        before,
    )
    refused(act(client, ticket, "attach_document", kind="sla"), 400, "Pilih berkas", ticket, before)
    refused(
        act(client, ticket, "attach_document", kind="sla", file=upload(b"halo", "sla.pdf")),
        400,
        "bukan PDF, JPEG atau PNG",
        ticket,
        before,
    )
    sla = act(client, ticket, "attach_document", kind="sla", file=upload(PDF_BYTES, "sla.pdf"))
    assert sla.status_code == 303
    assert Document.current(ticket.id, "sla").filename == "sla.pdf"
    before = snapshot(ticket.id)
    refused(
        act(client, ticket, "mark_selesai"), 400, "Lampirkan dahulu Berita Acara", ticket, before
    )
    ba = act(client, ticket, "attach_document", kind="ba", file=upload(PNG_BYTES, "ba.png"))
    assert ba.status_code == 303
    assert act(client, ticket, "mark_selesai", note="Subdomain aktif").status_code == 303
    assert Ticket.get_by_id(ticket.id).status == "selesai"


def test_close_only_once_signed(client, login_as, make_ticket):
    selesai, signed = make_ticket("selesai"), make_ticket("signed")
    login_as("helpdesk")
    before = snapshot(selesai.id)
    refused(act(client, selesai, "close"), 409, "tindakan ini hanya untuk", selesai, before)
    login_as("agent")
    assert act(client, signed, "close", note="Terima kasih", confirm_wet_ink="1").status_code == 303
    closed = Ticket.get_by_id(signed.id)
    assert (closed.status, closed.close_reason) == ("closed", "fulfilled")


def test_unknown_action_is_404(client, login_as, make_ticket):
    ticket = make_ticket("open")
    login_as("admin")
    assert act(client, ticket, "set_status", status="closed").status_code == 404
    assert Ticket.get_by_id(ticket.id).status == "open"


def test_bulk_dispose_reports_each_ticket(client, login_as, make_ticket, users):
    one, two, still_open = make_ticket("verified"), make_ticket("verified"), make_ticket("open")
    login_as("helpdesk")
    ids = [one.id, two.id, still_open.id]
    start = client.post("/admin/perlu-disposisi/action/", data={"action": "dispose", "rowid": ids})
    assert start.status_code == 302 and "disposisi-massal" in start.headers["Location"]
    form = client.get(start.headers["Location"]).get_data(as_text=True)
    assert users["agent"].name in form
    result = client.post(
        "/admin/tiket/disposisi-massal/",
        data={"ids": ",".join(map(str, ids)), "agent": users["agent"].id, "note": "Bersama"},
    )
    html = result.get_data(as_text=True)
    assert result.status_code == 200
    assert html.count("table-success") == 2 and html.count("table-danger") == 1
    assert "Menunggu verifikasi" in html  # why the open one was refused
    assert [Ticket.get_by_id(i).status for i in ids] == ["assigned", "assigned", "open"]


def test_bulk_action_is_not_offered_to_agents_and_heads(client, login_as, make_ticket):
    ticket = make_ticket("assigned")
    login_as("agent")
    assert "Disposisi ke satu petugas" not in client.get("/admin/tiket/").get_data(as_text=True)
    response = client.post("/admin/tiket/action/", data={"action": "dispose", "rowid": [ticket.id]})
    assert response.status_code == 302 and "disposisi-massal" not in response.headers["Location"]


def test_document_download_and_inline_preview(client, login_as, make_ticket):
    ticket = make_ticket("open")
    doc = Document.select().where(Document.ticket == ticket.id).first()
    login_as("helpdesk")
    url = f"/admin/tiket/{ticket.id}/dokumen/{doc.id}"
    response = client.get(url)
    assert response.status_code == 200
    assert response.data.startswith(b"%PDF-") and len(response.data) == doc.size
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.mimetype == "application/pdf"
    inline = client.get(url + "?inline=1")
    assert inline.headers["Content-Disposition"].startswith("inline;")
    other = make_ticket("open")
    other_doc = Document.select().where(Document.ticket == other.id).first()
    assert client.get(f"/admin/tiket/{ticket.id}/dokumen/{other_doc.id}").status_code == 404


@pytest.mark.parametrize("kind", ["sla", "ba"])
def test_agent_replacing_a_document_keeps_the_old_version(client, login_as, make_ticket, kind):
    ticket = make_ticket("assigned")
    workflow.attach_document(
        Ticket.get_by_id(ticket.id).assigned_agent,
        ticket.id,
        kind,
        Upload("a.pdf", PDF_BYTES),
        now=T0,
    )
    login_as("agent")
    act(client, ticket, "attach_document", kind=kind, file=upload(PNG_BYTES, "b.png"))
    versions = [
        d.version
        for d in Document.select().where(Document.ticket == ticket.id, Document.kind == kind)
    ]
    assert sorted(versions) == [1, 2]
    assert "b.png" in page(client, ticket) and "a.pdf" in page(client, ticket)


def test_generate_ba_makes_the_pdf_and_selesai_then_goes_through(client, login_as, make_ticket):
    from pypdf import PdfReader

    from models.ticket import Document

    ticket = make_ticket("assigned")
    login_as("agent")
    before = snapshot(ticket.id)
    refused(
        act(client, ticket, "generate_ba", work_done="  "),
        400,
        "Tuliskan pekerjaan",
        ticket,
        before,
    )
    response = act(client, ticket, "generate_ba", work_done="Subdomain ppdb dibuat dan diuji.")
    assert response.status_code == 303
    ba = Document.current(ticket.id, "ba")
    assert ba is not None and ba.content_type == "application/pdf"
    download = client.get(f"/admin/tiket/{ticket.id}/dokumen/{ba.id}")
    text = PdfReader(io.BytesIO(download.data)).pages[0].extract_text()
    assert "Subdomain ppdb dibuat dan diuji." in text and ticket.number in text
    html = page(client, ticket)
    assert "BA/0001/DISKOMINFO/" in html
    act(client, ticket, "attach_document", kind="sla", file=(io.BytesIO(PDF_BYTES), "sla.pdf"))
    assert act(client, ticket, "mark_selesai").status_code == 303
    assert Ticket.get_by_id(ticket.id).status == "selesai"


@pytest.mark.parametrize(
    "action, module, task, document, kind, fields",
    [
        ("generate_ba", "berita_acara", "generate_berita_acara", "Berita Acara", "ba",
         {"work_done": "Subdomain dibuat."}),
        ("generate_sla", "sla", "generate_sla", "SLA", "sla", {}),
    ],
)  # fmt: skip
def test_an_issued_pdf_with_the_queue_down_says_so_and_keeps_the_number(
    client, login_as, make_ticket, monkeypatch, action, module, task, document, kind, fields
):
    import importlib

    from models.ticket import Document

    def queue_down(*args, **kwargs):
        raise ConnectionError("redis down")

    ticket = make_ticket("assigned")
    login_as("agent")
    monkeypatch.setattr(importlib.import_module(f"tasks.{module}"), task, queue_down)
    response = act(client, ticket, action, **fields)
    assert response.status_code == 400
    number = getattr(Ticket.get_by_id(ticket.id), f"{kind}_number")
    said = " ".join(response.get_data(as_text=True).split())
    assert (
        f"{document} {number} belum dapat dibuat karena antrean tugas sedang tidak menjawab" in said
    )
    assert number and Document.current(ticket.id, kind) is None
    monkeypatch.undo()
    assert act(client, ticket, action, **fields).status_code == 303
    assert getattr(Ticket.get_by_id(ticket.id), f"{kind}_number") == number
    assert Document.current(ticket.id, kind) is not None
