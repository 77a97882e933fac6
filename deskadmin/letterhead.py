"""The letterhead (kop surat) of the PDFs the desk issues (admin only): `/admin/kop-surat/`.

Three text lines, the city printed before the date, and the emblem (PNG or JPEG by content;
`models.letterhead`). A refused value is named with its reason and nothing changes; every save
is written to the audit log. The emblem in use is shown beside the form.
"""

from __future__ import annotations

from flask import Response, flash, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from deskadmin.access import AdminOnly
from deskadmin.audit import audit_staff
from models import letterhead
from models.uploads import Upload, UploadRefused
from security_headers import sandbox


class LetterheadView(AdminOnly, BaseView):
    @expose("/", methods=("GET", "POST"))
    def index(self):
        errors: dict = {}
        values = {f: getattr(letterhead.current(), f) for f in letterhead.LIMITS}
        if request.method == "POST":
            values = {f: request.form.get(f, "") for f in letterhead.LIMITS}
            storage = request.files.get("emblem")
            emblem = None
            if storage is not None and storage.filename:
                emblem = Upload(storage.filename, storage.read())
            try:
                letterhead.save(values, emblem, reset_emblem=bool(request.form.get("reset_emblem")))
            except UploadRefused as exc:
                errors["emblem"] = str(exc)
            except ValueError as exc:
                errors.update(exc.args[0])
            if not errors:
                audit_staff("letterhead", "letterhead", {k: v.strip() for k, v in values.items()})
                flash(_("Kop surat disimpan; berlaku untuk dokumen berikutnya."), "success")
                return redirect(url_for(".index"), code=303)
            flash(_("Kop surat belum disimpan: periksa isian yang ditandai."), "error")
        labels = {
            "line1": _("Baris 1 (pemerintah daerah)"),
            "line2": _("Baris 2 (nama dinas)"),
            "line3": _("Baris 3 (alamat)"),
            "city": _("Kota penandatanganan"),
        }
        status = 400 if errors else 200
        body = self.render("admin/letterhead.html", values=values, labels=labels, errors=errors)
        return body, status

    @expose("/lambang")
    def emblem(self):
        data, content_type = letterhead.current().emblem_bytes()
        return sandbox(Response(data, mimetype=content_type, headers={"Cache-Control": "no-store"}))


def add_views(admin) -> None:
    admin.add_view(
        LetterheadView(
            name=_l("Kop surat"),
            category=_l("Katalog"),
            endpoint="letterhead",
            url="/admin/kop-surat",
        )
    )
