"""The ticket lists write their rows with what every row shares looked up once per page (issue
#12, W2), and show the same: the date writer gives Babel's text, the age writer gettext's, the
light rows the model's cells, and a page's translations do not grow with its rows."""

from __future__ import annotations

import datetime as dt
import json
import random
import re

import flask_babel
import pytest
from babel.dates import format_datetime
from flask import url_for
from flask_babel import force_locale
from flask_babel import gettext as _
from markupsafe import escape
from peewee import JOIN

from deskadmin.menu import desk_static
from deskadmin.ticket_cells import Agent, ListPage, ListRow, escaped_text
from deskadmin.tickets import TicketListBase
from formatting import DATETIME_PATTERN, age, age_writer, datetime_writer, local_datetime
from models import process_cache
from models.calendar import calendar
from models.catalog import Layanan, PerangkatDaerah
from models.ticket import Ticket
from tests.helpers import T0


def moments(count=3000, seed=12):
    """Naive UTC moments over two centuries, every month, day and hour among them."""
    rng = random.Random(seed)
    start = dt.datetime(1950, 1, 1)
    span = int((dt.datetime(2150, 1, 1) - start).total_seconds())
    found = [start + dt.timedelta(seconds=rng.randrange(span)) for _ in range(count)]
    found += [dt.datetime(2026, month, 1) - dt.timedelta(minutes=m) for month in range(1, 13)
              for m in (0, 1, 7 * 60)]  # fmt: skip
    return found


@pytest.mark.parametrize("language", ["id", "en"])
def test_the_date_writer_writes_babels_text(app, language):
    with app.test_request_context("/"), force_locale(language):
        write = datetime_writer()
        for value in moments():
            local = calendar.to_local(value)
            babel = format_datetime(local, DATETIME_PATTERN, tzinfo=local.tzinfo, locale=language)
            assert write(value) == f"{babel} WIB", value
            assert local_datetime(value) == f"{babel} WIB"
            aware = value.replace(tzinfo=dt.UTC).astimezone(dt.timezone(dt.timedelta(hours=-5)))
            assert write(aware) == f"{babel} WIB"
        assert write(None) == local_datetime(None) == ""
        november = datetime_writer("id")(dt.datetime(2026, 11, 28, 7, 5))
    assert november == "28 November 2026, 14.05 WIB"


@pytest.mark.parametrize("language", ["id", "en"])
def test_the_age_writer_says_what_gettext_says(app, language):
    now = dt.datetime(2026, 11, 28, 7, 5)
    with app.test_request_context("/"), force_locale(language):
        write = age_writer(now)
        for seconds in [*range(0, 7300, 13), *range(0, 90 * 86400, 3607), -5]:
            value = now - dt.timedelta(seconds=seconds)
            left = max(0, seconds)
            if left >= 86400:
                expected = _("%(n)d hari", n=left // 86400)
            elif left >= 3600:
                expected = _("%(n)d jam", n=left // 3600)
            else:
                expected = _("%(n)d menit", n=left // 60)
            assert write(value) == age(value, now) == expected, seconds
        assert write(None) == ""
        assert write(now - dt.timedelta(days=3)) == {"id": "3 hari", "en": "3 days"}[language]


def model_rows(ids):
    """The same tickets as the model graph Flask-Admin's peewee view reads (four models a row)."""
    query = TicketListBase.base_query(None)  # the list's query, before it picks its columns
    return list(query.where(Ticket.id.in_(ids)).order_by(Ticket.id))


def test_a_light_row_shows_what_the_models_show(app, db, make_ticket):
    tickets = [make_ticket(s) for s in ("open", "assigned", "selesai", "closed")]
    Ticket.update(reply_unread=True, subject='<b>"PPDB" & co</b>').where(
        Ticket.id == tickets[1].id
    ).execute()
    Ticket.update(due_at=T0 + dt.timedelta(days=3650)).where(Ticket.id == tickets[0].id).execute()
    view = next(v for v in app.extensions["desk_admin"]._views if v.endpoint == "tickets")
    ids = [t.id for t in tickets]
    with app.test_request_context("/admin/tiket/"):
        light = ListRow.read(
            Ticket.select().join(PerangkatDaerah).switch(Ticket).join(Layanan).switch(Ticket)
            .join(Agent, JOIN.LEFT_OUTER, on=(Ticket.assigned_agent == Agent.id))
            .where(Ticket.id.in_(ids)).order_by(Ticket.id),
            view._row_columns(),
        )  # fmt: skip
        models = model_rows(ids)
        assert [r.id for r in light] == [m.id for m in models] == ids
        page = ListPage()
        for row, model in zip(light, models, strict=True):
            for name, _label in view._list_columns:
                from_model = view.get_list_value(None, model, name)
                shown = view._cell_writer(page, name)[1](row)
                assert shown == escape(from_model), (name, shown, from_model)
            assert row.state is model.state and row.perangkat_daerah_id == model.perangkat_daerah_id
        assert (light[0].agent, light[1].agent.name) == (None, models[1].agent.name)
        html = view.rows_html(light, True)
    assert html.count("<tr>") == 4 and html.count('name="rowid"') == 4
    assert f'value="{ids[1]}" title="Pilih data"' in html or f'value="{ids[1]}"' in html
    assert "&lt;b&gt;&#34;PPDB&#34; &amp; co&lt;/b&gt;" in html and "<b>" not in html


def test_a_list_pages_translations_do_not_grow_with_its_rows(client, login_as, make_ticket):
    login_as("helpdesk")
    calls = []
    original = flask_babel.Domain.get_translations

    def counting(self):
        calls.append(1)
        return original(self)

    def lookups() -> int:
        client.get("/admin/tiket/?flt1_6=all")  # the filter choices are read once, then kept
        calls.clear()
        html = client.get("/admin/tiket/?flt1_6=all").get_data(as_text=True)
        return len(calls), html.count('name="rowid"')

    flask_babel.Domain.get_translations = counting
    try:
        make_ticket("assigned")
        few, rows_few = lookups()
        for status in ("open", "assigned", "selesai", "closed") * 3:
            make_ticket(status)
        many, rows_many = lookups()
    finally:
        flask_babel.Domain.get_translations = original
    assert rows_many >= rows_few + 12
    assert many == few, (few, many)


def same_html(html: str) -> list[str]:
    """`html` with the whitespace between and around tags left out, one tag a line."""
    html = re.sub(r"\s+", " ", html)
    html = re.sub(r">\s+", ">", html)
    html = re.sub(r"\s+<", "<", html)
    return html.replace("><", ">\n<").splitlines()


@pytest.mark.parametrize(
    ("role", "path"),
    [
        ("helpdesk", "/admin/tiket/?flt1_6=all"),
        ("helpdesk", "/admin/tiket/?flt1_6=all&sort=1&desc=1&page=2"),
        ("helpdesk", "/admin/tiket/?flt1_6=all&sort=6&page=4&search=a&x=%3Cb%3E"),
        ("helpdesk", "/admin/tiket/?flt0_0=closed&lang=en"),
        ("helpdesk", "/admin/menunggu-balasan/?page=1"),
        ("helpdesk", "/admin/tiket/?flt0_0=nothing"),
        ("helpdesk", "/admin/terlambat/?search=%22a%3C%26&sort=2&flt0_0=x&y=%22"),
        ("agent", "/admin/tiket/?flt1_6=all&search=b"),
        ("admin", "/admin/tiket/?flt1_6=all&lang=en&sort=0&desc=1"),
    ],
)
def test_a_list_page_is_flask_admins_own(
    app, client, login_as, make_ticket, monkeypatch, role, path
):
    for status in ("open", "assigned", "selesai", "closed", "incomplete") * 3:
        make_ticket(status)
    login_as(role)
    client.get(path)  # a message flashed on the way in (a language chosen) is shown once
    views = [v for v in app.extensions["desk_admin"]._views if hasattr(v, "rows_html")]
    for view in views:
        monkeypatch.setattr(view, "page_size", 2)  # a pager of several pages
    ours = client.get(path).get_data(as_text=True)
    for view in views:
        monkeypatch.setattr(view, "list_template", "admin/model/list.html")
    theirs = client.get(path).get_data(as_text=True)
    token = re.compile(r'(name="csrf_token" value=")[^"]+|(nonce=")[^"]+')
    ours, theirs = (same_html(token.sub(r"\1\2", html)) for html in (ours, theirs))
    # a pager of several pages, but where nothing matches (an unknown state, nothing overdue)
    assert 'class="pagination"' in "".join(theirs) or "nothing" in path or "terlambat" in path
    assert ours == theirs


def test_the_filter_groups_are_kept_while_their_choices_are(app, db):
    view = next(v for v in app.extensions["desk_admin"]._views if v.endpoint == "tickets")
    with app.test_request_context("/admin/tiket/"):
        groups = view._get_filter_groups()
        assert view._get_filter_groups() is groups  # kept
        assert view.filter_groups_json() is view.filter_groups_json()
        with force_locale("en"):
            english = view._get_filter_groups()
        process_cache.forget()  # the choices are read again: the groups are built again
        again = view._get_filter_groups()
    assert again is not groups and again == groups
    assert "Petugas" in groups and "Agent" in english and "Petugas" not in english
    assert json.loads(view_json(app, view)) == json.loads(json.dumps(groups))


def view_json(app, view):
    with app.test_request_context("/admin/tiket/"):
        return str(view.filter_groups_json())


def test_a_static_files_address_is_url_fors_per_path_prefix(app):
    for root in ("", "/desk"):
        with app.test_request_context("/admin/", base_url=f"http://localhost{root}/"):
            for filename, v in [("vendor/jquery.min.js", "3.5.1"), ("admin/js/helpers.js", None)]:
                expected = url_for("admin.static", filename=filename, v=v)
                assert desk_static(filename, v) == desk_static(filename, v) == expected
                assert expected.startswith(f"{root}/admin/static/")
            ours = url_for("static", filename="css/desk-admin.css")
            assert desk_static("css/desk-admin.css", endpoint="static") == ours
            assert "?v=" in ours


def test_a_cells_text_is_escaped_as_markupsafe_escapes_it():
    rng = random.Random(7)
    alphabet = "aZ9 .,-–é&<>\"'/=;#"
    texts = ["", "SD-2026-000001", "Dinas <Kominfo> & \"Sandi\" 'x'", *(
        "".join(rng.choice(alphabet) for _ in range(rng.randrange(12))) for _ in range(2000)
    )]  # fmt: skip
    for text in texts:
        assert escaped_text(text) == str(escape(text)), text
        assert type(escaped_text(text)) is str


def test_a_list_with_what_its_written_page_leaves_out_is_refused(app):
    from deskadmin.ticket_page import TicketView

    for name in ("can_create", "can_set_page_size", "details_modal"):
        view = type("Odd", (TicketView,), {name: True})
        with pytest.raises(TypeError, match=name):
            view(name="Odd", endpoint=f"odd_{name}")
