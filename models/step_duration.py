"""The working duration of one SOP step row: what the dashboard's medians are read from.

The rule: the working time (`models.calendar`, working hours, weekends and public holidays
excluded) from the step's `started_at` to its `ended_at`, less the working time it was paused
(`paused_seconds`, plus a pause still running when the step ends), never below zero. It is
stored on the row when the step ends (`TicketStep.working_seconds`, filled by
`models.workflow.base._move`), so that the percentiles are read from the database.
"""

from __future__ import annotations

import datetime as dt


def working_seconds(calendar, started_at, ended_at, paused_seconds=0, paused_at=None) -> int:
    """The step's working seconds, paused working time subtracted (see the module's rule)."""
    total = calendar.working_time_between(started_at, ended_at)
    paused = dt.timedelta(seconds=paused_seconds or 0)
    if paused_at is not None:
        paused += calendar.working_time_between(paused_at, ended_at)
    return max(0, int((total - paused).total_seconds()))
