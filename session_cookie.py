"""The session cookie, signed and read exactly as Flask's `SecureCookieSessionInterface` does
(the same cookie, salt, key derivation, digest, payload serializer, SECRET_KEY_FALLBACKS and
expiry), without building its serializer and deriving its signing key again on every request:
the serializer is kept per app for its current secret key and fallbacks (a new key, rotated in
the config, gets a new serializer on the next request), and each derived key is kept too.

A browser sends the same cookie on every request until the session changes: a cookie whose
signature was verified is remembered with its timestamp (for the serializer of those keys
only), so that the next request with it only checks its age, by the same rule (older than the
session's lifetime, or from the future: no session), and gets a copy of its data (read
afresh unless all its values are immutable).
"""

from __future__ import annotations

import time

from flask.sessions import SecureCookieSessionInterface
from itsdangerous import BadSignature, TimestampSigner, URLSafeTimedSerializer
from itsdangerous.encoding import want_bytes

# (secret key, salt, derivation, digest) -> derived key; a handful of entries per process
_DERIVED: dict[tuple, bytes] = {}
_DERIVED_MAX = 64


class KeptKeySigner(TimestampSigner):
    """itsdangerous' timestamp signer (Flask's), with each derived key computed once."""

    def derive_key(self, secret_key: str | bytes | None = None) -> bytes:
        """The key `TimestampSigner.derive_key` derives from `secret_key` (default: the newest
        key), remembered per secret key, salt, derivation and digest."""
        if secret_key is None:
            secret_key = self.secret_keys[-1]
        kept = (want_bytes(secret_key), self.salt, self.key_derivation, self.digest_method)
        derived = _DERIVED.get(kept)
        if derived is None:
            derived = super().derive_key(secret_key)
            if len(_DERIVED) >= _DERIVED_MAX:
                _DERIVED.clear()
            _DERIVED[kept] = derived
        return derived


# verified cookies remembered per serializer before they are all forgotten (a bound)
VERIFIED_MAX = 2048
# values a session may share with the next one read from the same cookie (none can change)
IMMUTABLE = frozenset((str, int, float, bool, type(None)))


class KeptSerializerSessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie session, its serializer kept for the app's current keys."""

    def __init__(self) -> None:
        # (the keys, their serializer, the cookies it verified: cookie -> (its signing time,
        # its data when every value is immutable, else None, and its data as the payload
        # serializer writes it)), replaced whole when the keys change
        self._kept: tuple[tuple, URLSafeTimedSerializer, dict[str, tuple]] | None = None

    def open_session(self, app, request):
        """Flask's `open_session`: the session the cookie holds when its signature is valid and
        it is at most the session's lifetime old, else a new empty session."""
        if not app.secret_key:
            return None
        _keys, serializer, verified_cookies = self._kept_for(app)
        value = request.cookies.get(self.get_cookie_name(app))
        if not value:
            return self.session_class()
        max_age = int(app.permanent_session_lifetime.total_seconds())
        verified = verified_cookies.get(value)
        if verified is None:
            try:
                data, signed_at = serializer.loads(value, max_age=max_age, return_timestamp=True)
            except BadSignature:
                return self.session_class()
            if len(verified_cookies) >= VERIFIED_MAX:
                verified_cookies.clear()
            shared = data if all(type(v) in IMMUTABLE for v in data.values()) else None
            verified_cookies[value] = (
                int(signed_at.timestamp()),
                shared,
                None if shared is not None else self.serializer.dumps(data),
            )
            return self.session_class(data)
        # itsdangerous' TimestampSigner rule: the age in whole seconds, within 0..max_age
        signed_at, shared, written = verified
        age = int(time.time()) - signed_at
        if age > max_age or age < 0:
            return self.session_class()
        # a session copies its initial data: the kept one is never changed through it
        return self.session_class(shared if shared is not None else self.serializer.loads(written))

    def get_signing_serializer(self, app) -> URLSafeTimedSerializer | None:
        """The serializer Flask's interface would build for `app` (None without a secret key),
        built once per secret key and fallbacks."""
        if not app.secret_key:
            return None
        return self._kept_for(app)[1]

    def _kept_for(self, app):
        fallbacks = app.config["SECRET_KEY_FALLBACKS"] or ()
        keys = (app.secret_key, tuple(fallbacks))
        kept = self._kept
        if kept is not None and kept[0] == keys:
            return kept
        serializer = URLSafeTimedSerializer(
            # itsdangerous expects the current key last, as Flask's interface passes them
            [*fallbacks, app.secret_key],
            salt=self.salt,
            serializer=self.serializer,
            signer=KeptKeySigner,
            signer_kwargs={
                "key_derivation": self.key_derivation,
                "digest_method": self.digest_method,
            },
        )
        kept = self._kept = (keys, serializer, {})
        return kept
