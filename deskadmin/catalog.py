"""The catalogue (admin only): bidang, seksi, services with their required documents,
Perangkat Daerah and holidays. Rows in use are retired (`active`), not deleted: no data is lost.
"""

from __future__ import annotations

from flask import flash
from flask_admin.contrib.peewee import ModelView
from flask_admin.form import BaseForm
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from wtforms.validators import Optional

from deskadmin.access import AdminOnly
from deskadmin.audit import AuditedModelView
from formatting import local_date
from models import process_cache
from models.catalog import Bidang, Holiday, Layanan, PerangkatDaerah, RequiredDocument, Seksi

LABELS = {
    "code": _l("Kode"),
    "name": _l("Nama"),
    "bidang": _l("Bidang"),
    "seksi": _l("Seksi"),
    "description": _l("Keterangan"),
    "sla_scope": _l("Ruang lingkup (tercetak di SLA)"),
    "duration": _l("Kelas durasi"),
    "active": _l("Aktif"),
    "date": _l("Tanggal"),
    "position": _l("Urutan"),
    "required_documents": _l("Dokumen persyaratan"),
}


class CatalogView(AuditedModelView, AdminOnly, ModelView):
    form_base_class = BaseForm  # CSRF: Flask-WTF's CSRFProtect guards every POST
    can_delete = False
    column_labels = LABELS
    page_size = 50

    def search_placeholder(self):
        return str(_l("Nama atau kode"))

    def __init__(self, *args, **kwargs):
        self.form_args = {name: {"label": LABELS[name]} for name in self.form_columns or ()}
        super().__init__(*args, **kwargs)

    def after_model_change(self, form, model, is_created):
        process_cache.forget()  # the lists' filter choices name the catalogue's rows
        return super().after_model_change(form, model, is_created)

    def after_model_delete(self, model):
        process_cache.forget()  # a holiday removed: the due times stop skipping it at once
        return super().after_model_delete(model)


class BidangView(CatalogView):
    column_list = ("code", "name")
    form_columns = ("code", "name")


class SeksiView(CatalogView):
    column_list = ("bidang", "code", "name")
    form_columns = ("bidang", "code", "name")


class LayananView(CatalogView):
    column_list = ("code", "name", "seksi", "duration", "active")
    column_formatters = {"duration": lambda v, c, m, n: m.duration_label}
    form_columns = ("code", "name", "description", "sla_scope", "seksi", "duration", "active")
    inline_models = [
        (
            RequiredDocument,
            dict(
                form_columns=("id", "name", "description", "position"),
                form_args={k: {"label": LABELS[k]} for k in ("name", "description", "position")}
                | {"id": {"validators": [Optional()]}},  # empty for a new row
            ),
        )
    ]
    column_searchable_list = ("name", "code")

    def update_model(self, form, model):
        """Refuse to delete a required document that tickets already answer: their uploads and
        checklists would lose what they were for (rename or re-describe it instead)."""
        rows = form.required_documents
        for entry in rows.entries:
            doc_id = entry.get_pk()
            if rows.should_delete(entry) and doc_id and RequiredDocument.in_use(int(doc_id)):
                flash(
                    _(
                        "Dokumen persyaratan “%(name)s” sudah dipakai tiket dan tidak "
                        "dapat dihapus; ubah nama atau keterangannya saja.",
                        name=RequiredDocument.get_by_id(int(doc_id)).name,
                    ),
                    "error",
                )
                return False
        return super().update_model(form, model)


class PerangkatDaerahView(CatalogView):
    column_list = ("code", "name", "active")
    form_columns = ("code", "name", "active")
    column_searchable_list = ("name", "code")


class HolidayView(CatalogView):
    can_delete = True  # a holiday entered by mistake is removed; nothing refers to it
    column_list = ("date", "name")
    form_columns = ("date", "name")
    column_default_sort = ("date", True)
    column_formatters = {"date": lambda v, c, m, n: local_date(m.date)}


def add_views(admin) -> None:
    category = _l("Katalog")
    admin.add_view(BidangView(Bidang, name=_l("Bidang"), category=category, endpoint="bidang"))
    admin.add_view(SeksiView(Seksi, name=_l("Seksi"), category=category, endpoint="seksi"))
    admin.add_view(LayananView(Layanan, name=_l("Layanan"), category=category, endpoint="layanan"))
    admin.add_view(
        PerangkatDaerahView(
            PerangkatDaerah, name=_l("Perangkat Daerah"), category=category, endpoint="pd"
        )
    )
    admin.add_view(HolidayView(Holiday, name=_l("Hari libur"), category=category, endpoint="libur"))
