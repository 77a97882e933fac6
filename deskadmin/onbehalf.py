"""SOP step 2(a): helpdesk or admin enters a request on the requester's behalf.

The same fields as the public form, plus the channel it came through and when it was received;
the ticket is opened by `workflow.submit` with the staff user as actor.
"""

from __future__ import annotations

import secrets

from flask import flash, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_security import current_user
from flask_wtf import FlaskForm
from wtforms import (
    DateTimeLocalField,
    EmailField,
    HiddenField,
    MultipleFileField,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import Optional

from deskadmin.access import StaffAccess
from deskadmin.queues import DESK
from models import workflow
from models.calendar import calendar
from models.catalog import Layanan, PerangkatDaerah
from models.ticket import INTAKE_CHANNELS
from models.uploads import Upload
from models.workflow import WorkflowError


class OnBehalfForm(FlaskForm):
    intake_channel = SelectField(_l("Saluran masuk"), choices=[])
    received_at = DateTimeLocalField(
        _l("Diterima pada (waktu setempat)"), format="%Y-%m-%dT%H:%M", validators=[Optional()]
    )
    requester_name = StringField(_l("Nama pemohon"))
    requester_nip = StringField(_l("NIP"))
    requester_position = StringField(_l("Jabatan"))
    requester_email = EmailField(_l("Email"))
    requester_phone = StringField(_l("Nomor telepon"))
    perangkat_daerah_id = SelectField(_l("Perangkat Daerah"), coerce=int, choices=[])
    layanan_id = SelectField(_l("Layanan"), coerce=int, choices=[])
    subject = StringField(_l("Perihal"))
    description = TextAreaField(_l("Uraian permohonan"))
    documents = MultipleFileField(_l("Dokumen persyaratan (PDF, JPEG atau PNG; boleh menyusul)"))
    submission_key = HiddenField()

    def fill_choices(self):
        self.intake_channel.choices = [("", _("— pilih —"))] + [
            (k, str(v)) for k, v in INTAKE_CHANNELS.items()
        ]
        self.perangkat_daerah_id.choices = [(0, _("— pilih —"))] + [
            (p.id, p.name) for p in PerangkatDaerah.active_ones()
        ]
        self.layanan_id.choices = [(0, _("— pilih —"))] + [
            (x.id, x.name) for x in Layanan.active_ones()
        ]


class OnBehalfView(StaffAccess, BaseView):
    allowed_roles = DESK

    @expose("/", methods=("GET", "POST"))
    def index(self):
        form = OnBehalfForm()
        form.fill_choices()
        if request.method == "GET":
            form.submission_key.data = secrets.token_urlsafe(24)
            return self.render("admin/on_behalf.html", form=form)
        form.validate()  # only coerces; the workflow judges the values
        received_at = form.received_at.data
        if received_at is not None:
            received_at = calendar.to_utc(received_at.replace(tzinfo=calendar.tz))
        files = [
            Upload(f.filename, f.read()) for f in request.files.getlist("documents") if f.filename
        ]
        new = workflow.NewRequest(
            requester_name=form.requester_name.data or "",
            requester_nip=form.requester_nip.data or "",
            requester_position=form.requester_position.data or "",
            requester_email=form.requester_email.data or "",
            requester_phone=form.requester_phone.data or "",
            perangkat_daerah_id=form.perangkat_daerah_id.data or 0,
            layanan_id=form.layanan_id.data or 0,
            subject=form.subject.data or "",
            description=form.description.data or "",
        )
        try:
            ticket = workflow.submit(
                current_user,
                new,
                files,
                submission_key=form.submission_key.data or None,
                intake_channel=form.intake_channel.data or None,
                received_at=received_at,
            )
        except WorkflowError as exc:
            flash(str(exc), "error")
            return self.render("admin/on_behalf.html", form=form), 400
        flash(_("Tiket %(number)s dibuat.", number=ticket.number), "success")
        return redirect(url_for("tickets.details_view", id=ticket.id), code=303)
