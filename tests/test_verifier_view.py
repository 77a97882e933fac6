"""Issue #9 items 3 and 4: the verifier's view (requirement slots with their versions, the
pre-ticked missing documents, the helpdesk's note to the requester), the on-behalf form limited to
one's own bidang, the helpdesk's contact, the catalogue's template files, the outbox in words,
the national holidays, the agents of a seksi, and the ticket list's defaults."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest

from deskadmin.ticket_cells import is_due_soon
from models import staff_admin, workflow
from models.catalog import Holiday, Layanan, RequiredDocument
from models.db import utcnow
from models.seed import national_holidays, seed_holidays
from models.staff import User
from models.ticket import CLOSED, OPEN, Document, Notification, Ticket
from models.uploads import Upload
from tests.helpers import PDF_BYTES, PNG_BYTES, T0, new_request, snapshot, subdomain_service

pytestmark = pytest.mark.csrf_off  # forms are posted without their token

CONTACT = {
    "HELPDESK_PHONE": "(022) 2502898",
    "HELPDESK_WHATSAPP": "0812-2000-3000",
    "HELPDESK_EMAIL": "helpdesk.diskominfo@example.go.id",
}


@pytest.fixture
def app_config():
    return dict(CONTACT)


def ticket_page(client, ticket):
    response = client.get(f"/admin/tiket/details/?id={ticket.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def slot_row(html, required_document_id):
    start = html.index(f'<tr id="slot-{required_document_id}"')
    return html[start : html.index("</tr>", start)]


def on_behalf_ticket(users, files=()):
    return workflow.submit(
        users["helpdesk"], new_request(), list(files), intake_channel="phone", now=T0
    )


# --- the verifier's view ---------------------------------------------------------------------


def test_a_reupload_is_version_2_of_its_slot_and_the_page_lists_both(
    db, client, login_as, make_ticket, users
):
    ticket = make_ticket("incomplete")
    first = RequiredDocument.for_layanan(ticket.layanan_id).first()
    later = T0 + dt.timedelta(hours=1)
    extra = Upload("lampiran.png", PNG_BYTES)  # an extra attachment: no slot, version 1
    workflow.complete_documents(
        ticket.tracking_token,
        [Upload("surat-baru.pdf", PDF_BYTES + b"v2", first.id), extra],
        now=later,
    )
    versions = Document.select().where(
        Document.ticket == ticket.id, Document.required_document == first.id
    )
    assert sorted((d.version, d.filename) for d in versions) == [
        (1, f"{first.name}.pdf"),
        (2, "surat-baru.pdf"),
    ]
    assert Document.get(Document.filename == "lampiran.png").version == 1

    login_as("helpdesk")
    html = ticket_page(client, ticket)
    row = slot_row(html, first.id)
    assert "v2" in row and "v1" in row and "surat-baru.pdf" in row
    assert row.index("surat-baru.pdf") < row.index(f"{first.name}.pdf")  # newest first
    assert "belum ada" not in row
    tracking = client.get(f"/lacak/{ticket.tracking_token}").get_data(as_text=True)
    assert "(versi 2)" in tracking
    extras = html[html.index('id="documents"') :]
    assert "lampiran.png" in extras and "lampiran.png" not in html[: html.index('id="documents"')]


def test_empty_slots_say_belum_ada_and_are_pre_ticked(db, client, login_as, users):
    required = list(RequiredDocument.for_layanan(subdomain_service().id))
    given = required[0]
    ticket = on_behalf_ticket(users, [Upload("a.pdf", PDF_BYTES, given.id)])
    login_as("helpdesk")
    html = ticket_page(client, ticket)
    assert "belum ada" not in slot_row(html, given.id)
    boxes = dict(re.findall(r'<input[^>]*value="(\d+)" id="missing-\d+"([^>]*)>', html))
    assert "checked" not in boxes[str(given.id)]
    for r in required[1:]:
        assert "belum ada" in slot_row(html, r.id)
        assert "checked" in boxes[str(r.id)]


def test_incomplete_email_and_tracking_page_carry_the_note_and_the_list(
    db, client, make_ticket, users, outbox
):
    ticket = make_ticket("open")
    second = list(RequiredDocument.for_layanan(ticket.layanan_id))[1]
    outbox.clear()
    note = "Surat permohonan belum ditandatangani kepala dinas; mohon unggah ulang."
    workflow.verify_incomplete(users["helpdesk"], ticket.id, [second.id], note, now=T0)
    (mail,) = [m for m in outbox if "belum lengkap" in m.subject]
    html_part = mail.alternatives[0][0]
    for body in (mail.body, html_part):
        assert second.name in body and note in body and "Catatan helpdesk" in body
    assert "Kurang:" not in mail.body  # the note alone, the list apart
    page = client.get(f"/lacak/{ticket.tracking_token}").get_data(as_text=True)
    card = page[page.index('id="lengkapi"') : page.index("</section>", page.index('id="lengkapi"'))]
    assert second.name in card and note in card


# --- on behalf: one's own bidang --------------------------------------------------------------


def test_on_behalf_offers_a_helpdesk_only_their_bidang(db, client, login_as, users):
    other = Layanan.get(Layanan.code == "gangguan-jaringan")  # Bidang e-Government
    own = subdomain_service()
    login_as("helpdesk")
    chooser = client.get("/admin/on_behalf/").get_data(as_text=True)
    assert own.name in chooser and other.name not in chooser
    assert client.get(f"/admin/on_behalf/?layanan={other.id}").status_code == 404
    login_as("admin")
    assert other.name in client.get("/admin/on_behalf/").get_data(as_text=True)
    assert client.get(f"/admin/on_behalf/?layanan={other.id}").status_code == 200


def test_workflow_refuses_on_behalf_for_another_bidang(db, users):
    other = Layanan.get(Layanan.code == "gangguan-jaringan")
    count = Ticket.select().count()
    with pytest.raises(workflow.WorkflowError) as refused:
        workflow.submit(
            users["helpdesk"], new_request(layanan=other), [], intake_channel="phone", now=T0
        )
    assert refused.value.kind == workflow.WorkflowError.ROLE
    assert "bukan layanan bidang Anda" in str(refused.value)
    assert Ticket.select().count() == count
    ticket = workflow.submit(
        users["admin"], new_request(layanan=other), [], intake_channel="phone", now=T0
    )
    assert ticket.status == OPEN


# --- the helpdesk's contact -------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/", "/lacak", "/tidak-ada"])
def test_contact_on_every_public_page(client, path):
    html = client.get(path).get_data(as_text=True)
    assert 'id="kontak-helpdesk"' in html
    assert "(022) 2502898" in html and "https://wa.me/6281220003000" in html
    assert "mailto:helpdesk.diskominfo@example.go.id" in html
    assert "Senin–Jumat, 08.00–16.00" in html


def test_contact_in_the_requester_email_only(db, make_ticket, outbox):
    outbox.clear()
    make_ticket("open")
    to_requester = [m for m in outbox if m.to == ["siti.rahmawati@example.go.id"]]
    to_staff = [m for m in outbox if m not in to_requester]
    assert to_requester and to_staff
    for mail in to_requester:
        assert "0812-2000-3000" in mail.body and "helpdesk.diskominfo@example.go.id" in mail.body
        assert "(022) 2502898" in mail.alternatives[0][0]
    assert all("0812-2000-3000" not in m.body for m in to_staff)


# --- template files ---------------------------------------------------------------------------


def upload_template(client, target, row_id, name, data):
    return client.post(
        "/admin/templat/unggah",
        data={"target": target, "id": str(row_id), "file": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
    )


def test_document_template_uploaded_by_admin_downloads_on_the_form_and_tracking_page(
    db, client, login_as, make_ticket
):
    doc = RequiredDocument.for_layanan(subdomain_service().id).first()
    login_as("helpdesk")
    assert upload_template(client, "document", doc.id, "f.pdf", PDF_BYTES).status_code == 403
    login_as("admin")
    refused = upload_template(client, "document", doc.id, "f.exe", b"MZ\x90 not a pdf")
    assert refused.status_code == 303
    assert RequiredDocument.get_by_id(doc.id).template_sha256 is None  # nothing changed
    assert "bukan PDF" in client.get("/admin/templat/").get_data(as_text=True)
    upload_template(client, "document", doc.id, "Formulir pendaftaran subdomain.pdf", PDF_BYTES)
    assert RequiredDocument.get_by_id(doc.id).template_filename == (
        "Formulir pendaftaran subdomain.pdf"
    )

    link = f"/templat/{doc.id}"
    client.post("/staf/logout")
    form = client.get(f"/?layanan={doc.layanan_id}").get_data(as_text=True)
    assert f'href="{link}"' in form
    ticket = make_ticket("open")
    assert f'href="{link}"' in client.get(f"/lacak/{ticket.tracking_token}").get_data(as_text=True)
    response = client.get(link)
    assert response.status_code == 200 and response.data == PDF_BYTES
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    assert response.mimetype == "application/pdf"
    other = list(RequiredDocument.for_layanan(doc.layanan_id))[1]
    assert client.get(f"/templat/{other.id}").status_code == 404  # no template
    assert client.get("/templat/999999").status_code == 404

    login_as("admin")
    client.post("/admin/templat/unggah", data={"target": "document", "id": doc.id, "remove": "1"})
    assert client.get(link).status_code == 404


def test_sla_template_on_the_staff_ticket_page_within_scope(db, client, login_as, make_ticket):
    ticket = make_ticket("assigned")
    login_as("admin")
    upload_template(client, "sla", ticket.layanan_id, "Templat SLA subdomain.pdf", PDF_BYTES)
    login_as("agent")
    html = ticket_page(client, ticket)
    url = f"/admin/tiket/{ticket.id}/templat-sla"
    assert url in html
    response = client.get(url)
    assert response.status_code == 200 and response.data == PDF_BYTES
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    other = make_ticket("open")  # not disposed to this agent: outside the scope
    assert client.get(f"/admin/tiket/{other.id}/templat-sla").status_code == 404


# --- in words ---------------------------------------------------------------------------------


RAW_CODES = ("documents_completed", "tracking_link", "reminder_", "kepala_bidang", "pending")


def test_outbox_page_and_sent_email_history_in_words(db, client, login_as, make_ticket):
    ticket = make_ticket("incomplete")
    workflow.complete_documents(
        ticket.tracking_token, [Upload("x.pdf", PDF_BYTES + b"x", ticket.missing_document_ids[0])]
    )
    workflow.resend_tracking_link(ticket.number, ticket.requester_email)
    Notification.update(status="failed").where(Notification.kind == "opened").execute()
    login_as("admin")
    html = client.get("/admin/email/").get_data(as_text=True)
    table = html[html.index("<table") : html.rindex("</table>")]
    cells = " ".join(re.findall(r"<td[^>]*>(.*?)</td>", table, re.S))
    for code in RAW_CODES + ("opened", "incomplete", "requester", "helpdesk,admin"):
        assert code not in cells, code
    assert "Dokumen persyaratan dilengkapi" in cells and "Kepala Bidang" in cells
    assert "Gagal (berhenti dicoba)" in cells and "Pemohon" in cells
    history = ticket_page(client, ticket)
    history = history[history.index('id="history"') :]
    assert "Email terkirim" in history and "Tiket dibuka:" in history
    assert "opened:" not in history and "documents_completed" not in history


def test_a_history_entry_without_a_label_still_reads_as_words():
    assert str(workflow.event_label("documents_completed")) == "Dokumen dilengkapi pemohon"
    assert workflow.event_label("sent_by_courier") == "Sent by courier"


# --- national holidays ------------------------------------------------------------------------


def test_holidays_of_this_year_and_next_with_the_moving_ones(db):
    Holiday.delete().execute()
    assert seed_holidays(dt.date(2026, 5, 1)) > 25
    names = {h.date: h.name for h in Holiday.select()}
    assert "Idul Fitri" in names[dt.date(2027, 3, 10)]  # moving: 1 Syawal 1448
    assert "Nyepi" in names[dt.date(2026, 3, 19)]
    assert names[dt.date(2026, 8, 17)] == "Hari Kemerdekaan Republik Indonesia"
    assert not [d for d in names if d.year not in (2026, 2027)]
    Holiday.update(name="Cuti bersama Idul Fitri").where(
        Holiday.date == dt.date(2027, 3, 10)
    ).execute()
    assert seed_holidays(dt.date(2026, 5, 1)) == 0  # twice: nothing added, an admin's name kept
    assert Holiday.get(Holiday.date == dt.date(2027, 3, 10)).name == "Cuti bersama Idul Fitri"
    assert set(national_holidays([2027])) <= set(names)


# --- disposition: the agents of the seksi -----------------------------------------------------


def test_dispose_offers_the_seksi_agents_and_says_when_there_is_none(
    db, client, login_as, make_ticket, users
):
    ticket = make_ticket("verified")
    login_as("helpdesk")
    card = ticket_page(client, ticket)
    assert users["agent"].name in card and "belum memiliki petugas" not in card
    others = User.select().where(User.email.startswith("agen."))
    assert all(u.name not in card for u in others)  # agents of other seksi are not offered
    staff_admin.deactivate(users["admin"], users["agent"].id)  # as the staff page does
    card = ticket_page(client, ticket)
    assert "Seksi Rekayasa Aplikasi belum memiliki petugas (agen) aktif" in card
    assert users["admin"].name in card  # who can fix it
    bulk = client.get(f"/admin/tiket/disposisi-massal/?ids={ticket.id}").get_data(as_text=True)
    assert "Seksi Rekayasa Aplikasi belum memiliki petugas (agen) aktif" in bulk


def test_every_seksi_with_services_has_a_demo_agent(db):
    for layanan in Layanan.select():
        assert User.agents_of_seksi(layanan.seksi_id).exists(), layanan.code


# --- the ticket list ---------------------------------------------------------------------------


def numbers(html):
    return re.findall(r"SD-\d{4}-\d{6}", html)


def test_all_tickets_opens_on_open_tickets_most_urgent_first(db, client, login_as, make_ticket):
    late = make_ticket("open", now=T0)
    early = make_ticket("open", now=T0 - dt.timedelta(days=10))
    closed = make_ticket("closed", now=T0 - dt.timedelta(days=20))
    login_as("admin")
    listed = numbers(client.get("/admin/tiket/").get_data(as_text=True))
    assert listed == [early.number, late.number]  # due time ascending, no closed ticket
    everything = numbers(client.get("/admin/tiket/?flt0_6=all").get_data(as_text=True))
    assert set(everything) == {early.number, late.number, closed.number}
    only_closed = numbers(client.get("/admin/tiket/?flt0_6=closed").get_data(as_text=True))
    assert only_closed == [closed.number]


def test_search_by_perangkat_daerah_and_agent(db, client, login_as, make_ticket, users):
    from models.catalog import PerangkatDaerah

    bapenda = PerangkatDaerah.get(PerangkatDaerah.code == "BAPENDA")
    by_pd = make_ticket("open", perangkat_daerah_id=bapenda.id)
    by_agent = make_ticket("assigned")
    login_as("admin")

    def found(term):
        return set(numbers(client.get(f"/admin/tiket/?search={term}").get_data(as_text=True)))

    assert found("Pendapatan Daerah") == {by_pd.number}
    assert found(users["agent"].name.split()[0]) == {by_agent.number}


def test_due_soon_marker(db):
    now = dt.datetime(2026, 12, 1, 2, 0)  # Tuesday 09:00 WIB
    ticket = Ticket(status=OPEN, due_at=now + dt.timedelta(hours=2))
    assert is_due_soon(ticket, now)
    ticket.due_at = now + dt.timedelta(days=5)
    assert not is_due_soon(ticket, now)
    ticket.due_at = now - dt.timedelta(minutes=1)  # overdue: its own marker
    assert not is_due_soon(ticket, now)
    ticket.status, ticket.due_at = CLOSED, now + dt.timedelta(hours=1)
    assert not is_due_soon(ticket, now)


def test_due_soon_shows_in_the_list(db, client, login_as, make_ticket):
    ticket = make_ticket("open", now=utcnow())
    Ticket.update(due_at=utcnow() + dt.timedelta(minutes=30)).where(
        Ticket.id == ticket.id
    ).execute()
    login_as("admin")
    html = client.get("/admin/tiket/").get_data(as_text=True)
    assert 'class="badge badge-warning due-soon">segera<' in html
    assert snapshot(ticket.id)  # still readable
