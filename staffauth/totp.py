"""TOTP codes that cannot be used twice: the last time-step accepted is kept per user
(`User.tf_totp_last_counter`) and moved forward with a conditional UPDATE, so of two logins
presenting the same code (even at the same moment) exactly one passes."""

from __future__ import annotations

from flask_security import Totp
from passlib.exc import UsedTokenError

from models.staff import User


class DeskTotp(Totp):
    """Flask-Security's TOTP with the replay guard of passlib's `last_counter`."""

    def get_last_counter(self, user):
        """The last time-step this user's code was accepted at (None: never)."""
        return User.select(User.tf_totp_last_counter).where(User.id == user.id).scalar()

    def set_last_counter(self, user, tmatch):
        """Record the accepted time-step; refuse (as a used code) when another login got there
        first with this step or a later one."""
        condition = (User.tf_totp_last_counter.is_null()) | (
            User.tf_totp_last_counter < tmatch.counter
        )
        updated = (
            User.update(tf_totp_last_counter=tmatch.counter)
            .where((User.id == user.id) & condition)
            .execute()
        )
        if not updated:
            raise UsedTokenError()
        user.tf_totp_last_counter = tmatch.counter
