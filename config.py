"""Configuration: embedded defaults, overridden by `DESK_*` environment variables.

Every setting an operator may change is read from the environment with the prefix `DESK_`
(`DESK_DATABASE_URL` becomes `DATABASE_URL`); a `config` mapping given to `create_app` wins over
both (tests use it). Derived settings for the libraries (Flask-Mailman, Flask-Security, huey)
are computed here so that the rest of the code reads one set of names.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import hmac
import os
import secrets
from urllib.parse import urlsplit

DEFAULTS = {
    "DATABASE_URL": None,  # default: SQLite file in instance/
    "DATABASE_POOL": False,  # 1: keep connections open in a per-process pool (models/db.py)
    "REDIS_URL": None,  # unset: huey and the rate limiter use files/memory, not Redis
    "SMTP_HOST": None,  # unset: emails are written as .eml files under instance/outbox/
    "SMTP_PORT": 25,
    "SMTP_USER": None,
    "SMTP_PASSWORD": None,
    "SMTP_TLS": None,  # "starttls", "ssl" or unset (plain)
    "MAIL_FROM": "Service Desk Diskominfo Jawa Barat <servicedesk@localhost>",
    "ENV": "development",  # "production": no demo users, DESK_BASE_URL required (https)
    "BASE_URL": None,  # default outside production: http://127.0.0.1:5000
    "TIMEZONE": "Asia/Jakarta",
    "WORK_DAYS": "1,2,3,4,5",  # ISO weekdays, Monday = 1
    "WORK_START": "08:00",
    "WORK_END": "16:00",
    "MAX_UPLOAD_MB": 10,
    "MAX_REQUEST_MB": 40,
    "REQUESTER_EMAIL_DOMAINS": "",  # unset: any; else e.g. "jabarprov.go.id,go.id"
    "MAIL_LIMIT_PER_ADDRESS": "5 per hour;20 per day",  # emails the public can trigger
    "MAIL_LIMIT_PER_DOMAIN": "60 per hour;300 per day",
    "TOKEN_UPLOAD_LIMIT": "10 per hour;30 per day",  # uploads per tracking token
    "DOCUMENTS_DIR": None,  # default: instance/documents
    "OUTBOX_DIR": None,  # default: instance/outbox
    "HUEY_FILE": None,  # default: instance/huey.sqlite3
    "HUEY_IMMEDIATE": False,
    "HUEY_NAME": "servicedesk",  # the queue's name (its keys on Redis)
    "MAIL_MAX_ATTEMPTS": 8,  # then the outbox row is `failed`, listed for staff
    "MAIL_RETRY_SECONDS": 60,  # first retry delay; doubles per attempt, at most 6 hours
    "MAIL_LEASE_SECONDS": 300,  # a claimed row nobody finished sending is due again after this
    "SECRET_KEY": None,  # default: generated once into instance/secret_key
    "TRUSTED_PROXIES": 0,  # reverse proxies in front (their X-Forwarded-* headers are trusted)
    "BA_REQUEUE_MINUTES": 10,  # a BA, SLA or monthly report still unrendered: queued again once
    "MONTHLY_REPORT_KEEP_DAYS": 7,  # a monthly report PDF asked for is deleted after this
    "METRICS_TOKEN": None,  # bearer token of /metrics; unset: only from the machine itself
    "HEARTBEAT_MAX_AGE": 300,  # s: an older consumer heartbeat makes /healthz report an error
    "MIN_FREE_DISK_MB": 500,  # less free space for the documents makes /healthz report an error
    # PEM certificates (a file or a folder) the signed copies' signatures must chain to;
    # unset: signatures are checked for integrity only, their trust "tidak diperiksa".
    "SIGNATURE_TRUST_ROOTS": None,
    "LOG_LEVEL": "INFO",  # of the `desk` loggers: DEBUG, INFO, WARNING or ERROR
    # The helpdesk's contact, on every public page and in every email to a requester.
    "HELPDESK_PHONE": None,
    "HELPDESK_WHATSAPP": None,
    "HELPDESK_EMAIL": None,
    "HELPDESK_HOURS": None,  # unset: the working days and hours (WORK_DAYS, WORK_START/END)
}

SMTP_TLS_CHOICES = (None, "", "starttls", "ssl")
DEVELOPMENT_BASE_URL = "http://127.0.0.1:5000"


class ConfigError(RuntimeError):
    """A configuration the app refuses to start with; the message says what to set."""


def load(app, overrides: dict | None = None) -> None:
    """Fill `app.config`: defaults, then `DESK_*` variables, then `overrides`, then derived."""
    app.config.update(DEFAULTS)
    app.config.from_prefixed_env(prefix="DESK")
    if overrides:
        app.config.update(overrides)
    _derive(app, set(overrides or ()))


def _instance_file(app, name: str) -> str:
    return os.path.join(app.instance_path, name)


def _derive(app, explicit: set[str] = frozenset()) -> None:
    cfg = app.config
    if not cfg["DATABASE_URL"]:
        cfg["DATABASE_URL"] = "sqlite:///" + _instance_file(app, "desk.sqlite3")
    cfg["DOCUMENTS_DIR"] = cfg["DOCUMENTS_DIR"] or _instance_file(app, "documents")
    cfg["OUTBOX_DIR"] = cfg["OUTBOX_DIR"] or _instance_file(app, "outbox")
    cfg["HUEY_FILE"] = cfg["HUEY_FILE"] or _instance_file(app, "huey.sqlite3")
    if not cfg["SECRET_KEY"]:
        cfg["SECRET_KEY"] = read_or_create_secret(_instance_file(app, "secret_key"))
    cfg["ENV"] = str(cfg["ENV"] or "development").strip().lower()
    if cfg["ENV"] not in ("development", "production"):
        raise ConfigError(f"DESK_ENV must be 'development' or 'production', not {cfg['ENV']!r}")
    if not cfg["BASE_URL"]:
        if is_production(cfg):
            raise ConfigError(
                "DESK_ENV=production needs DESK_BASE_URL, the public https address of the desk "
                "(e.g. https://servicedesk.jabarprov.go.id): every link in an email uses it."
            )
        cfg["BASE_URL"] = DEVELOPMENT_BASE_URL
    cfg["BASE_URL"] = str(cfg["BASE_URL"]).rstrip("/")
    https = urlsplit(cfg["BASE_URL"]).scheme == "https"
    if is_production(cfg) and not https:
        raise ConfigError(
            f"DESK_ENV=production needs an https DESK_BASE_URL, not {cfg['BASE_URL']!r}: staff "
            "passwords and session cookies must not cross the network in clear."
        )
    cfg["MAX_CONTENT_LENGTH"] = int(cfg["MAX_REQUEST_MB"]) * 1024 * 1024

    tls = (cfg["SMTP_TLS"] or "").lower() or None
    if tls not in SMTP_TLS_CHOICES:
        raise ValueError(f"DESK_SMTP_TLS must be 'starttls', 'ssl' or unset, not {tls!r}")
    cfg.setdefault("MAIL_DEFAULT_SENDER", cfg["MAIL_FROM"])
    if cfg["SMTP_HOST"]:
        cfg.setdefault("MAIL_BACKEND", "smtp")
        cfg["MAIL_SERVER"] = cfg["SMTP_HOST"]
        cfg["MAIL_PORT"] = int(cfg["SMTP_PORT"])
        cfg["MAIL_USERNAME"] = cfg["SMTP_USER"]
        cfg["MAIL_PASSWORD"] = cfg["SMTP_PASSWORD"]
        cfg["MAIL_USE_TLS"] = tls == "starttls"
        cfg["MAIL_USE_SSL"] = tls == "ssl"
        cfg.setdefault("MAIL_TIMEOUT", 30)
    else:
        cfg.setdefault("MAIL_BACKEND", "tasks.eml_backend.EmailBackend")
        cfg["MAIL_FILE_PATH"] = cfg["OUTBOX_DIR"]

    # Flask-Security: staff accounts only, no self-registration, argon2.
    cfg.setdefault("SECURITY_PASSWORD_HASH", "argon2")
    cfg.setdefault(
        "SECURITY_PASSWORD_SALT",
        hmac.new(cfg["SECRET_KEY"].encode(), b"password-salt", hashlib.sha256).hexdigest(),
    )
    cfg.setdefault("SECURITY_EMAIL_VALIDATOR_ARGS", {"check_deliverability": False})
    cfg.setdefault("SECURITY_SEND_REGISTER_EMAIL", False)
    cfg.setdefault("SECURITY_URL_PREFIX", "/staf")
    cfg.setdefault("SECURITY_POST_LOGIN_VIEW", "/admin/")
    # Staff side (#4): password change, logout by POST only, back to the login page after it.
    cfg.setdefault("SECURITY_CHANGEABLE", True)
    cfg.setdefault("SECURITY_SEND_PASSWORD_CHANGE_EMAIL", False)
    cfg.setdefault("SECURITY_LOGOUT_METHODS", ["POST"])
    cfg.setdefault("SECURITY_POST_LOGOUT_VIEW", "/staf/login")
    _derive_staff_auth(cfg, https, explicit)
    cfg.setdefault("BABEL_DEFAULT_LOCALE", "id")
    cfg.setdefault("BABEL_DEFAULT_TIMEZONE", cfg["TIMEZONE"])


def is_production(cfg) -> bool:
    """DESK_ENV=production: the deployment that refuses demo users and insecure settings."""
    return cfg.get("ENV") == "production"


def _derived_key(cfg, purpose: bytes) -> bytes:
    return hmac.new(cfg["SECRET_KEY"].encode(), purpose, hashlib.sha256).digest()


def _derive_staff_auth(cfg, https: bool, explicit: set[str]) -> None:
    """Staff authentication (issue #10): cookies, generic answers, the password rule, TOTP
    two-factor login with recovery codes, password reset by email, expiring tokens."""
    secure = https or is_production(cfg)
    for name, value in (
        ("SESSION_COOKIE_HTTPONLY", True),
        ("SESSION_COOKIE_SAMESITE", "Lax"),
        ("SESSION_COOKIE_SECURE", secure),
        ("REMEMBER_COOKIE_HTTPONLY", True),
        ("REMEMBER_COOKIE_SAMESITE", "Lax"),
        ("REMEMBER_COOKIE_SECURE", secure),
        ("REMEMBER_COOKIE_DURATION", dt.timedelta(days=7)),
        # The same answer whether the account exists or not (login, reset, 2FA).
        ("SECURITY_RETURN_GENERIC_RESPONSES", True),
        ("SECURITY_PASSWORD_LENGTH_MIN", 12),
        ("SECURITY_PASSWORD_COMPLEXITY_CHECKER", "zxcvbn"),
        ("SECURITY_ZXCVBN_MINIMUM_SCORE", 3),
        ("SECURITY_PASSWORD_CHECK_BREACHED", False),  # a network call; the bundled list instead
        ("SECURITY_TWO_FACTOR", True),
        ("SECURITY_TWO_FACTOR_ENABLED_METHODS", ["authenticator"]),
        ("SECURITY_TWO_FACTOR_ALWAYS_VALIDATE", True),
        # A code by email would make the mailbox alone enough to log in: recovery codes instead.
        ("SECURITY_TWO_FACTOR_RESCUE_EMAIL", False),
        ("SECURITY_TWO_FACTOR_POST_SETUP_VIEW", "/staf/mf-recovery-codes"),
        ("SECURITY_TOTP_ISSUER", "Service Desk Diskominfo Jabar"),
        (
            "SECURITY_TOTP_SECRETS",
            {"1": base64.b32encode(_derived_key(cfg, b"totp-secrets")).decode()},
        ),
        ("SECURITY_MULTI_FACTOR_RECOVERY_CODES", True),
        ("SECURITY_MULTI_FACTOR_RECOVERY_CODES_N", 8),
        (
            "SECURITY_MULTI_FACTOR_RECOVERY_CODES_KEYS",
            [base64.urlsafe_b64encode(_derived_key(cfg, b"recovery-codes")).decode()],
        ),
        ("SECURITY_RECOVERABLE", True),
        ("SECURITY_RESET_PASSWORD_WITHIN", dt.timedelta(hours=1)),
        ("SECURITY_AUTO_LOGIN_AFTER_RESET", False),  # the login (and its second factor) follows
        ("SECURITY_SEND_PASSWORD_RESET_NOTICE_EMAIL", True),
        ("SECURITY_FRESHNESS", dt.timedelta(minutes=30)),
        ("SECURITY_FRESHNESS_GRACE_PERIOD", dt.timedelta(minutes=5)),
        ("SECURITY_TOKEN_MAX_AGE", dt.timedelta(hours=1)),
        ("SECURITY_EMAIL_SENDER", cfg["MAIL_FROM"]),
        ("SECURITY_DEFAULT_REMEMBER_ME", False),
    ):
        # Flask's own keys (SESSION_COOKIE_*) are in app.config already: set unless given.
        if name not in explicit and not (name.startswith("SECURITY_") and name in cfg):
            cfg[name] = value
    if is_production(cfg):
        cfg.setdefault("DEBUG", False)


def read_or_create_secret(path: str) -> str:
    """Return the secret in `path`, creating it once (race-free across workers) when absent."""
    try:
        with open(path, encoding="utf-8") as fh:
            return fh.read().strip()
    except FileNotFoundError:
        pass
    os.makedirs(os.path.dirname(path), exist_ok=True)
    # Written aside, then linked into place: a worker starting at the same moment sees either
    # no file or the whole key, and exactly one key wins.
    tmp = f"{path}.{os.getpid()}.{secrets.token_hex(4)}"
    with open(tmp, "w", encoding="utf-8") as fh:
        fh.write(secrets.token_hex(32))
    os.chmod(tmp, 0o600)
    try:
        os.link(tmp, path)
    except FileExistsError:
        pass
    finally:
        os.unlink(tmp)
    with open(path, encoding="utf-8") as fh:
        return fh.read().strip()
