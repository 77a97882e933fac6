"""Staff accounts (admin only): create, change roles and placement, deactivate or reactivate.

The rules live in `models.staff_admin`; these views only call it and show its message.
Accounts are never deleted (their history stays); deactivating ends their sessions.
"""

from __future__ import annotations

from flask import flash, request
from flask_admin.actions import action
from flask_admin.contrib.peewee import ModelView
from flask_admin.form import BaseForm
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_security import current_user
from markupsafe import Markup
from peewee import JOIN
from wtforms import PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import InputRequired, Optional

from deskadmin.access import AdminOnly
from deskadmin.audit import audit_staff, form_changes
from models import staff_admin
from models.catalog import Bidang, Seksi
from models.staff import ROLES, Role, User, UserRoles


def _opt_int(value):
    try:
        return int(value) if value not in (None, "", "None") else None
    except (TypeError, ValueError):
        return None


class StaffForm(BaseForm):
    email = StringField(_l("Email"), validators=[InputRequired()])
    name = StringField(_l("Nama"), validators=[InputRequired()])
    nip = StringField(_l("NIP (18 angka)"), validators=[Optional()])
    position = StringField(_l("Jabatan"), validators=[Optional()])
    roles = SelectMultipleField(_l("Peran"), choices=[])
    bidang = SelectField(_l("Bidang"), coerce=_opt_int, choices=[])
    seksi = SelectField(_l("Seksi"), coerce=_opt_int, choices=[])
    password = PasswordField(_l("Kata sandi (kosongkan: dibuat acak)"), validators=[Optional()])

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.roles.choices = [(k, str(v)) for k, v in ROLES.items()]
        self.bidang.choices = [(None, "—")] + [(b.id, b.name) for b in Bidang.select()]
        self.seksi.choices = [(None, "—")] + [
            (s.id, f"{s.name} ({s.bidang.name})")
            for s in Seksi.select(Seksi, Bidang).join(Bidang).order_by(Bidang.name, Seksi.name)
        ]


class StaffEditForm(StaffForm):
    email = None
    password = None


class StaffUserView(AdminOnly, ModelView):
    form_base_class = BaseForm
    can_delete = False
    can_view_details = False
    page_size = 50
    column_list = ("name", "email", "roles", "bidang", "seksi", "active")
    column_labels = {
        "name": _l("Nama"),
        "email": _l("Email"),
        "roles": _l("Peran"),
        "bidang": _l("Bidang"),
        "seksi": _l("Seksi"),
        "active": _l("Aktif"),
    }
    column_searchable_list = ("name", "email")
    column_sortable_list = ("name", "email", "active")
    column_formatters = {
        "roles": lambda v, c, m, n: ", ".join(getattr(m, "_role_labels", [])),
        "bidang": lambda v, c, m, n: m.bidang.name if m.bidang_id else "–",
        "seksi": lambda v, c, m, n: m.seksi.name if m.seksi_id else "–",
        "active": lambda v, c, m, n: (
            Markup('<span class="badge badge-success">{}</span>').format(_("aktif"))
            if m.active
            else Markup('<span class="badge badge-secondary">{}</span>').format(_("nonaktif"))
        ),
    }
    form = StaffForm

    def search_placeholder(self):
        return _("Nama atau email")

    def get_query(self):
        SeksiAlias = Seksi.alias()
        return (
            User.select(User, Bidang, SeksiAlias)
            .join(Bidang, JOIN.LEFT_OUTER, on=(User.bidang == Bidang.id), attr="bidang")
            .switch(User)
            .join(SeksiAlias, JOIN.LEFT_OUTER, on=(User.seksi == SeksiAlias.id), attr="seksi")
        )

    def _handle_join(self, query, field, joins):
        return query

    def get_list(self, *args, **kwargs):
        count, rows = super().get_list(*args, **kwargs)
        if kwargs.get("execute", True) and rows:
            labels = {}
            links = (
                UserRoles.select(UserRoles.user, Role.name)
                .join(Role)
                .where(UserRoles.user.in_([u.id for u in rows]))
                .tuples()
            )
            for user_id, role in links:
                labels.setdefault(user_id, []).append(str(ROLES.get(role, role)))
            for user in rows:
                user._role_labels = sorted(labels.get(user.id, []))
        return count, rows

    def get_edit_form(self):
        return StaffEditForm

    def get_create_form(self):
        return StaffForm

    def edit_form(self, obj=None):
        form = super().edit_form(obj)
        if obj is not None and request.method == "GET":
            form.roles.data = sorted(obj.role_names)
            form.bidang.data = obj.bidang_id
            form.seksi.data = obj.seksi_id
            form.position.data = obj.position
        return form

    def create_model(self, form):
        try:
            user, password = staff_admin.create_staff(
                current_user,
                form.email.data,
                form.name.data,
                form.roles.data,
                form.bidang.data,
                form.seksi.data,
                form.password.data or None,
                nip=form.nip.data,
                position=form.position.data,
            )
        except staff_admin.StaffError as exc:
            flash(str(exc), "error")
            return False
        audit_staff("created", f"user {user.id} ({user.email})", form_changes(form))
        if not form.password.data:
            flash(_("Kata sandi awal %(email)s: %(pw)s", email=user.email, pw=password), "info")
        return user

    def update_model(self, form, model):
        try:
            staff_admin.update_staff(
                current_user,
                model.id,
                form.name.data,
                form.roles.data,
                form.bidang.data,
                form.seksi.data,
                nip=form.nip.data,
                position=form.position.data,
            )
        except staff_admin.StaffError as exc:
            flash(str(exc), "error")
            return False
        audit_staff("updated", f"user {model.id} ({model.email})", form_changes(form))
        return True

    def _each(self, ids, change, done):
        for user_id in ids:
            try:
                user = change(current_user, int(user_id))
                audit_staff("action", f"user {user.id} ({user.email})", {"done": str(done)})
                flash(_("%(name)s: %(done)s", name=user.name, done=done), "success")
            except staff_admin.StaffError as exc:
                flash(str(exc), "error")

    @action("deactivate", _l("Nonaktifkan"), _l("Nonaktifkan pengguna terpilih?"))
    def action_deactivate(self, ids):
        self._each(ids, staff_admin.deactivate, _("dinonaktifkan"))

    @action("activate", _l("Aktifkan kembali"))
    def action_activate(self, ids):
        self._each(ids, staff_admin.activate, _("diaktifkan"))


def add_views(admin) -> None:
    admin.add_view(StaffUserView(User, name=_l("Pengguna staf"), endpoint="staf"))
