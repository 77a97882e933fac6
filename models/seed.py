"""Demo data and staff accounts: what `flask seed-demo` and `flask create-user` do."""

from __future__ import annotations

import datetime as dt
import secrets

import holidays
from flask_security.utils import hash_password

from models import demo_data
from models.catalog import Bidang, Holiday, Layanan, PerangkatDaerah, RequiredDocument, Seksi
from models.db import database
from models.staff import AGENT, HELPDESK, KEPALA_BIDANG, KEPALA_SEKSI, ROLES, Role, User
from models.validation import is_valid_email


def national_holidays(years) -> dict:
    """Indonesia's national holidays of `years` (the moving ones included: Idul Fitri, Idul
    Adha, Nyepi, Waisak, Imlek...) from the `holidays` package, named in Indonesian; a date with
    two holidays gets both names. Cuti bersama and local days are not in it: admins add them."""
    days = holidays.Indonesia(years=list(years), language="id")
    return {date: "; ".join(days.get_list(date)) for date in sorted(days)}


def seed_holidays(today=None) -> int:
    """Enter the national holidays of this year and the next (dates already entered, e.g. by
    an admin, are left as they are). Returns how many were added."""
    year = (today or dt.date.today()).year
    wanted = national_holidays((year, year + 1))
    known = Holiday.dates_between(min(wanted), max(wanted))
    rows = [{"date": d, "name": n[:255]} for d, n in wanted.items() if d not in known]
    if rows:
        Holiday.insert_many(rows).on_conflict_ignore().execute()
    return len(rows)


class StaffError(ValueError):
    """A staff account that cannot be created as asked; the message says why."""


def seed_roles() -> None:
    descriptions = dict(demo_data.ROLES)
    for name in ROLES:
        Role.insert(name=name, description=descriptions.get(name)).on_conflict_ignore().execute()


def seed_catalog() -> None:
    """Bidang, seksi, services with their required documents, Perangkat Daerah, holidays."""
    for b in demo_data.BIDANG:
        bidang, _ = Bidang.get_or_create(code=b["code"], defaults={"name": b["name"]})
        for s in b["seksi"]:
            Seksi.get_or_create(code=s["code"], defaults={"name": s["name"], "bidang": bidang})
    for item in demo_data.LAYANAN:
        layanan, created = Layanan.get_or_create(
            code=item["code"],
            defaults={
                "name": item["name"],
                "description": item["description"],
                "seksi": Seksi.get(Seksi.code == item["seksi"]),
                "duration": item["duration"],
            },
        )
        if created:
            for position, (name, description) in enumerate(item["required_documents"]):
                RequiredDocument.create(
                    layanan=layanan, name=name, description=description, position=position
                )
    for pd in demo_data.PERANGKAT_DAERAH:
        PerangkatDaerah.get_or_create(code=pd["code"], defaults={"name": pd["name"]})
    seed_holidays()


def create_staff_user(email, name, role, bidang_code=None, seksi_code=None, password=None):
    """Create an active staff user with one role; returns (user, password).

    A helpdesk or kepala_bidang belongs to a bidang; an agent or kepala_seksi to a seksi (and so
    to its bidang). With no password, a random one is made and returned.
    """
    from extensions import user_datastore

    email = (email or "").strip().lower()
    if not is_valid_email(email):
        # One malformed address would make the SMTP server refuse the whole email of a bidang.
        raise StaffError(f"Alamat email tidak valid: {email!r}.")
    if role not in ROLES:
        raise StaffError(f"Peran tidak dikenal: {role}. Pilihan: {', '.join(ROLES)}.")
    if User.get_or_none(User.email == email) is not None:
        raise StaffError(f"Pengguna {email} sudah ada.")
    bidang = Bidang.get_or_none(Bidang.code == bidang_code) if bidang_code else None
    seksi = Seksi.get_or_none(Seksi.code == seksi_code) if seksi_code else None
    if bidang_code and bidang is None:
        raise StaffError(f"Bidang tidak dikenal: {bidang_code}.")
    if seksi_code and seksi is None:
        raise StaffError(f"Seksi tidak dikenal: {seksi_code}.")
    if seksi is not None:
        if bidang is not None and seksi.bidang_id != bidang.id:
            raise StaffError(f"Seksi {seksi_code} bukan bagian dari bidang {bidang_code}.")
        bidang = Bidang.get_by_id(seksi.bidang_id)
    if role in (AGENT, KEPALA_SEKSI) and seksi is None:
        raise StaffError("Agen dan Kepala Seksi harus ditempatkan pada sebuah seksi.")
    if role in (HELPDESK, KEPALA_BIDANG) and bidang is None:
        raise StaffError("Helpdesk dan Kepala Bidang harus ditempatkan pada sebuah bidang.")
    password = password or secrets.token_urlsafe(12)
    with database.atomic():
        user = user_datastore.create_user(
            email=email,
            name=name,
            password=hash_password(password),
            bidang=bidang,
            seksi=seksi,
            roles=[role],
        )
    return user, password


def seed_demo(password: str | None = None) -> list[tuple[str, str, str | None]]:
    """Load the demo catalogue and one user per role (safe to run twice).

    Returns (role, email, password) per demo user; password is None for a user that already
    existed (its password is left alone).
    """
    with database.atomic():
        seed_roles()
        seed_catalog()
    lines = []
    for person in demo_data.DEMO_STAFF:
        if User.get_or_none(User.email == person["email"]) is not None:
            lines.append((person["role"], person["email"], None))
            continue
        user, pw = create_staff_user(
            person["email"],
            person["name"],
            person["role"],
            person["bidang"],
            person["seksi"],
            password,
        )
        User.update(nip=person.get("nip"), position=person.get("position")).where(
            User.id == user.id
        ).execute()
        lines.append((person["role"], person["email"], pw))
    return lines
