"""Managing staff accounts (the admin's page): create, change roles and placement, deactivate.

Plain functions taking the acting admin and plain values. Each raises `StaffError` with a message
fit to show a person and changes nothing when refused. The rule kept everywhere here: there is
always at least one active admin.
"""

from __future__ import annotations

import uuid

from flask_babel import gettext as _

from models import process_cache
from models.catalog import Bidang, Seksi
from models.db import locked, write_transaction
from models.seed import StaffError, create_staff_user
from models.staff import (
    ADMIN,
    AGENT,
    HELPDESK,
    KEPALA_BIDANG,
    KEPALA_SEKSI,
    ROLES,
    Role,
    User,
    UserRoles,
)
from models.validation import NIP_RE, normalize_nip

__all__ = ["StaffError", "create_staff", "update_staff", "deactivate", "activate"]


def _require_admin(actor) -> None:
    if actor is None or not actor.active or ADMIN not in actor.role_names:
        raise StaffError(_("Hanya admin yang dapat mengelola pengguna staf."))


def _placement(roles, bidang_id, seksi_id):
    """Check roles and placement; returns (bidang, seksi) with the bidang taken from the seksi."""
    roles = [r for r in dict.fromkeys(roles or ()) if r]
    if not roles:
        raise StaffError(_("Pilih sedikitnya satu peran."))
    unknown = [r for r in roles if r not in ROLES]
    if unknown:
        raise StaffError(_("Peran tidak dikenal: %(roles)s.", roles=", ".join(unknown)))
    bidang = Bidang.get_or_none(Bidang.id == bidang_id) if bidang_id else None
    seksi = Seksi.get_or_none(Seksi.id == seksi_id) if seksi_id else None
    if bidang_id and bidang is None:
        raise StaffError(_("Bidang yang dipilih tidak dikenal."))
    if seksi_id and seksi is None:
        raise StaffError(_("Seksi yang dipilih tidak dikenal."))
    if seksi is not None:
        if bidang is not None and seksi.bidang_id != bidang.id:
            raise StaffError(
                _("%(seksi)s bukan bagian dari %(bidang)s.", seksi=seksi.name, bidang=bidang.name)
            )
        bidang = Bidang.get_by_id(seksi.bidang_id)
    if set(roles) & {AGENT, KEPALA_SEKSI} and seksi is None:
        raise StaffError(_("Agen dan Kepala Seksi harus ditempatkan pada sebuah seksi."))
    if set(roles) & {HELPDESK, KEPALA_BIDANG} and bidang is None:
        raise StaffError(_("Helpdesk dan Kepala Bidang harus ditempatkan pada sebuah bidang."))
    return roles, bidang, seksi


def _other_active_admins(user_id) -> int:
    """Active admins other than `user_id`, counted under a lock on the admin role: two admins
    demoting or deactivating each other at once are serialised, so one admin always stays."""
    locked(Role.select().where(Role.name == ADMIN)).execute()
    return (
        User.select()
        .join(UserRoles)
        .join(Role)
        .where(Role.name == ADMIN, User.active == True, User.id != user_id)  # noqa: E712
        .count()
    )


def _load(user_id) -> User:
    user = User.get_or_none(User.id == user_id)
    if user is None:
        raise StaffError(_("Pengguna tidak ditemukan."))
    return user


def _nip_and_position(nip, position) -> dict:
    """The staff NIP (checked like the requester's: 18 digits, spaces dropped) and position,
    both optional; None for an empty one."""
    nip = normalize_nip(nip or "")
    if nip and not NIP_RE.match(nip):
        raise StaffError(_("NIP harus terdiri dari 18 angka."))
    position = (position or "").strip()
    if len(position) > 120:
        raise StaffError(_("Jabatan terlalu panjang (maksimal %(n)d karakter).", n=120))
    if any(ord(c) < 32 for c in position):
        raise StaffError(_("Isian ini harus satu baris, tanpa karakter kendali."))
    return {"nip": nip or None, "position": position or None}


def create_staff(
    actor,
    email,
    name,
    roles,
    bidang_id=None,
    seksi_id=None,
    password=None,
    nip=None,
    position=None,
):
    """An admin creates an active staff user with one or more roles; returns (user, password).

    A helpdesk or kepala_bidang needs a bidang, an agent or kepala_seksi a seksi (whose bidang
    is then theirs). With no password a random one is made and returned.
    """
    _require_admin(actor)
    if not (name or "").strip():
        raise StaffError(_("Nama wajib diisi."))
    if not (email or "").strip():
        raise StaffError(_("Email wajib diisi."))
    identity = _nip_and_position(nip, position)
    if password:
        from staffauth.passwords import check_password

        problems = check_password(password)
        if problems:
            raise StaffError(" ".join(str(p) for p in problems))
    roles, bidang, seksi = _placement(roles, bidang_id, seksi_id)
    with write_transaction():
        user, password = create_staff_user(
            email,
            name.strip(),
            roles[0],
            bidang.code if bidang else None,
            seksi.code if seksi else None,
            password or None,
        )
        for role in roles[1:]:
            UserRoles.create(user=user, role=Role.get(Role.name == role))
        User.update(**identity).where(User.id == user.id).execute()
    process_cache.forget()
    return User.get_by_id(user.id), password


def update_staff(
    actor, user_id, name, roles, bidang_id=None, seksi_id=None, nip=None, position=None
) -> User:
    """An admin changes a user's name, roles and placement. The last active admin keeps the
    admin role. A change of roles or placement ends the user's sessions (their rights changed).
    """
    _require_admin(actor)
    if not (name or "").strip():
        raise StaffError(_("Nama wajib diisi."))
    identity = _nip_and_position(nip, position)
    roles, bidang, seksi = _placement(roles, bidang_id, seksi_id)
    with write_transaction():
        user = _load(user_id)
        before = (user.role_names, user.bidang_id, user.seksi_id)
        if ADMIN in before[0] and ADMIN not in roles and user.active:
            if _other_active_admins(user.id) == 0:
                raise StaffError(_("Peran admin tidak dapat dicabut dari admin aktif terakhir."))
        changes = dict(
            name=name.strip(),
            **identity,
            bidang=bidang.id if bidang else None,
            seksi=seksi.id if seksi else None,
        )
        if before != (set(roles), changes["bidang"], changes["seksi"]):
            changes["fs_uniquifier"] = uuid.uuid4().hex
        User.update(**changes).where(User.id == user.id).execute()
        UserRoles.delete().where(UserRoles.user == user.id).execute()
        for role in roles:
            UserRoles.create(user=user.id, role=Role.get(Role.name == role))
    User.forget_role_names()
    process_cache.forget()  # the agents in the lists' filter choices
    return User.get_by_id(user.id)


def deactivate(actor, user_id) -> User:
    """An admin deactivates a user: they cannot log in and every open session of theirs ends
    (a new `fs_uniquifier`). Never the last active admin. Their tickets and history stay.
    """
    _require_admin(actor)
    with write_transaction():
        user = _load(user_id)
        if not user.active:
            raise StaffError(_("%(name)s sudah nonaktif.", name=user.name))
        if ADMIN in user.role_names and _other_active_admins(user.id) == 0:
            raise StaffError(_("Admin aktif terakhir tidak dapat dinonaktifkan."))
        User.update(active=False, fs_uniquifier=uuid.uuid4().hex).where(
            User.id == user.id
        ).execute()
    process_cache.forget()
    return User.get_by_id(user.id)


def activate(actor, user_id) -> User:
    """An admin lets a deactivated user log in again."""
    _require_admin(actor)
    with write_transaction():
        user = _load(user_id)
        if user.active:
            raise StaffError(_("%(name)s sudah aktif.", name=user.name))
        User.update(active=True).where(User.id == user.id).execute()
    process_cache.forget()
    return User.get_by_id(user.id)
