"""Template files of the catalogue (admin only): per required document an optional template the
requester downloads from the form and the tracking page (e.g. "Formulir pendaftaran
subdomain"), per service an optional SLA template the agent downloads from the ticket page.

`GET /admin/templat/` lists the services with their required documents; each row has an upload
(a new file replaces the old one) and a remove button. Files are checked by `models.uploads`;
a refused file is named with its reason and nothing changes.
"""

from __future__ import annotations

from flask import flash, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from deskadmin.access import AdminOnly
from models import catalog_files
from models.catalog import Layanan, RequiredDocument, Seksi
from models.uploads import Upload, UploadRefused
from views.downloads import attachment


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


class TemplateFilesView(AdminOnly, BaseView):
    @expose("/")
    def index(self):
        services = list(Layanan.select(Layanan, Seksi).join(Seksi).order_by(Layanan.name))
        documents: dict = {}
        for doc in RequiredDocument.select().order_by(
            RequiredDocument.position, RequiredDocument.id
        ):
            documents.setdefault(doc.layanan_id, []).append(doc)
        return self.render("admin/template_files.html", services=services, documents=documents)

    @expose("/unggah", methods=("POST",))
    def upload(self):
        """Store the posted file as the template of one required document or one service's SLA
        template; `remove` clears it instead."""
        target = request.form.get("target", "")
        row_id = _int(request.form.get("id"))
        if target == "document":
            row = RequiredDocument.get_or_none(RequiredDocument.id == row_id)
            setter = catalog_files.set_document_template
        elif target == "sla":
            row = Layanan.get_or_none(Layanan.id == row_id)
            setter = catalog_files.set_sla_template
        else:
            row = None
        if row is None:
            flash(_("Dokumen persyaratan atau layanan itu tidak ada."), "error")
            return redirect(url_for(".index"), code=303)
        if request.form.get("remove"):
            setter(row.id, None)
            flash(_("Templat “%(name)s” dihapus.", name=row.name), "success")
            return redirect(url_for(".index"), code=303)
        storage = request.files.get("file")
        if storage is None or not storage.filename:
            flash(_("Pilih berkas templat yang akan diunggah."), "error")
            return redirect(url_for(".index"), code=303)
        try:
            setter(row.id, Upload(storage.filename, storage.read()))
        except UploadRefused as exc:
            flash(str(exc), "error")
            return redirect(url_for(".index"), code=303)
        flash(_("Templat untuk “%(name)s” disimpan.", name=row.name), "success")
        return redirect(url_for(".index"), code=303)

    @expose("/dokumen/<int:required_document_id>")
    def document_template(self, required_document_id):
        doc = RequiredDocument.get_or_none(RequiredDocument.id == required_document_id)
        if doc is None:
            return attachment(None, None, None)
        return attachment(doc.template_sha256, doc.template_filename, doc.template_content_type)


def add_views(admin) -> None:
    admin.add_view(
        TemplateFilesView(
            name=_l("Templat berkas"),
            category=_l("Katalog"),
            endpoint="templates",
            url="/admin/templat",
        )
    )
