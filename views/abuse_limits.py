"""Limits against using the desk to send its emails, or store files, in volume.

The public can make the desk send an email to an address it types (the request form's "opened"
email, the lost-link email): each is limited per recipient address
(DESK_MAIL_LIMIT_PER_ADDRESS) and per recipient domain (DESK_MAIL_LIMIT_PER_DOMAIN), whoever
sends them, from wherever, through whichever form; only a post that queued an email counts.
Uploads on a tracking page are limited per tracking token (DESK_TOKEN_UPLOAD_LIMIT), on top of
the per-address limit. Counted by Flask-Limiter (in Redis when configured), under keys holding
a hash, never an address or a token.
"""

from __future__ import annotations

import hashlib

from flask import current_app, g, request

from extensions import limiter

EMAIL_FIELDS = ("requester_email", "email")


def _digest(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()[:32]


def submitted_email() -> str:
    """The recipient address typed into the posted form, normalised (or "")."""
    for field in EMAIL_FIELDS:
        value = (request.form.get(field) or "").strip().lower()
        if value:
            return value
    return ""


def _address_key() -> str:
    return "mail-to:" + _digest(submitted_email())


def _domain_key() -> str:
    return "mail-domain:" + _digest(submitted_email().rpartition("@")[2])


def _no_email() -> bool:
    return "@" not in submitted_email()


def mail_queued() -> None:
    """Tell the limits that this request queued an email to the typed address (only then it
    counts: a lost-link post that matched nothing answers the same but sends nothing)."""
    g.desk_mail_queued = True


def _sent(response) -> bool:
    return bool(g.get("desk_mail_queued"))


def _token_key() -> str:
    return "upload-token:" + _digest((request.view_args or {}).get("token", ""))


def mail_limited(view):
    """Limit a public view that emails the address typed into it (per address, per domain)."""
    for setting, key in (
        ("MAIL_LIMIT_PER_ADDRESS", _address_key),
        ("MAIL_LIMIT_PER_DOMAIN", _domain_key),
    ):
        view = limiter.shared_limit(
            lambda setting=setting: current_app.config[setting],
            scope=setting.lower(),  # one count for every form that emails the typed address
            key_func=key,
            methods=["POST"],
            exempt_when=_no_email,
            deduct_when=_sent,
        )(view)
    return view


def token_limited(view):
    """Limit the uploads made through one tracking token."""
    return limiter.limit(
        lambda: current_app.config["TOKEN_UPLOAD_LIMIT"], key_func=_token_key, methods=["POST"]
    )(view)
