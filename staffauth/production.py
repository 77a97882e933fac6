"""DESK_ENV=production: the demo accounts (with their printed passwords) are refused.

Three guards: `seed-demo` refuses to run, `flask serve` refuses to start while a demo account
exists (`refuse_demo_accounts`), and the login refuses a demo account even with its right
password (`User.is_locked`), whatever server runs the app (gunicorn).
"""

from __future__ import annotations

from flask import current_app

from config import is_production
from models.demo_data import DEMO_STAFF

DEMO_EMAILS = frozenset(person["email"] for person in DEMO_STAFF)


def production() -> bool:
    """The current app runs with DESK_ENV=production."""
    return is_production(current_app.config)


def is_demo_account(email: str | None) -> bool:
    """`email` is one of the demo users `seed-demo` creates."""
    return (email or "").strip().lower() in DEMO_EMAILS


def demo_accounts() -> list[str]:
    """The active demo accounts in the database (needs a connection)."""
    from models.staff import User

    query = User.select(User.email).where(
        User.email.in_(sorted(DEMO_EMAILS)),
        User.active == True,  # noqa: E712
    )
    return [u.email for u in query]


def refuse_demo_accounts() -> None:
    """In production, raise `ProductionError` naming the demo accounts still present."""
    if not production():
        return
    present = demo_accounts()
    if present:
        raise ProductionError(
            "DESK_ENV=production: demo accounts exist ("
            + ", ".join(present)
            + "). Their passwords were printed by seed-demo; deactivate or delete them, and "
            "create real admins with `flask create-user`."
        )


class ProductionError(RuntimeError):
    """A production deployment in a state it must not serve in; the message says why."""
