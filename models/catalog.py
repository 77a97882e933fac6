"""The catalogue: Diskominfo's bidang and seksi, its services, the agencies, the holidays."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from peewee import (
    BooleanField,
    CharField,
    DateField,
    ForeignKeyField,
    IntegerField,
    TextField,
)

from models.db import BaseModel

DURATION_CLASSES = {
    "pendek": _l("Pendek (1–3 hari kerja)"),
    "sedang": _l("Sedang (3–7 hari kerja)"),
    "panjang": _l("Panjang (1 minggu – 1 bulan)"),
}


class Bidang(BaseModel):
    code = CharField(unique=True)
    name = CharField()

    def __str__(self):
        return self.name


class Seksi(BaseModel):
    bidang = ForeignKeyField(Bidang, backref="seksi", on_delete="RESTRICT")
    code = CharField(unique=True)
    name = CharField()

    def __str__(self):
        return self.name


class Layanan(BaseModel):
    """A service of the catalogue; it belongs to one seksi (and so to that seksi's bidang)."""

    code = CharField(unique=True)
    name = CharField()
    description = TextField(default="")
    seksi = ForeignKeyField(Seksi, backref="layanan", on_delete="RESTRICT")
    duration = CharField(choices=[(k, v) for k, v in DURATION_CLASSES.items()], index=True)
    active = BooleanField(default=True)
    # The optional SLA template an agent downloads from the ticket page (bytes in the store).
    sla_template_filename = CharField(null=True)
    sla_template_content_type = CharField(null=True)
    sla_template_sha256 = CharField(null=True)
    # The scope of work printed in the SLA the desk generates for this service.
    sla_scope = TextField(null=True)

    def __str__(self):
        return self.name

    @property
    def duration_label(self):
        return DURATION_CLASSES.get(self.duration, self.duration)

    @classmethod
    def active_ones(cls):
        return cls.select().where(cls.active == True).order_by(cls.name)  # noqa: E712


class RequiredDocument(BaseModel):
    layanan = ForeignKeyField(Layanan, backref="required_documents", on_delete="CASCADE")
    name = CharField()
    description = TextField(default="")
    position = IntegerField(default=0)
    # The optional template file of this document (e.g. "Formulir pendaftaran subdomain") the
    # requester downloads from the form and the tracking page (bytes in the store).
    template_filename = CharField(null=True)
    template_content_type = CharField(null=True)
    template_sha256 = CharField(null=True)

    class Meta:
        indexes = ((("layanan", "name"), True),)

    def __str__(self):
        return self.name

    @classmethod
    def in_use(cls, required_document_id: int) -> bool:
        """Whether a ticket's upload or a missing-documents list refers to it."""
        from models.ticket import Document, MissingDocument

        if Document.select().where(Document.required_document == required_document_id).exists():
            return True
        missing = MissingDocument.required_document == required_document_id
        return MissingDocument.select().where(missing).exists()

    @classmethod
    def for_layanan(cls, layanan_id: int):
        return cls.select().where(cls.layanan == layanan_id).order_by(cls.position, cls.id)


class PerangkatDaerah(BaseModel):
    code = CharField(unique=True)
    name = CharField()
    active = BooleanField(default=True)

    def __str__(self):
        return self.name

    @classmethod
    def active_ones(cls):
        return cls.select().where(cls.active == True).order_by(cls.name)  # noqa: E712


class Holiday(BaseModel):
    """A public holiday (libur nasional / cuti bersama): no working time on that date."""

    date = DateField(unique=True)
    name = CharField()

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.name}"

    @classmethod
    def dates_between(cls, start, end) -> set:
        rows = cls.select(cls.date).where(cls.date.between(start, end))
        return {row.date for row in rows}
