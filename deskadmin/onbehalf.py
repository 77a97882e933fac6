"""SOP step 2(a): helpdesk or admin enters a request on the requester's behalf.

Like the public form, two steps that work without JavaScript: `GET /admin/on_behalf/` chooses
the service (a helpdesk: those of their own bidang; an admin: all, `scope.intake_services`);
`GET /admin/on_behalf/?layanan=<id>` shows the requester's fields, the channel the
request came through and when it was received, and one upload slot per required document of
that service (plus optional extra files). On behalf every document is optional (paper may
follow); each given file is still checked, and a refused one is shown next to its slot with
nothing stored. The ticket is opened by `workflow.submit` with the staff user as actor; the
hidden one-time submission key makes a repeated post return the same ticket.
"""

from __future__ import annotations

import datetime as dt

from flask import flash, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_babel import gettext as _
from flask_security import current_user

from deskadmin.access import StaffAccess
from deskadmin.queues import DESK
from models import workflow
from models.calendar import calendar
from models.catalog import PerangkatDaerah, RequiredDocument
from models.scope import intake_services
from models.ticket import INTAKE_CHANNELS
from models.workflow import WorkflowError
from views import forms

TEMPLATE = "admin/on_behalf.html"
RECEIVED_FORMAT = "%Y-%m-%dT%H:%M"  # what <input type="datetime-local"> sends


def read_received_at(raw: str) -> tuple[dt.datetime | None, str | None]:
    """The local time typed as "received at", as naive UTC (None when left empty), or an error
    message. Whether it lies in the future is the workflow's rule."""
    raw = (raw or "").strip()
    if not raw:
        return None, None
    try:
        local = dt.datetime.strptime(raw, RECEIVED_FORMAT)
    except ValueError:
        return None, _("Waktu diterima tidak valid; isi tanggal dan jam.")
    return calendar.to_utc(local.replace(tzinfo=calendar.tz)), None


class OnBehalfView(StaffAccess, BaseView):
    allowed_roles = DESK

    def _chooser(self, error=None, status=200):
        body = self.render(
            TEMPLATE,
            layanan=None,
            groups=forms.service_groups(intake_services(current_user)),
            error=error,
            errors={},
        )
        return body, status

    def _form(self, layanan, *, values=None, errors=None, key=None, general=None, status=200):
        errors = errors or {}
        had_files = request.method == "POST" and any(f.filename for f in request.files.values())
        body = self.render(
            TEMPLATE,
            layanan=layanan,
            required_documents=list(RequiredDocument.for_layanan(layanan.id)),
            agencies=list(PerangkatDaerah.active_ones()),
            channels=[(k, str(v)) for k, v in INTAKE_CHANNELS.items()],
            values=values or {},
            errors=errors,
            general=general,
            reselect_files=bool(errors or general) and had_files,
            submission_key=key or forms.new_submission_key(),
            document_field=forms.document_field,
            extra_field=forms.EXTRA_FIELD,
            max_extra=forms.MAX_EXTRA_FILES,
        )
        return body, status

    @expose("/", methods=("GET",))
    def index(self):
        """Step 1: choose a service; with `?layanan=<id>`, step 2: the form for that service."""
        raw = request.args.get("layanan")
        if not raw:
            return self._chooser()
        layanan = forms.chosen_layanan(raw, intake_services(current_user))
        if layanan is None:
            return self._chooser(_("Layanan yang dipilih tidak tersedia. Pilih dari daftar."), 404)
        return self._form(layanan)

    @expose("/", methods=("POST",))
    def submit(self):
        """Create the ticket, or show every refusal next to its field, keeping what was typed
        (files must be chosen again: nothing of a refused submission is stored)."""
        form = request.form
        layanan = forms.chosen_layanan(form.get("layanan_id"), intake_services(current_user))
        if layanan is None:
            return self._chooser(
                _("Layanan yang dipilih tidak tersedia. Pilih layanan dari daftar."), 400
            )
        values = forms.typed_values(form)
        values["intake_channel"] = form.get("intake_channel", "")
        values["received_at"] = form.get("received_at", "")
        key = form.get("submission_key", "")
        if not forms.valid_submission_key(key):
            general = _("Formulir ini sudah kedaluwarsa. Periksa isian lalu kirim sekali lagi.")
            return self._form(layanan, values=values, general=general, status=400)
        new_request, errors = forms.read_request(form, layanan.id)
        if values["intake_channel"] not in INTAKE_CHANNELS:
            errors["intake_channel"] = _("Pilih saluran masuk permohonan.")
        received_at, received_error = read_received_at(values["received_at"])
        if received_error:
            errors["received_at"] = received_error
        required = RequiredDocument.for_layanan(layanan.id)
        uploads, file_errors = forms.read_documents(request.files, required, mandatory=False)
        errors.update(file_errors)
        if errors:
            return self._form(layanan, values=values, errors=errors, key=key, status=400)
        try:
            ticket = workflow.submit(
                current_user,
                new_request,
                uploads,
                submission_key=key,
                intake_channel=values["intake_channel"],
                received_at=received_at,
            )
        except WorkflowError as error:
            return self._form(layanan, values=values, key=key, general=str(error), status=400)
        flash(_("Tiket %(number)s dibuat.", number=ticket.number), "success")
        return redirect(url_for("tickets.details_view", id=ticket.id), code=303)
