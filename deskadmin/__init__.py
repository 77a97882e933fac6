"""The staff side: Flask-Admin views per role (placeholder until #4)."""

from __future__ import annotations


def init_admin(app) -> None:
    """Register the staff views on `app`."""
