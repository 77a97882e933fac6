"""The daily count of the heads' dashboard figures (`models.dashboard.keep_heads_figures`)."""

from __future__ import annotations

from huey import crontab

from models.dashboard import keep_heads_figures
from tasks import app_periodic_task


# 17:15 UTC is 00:15 WIB: after the local day turns and after the expiry sweep (00:05 WIB), so
# yesterday is a day already over; under huey's lock, one consumer counts at a time.
@app_periodic_task(crontab(minute="15", hour="17"), lock="dashboard_figures")
def keep_dashboard_figures() -> int:
    """Daily: count and keep the figures of the months and days already over for each head's
    scope (this year, quarter and month), so that the morning's first page reads them."""
    return keep_heads_figures()
