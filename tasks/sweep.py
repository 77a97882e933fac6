"""The expiry sweep (SOP step 3): daily, close the incomplete tickets past their one month.

The rule and its batches live in `models.workflow.expire_overdue` (also `flask sweep`); each
closed ticket's Close Tiket emails go through the outbox like any other transition.
"""

from __future__ import annotations

from huey import crontab

from models.workflow import expire_overdue
from tasks import app_periodic_task


# huey's crontab reads UTC: 17:05 UTC is 00:05 WIB, just after the local day turns.
# Under huey's lock: a second consumer starting the same sweep skips it (and logs so).
@app_periodic_task(crontab(minute="5", hour="17"), lock="sweep_expired")
def sweep_expired() -> int:
    """Daily: close every incomplete ticket past its deadline (a missed day is caught up)."""
    return expire_overdue()
