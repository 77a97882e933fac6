"""The email outbox (admin only): what was sent, what waits, what was given up and why; given-up
emails can be sent again. Read-only: rows are written by the workflow and the mail task."""

from __future__ import annotations

from flask import flash
from flask_admin.actions import action
from flask_admin.contrib.peewee import ModelView
from flask_admin.contrib.peewee.filters import FilterEqual
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from deskadmin.access import AdminOnly
from deskadmin.audit import audit_staff
from formatting import local_datetime
from models.ticket import NOTIFICATION_KINDS, NOTIFICATION_STATUSES, Notification, Ticket
from tasks.mail import retry_failed


def _when(name):
    return lambda view, context, model, field: local_datetime(getattr(model, name))


class OutboxView(AdminOnly, ModelView):
    can_create = can_edit = can_delete = False
    can_view_details = True
    page_size = 50
    column_list = (
        "created_at",
        "ticket",
        "kind",
        "audience",
        "status",
        "attempts",
        "next_attempt_at",
        "sent_at",
        "recipients",
        "last_error",
    )
    column_labels = {
        "created_at": _l("Dibuat"),
        "ticket": _l("Tiket"),
        "kind": _l("Jenis"),
        "audience": _l("Penerima"),
        "status": _l("Status"),
        "attempts": _l("Percobaan"),
        "next_attempt_at": _l("Dicoba lagi"),
        "sent_at": _l("Terkirim"),
        "recipients": _l("Alamat"),
        "last_error": _l("Galat terakhir"),
    }
    column_filters = (
        FilterEqual(Notification.status, _l("Status"), options=list(NOTIFICATION_STATUSES.items())),
        FilterEqual(Notification.kind, _l("Jenis"), options=list(NOTIFICATION_KINDS.items())),
    )
    column_default_sort = ("created_at", True)
    column_formatters = {
        "status": lambda v, c, m, n: m.status_label,
        "kind": lambda v, c, m, n: m.kind_label,
        "audience": lambda v, c, m, n: m.audience_label,
        "ticket": lambda v, c, m, n: m.ticket.number,
        "created_at": _when("created_at"),
        "next_attempt_at": _when("next_attempt_at"),
        "sent_at": _when("sent_at"),
    }

    def get_query(self):
        return Notification.select(Notification, Ticket).join(Ticket)

    @action("retry", _l("Kirim ulang"), _l("Kirim ulang email yang gagal?"))
    def action_retry(self, ids):
        """Staff try given-up emails again (only `failed` rows change)."""
        count = retry_failed(ids)
        audit_staff("action", "email", {"retry": sorted(int(i) for i in ids), "queued": count})
        flash(_("%(n)d email dijadwalkan untuk dikirim ulang.", n=count), "success")


def add_views(admin) -> None:
    admin.add_view(
        OutboxView(Notification, name=_l("Email keluar"), endpoint="outbox", url="/admin/email")
    )
