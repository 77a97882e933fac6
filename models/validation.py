"""The rules for the fields of a request form, shared by the workflow and the web forms."""

from __future__ import annotations

import functools
import re

from email_validator import EmailNotValidError, validate_email
from flask import current_app, has_app_context
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

NIP_RE = re.compile(r"^\d{18}$")
PHONE_RE = re.compile(r"^\+?[0-9][0-9 ()-]{6,19}$")
# A line break or other control character in a one-line field (only a hand-made POST can send
# one) would end up in an email header; a multi-line field may hold line breaks and tabs.
CONTROL_RE = re.compile(r"[\x00-\x1f\x7f]")
TEXT_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
ONE_LINE_FIELDS = ("requester_name", "requester_position", "requester_email", "subject")

LIMITS = {
    "requester_name": 120,
    "requester_position": 120,
    "requester_email": 254,
    "subject": 200,
    "description": 5000,
}


def normalize_nip(value: str) -> str:
    """NIP as typed ("19740608 199803 1 003") without spaces."""
    return re.sub(r"\s+", "", value or "")


def is_valid_email(value: str) -> bool:
    """An email address by its syntax (the `email-validator` library; no DNS lookup). The
    answer depends on the text alone: kept per process for the last addresses asked about, as
    a submission asks twice (the form, then `workflow.submit`) and the library's check of each
    character of the domain costs more than the rest of the form's rules together. A text
    longer than an address can be (LIMITS) is checked without being kept."""
    if len(value) > LIMITS["requester_email"]:
        return _checked_email(value)
    return _kept_email(value)


def _checked_email(value: str) -> bool:
    try:
        validate_email(value, check_deliverability=False)
    except EmailNotValidError:
        return False
    return True


_kept_email = functools.lru_cache(maxsize=1024)(_checked_email)


def requester_domain_allowed(email: str) -> bool:
    """Whether `email` is in DESK_REQUESTER_EMAIL_DOMAINS (one of its domains or a subdomain
    of one); every domain is allowed when the setting is empty."""
    setting = current_app.config.get("REQUESTER_EMAIL_DOMAINS") if has_app_context() else ""
    allowed = [d.strip().lower().lstrip("@.") for d in str(setting or "").split(",") if d.strip()]
    if not allowed:
        return True
    domain = (email or "").strip().lower().rpartition("@")[2]
    return any(domain == d or domain.endswith("." + d) for d in allowed)


REQUIRED = {
    "requester_name": _l("Nama pemohon wajib diisi."),
    "requester_position": _l("Jabatan wajib diisi."),
    "subject": _l("Perihal wajib diisi."),
    "description": _l("Uraian permohonan wajib diisi."),
}


def check_request(request) -> dict[str, str]:
    """Field name -> message for every field of a NewRequest that breaks a rule."""
    errors = {}
    for field, message in REQUIRED.items():
        if not (getattr(request, field) or "").strip():
            errors[field] = str(message)  # translated only when said: a valid form says none
    for field, limit in LIMITS.items():
        if len(getattr(request, field) or "") > limit and field not in errors:
            errors[field] = _("Terlalu panjang (maksimal %(n)d karakter).", n=limit)
    for field in ONE_LINE_FIELDS:
        if CONTROL_RE.search(getattr(request, field) or "") and field not in errors:
            errors[field] = _("Isian ini harus satu baris, tanpa karakter kendali.")
    if TEXT_CONTROL_RE.search(request.description or "") and "description" not in errors:
        errors["description"] = _("Uraian memuat karakter kendali yang tidak diizinkan.")
    if not NIP_RE.match(normalize_nip(request.requester_nip)):
        errors["requester_nip"] = _("NIP harus terdiri dari 18 angka.")
    if not is_valid_email((request.requester_email or "").strip()):
        errors["requester_email"] = _("Alamat email tidak valid.")
    elif not requester_domain_allowed(request.requester_email):
        errors["requester_email"] = _(
            "Gunakan alamat email dinas (domain yang diterima: %(domains)s).",
            domains=current_app.config["REQUESTER_EMAIL_DOMAINS"],
        )
    if not PHONE_RE.match((request.requester_phone or "").strip()):
        errors["requester_phone"] = _("Nomor telepon tidak valid.")
    return errors
