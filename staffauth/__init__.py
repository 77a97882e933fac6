"""Staff authentication around Flask-Security-Too (issue #10).

Flask-Security does the login, the TOTP two-factor login with recovery codes, the password
reset and change (its configuration is in `config.py`); this package adds what it lacks:

- `login_limits`: attempts per account and per address counted before any check, growing
  windows, a lockout that ends by itself (`count_login_attempt`, a `before_request`);
- `passwords`: the password rule with the bundled list of common and breached passwords;
- `totp`: TOTP codes that cannot be used twice;
- `production`: demo accounts and `DESK_ENV=production`;
- `session_user`: the session's user read with its roles in one query;
- here: logout ends every session of the user for good (a new `fs_uniquifier`), and the CSRF
  token changes at login.
"""

from __future__ import annotations

import logging

from flask import current_app, g, has_request_context, request, session
from flask_babel import gettext as _
from flask_login import user_logged_out
from flask_security.signals import user_authenticated

from staffauth.login_limits import DEFAULT_ACCOUNT_LIMITS, DEFAULT_ADDRESS_LIMITS, LoginLimits

log = logging.getLogger("desk.auth")

# The endpoints where a password, a code or an email address is tried, and how each names
# the account it tries (the typed email, or the login waiting for its second factor).
LIMITED_ENDPOINTS = {
    "security.login": "email",
    "security.forgot_password": "email",
    "security.two_factor_token_validation": "pending",
    "security.mf_recovery": "pending",
    "security.reset_password": None,
    "security.verify": "current",  # the password asked again before a sensitive change
}


def init_app(app) -> None:
    """Bind the login counters to `app` and hook the limit, logout and login handlers."""
    app.config.setdefault("LOGIN_LIMITS_ACCOUNT", DEFAULT_ACCOUNT_LIMITS)
    app.config.setdefault("LOGIN_LIMITS_ADDRESS", DEFAULT_ADDRESS_LIMITS)
    app.config.setdefault("LOGIN_LIMITS_PREFIX", f"desk-login-{app.config['HUEY_NAME']}")
    app.extensions["login_limits"] = LoginLimits(
        app.config.get("RATELIMIT_STORAGE_URI") or app.config.get("REDIS_URL") or "memory://",
        app.config["LOGIN_LIMITS_ACCOUNT"],
        app.config["LOGIN_LIMITS_ADDRESS"],
        app.config["LOGIN_LIMITS_PREFIX"],
    )
    app.before_request(count_login_attempt)
    from staffauth import session_user

    session_user.init_app(app)
    user_logged_out.connect(end_sessions_at_logout, app)
    user_authenticated.connect(after_login, app)


def account_key(kind: str | None) -> str | None:
    """The account an attempt of this request tries: the typed email (lower case, trimmed; form
    or JSON), the logged-in user (re-entering the password), or the pending login of the
    second factor."""
    if kind == "email":
        body = request.get_json(silent=True) if request.is_json else None
        typed = (body.get("email") if isinstance(body, dict) else None) or request.form.get("email")
        email = str(typed or "").strip().lower()
        return f"email:{email}" if email else None
    if kind == "current":
        from flask_login import current_user

        if current_user.is_authenticated:
            return f"email:{current_user.email.lower()}"
    if kind == "pending":
        pending = session.get("tf_user_id")
        return f"pending:{pending}" if pending else None
    return None


def count_login_attempt():
    """Before a password, code or email is checked: count the attempt for its account and its
    address, and answer 429 unchecked when either is over its limit."""
    if request.method != "POST" or request.endpoint not in LIMITED_ENDPOINTS:
        return None
    account = account_key(LIMITED_ENDPOINTS[request.endpoint])
    wait = current_app.extensions["login_limits"].count_attempt(account, request.remote_addr)
    if not wait:
        return None
    import errors

    log.warning(
        "login attempt refused: limit reached (%s, %s, retry in %ss)",
        request.endpoint,
        request.remote_addr,
        wait,
    )
    from models import audit

    # The lockout is in the audit log: who was tried (the typed account), from where, for how long.
    audit.record(
        "lockout",
        None,
        actor_label=account or "-",
        target=request.endpoint,
        detail={"retry_after_s": wait},
        remote_addr=request.remote_addr,
    )
    minutes = max(1, (wait + 59) // 60)
    message = _(
        "Terlalu banyak percobaan masuk untuk akun atau alamat jaringan ini. Demi keamanan, "
        "coba lagi dalam %(minutes)d menit.",
        minutes=minutes,
    )
    return errors.error_response(429, message=message, headers={"Retry-After": str(wait)})


def after_login(app, user, **_extra):
    """A completed login: forget its account's failed attempts, give its address its attempt
    back, and give the session a new CSRF token (a token seen before the login is no use after
    it)."""
    app.extensions["login_limits"].clear_account(f"email:{user.email.lower()}")
    app.extensions["login_limits"].clear_account(f"pending:{user.fs_uniquifier}")
    if has_request_context():
        app.extensions["login_limits"].refund_address(request.remote_addr)
    session.pop("csrf_token", None)
    g.pop("csrf_token", None)


def end_sessions_at_logout(app, user, **_extra):
    """Logout ends the user's sessions for good: a new `fs_uniquifier` (the identity in the
    session and remember cookies and in auth tokens), so a copied cookie no longer works."""
    from extensions import user_datastore

    if user is None or not getattr(user, "is_authenticated", False):
        return
    user_datastore.set_uniquifier(user)
    user_datastore.commit()
