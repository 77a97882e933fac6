"""The table `monthly_report_request` (`models.report_requests`): one row per monthly report a
head asked for, rendered in the background: who asked, the period, an admin's bidang, the
status (pending, ready, failed), when it was asked, queued again and finished, the report's
number, a key unique while pending (asking twice reuses the pending one), the PDF itself with
its sha256 and size, and the technical reason of a failure.

A new table, empty; the model is frozen here (fields and indexes, no backrefs).
"""

from __future__ import annotations

from peewee import (
    BlobField,
    CharField,
    DateField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)


def frozen_models(database) -> list[type[Model]]:
    """`monthly_report_request` as this migration creates it, bound to `database`."""

    class Base(Model):
        class Meta:
            legacy_table_names = False

    class User(Base):
        pass

    class Bidang(Base):
        pass

    class MonthlyReportRequest(Base):
        user = ForeignKeyField(User, backref="+", on_delete="CASCADE")
        period_first = DateField()
        period_last = DateField()
        bidang = ForeignKeyField(Bidang, null=True, backref="+", on_delete="CASCADE")
        status = CharField(default="pending")
        number = CharField()
        requested_at = DateTimeField(index=True)
        requeued_at = DateTimeField(null=True)
        finished_at = DateTimeField(null=True, index=True)
        pending_key = CharField(null=True, unique=True)
        sha256 = CharField(null=True)
        size = IntegerField(null=True)
        error = TextField(null=True)
        pdf = BlobField(null=True)

    MonthlyReportRequest._meta.set_database(database)
    return [MonthlyReportRequest]


def upgrade(migrator, database) -> None:
    """Create `monthly_report_request`."""
    database.create_tables(frozen_models(database), safe=False)
