"""The staff audit log on the staff side: what is recorded from a request (who, from where),
the Flask-Security signals it listens to, the mixin of audited model views, and the read-only
page at `/admin/audit/` (admin only: filter, search; never create, edit or delete).

The rule (an append-only, hash-chained entry) is `models.audit.record`; this module only
gathers the request's plain values for it.
"""

from __future__ import annotations

from flask import g, has_request_context, request
from flask_admin.contrib.peewee import ModelView
from flask_babel import lazy_gettext as _l
from flask_login import user_logged_out
from flask_security import (
    current_user,
    password_changed,
    tf_disabled,
    tf_profile_changed,
    user_authenticated,
    user_failed_authn,
)

from deskadmin.access import AdminOnly
from formatting import local_datetime
from models import audit
from models.audit import ACTIONS, AuditEntry

SECRET_FIELDS = {"password", "password_confirm", "new_password", "csrf_token"}


def remote_addr() -> str | None:
    """The requester's address (the real one behind DESK_TRUSTED_PROXIES' ProxyFix)."""
    return request.remote_addr if has_request_context() else None


def audit_staff(action: str, target: str = "", detail=None, *, actor=None, actor_label=None):
    """Record `action` by the logged-in staff member (or `actor`) from this request."""
    if actor is None and actor_label is None:
        actor = current_user if current_user and current_user.is_authenticated else None
    if has_request_context():
        g.desk_audited = True
    return audit.record(
        action,
        actor,
        target=target,
        detail=detail,
        remote_addr=remote_addr(),
        actor_label=actor_label,
    )


def form_changes(form) -> dict:
    """The submitted values of a model form, without passwords or the CSRF token."""
    return {
        name: (list(value) if isinstance(value, (list, set, tuple)) else value)
        for name, value in (form.data or {}).items()
        if name not in SECRET_FIELDS
    }


class AuditedModelView:
    """A Flask-Admin model view whose creations, changes and deletions are audited."""

    def audit_target(self, model) -> str:
        return f"{self.model._meta.table_name} {model.get_id()} ({model})"

    def after_model_change(self, form, model, is_created):
        super().after_model_change(form, model, is_created)
        audit_staff(
            "created" if is_created else "updated", self.audit_target(model), form_changes(form)
        )

    def after_model_delete(self, model):
        super().after_model_delete(model)
        audit_staff("deleted", self.audit_target(model))


# --- Flask-Security's signals ------------------------------------------------------------------


def _on_login(sender, user, **extra):
    audit_staff("login", f"user {user.id}", {"via": str(extra.get("authn_via") or "")}, actor=user)


def _on_failed(sender, user, **extra):
    audit_staff(
        "login_failed",
        f"user {user.id}",
        {"auth_type": extra.get("auth_type"), "second_factor": bool(extra.get("tfa"))},
        actor=user,
    )


def _on_logout(sender, user, **extra):
    if user is not None and getattr(user, "is_authenticated", False):
        audit_staff("logout", f"user {user.id}", actor=user)


def _on_password(sender, user, **extra):
    audit_staff("password_changed", f"user {user.id}", actor=user)


def _on_tf_changed(sender, user, **extra):
    audit_staff("tf_changed", f"user {user.id}", {"method": extra.get("method")}, actor=user)


def _on_tf_disabled(sender, user, **extra):
    audit_staff("tf_disabled", f"user {user.id}", actor=user)


SIGNALS = (
    (user_authenticated, _on_login),
    (user_failed_authn, _on_failed),
    (user_logged_out, _on_logout),
    (password_changed, _on_password),
    (tf_profile_changed, _on_tf_changed),
    (tf_disabled, _on_tf_disabled),
)


def _unknown_account_login(response):
    """A login refused for an email no account has: no signal says so; the form's answer does."""
    if (
        request.endpoint == "security.login"
        and request.method == "POST"
        and response.status_code not in (302, 303)
        and not g.get("desk_audited")
        and request.form.get("email")
    ):
        audit_staff(
            "login_failed",
            "",
            {"reason": "unknown_or_invalid"},
            actor_label=request.form.get("email", "")[:255],
        )
    return response


def init_app(app) -> None:
    """Listen to the login signals (once per process: blinker's signals are global and every
    handler writes into the current app's database) and watch the login form's answers."""
    for signal, handler in SIGNALS:
        signal.connect(handler, weak=False)  # connecting twice is a no-op
    app.after_request(_unknown_account_login)


# --- the page ---------------------------------------------------------------------------------


class AuditLogView(AdminOnly, ModelView):
    """The audit log, newest first: read only."""

    can_create = can_edit = can_delete = False
    can_view_details = True
    page_size = 50
    column_default_sort = ("id", True)
    column_list = ("at", "actor_label", "remote_addr", "action", "target", "detail")
    column_details_list = (*column_list, "prev_hash", "hash")
    column_labels = {
        "at": _l("Waktu"),
        "actor_label": _l("Pelaku"),
        "remote_addr": _l("Alamat jaringan"),
        "action": _l("Kejadian"),
        "target": _l("Sasaran"),
        "detail": _l("Rincian"),
    }
    column_filters = ("action", "actor_label", "remote_addr", "at", "target")
    column_searchable_list = ("actor_label", "target", "remote_addr")
    column_choices = {"action": [(k, v) for k, v in ACTIONS.items()]}
    column_formatters = {"at": lambda v, c, m, n: local_datetime(m.at)}


def add_views(admin) -> None:
    admin.add_view(
        AuditLogView(AuditEntry, name=_l("Log audit"), endpoint="audit", url="/admin/audit")
    )
