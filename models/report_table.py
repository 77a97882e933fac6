"""A report table: what the dashboards, the monthly report and the exports share.

A `Table` is a title, typed columns and rows of plain values in column order. Pages render it
as an HTML table (beside its chart), `models.exports` writes it to Excel or CSV, the monthly
report prints it. `rows` may be a generator, so that a large export streams from the database
without holding the result in memory; iterate it once.

Column kinds say how a value is shown and exported: `text`; `int`; `percent` (a float 0–100 or
None); `hours` (working hours as a float or None); `decimal` (a float or None, shown with two
decimals: an index such as the IKM); `date` / `datetime` (naive UTC datetimes are
shown in DESK_TIMEZONE).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

KINDS = ("text", "int", "percent", "hours", "decimal", "date", "datetime")


@dataclass(frozen=True)
class Column:
    """One column: a key for code, a label (a lazy gettext string) for people, its kind, and
    optionally its width in characters in an Excel export (default: by its kind)."""

    key: str
    label: object
    kind: str = "text"
    width: float | None = None

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ValueError(f"unknown column kind {self.kind!r}")


@dataclass
class Table:
    """A titled table; `period_label` and `scope_label` go in an export's title row."""

    slug: str
    title: object
    columns: list[Column]
    rows: Iterable[tuple] = field(default_factory=list)
    period_label: str = ""
    scope_label: str = ""
