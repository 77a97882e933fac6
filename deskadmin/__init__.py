"""The staff side: Flask-Admin views per role, with the SOP's actions.

`/admin/` is the home page per role (`dashboard.py`: queues, urgent tickets, the heads'
figures); the ticket lists and the ticket page are in `tickets.py` / `ticket_page.py`, the
on-behalf form in `onbehalf.py`, the catalogue and the staff accounts (admin only) in
`catalog.py` and `staff.py`, the email outbox in `outbox.py`. Who sees what: `access.py`.
"""

from __future__ import annotations

from flask_admin import Admin
from flask_admin.menu import MenuLink
from flask_admin.theme import Bootstrap4Theme
from flask_babel import lazy_gettext as _l

from deskadmin import (
    audit,
    catalog,
    compliance,
    letterhead,
    menu,
    monthly_report,
    outbox,
    skm,
    staff,
    template_files,
    trust_roots,
)
from deskadmin.dashboard import DeskIndexView
from deskadmin.onbehalf import OnBehalfView
from deskadmin.queues import QUEUES
from deskadmin.ticket_page import TicketView
from deskadmin.tickets import QueueView
from security_headers import nonce


def init_admin(app) -> None:
    """Register the staff views on `app`: `/admin/` and below, every page behind login."""
    # One Admin per app: its views hold per-app state, and tests build many apps.
    admin = Admin(
        name=_l("Service Desk Diskominfo Jabar"),
        index_view=DeskIndexView(name=_l("Beranda"), url="/admin"),
        theme=Bootstrap4Theme(base_template="admin/desk_base.html", fluid=True),
        csp_nonce_generator=nonce,
    )
    tickets = _l("Tiket")
    admin.add_view(
        TicketView(name=_l("Semua tiket"), category=tickets, endpoint="tickets", url="/admin/tiket")
    )
    for queue in QUEUES:
        admin.add_view(QueueView(queue, category=tickets))
    admin.add_view(OnBehalfView(name=_l("Catat permohonan"), endpoint="on_behalf"))
    catalog.add_views(admin)
    template_files.add_views(admin)
    letterhead.add_views(admin)
    staff.add_views(admin)
    outbox.add_views(admin)
    compliance.add_views(admin)
    skm.add_views(admin)
    monthly_report.add_views(admin)
    audit.add_views(admin)
    trust_roots.add_views(admin)
    admin.add_link(MenuLink(name=_l("Halaman publik"), url="/"))
    admin.init_app(app)
    menu.init_app(app)
    audit.init_app(app)
    app.extensions["desk_admin"] = admin
