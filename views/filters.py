"""Registers the date formatting of `formatting` as Jinja filters, for every template."""

from __future__ import annotations

from formatting import age, local_date, local_datetime


def init_app(app) -> None:
    """`local_datetime`, `local_date` and `age` filters on the app's Jinja environment."""
    app.add_template_filter(local_datetime, "local_datetime")
    app.add_template_filter(local_date, "local_date")
    app.add_template_filter(age, "age")
