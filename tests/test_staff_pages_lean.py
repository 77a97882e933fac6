"""The staff list and ticket page read less and build less per request (issue #12, W2/W3), and
show and guard the same: the session user with its roles in one query (a role taken away or an
account deactivated counts at the next page), the menu kept per role set and language, the
list's links Flask-Admin's own, the ticket's documents and signature checks read in bulk."""

from __future__ import annotations

import re

import pytest
from flask import g, url_for
from flask_admin.contrib.peewee import ModelView
from flask_admin.model.base import ViewArgs
from flask_principal import RoleNeed, UserNeed
from markupsafe import escape

from deskadmin.page_urls import MARKER, id_url
from deskadmin.ticket_reads import signature_checks, ticket_documents
from models import staff_admin
from models.catalog import RequiredDocument
from models.signature_records import SignedCopyCheck, verdicts_for
from models.staff import Role, User, UserRoles
from models.ticket import SIGNED_KINDS, Document, MissingDocument, Ticket
from tests.helpers import Statements


def test_a_staff_page_reads_its_user_and_roles_in_one_statement(client, login_as):
    login_as("helpdesk")
    client.get("/admin/tiket/")  # the filter choices (the agents) are read once, then kept
    with Statements() as statements:
        assert client.get("/admin/tiket/").status_code == 200
    reads = [s for s in statements.seen if "user_roles" in s or 'FROM "role"' in s]
    assert len(reads) == 1, reads
    assert "fs_uniquifier" in reads[0] and '"role"' in reads[0]


def test_the_identity_holds_the_user_and_its_roles(app, client, login_as, users):
    login_as("helpdesk")
    with client:
        assert client.get("/admin/tiket/").status_code == 200
        provides = g.identity.provides
        assert RoleNeed("helpdesk") in provides
        assert UserNeed(users["helpdesk"].fs_uniquifier) in provides
        assert not any(n.method == "role" and n.value != "helpdesk" for n in provides)


def test_a_role_taken_away_counts_at_the_next_page(db, client, login_as, users):
    login_as("helpdesk")
    assert client.get("/admin/perlu-verifikasi/").status_code == 200
    role = Role.get(Role.name == "helpdesk")
    UserRoles.delete().where(
        UserRoles.user == users["helpdesk"].id, UserRoles.role == role.id
    ).execute()
    assert client.get("/admin/perlu-verifikasi/").status_code == 403


def test_a_deactivated_account_is_logged_out_at_the_next_page(db, client, login_as, users):
    login_as("helpdesk")
    assert client.get("/admin/tiket/").status_code == 200
    User.update(active=False).where(User.id == users["helpdesk"].id).execute()
    response = client.get("/admin/tiket/")
    assert response.status_code == 302 and "/staf/login" in response.headers["Location"]


def log_out(client, html: str) -> None:
    """Log out through the page's own logout form (its CSRF token)."""
    token = re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)
    assert client.post("/staf/logout", data={"csrf_token": token}).status_code == 302


def menu_of(html: str) -> str:
    return re.search(r'<ul class="nav navbar-nav mr-auto">(.*?)</ul>\s*<ul', html, re.S).group(1)


def test_the_kept_menu_follows_the_role_and_the_language(client, login_as):
    login_as("helpdesk")
    page = client.get("/admin/tiket/").get_data(as_text=True)
    helpdesk = menu_of(page)
    assert "/admin/perlu-verifikasi/" in helpdesk and "/admin/staf/" not in helpdesk
    log_out(client, page)
    login_as("agent")
    page = client.get("/admin/tiket/").get_data(as_text=True)
    agent = menu_of(page)
    assert "/admin/staf/" not in agent and "/admin/perlu-verifikasi/" not in agent
    assert "Semua tiket" in agent
    english = menu_of(client.get("/admin/tiket/?lang=en").get_data(as_text=True))
    assert "All tickets" in english and "Semua tiket" not in english
    page = client.get("/admin/tiket/?lang=id").get_data(as_text=True)
    log_out(client, page)
    login_as("admin")
    admin = menu_of(client.get("/admin/tiket/").get_data(as_text=True))
    assert "/admin/staf/" in admin and "/admin/perlu-verifikasi/" in admin


def test_the_kept_menu_marks_the_page_shown(client, login_as):
    login_as("helpdesk")
    html = menu_of(client.get("/admin/perlu-verifikasi/").get_data(as_text=True))
    active = re.findall(r'<a class="dropdown-item active[^"]*" href="([^"]+)"', html)
    assert active == ["/admin/perlu-verifikasi/"]
    html = menu_of(client.get("/admin/tiket/").get_data(as_text=True))
    assert re.findall(r'<a class="dropdown-item active[^"]*" href="([^"]+)"', html) == [
        "/admin/tiket/"
    ]


def test_the_list_links_are_flask_admins_own(app):
    view = next(v for v in app.extensions["desk_admin"]._views if v.endpoint == "tickets")
    cases = [
        ViewArgs(page=0, page_size=None, sort=None, sort_desc=False, search=None, filters=None),
        ViewArgs(
            page=3,
            page_size=50,
            sort=2,
            sort_desc=True,
            search="Dinas & Kominfo/é?",
            filters=[(0, "Status", "assigned"), (6, "Tampilkan", "all")],
            extra_args={"lang": "en", "x": "a b"},
        ),
    ]
    # the same search, arguments and filters with other pages and sorts (their encoding is
    # shared within a request), none of them, and arguments named as the list's own
    filters = [(0, "Status", "assigned"), (3, "Petugas", "7")]
    for page, sort, desc in [(0, None, True), (1, 0, False), (2, 7, True), (0, 3, None)]:
        for search in (None, "", "a&b=c"):
            cases.append(ViewArgs(page, 50, sort, desc, search, filters, {"lang": "id"}))
            cases.append(ViewArgs(page, None, sort, desc, search, None))
    cases.append(ViewArgs(1, 0, 2, True, "x", filters, {"page": "9", "z": "é"}))
    cases.append(ViewArgs(0, 0, None, False, None, None, {"search": "y", "sort": "1"}))
    with app.test_request_context("/admin/tiket/"):
        for args in cases * 2:
            assert view._get_list_url(args) == ModelView._get_list_url(view, args), args


@pytest.mark.parametrize("status", ["signed", "incomplete"])
def test_the_ticket_documents_in_one_query_are_the_slots_the_others_and_the_missing(
    db, make_ticket, status
):
    ticket = make_ticket(status)
    if status == "incomplete":  # two requirements missing, the second first
        ids = [r.id for r in RequiredDocument.for_layanan(ticket.layanan_id)][:2]
        MissingDocument.replace(ticket.id, ids[::-1])
    slots, extra = Document.for_slots(ticket.id)
    others = list(
        Document.select()
        .where(Document.ticket == ticket.id, Document.kind != "persyaratan")
        .order_by(Document.kind, Document.uploaded_at, Document.id)
    )
    with Statements() as statements:
        got_slots, got_extra, got_others, got_missing = ticket_documents(ticket.id)
    assert len(statements.seen) == 1
    assert {k: [d.id for d in v] for k, v in got_slots.items()} == {
        k: [d.id for d in v] for k, v in slots.items()
    }
    assert [d.id for d in got_extra] == [d.id for d in extra]
    assert [d.id for d in got_others] == [d.id for d in others]
    assert got_missing == Ticket.get_by_id(ticket.id).missing_document_ids
    if status == "incomplete":
        assert len(got_missing) == 2 and not others
    else:
        assert others and not got_missing


def test_the_signature_checks_in_bulk_are_each_documents_own(db, make_ticket):
    make_ticket("signed")
    make_ticket("closed")
    signed = [d.id for d in Document.select().where(Document.kind.in_(SIGNED_KINDS))]
    assert signed
    with Statements() as statements:
        checks = signature_checks(signed)
    assert len(statements.seen) == 2
    for document_id in signed:
        check, verdicts = checks[document_id]
        own = SignedCopyCheck.of(document_id)
        assert (check.id if check else None) == (own.id if own else None)
        assert [v.id for v in verdicts] == [v.id for v in verdicts_for(document_id)]


def test_the_ticket_page_reads_the_agents_name_not_the_account(db, client, login_as, make_ticket):
    ticket = make_ticket("assigned")
    login_as("helpdesk")
    with Statements() as statements:
        page = client.get(f"/admin/tiket/details/?id={ticket.id}").get_data(as_text=True)
    assert Ticket.get_by_id(ticket.id).assigned_agent.name in page
    ticket_read = next(s for s in statements.seen if 'FROM "ticket"' in s)
    assert '"agent"."name"' in ticket_read and '"agent"."password"' not in ticket_read


def frame_of(response) -> dict:
    """What `desk_chrome` keeps of a page, with the request's own values in it."""
    html = response.get_data(as_text=True)
    nonce = re.search(r"'nonce-([^']+)'", response.headers["Content-Security-Policy"]).group(1)

    def one(pattern):
        return re.search(pattern, html, re.S).group(1)

    return {
        "lang": one(r'<html lang="([^"]+)">'),
        "title": one(r"<title>(.*?)</title>"),
        "skip": one(r'<a class="desk-skip-link" href="#isi">(.*?)</a>'),
        "brand": one(r'<a class="navbar-brand" href="[^"]+">(.*?)</a>'),
        "heading": one(r'<h1 class="h4 mb-4">\s*(.*?)\s*</h1>'),
        "user": one(r'<span class="navbar-text desk-user mr-2">(.*?)</span>'),
        "logout": one(r'id="logout-button">(.*?)</button>'),
        "token": one(
            r'action="/staf/logout" class="form-inline">\s*<input type="hidden" '
            r'name="csrf_token" value="([^"]+)">'
        ),
        "nonces": set(re.findall(r'nonce="([^"]+)"', html)) - {nonce},
        "nonced": html.count(f'nonce="{nonce}"'),
    }


def test_the_kept_frame_holds_each_requests_own_name_token_and_nonce(db, client, login_as, users):
    User.update(name='Ani <b>& "Budi"</b>').where(User.id == users["helpdesk"].id).execute()
    login_as("helpdesk")
    first = frame_of(client.get("/admin/tiket/"))
    assert first["user"] == "Ani &lt;b&gt;&amp; &#34;Budi&#34;&lt;/b&gt;"  # escaped as before
    again = frame_of(client.get("/admin/tiket/"))
    # every tag carries this response's own nonce (the frame's 15 and the list's), no other one
    assert first["nonces"] == again["nonces"] == set() and first["nonced"] >= 15
    assert client.post("/staf/logout", data={"csrf_token": again["token"]}).status_code == 302
    login_as("agent")
    agent = frame_of(client.get("/admin/tiket/"))
    assert agent["user"] == users["agent"].name
    assert agent["token"] not in (first["token"], again["token"])
    assert client.post("/staf/logout", data={"csrf_token": agent["token"]}).status_code == 302


def test_the_kept_frame_follows_the_language_and_the_view(client, login_as):
    login_as("helpdesk")
    indonesian = frame_of(client.get("/admin/tiket/"))
    english = frame_of(client.get("/admin/tiket/?lang=en"))
    assert (indonesian["lang"], english["lang"]) == ("id", "en")
    assert indonesian["title"] == "Tiket - Semua tiket - Service Desk Diskominfo Jabar"
    assert english["title"] == "Tickets - All tickets - Service Desk Diskominfo West Java"
    assert (english["skip"], english["brand"]) == ("Skip to content", english["title"][24:])
    assert (indonesian["logout"], english["logout"]) == ("Keluar", "Log out")
    assert english["heading"] == "All tickets"
    other = frame_of(client.get("/admin/perlu-verifikasi/"))
    assert (other["title"], other["heading"]) == (
        "Tickets - To verify - Service Desk Diskominfo West Java",
        "To verify",
    )
    back = frame_of(client.get("/admin/tiket/?lang=id"))
    assert {k: v for k, v in back.items() if k != "token"} == {
        k: v for k, v in indonesian.items() if k != "token"
    }


def test_the_disposition_form_reads_the_agents_names_not_their_accounts(
    db, client, login_as, make_ticket, users
):
    ticket = make_ticket("verified")
    login_as("helpdesk")
    with Statements() as statements:
        page = client.get(f"/admin/tiket/details/?id={ticket.id}").get_data(as_text=True)
    agent = users["agent"]
    assert f'<option value="{agent.id}">{agent.name}</option>' in page
    read = next(s for s in statements.seen if '."seksi_id" = ' in s)
    assert '"name"' in read and '"password"' not in read and "tf_totp_secret" not in read


def test_the_disposition_forms_agents_are_kept_until_a_staff_edit(
    db, client, login_as, make_ticket, users
):
    """The agents a seksi offers are read once per process a short while, like the catalogue;
    deactivating one (through this process) takes them off the form at once."""
    ticket = make_ticket("verified")
    agent = users["agent"]
    option = f'<option value="{agent.id}">{agent.name}</option>'
    login_as("helpdesk")
    path = f"/admin/tiket/details/?id={ticket.id}"
    assert option in client.get(path).get_data(as_text=True)
    with Statements() as statements:
        assert option in client.get(path).get_data(as_text=True)
    assert not [s for s in statements.seen if '"user_roles"' in s and '."seksi_id" = ' in s]
    staff_admin.deactivate(users["admin"], agent.id)
    assert option not in client.get(path).get_data(as_text=True)


def test_an_address_by_id_is_url_fors(app):
    for root in ("", "/desk"):
        with app.test_request_context("/admin/tiket/", base_url=f"http://localhost{root}/"):
            document = id_url("tickets.document_view", "document_id", ticket_id=12)
            for i in (1, 12, 907053124681, MARKER * 10 + 1):
                assert document(i) == url_for("tickets.document_view", ticket_id=12, document_id=i)
            assert document(5).startswith(f"{root}/admin/tiket/12/")
            # an address holding the marker elsewhere is built by url_for for each id
            odd = id_url("tickets.document_view", "document_id", ticket_id=MARKER)
            assert odd(3) == url_for("tickets.document_view", ticket_id=MARKER, document_id=3)


def test_the_kept_frame_follows_the_path_prefix(client, login_as):
    login_as("helpdesk")
    plain = client.get("/admin/tiket/").get_data(as_text=True)
    html = client.get("/admin/tiket/", base_url="http://localhost/desk/").get_data(as_text=True)
    assert 'action="/staf/logout"' in plain and 'href="/admin/static/' in plain
    assert 'action="/desk/staf/logout"' in html and 'href="/desk/admin/static/' in html
    assert 'action="/staf/logout"' not in html and 'href="/admin/static/' not in html


def test_a_kept_frame_cannot_read_a_requests_own_values(app, client, login_as, monkeypatch):
    """A frame part that read the request, the session or the user would keep the first
    request's value for everyone: writing it fails instead. (It renders without the guard.)"""
    import jinja2
    import pytest

    from deskadmin import menu

    source = app.jinja_env.loader.get_source(app.jinja_env, menu.CHROME_TEMPLATE)[0]
    leaky = source.replace("{% block brand %}", "{% block brand %}{{ request.path }}", 1)
    assert leaky != source
    loader = jinja2.ChoiceLoader([jinja2.DictLoader({"leaky.html": leaky}), app.jinja_env.loader])
    monkeypatch.setattr(app.jinja_env, "loader", loader)
    monkeypatch.setattr(menu, "CHROME_TEMPLATE", "leaky.html")
    login_as("helpdesk")
    view = next(v for v in app.extensions["desk_admin"]._views if v.endpoint == "tickets")
    with app.test_request_context("/admin/tiket/"), pytest.raises(jinja2.UndefinedError):
        menu._write_chrome(view, "id")


def test_the_ticket_page_reads_its_rows_as_the_columns_shown(db, client, login_as, make_ticket):
    """The history, steps and documents are read as tuples of the columns the page shows: not
    the history's hash chain, not the documents' content addresses."""
    ticket = make_ticket("selesai")
    login_as("helpdesk")
    with Statements() as statements:
        assert client.get(f"/admin/tiket/details/?id={ticket.id}").status_code == 200
    history = next(s for s in statements.seen if 'FROM "ticket_event"' in s)
    documents = next(s for s in statements.seen if 'FROM "document"' in s)
    assert '"action"' in history and '"hash"' not in history and '"prev_hash"' not in history
    assert '"filename"' in documents and '"sha256"' not in documents


def test_the_ticket_pages_labels_follow_the_language(app, client, login_as, make_ticket):
    """The states', history entries' and steps' labels are translated once per language and
    kept: each page shows its own language's, whichever language came first."""
    from flask_babel import force_locale
    from markupsafe import escape

    from deskadmin.ticket_reads import step_title
    from models.sop import STATES
    from models.workflow import event_label

    ticket = make_ticket("assigned")
    login_as("helpdesk")
    pages = [
        (lang, client.get(f"/admin/tiket/details/?id={ticket.id}&lang={lang}"))
        for lang in ("en", "id", "en")
    ]
    expected = {}
    for lang in ("id", "en"):
        with app.test_request_context("/"), force_locale(lang):
            expected[lang] = [
                str(STATES["assigned"].label),
                str(event_label("disposed")),
                str(step_title(ticket.step, "assigned")),
            ]
    assert expected["id"][0] != expected["en"][0] and expected["id"][1] != expected["en"][1]
    for lang, page in pages:
        html = page.get_data(as_text=True)
        assert all(str(escape(label)) in html for label in expected[lang]), lang
        other = "en" if lang == "id" else "id"
        for mine, theirs in zip(expected[lang], expected[other], strict=True):
            if mine != theirs:  # neither the state's, the history entry's nor the step's
                assert f">{escape(theirs)}<" not in html, (lang, theirs)


def test_the_ticket_page_takes_its_catalogue_rows_from_the_kept_catalogue(
    client, login_as, make_ticket
):
    """The ticket's SELECT joins no catalogue table (PostgreSQL spent more planning those
    joins than reading them); the page still names the ticket's agency, service and seksi,
    and a service renamed in the admin shows at once in that process."""
    from models import process_cache
    from models.catalog import Layanan

    ticket = make_ticket("assigned")
    login_as("helpdesk")
    path = f"/admin/tiket/details/?id={ticket.id}"
    client.get(path)
    with Statements() as statements:
        html = client.get(path).get_data(as_text=True)
    (read,) = [s for s in statements.seen if 'FROM "ticket"' in s and "tracking_token" in s]
    joined = read.split(" WHERE ")[0]  # the scope's subquery reads the services: not a join
    assert not any(f'JOIN "{t}"' in joined for t in ("perangkat_daerah", "layanan", "seksi"))
    assert '"t1"."layanan_id" IN (SELECT' in read
    layanan = Layanan.get_by_id(ticket.layanan_id)
    assert str(escape(layanan.name)) in html
    assert str(escape(ticket.perangkat_daerah.name)) in html
    assert str(escape(layanan.seksi.name)) in html
    Layanan.update(name="Layanan berganti nama").where(Layanan.id == layanan.id).execute()
    process_cache.forget()  # as the catalogue's admin view does after an edit
    assert "Layanan berganti nama" in client.get(path).get_data(as_text=True)
