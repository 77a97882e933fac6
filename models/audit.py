"""The staff audit log: who did what, when and from where; never edited, never deleted.

Entries are appended only through `record` (one write transaction each, linked into the audit
hash chain, `models.hashchain`): logins, failed logins, lockouts, second-factor changes,
password changes, document downloads and previews, exports, and changes to accounts, roles and
the catalogue. Staff read them at `/admin/audit/` (admin only, read-only).
"""

from __future__ import annotations

import json

from flask_babel import lazy_gettext as _l
from peewee import CharField, DateTimeField, IntegerField, TextField

from models.db import BaseModel, utcnow, write_transaction
from models.hashchain import AUDIT_CHAIN, append

ACTIONS = {
    "login": _l("Masuk"),
    "login_failed": _l("Gagal masuk"),
    "lockout": _l("Akun terkunci"),
    "logout": _l("Keluar"),
    "password_changed": _l("Kata sandi diganti"),
    "tf_changed": _l("Verifikasi dua langkah diubah"),
    "tf_disabled": _l("Verifikasi dua langkah dimatikan"),
    "document_download": _l("Unduh dokumen"),
    "document_preview": _l("Pratinjau dokumen"),
    "export": _l("Ekspor"),
    "created": _l("Data dibuat"),
    "updated": _l("Data diubah"),
    "deleted": _l("Data dihapus"),
    "action": _l("Tindakan massal"),
}

HASHED = ("at", "actor_id", "actor_label", "remote_addr", "action", "target", "detail")


class AuditEntry(BaseModel):
    """One audited staff event. `actor_id` is a plain number (no foreign key: nothing may change
    an entry, not even a cascade); `actor_label` is the email as it was."""

    at = DateTimeField(default=utcnow, index=True)
    actor_id = IntegerField(null=True, index=True)
    actor_label = CharField()
    remote_addr = CharField(null=True)
    action = CharField(index=True)
    target = CharField(default="")  # e.g. "user 5", "ticket SD-2026-000001 document 7"
    detail = TextField(default="")  # JSON: what changed, the filters of an export...
    prev_hash = CharField(null=True)
    hash = CharField()

    @property
    def action_label(self):
        return ACTIONS.get(self.action, self.action)


def record(
    action: str,
    actor=None,
    *,
    target: str = "",
    detail=None,
    remote_addr=None,
    actor_label: str | None = None,
    now=None,
) -> AuditEntry:
    """Append one audit entry (its own write transaction, or inside the caller's) for `actor`
    (a staff User, or None with `actor_label`, e.g. the email typed at a failed login)."""
    label = actor_label if actor_label is not None else getattr(actor, "email", None) or "-"
    fields = {
        "at": now or utcnow(),
        "actor_id": getattr(actor, "id", None),
        "actor_label": label[:255],
        "remote_addr": (remote_addr or None) and str(remote_addr)[:64],
        "action": action,
        "target": (target or "")[:255],
        "detail": detail
        if isinstance(detail, str)
        else json.dumps(detail or {}, sort_keys=True, ensure_ascii=False, default=str),
    }
    with write_transaction():
        return append(AUDIT_CHAIN, AuditEntry, fields, HASHED)
