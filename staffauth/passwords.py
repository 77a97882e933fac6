"""The staff password rule: at least `SECURITY_PASSWORD_LENGTH_MIN` (12) characters, strong by
zxcvbn (`SECURITY_ZXCVBN_MINIMUM_SCORE`), and not on the bundled list of common and breached
passwords (`data/common_passwords.txt`; no network call). Flask-Security applies it on every
password change and reset; `create-user` and the admin's staff form apply it too."""

from __future__ import annotations

import functools
import re
from pathlib import Path

from flask_babel import gettext as _
from flask_security import PasswordUtil
from flask_security.utils import password_complexity_validator, password_length_validator

LIST_FILE = Path(__file__).parent / "data" / "common_passwords.txt"


@functools.cache
def common_passwords() -> frozenset[str]:
    """The bundled list, lower case, read once."""
    return frozenset(LIST_FILE.read_text(encoding="utf-8").split())


def is_common(password: str) -> bool:
    """The password (lower case), or it without its trailing digits and punctuation, is on the
    list: `Password2026!` is as weak as `password`."""
    lowered = password.lower()
    bare = re.sub(r"[\W\d_]+$", "", lowered)
    return lowered in common_passwords() or (len(bare) >= 4 and bare in common_passwords())


class DeskPasswordUtil(PasswordUtil):
    """Flask-Security's length check, the bundled list, then zxcvbn (whose English advice is
    replaced by one Indonesian sentence)."""

    def validate(self, password, is_register, **kwargs):
        """Return ([messages] or None, the normalised password)."""
        normalised = self.normalize(password)
        notok = password_length_validator(normalised)
        if notok:
            return notok, normalised
        if is_common(normalised):
            message = _("Kata sandi ini terlalu umum atau pernah bocor; pilih yang lain.")
            return [message], normalised
        if password_complexity_validator(normalised, is_register, **kwargs):
            message = _("Kata sandi terlalu mudah ditebak; pakai kalimat panjang atau kata acak.")
            return [message], normalised
        return None, normalised


def check_password(password: str, user=None) -> list[str]:
    """The rule's messages for `password` (empty when it passes), outside a Flask-Security
    form (the CLI and the admin's staff form)."""
    from flask_security.proxies import _security

    kwargs = {"user": user} if user is not None else {}
    notok, _normalised = _security.password_util.validate(password, user is None, **kwargs)
    return list(notok or [])
