"""The monthly report asked for by a head: one row per request, rendered in the background.

A head (or an admin) asks for the report of a period (and, an admin, of one bidang): `ask`
records a `monthly_report_request` (who asked, the period, the bidang, when, the report's
number) in `pending`, or hands back the one of the same user, period and bidang still pending
(a unique `pending_key`, cleared when it ends, so two asks at once make one row on SQLite and
on PostgreSQL). The task renders it and `finish` keeps the PDF in the row itself, with its
sha256 and size (`ready`); a render that fails is `failed` with the technical reason, for the
log and the operators, never shown to the user. Only the user who asked may read the row
(`owned`): nobody else, not another head, not an admin.

The PDF is a BLOB of the row, not a file of the document store: it is a copy of figures that
can be rendered again, about 50 KB, kept a few days (`purge_finished`). In the row it becomes
visible with its `ready` status in one commit, goes with its row in one DELETE (no orphaned
file, nothing for the store's garbage collection to know), and is in every backup that has the
row (the SQLite backup copies only the bytes of `Document` rows from the store).
"""

from __future__ import annotations

import datetime as dt
import hashlib

from peewee import (
    BlobField,
    CharField,
    DateField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    TextField,
)

from models.catalog import Bidang
from models.compliance import Period
from models.db import BaseModel, insert_returning, utcnow, write_transaction
from models.staff import ADMIN, KEPALA_BIDANG, KEPALA_SEKSI, User

PENDING, READY, FAILED = "pending", "ready", "failed"
# Who may ask for the report (each in their scope: `models.monthly_report.report_scope`).
REPORT_ROLES = frozenset({ADMIN, KEPALA_BIDANG, KEPALA_SEKSI})


class MonthlyReportRequest(BaseModel):
    """One request for the monthly report PDF (see the module docstring)."""

    user = ForeignKeyField(User, backref="+", on_delete="CASCADE")  # who asked: its only reader
    period_first = DateField()
    period_last = DateField()
    bidang = ForeignKeyField(Bidang, null=True, backref="+", on_delete="CASCADE")  # an admin's
    status = CharField(default=PENDING)
    number = CharField()  # LAP/APTIKA/06/2026: derived from the scope and the period
    requested_at = DateTimeField(index=True)  # also the date the report is printed with
    requeued_at = DateTimeField(null=True)  # its lost task queued again (at most once)
    finished_at = DateTimeField(null=True, index=True)
    pending_key = CharField(null=True, unique=True)  # set while pending: one per user and ask
    sha256 = CharField(null=True)
    size = IntegerField(null=True)
    error = TextField(null=True)
    pdf = BlobField(null=True)

    @property
    def period(self) -> Period:
        return Period(self.period_first, self.period_last)


# Every column but the PDF: what the status page, the task and the sweeps read.
SUMMARY = tuple(f for f in MonthlyReportRequest._meta.sorted_fields if f.name != "pdf")


class StoredReportError(Exception):
    """The stored PDF does not match its checksum (or is missing)."""


def pending_key(user_id: int, period: Period, bidang_id: int | None) -> str:
    """The key of a pending request: user, period and bidang ("-" for none)."""
    return f"{user_id}:{period.first.isoformat()}:{period.last.isoformat()}:{bidang_id or '-'}"


def ask(user, period: Period, bidang_id: int | None, number: str, *, now=None):
    """(the request, whether it is new): a new pending request of `user` for `period` and
    `bidang_id` numbered `number`, or the one of the same user, period and bidang still
    pending (asking twice renders once). Committed when it returns, so the caller may queue
    its task."""
    now = now or utcnow()
    key = pending_key(user.id, period, bidang_id)
    row = {
        "user": user.id,
        "period_first": period.first,
        "period_last": period.last,
        "bidang": bidang_id,
        "status": PENDING,
        "number": number,
        "requested_at": now,
        "pending_key": key,
    }
    for _attempt in range(3):  # the pending one may end between the INSERT and the SELECT
        with write_transaction():
            made = insert_returning(MonthlyReportRequest, [row], ("id",), ignore_conflicts=True)
            if made:
                return _summary().where(MonthlyReportRequest.id == made[0][0]).get(), True
            found = _summary().where(MonthlyReportRequest.pending_key == key).first()
            if found is not None:
                return found, False
    raise RuntimeError(f"no pending monthly report request could be made for {key}")


def _summary():
    return MonthlyReportRequest.select(*SUMMARY)


def owned(request_id: int, user) -> MonthlyReportRequest | None:
    """The request `request_id` if `user` asked for it, else None (whether or not it
    exists): the owner is in the query itself. Without the PDF."""
    return (
        _summary()
        .where(MonthlyReportRequest.id == request_id, MonthlyReportRequest.user == user.id)
        .first()
    )


def pending(request_id: int) -> MonthlyReportRequest | None:
    """The request `request_id` if it is still pending (the task renders only those)."""
    return (
        _summary()
        .where(MonthlyReportRequest.id == request_id, MonthlyReportRequest.status == PENDING)
        .first()
    )


def finish(request_id: int, number: str, pdf: bytes, *, now=None) -> bool:
    """Keep the rendered `pdf` of a pending request: `ready`, with its number, checksum, size
    and when. False (nothing changed) if it is no longer pending (another run finished it)."""
    now = now or utcnow()
    with write_transaction():
        return bool(
            MonthlyReportRequest.update(
                status=READY,
                number=number,
                pdf=pdf,
                sha256=hashlib.sha256(pdf).hexdigest(),
                size=len(pdf),
                finished_at=now,
                pending_key=None,
            )
            .where(MonthlyReportRequest.id == request_id, MonthlyReportRequest.status == PENDING)
            .execute()
        )


def fail(request_id: int, error: str, *, now=None) -> bool:
    """End a pending request as `failed` with the technical reason `error` (for the log and
    the operators; the user is told in their language that it failed). False if it was no
    longer pending."""
    now = now or utcnow()
    with write_transaction():
        return bool(
            MonthlyReportRequest.update(
                status=FAILED, error=error[:2000], finished_at=now, pending_key=None
            )
            .where(MonthlyReportRequest.id == request_id, MonthlyReportRequest.status == PENDING)
            .execute()
        )


def stored_pdf(request: MonthlyReportRequest) -> bytes:
    """The PDF of a ready request, checked against its sha256; `StoredReportError` if it is
    missing or does not match."""
    row = (
        MonthlyReportRequest.select(MonthlyReportRequest.pdf)
        .where(MonthlyReportRequest.id == request.id, MonthlyReportRequest.status == READY)
        .first()
    )
    data = bytes(row.pdf) if row is not None and row.pdf is not None else None
    if data is None or hashlib.sha256(data).hexdigest() != request.sha256:
        raise StoredReportError(f"monthly report request {request.id}: PDF missing or altered")
    return data


def lost(cutoff: dt.datetime) -> list[MonthlyReportRequest]:
    """The pending requests asked before `cutoff` whose task was never queued again."""
    return list(
        _summary()
        .where(
            MonthlyReportRequest.status == PENDING,
            MonthlyReportRequest.requeued_at.is_null(True),
            MonthlyReportRequest.requested_at <= cutoff,
        )
        .order_by(MonthlyReportRequest.id)
    )


def mark_requeued(request_id: int, now) -> bool:
    """Mark a lost pending request as queued again; True only for the one call that marked
    it (so of two periodic runs one queues it)."""
    with write_transaction():
        return bool(
            MonthlyReportRequest.update(requeued_at=now)
            .where(
                MonthlyReportRequest.id == request_id,
                MonthlyReportRequest.status == PENDING,
                MonthlyReportRequest.requeued_at.is_null(True),
            )
            .execute()
        )


def fail_abandoned(cutoff: dt.datetime, error: str, *, now=None) -> int:
    """End as `failed` the pending requests queued again before `cutoff` and still not
    rendered (its second task was lost too, or keeps failing): the user may ask again instead
    of waiting on a page that never becomes ready. Returns how many."""
    now = now or utcnow()
    with write_transaction():
        return (
            MonthlyReportRequest.update(
                status=FAILED, error=error, finished_at=now, pending_key=None
            )
            .where(
                MonthlyReportRequest.status == PENDING,
                MonthlyReportRequest.requeued_at <= cutoff,
            )
            .execute()
        )


def purge_finished(keep_days: int, *, now=None) -> int:
    """Delete the requests that ended (ready or failed) more than `keep_days` days ago, their
    PDFs with them; pending ones are never deleted. Returns how many."""
    now = now or utcnow()
    cutoff = now - dt.timedelta(days=keep_days)
    with write_transaction():
        return (
            MonthlyReportRequest.delete()
            .where(
                MonthlyReportRequest.status != PENDING,
                MonthlyReportRequest.finished_at <= cutoff,
            )
            .execute()
        )
