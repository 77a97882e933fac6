"""The session cookie, signed and read exactly as Flask's `SecureCookieSessionInterface` does
(the same cookie, salt, key derivation, digest, payload serializer, SECRET_KEY_FALLBACKS and
expiry), without building its serializer and deriving its signing key again on every request:
the serializer is kept per app for its current secret key and fallbacks (a new key, rotated in
the config, gets a new serializer on the next request), and each derived key is kept too.
"""

from __future__ import annotations

from flask.sessions import SecureCookieSessionInterface
from itsdangerous import TimestampSigner, URLSafeTimedSerializer
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


class KeptSerializerSessionInterface(SecureCookieSessionInterface):
    """Flask's signed cookie session, its serializer kept for the app's current keys."""

    def __init__(self) -> None:
        self._kept: tuple[tuple, URLSafeTimedSerializer] | None = None

    def get_signing_serializer(self, app) -> URLSafeTimedSerializer | None:
        """The serializer Flask's interface would build for `app` (None without a secret key),
        built once per secret key and fallbacks."""
        if not app.secret_key:
            return None
        fallbacks = app.config["SECRET_KEY_FALLBACKS"] or ()
        keys = (app.secret_key, tuple(fallbacks))
        kept = self._kept
        if kept is not None and kept[0] == keys:
            return kept[1]
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
        self._kept = (keys, serializer)
        return serializer
