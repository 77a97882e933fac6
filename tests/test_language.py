"""The English catalogue and the language switch: `?lang=en` turns every page (public and staff)
English and keeps it for the session, `?lang=id` turns it back; Bahasa Indonesia is the default.
A requester who submitted in English gets every email in English; staff emails stay Indonesian.
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

import pytest

from models import workflow
from models.catalog import Layanan, PerangkatDaerah, RequiredDocument
from models.db import connection
from models.ticket import Ticket
from tests.helpers import PDF_BYTES, new_request, required_uploads, snapshot

REPO = Path(__file__).resolve().parents[1]


def lang_of(html: str) -> str:
    return re.search(r'<html lang="([^"]*)"', html).group(1)


def form_data(client, app):
    """What a requester posts for the subdomain service, read from the form itself."""
    with app.app_context(), connection():
        layanan = Layanan.get(Layanan.code == "permintaan-subdomain")
        docs = list(RequiredDocument.for_layanan(layanan.id))
        pd = PerangkatDaerah.get(PerangkatDaerah.code == "DISDIK")
    html = client.get(f"/?layanan={layanan.id}").get_data(as_text=True)
    data = {
        name: re.search(rf'name="{name}" (?:type="hidden" )?value="([^"]*)"', html).group(1)
        for name in ("csrf_token", "submission_key")
    }
    data.update(
        layanan_id=str(layanan.id),
        perangkat_daerah_id=str(pd.id),
        requester_name="Siti Rahmawati",
        requester_nip="19870315 201001 2 004",
        requester_position="Pranata Komputer Ahli Muda",
        requester_email="siti.rahmawati@example.go.id",
        requester_phone="081234567890",
        subject="Subdomain untuk aplikasi PPDB",
        description="Mohon dibuatkan subdomain ppdb.jabarprov.go.id untuk PPDB 2027.",
    )
    for i, doc in enumerate(docs):
        data[f"dokumen-{doc.id}"] = (io.BytesIO(PDF_BYTES + bytes([i])), f"{doc.name}.pdf")
    return data


def test_public_pages_are_indonesian_by_default_with_a_switch_to_english(client):
    html = client.get("/").get_data(as_text=True)
    assert lang_of(html) == "id"
    assert "Ajukan permohonan layanan TI" in html
    assert 'href="?lang=en" hreflang="en" lang="en">English</a>' in html


def test_switching_to_english_and_back(client):
    html = client.get("/?lang=en").get_data(as_text=True)
    assert lang_of(html) == "en"
    assert "Submit an IT service request" in html
    assert "Ajukan permohonan layanan TI" not in html
    assert 'hreflang="id" lang="id">Bahasa Indonesia</a>' in html
    # The choice stays for the session, on every page
    lost = client.get("/lacak").get_data(as_text=True)
    assert lang_of(lost) == "en" and "Track a request" in lost
    assert "Lacak permohonan" not in lost
    back = client.get("/lacak?lang=id").get_data(as_text=True)
    assert lang_of(back) == "id" and "Lacak permohonan" in back
    assert lang_of(client.get("/").get_data(as_text=True)) == "id"


def test_the_switch_keeps_the_page_and_its_query(client, app):
    with app.app_context(), connection():
        layanan = Layanan.get(Layanan.code == "permintaan-subdomain")
    html = client.get(f"/?layanan={layanan.id}").get_data(as_text=True)
    assert f'href="?layanan={layanan.id}&amp;lang=en"' in html
    english = client.get(f"/?layanan={layanan.id}&lang=en").get_data(as_text=True)
    assert "Service request form" in english and "Send request" in english


def test_an_unknown_language_changes_nothing(client):
    html = client.get("/?lang=xx").get_data(as_text=True)
    assert lang_of(html) == "id" and "Ajukan permohonan layanan TI" in html


def test_state_and_error_labels_are_translated(client, make_ticket):
    ticket = make_ticket("selesai")
    client.get("/?lang=en")
    html = client.get(f"/lacak/{ticket.tracking_token}").get_data(as_text=True)
    assert "Done, waiting for signed SLA and BA" in html
    missing = client.get("/lacak/tidak-dikenal")
    assert missing.status_code == 404 and lang_of(missing.get_data(as_text=True)) == "en"


def test_staff_pages_follow_the_switch(app, client, login_as):
    login_as("admin")
    html = client.get("/admin/").get_data(as_text=True)
    assert lang_of(html) == "id" and "Semua tiket" in html
    assert 'hreflang="en" lang="en">English</a>' in html
    english = client.get("/admin/?lang=en").get_data(as_text=True)
    assert lang_of(english) == "en"
    assert "All tickets" in english and "Log out" in english and "Semua tiket" not in english
    lists = client.get("/admin/tiket/").get_data(as_text=True)
    assert lang_of(lists) == "en" and "Subject" in lists
    change = client.get("/staf/change?lang=id").get_data(as_text=True)
    assert lang_of(change) == "id" and "Kembali ke halaman staf" in change


@pytest.mark.csrf_off
def test_a_requester_who_used_english_gets_english_emails_and_staff_indonesian(app, client, outbox):
    client.get("/?lang=en")
    response = client.post("/", data=form_data(client, app), content_type="multipart/form-data")
    assert response.status_code == 303
    with app.app_context(), connection():
        ticket = Ticket.get()
    assert ticket.requester_language == "en"
    to_requester = [m for m in outbox if m.to == ["siti.rahmawati@example.go.id"]]
    to_staff = [m for m in outbox if m.to != ["siti.rahmawati@example.go.id"]]
    assert to_requester and to_staff
    mail = to_requester[0]
    assert mail.subject == f"[{ticket.number}] Ticket opened: Subdomain untuk aplikasi PPDB"
    assert "We have received your service request" in mail.body
    html = mail.alternatives[0][0]
    assert '<html lang="en">' in html and "Track your ticket" in html
    assert "Permohonan layanan Anda telah kami terima" not in mail.body
    for staff_mail in to_staff:
        assert "Tiket dibuka" in staff_mail.subject
        assert "Tiket baru masuk ke Service Desk" in staff_mail.body


@pytest.mark.csrf_off
def test_a_requester_in_indonesian_gets_indonesian_emails(app, client, outbox):
    response = client.post("/", data=form_data(client, app), content_type="multipart/form-data")
    assert response.status_code == 303
    with app.app_context(), connection():
        assert Ticket.get().requester_language == "id"
    mail = next(m for m in outbox if m.to == ["siti.rahmawati@example.go.id"])
    assert "Tiket dibuka" in mail.subject
    assert "Permohonan layanan Anda telah kami terima" in mail.body


def test_later_emails_keep_the_requesters_language(db, users, outbox):
    ticket = workflow.submit(None, new_request(), required_uploads(), language="en")
    outbox.clear()
    missing = [RequiredDocument.for_layanan(ticket.layanan_id).first().id]
    workflow.verify_incomplete(users["helpdesk"], ticket.id, missing)
    mail = next(m for m in outbox if m.to == [ticket.requester_email])
    assert "The requirement documents are incomplete" in mail.subject or (
        "requirement documents of your request are incomplete" in mail.body
    )


def test_an_unknown_language_is_refused_and_creates_nothing(db):
    before = Ticket.select().count()
    with pytest.raises(workflow.WorkflowError) as refused:
        workflow.submit(None, new_request(), required_uploads(), language="xx")
    assert refused.value.kind == workflow.WorkflowError.INVALID
    assert "Bahasa tidak dikenal" in str(refused.value)
    assert Ticket.select().count() == before
    assert snapshot  # the helper module's snapshot is for tickets that exist; none was made


def test_the_english_catalogue_compiles_and_covers_every_public_string(tmp_path):
    """`pybabel compile` accepts the catalogue, and every msgid of the public templates, the
    state and step tables and the transition table has an English text."""
    from babel.messages.extract import extract_from_dir
    from babel.messages.pofile import read_po

    po = REPO / "translations" / "en" / "LC_MESSAGES" / "messages.po"
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "babel.messages.frontend",
            "compile",
            "-i",
            str(po),
            "-o",
            str(tmp_path / "messages.mo"),
            "--statistics",
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    with po.open("rb") as handle:
        catalog = read_po(handle)
    translated = {m.id for m in catalog if m.id and m.string}
    method_map = [
        ("templates/public/**.html", "jinja2"),
        ("templates/base.html", "jinja2"),
        ("templates/email/**", "jinja2"),
        ("templates/admin/**.html", "jinja2"),
        ("models/sop.py", "python"),
        ("models/workflow/transitions.py", "python"),
        ("views/**.py", "python"),
        ("deskadmin/**.py", "python"),
    ]
    wanted = {
        message
        for _, _, message, _, _ in extract_from_dir(
            str(REPO), method_map, keywords={"_": None, "_l": None, "gettext": None}
        )
        if isinstance(message, str)
    }
    assert wanted and not sorted(wanted - translated)


@pytest.mark.csrf_off
def test_a_failed_submission_names_the_error_first_in_the_title_in_each_language(app, client):
    data = form_data(client, app)
    data["requester_nip"] = "123"
    html = client.post("/", data=data, content_type="multipart/form-data").get_data(as_text=True)
    title = re.search(r"<title>(.*?)</title>", html).group(1)
    assert title.startswith("Kesalahan: Formulir permohonan")
    assert 'id="ringkasan-kesalahan" tabindex="-1" autofocus' in html
    client.get("/?lang=en")
    data = form_data(client, app)
    data["requester_nip"] = "123"
    html = client.post("/", data=data, content_type="multipart/form-data").get_data(as_text=True)
    assert re.search(r"<title>(.*?)</title>", html).group(1).startswith("Error: Request form")
    assert "The NIP must have 18 digits." in html


# what a page writes for each form of `_`: the plain ones are written in when compiled
GETTEXT_FORMS = """<p>{{ _("Keluar") }}|{{ _('Ganti kata sandi') }}|{{- _("Keluar") -}}|
{{ _("a %% b (belum diterjemahkan)") }}|{{ _("<b>tebal</b> & miring") }}|
<a title="{{ _('Keluar') }}">{{ _("dijeda sejak %(at)s", at="<i>") }}</a>|
{{ _("Keluar")|upper }}|{{ _("Keluar") if true else "" }}|{{ url_for("public.index") }}</p>"""


def test_a_translated_template_writes_what_the_page_would(app):
    from flask import render_template_string

    from language import translated_environment

    for code, out in [("id", "Keluar"), ("en", "Log out"), ("id", "Keluar"), ("en", "Log out")]:
        with app.test_request_context(f"/admin/?lang={code}"):
            app.preprocess_request()  # the ?lang= choice
            translated = translated_environment()
            compiled = translated.from_string(GETTEXT_FORMS)
            assert f"yield '<p>{out}|" in translated.compile(GETTEXT_FORMS, raw=True)  # written in
            assert compiled.render() == render_template_string(GETTEXT_FORMS), code
            assert compiled.render().startswith(f"<p>{out}|")
            assert "a % b" in compiled.render() and "<b>tebal</b> &" in compiled.render()
            assert "&lt;i&gt;" in compiled.render()
    with app.test_request_context("/admin/?lang=en"):
        app.preprocess_request()
        assert translated_environment().globals is app.jinja_env.globals
        assert translated_environment() is translated  # kept per language
