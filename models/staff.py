"""Staff users and roles, in the shape Flask-Security-Too's PeeweeUserDatastore expects."""

from __future__ import annotations

import json

from flask import has_request_context, request
from flask_babel import lazy_gettext as _l
from flask_security import RoleMixin, UserMixin
from peewee import (
    BooleanField,
    CharField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    TextField,
)

from models.catalog import Bidang, Seksi
from models.db import BaseModel

ADMIN = "admin"
HELPDESK = "helpdesk"
AGENT = "agent"
KEPALA_BIDANG = "kepala_bidang"
KEPALA_SEKSI = "kepala_seksi"

ROLES = {
    ADMIN: _l("Admin"),
    HELPDESK: _l("Helpdesk Bidang"),
    AGENT: _l("Agen / Petugas Teknis"),
    KEPALA_BIDANG: _l("Kepala Bidang"),
    KEPALA_SEKSI: _l("Kepala Seksi"),
}


# Roles whose members must use a second factor (an authenticator app) to log in.
TWO_FACTOR_ROLES = (ADMIN,)


def _request_role_cache() -> dict | None:
    """The request's roles per user id (on the request, not on `g`, which outlives a request
    when an app context is already pushed), or None outside a request."""
    if not has_request_context():
        return None
    cache = getattr(request, "_desk_role_names", None)
    if cache is None:
        cache = request._desk_role_names = {}
    return cache


class JSONListField(TextField):
    """A list of strings kept as JSON text (Flask-Security's recovery codes)."""

    def db_value(self, value):
        return None if value is None else json.dumps(list(value))

    def python_value(self, value):
        return None if value is None else json.loads(value)


class Role(BaseModel, RoleMixin):
    name = CharField(unique=True)
    description = TextField(null=True)

    def __str__(self):
        return str(ROLES.get(self.name, self.name))


class User(BaseModel, UserMixin):
    email = CharField(unique=True)
    name = CharField()
    nip = CharField(null=True)
    position = CharField(null=True)  # jabatan, printed on the BA and the SLA
    password = CharField(null=True)
    active = BooleanField(default=True)
    fs_uniquifier = CharField(unique=True)
    confirmed_at = DateTimeField(null=True)
    bidang = ForeignKeyField(Bidang, null=True, backref="staff", on_delete="RESTRICT")
    seksi = ForeignKeyField(Seksi, null=True, backref="staff", on_delete="RESTRICT")
    # Two-factor login (Flask-Security): the method ("authenticator"), the encrypted TOTP
    # secret, the encrypted recovery codes, and the last TOTP time-step accepted (no replay).
    tf_primary_method = CharField(max_length=64, null=True)
    tf_totp_secret = CharField(max_length=255, null=True)
    mf_recovery_codes = JSONListField(null=True)
    tf_totp_last_counter = IntegerField(null=True)

    def __str__(self):
        return self.name

    def check_tf_required(self, tf_setup_methods, tf_fresh):
        """Two-factor login is required of every user who set it up and of every admin (an
        admin without it is sent to set it up before the first page); `TWO_FACTOR_ROLES`."""
        from flask import current_app

        required_roles = current_app.config.get("TWO_FACTOR_REQUIRED_ROLES", TWO_FACTOR_ROLES)
        if tf_setup_methods or self.role_names & set(required_roles):
            return True, tf_setup_methods
        return False, tf_setup_methods

    def is_locked(self, form_error=None):
        """Under DESK_ENV=production a demo account cannot log in, even with its password
        (`staffauth.production`)."""
        from flask_babel import gettext as _

        from staffauth.production import is_demo_account, production

        if production() and is_demo_account(self.email):
            import logging

            logging.getLogger("desk.auth").warning(
                "login of demo account %s refused: DESK_ENV=production", self.email
            )
            if form_error is not None:
                form_error.append(_("Akun demo tidak dapat dipakai di lingkungan produksi."))
            return True
        return False

    def check_tf_required_setup(self):
        """Whether the setup page offers to turn two-factor login off: not for the roles that
        must keep it."""
        from flask import current_app

        required_roles = current_app.config.get("TWO_FACTOR_REQUIRED_ROLES", TWO_FACTOR_ROLES)
        return bool(self.role_names & set(required_roles))

    def get_id(self):
        """The session identity Flask-Security stores and looks up: `fs_uniquifier`, not the
        primary key (peewee's `Model.get_id` would otherwise win), so rotating it ends every
        session of this user."""
        return str(self.fs_uniquifier)

    @property
    def role_names(self) -> set[str]:
        """The names of this user's roles: one query, read once per request (the scope, the
        menu and every action of one page ask again); outside a request, read each time."""
        cache = _request_role_cache()
        if cache is not None and self.id in cache:
            return set(cache[self.id])
        query = Role.select(Role.name).join(UserRoles).where(UserRoles.user == self.id)
        names = {role.name for role in query}
        if cache is not None:
            cache[self.id] = frozenset(names)
        return names

    @staticmethod
    def remember_role_names(user_id: int, names) -> None:
        """Give the request the roles of `user_id` read with the user (the session's user
        loader reads both in one query), so that `role_names` asks no more this request."""
        cache = _request_role_cache()
        if cache is not None:
            cache[user_id] = frozenset(names)

    @staticmethod
    def forget_role_names() -> None:
        """Drop the roles read so far in this request (after a change of someone's roles)."""
        cache = _request_role_cache()
        if cache is not None:
            cache.clear()

    @classmethod
    def with_role(cls, role: str):
        """Active users holding `role`."""
        return (
            cls.select().join(UserRoles).join(Role).where(Role.name == role, cls.active == True)  # noqa: E712
        )

    @classmethod
    def agents_of_seksi(cls, seksi_id: int):
        """Active agents of a seksi: whom a ticket of that seksi's services may be disposed to."""
        return cls.with_role(AGENT).where(cls.seksi == seksi_id).order_by(cls.name)


class UserRoles(BaseModel):
    """The user-role link; Flask-Security reads a user's roles through it (`user.roles`)."""

    user = ForeignKeyField(User, backref="roles", on_delete="CASCADE")
    role = ForeignKeyField(Role, backref="users", on_delete="CASCADE")

    class Meta:
        indexes = ((("user", "role"), True),)

    name = property(lambda self: self.role.name)
    description = property(lambda self: self.role.description)

    def get_permissions(self):
        return self.role.get_permissions()
