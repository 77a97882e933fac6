"""The public side: the request form (SOP steps 1 and 2b) and its confirmation page.

The form has two steps so that it works without JavaScript: `GET /` lets the requester choose a
service; `GET /?layanan=<id>` shows that service's duration class and one upload slot per
required document, with the requester's fields. `POST /` creates the ticket through
`models.workflow.submit` and redirects (Post/Redirect/Get) to the confirmation page; the hidden
one-time submission key makes a repeated post (double click, back button) return the same ticket.
"""

from __future__ import annotations

from flask import Blueprint, g, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError, generate_csrf
from werkzeug.exceptions import RequestEntityTooLarge

from extensions import limiter
from language import current_language
from models import workflow
from models.catalog import Bidang, Layanan, PerangkatDaerah, RequiredDocument, Seksi
from models.process_cache import cached
from models.ticket import Ticket
from views import forms, multipart
from views.abuse_limits import mail_limited, mail_queued
from views.downloads import attachment

bp = Blueprint("public", __name__)
# the request form's files (and the tracking page's uploads) read by werkzeug's parser with
# each part's end found by a byte search (`views.multipart`): the same parts, less CPU
bp.record_once(lambda _state: multipart.install())

SUBMIT_LIMIT = "10 per minute;60 per hour"  # per address: an agency's office shares one
SUBMITTED_KEY = "submitted_token"


def offered_services() -> dict[int, tuple[Layanan, tuple[RequiredDocument, ...]]]:
    """The active services by id, each with its seksi and bidang (which the form names) and its
    required documents in order: catalogue data, read once per process for a short while
    (`models.process_cache`; an admin's edit forgets it at once in its process) instead of
    three reads on every form page and four on every submission."""

    def load():
        rows = (
            Layanan.select(Layanan, Seksi, Bidang)
            .join(Seksi)
            .join(Bidang)
            .where(Layanan.active == True)  # noqa: E712
        )
        services = {layanan.id: (layanan, []) for layanan in rows}
        documents = RequiredDocument.select().where(RequiredDocument.layanan.in_(list(services)))
        for doc in documents.order_by(RequiredDocument.position, RequiredDocument.id):
            services[doc.layanan_id][1].append(doc)
        return {key: (layanan, tuple(docs)) for key, (layanan, docs) in services.items()}

    return cached("public-services", load)


def offered_service(raw) -> tuple[Layanan, tuple[RequiredDocument, ...]] | None:
    """The active service whose id was sent (query string or hidden field) with its required
    documents, or None."""
    layanan_id = forms.to_int(raw)
    return None if layanan_id is None else offered_services().get(layanan_id)


def active_agencies() -> dict[int, PerangkatDaerah]:
    """The active Perangkat Daerah by id, in name order: the form's list and what a submission
    may name (catalogue data, kept per process like `offered_services`)."""
    return cached("public-agencies", lambda: {pd.id: pd for pd in PerangkatDaerah.active_ones()})


def _render_form(offered, *, values=None, errors=None, key=None, general=None, status=200):
    layanan, required_documents = offered
    errors = errors or {}
    had_files = (
        any(f.filename for f in request.files.values()) if request.method == "POST" else False
    )
    body = render_template(
        "public/form.html",
        layanan=layanan,
        required_documents=required_documents,
        agencies=active_agencies().values(),
        values=values or {},
        errors=errors,
        general=general,
        reselect_files=bool(errors or general) and had_files,
        submission_key=key or forms.new_submission_key(),
        honeypot=forms.HONEYPOT,
        extra_field=forms.EXTRA_FIELD,
        max_extra=forms.MAX_EXTRA_FILES,
    )
    return body, status


CSRF_MARK, KEY_MARK = "\x00csrf\x00", "\x00submission-key\x00"


def _blank_form(offered):
    """The form page as first shown (nothing typed, no message) at its plain address
    `/?layanan=<id>`: rendered once per service and language per process for a short while
    (`models.process_cache`, like the catalogue it shows); each request puts in its own CSRF
    token and a new submission key. Any other address or a pending flash renders in full."""
    layanan = offered[0]
    if list(request.args.items(multi=True)) != [("layanan", str(layanan.id))] or session.get(
        "_flashes"
    ):
        return _render_form(offered)
    token, key = generate_csrf(), forms.new_submission_key()

    def load():
        page, _status = _render_form(offered, key=key)
        if g.get("csp_nonce") and g.csp_nonce in page:
            return None  # a per-request nonce in the page: not the same page for anyone else
        return page.replace(token, CSRF_MARK).replace(key, KEY_MARK)

    template = cached(f"public-form:{layanan.id}:{current_language()}", load)
    if template is None:
        return _render_form(offered)
    return template.replace(CSRF_MARK, token).replace(KEY_MARK, key), 200


def _render_chooser(error=None, status=200):
    return render_template(
        "public/choose.html", groups=forms.service_groups(), error=error, choice_error=bool(error)
    ), status


@bp.get("/")
def index():
    """Step 1: choose a service; with `?layanan=<id>`, step 2: the form for that service."""
    raw = request.args.get("layanan")
    if raw is None or raw == "":
        return _render_chooser()
    offered = offered_service(raw)
    if offered is None:
        return _render_chooser(_("Layanan yang dipilih tidak tersedia. Pilih dari daftar."), 404)
    return _blank_form(offered)


@bp.post("/")
@limiter.limit(SUBMIT_LIMIT, methods=["POST"])
@mail_limited
def submit():
    """Create the ticket, or show every refusal next to its field, keeping what was typed."""
    form, files = request.form, request.files
    offered = offered_service(form.get("layanan_id"))
    if offered is None:
        return _render_chooser(
            _("Layanan yang dipilih tidak tersedia. Pilih layanan dari daftar."), 400
        )
    layanan, required = offered
    values = forms.typed_values(form)
    key = form.get("submission_key", "")
    if form.get(forms.HONEYPOT):
        # Only a robot fills the hidden field: nothing is created, and nothing is explained.
        return _render_form(
            offered, values=values, general=_("Permohonan tidak dapat diproses."), status=400
        )
    if not forms.valid_submission_key(key):
        return _render_form(
            offered,
            values=values,
            general=_("Formulir ini sudah kedaluwarsa. Periksa isian lalu kirim sekali lagi."),
            status=400,
        )
    agencies = active_agencies()
    new_request, errors = forms.read_request(form, layanan.id, layanan=layanan, agencies=agencies)
    uploads, file_errors = forms.read_documents(files, required)
    errors.update(file_errors)
    if errors:
        return _render_form(offered, values=values, errors=errors, key=key, status=400)
    try:
        ticket = workflow.submit(
            None,
            new_request,
            uploads,
            submission_key=key,
            language=current_language(),
            layanan=layanan,
            perangkat_daerah=agencies[new_request.perangkat_daerah_id],
            required_documents=required,
        )
    except workflow.WorkflowError as error:
        return _render_form(
            offered, values=values, key=key, general=str(error), status=error.http_status
        )
    mail_queued()
    session[SUBMITTED_KEY] = ticket.tracking_token
    return redirect(url_for("public.submitted"), 303)


@bp.get("/terkirim")
def submitted():
    """The confirmation: the ticket number and the private tracking link (also emailed). Shown
    once: on a shared office computer the next person must not find the link here."""
    ticket = Ticket.by_token(session.pop(SUBMITTED_KEY, ""))
    if ticket is None:
        return redirect(url_for("public.index"))
    response = render_template("public/submitted.html", ticket=ticket)
    return response, 200, {"Cache-Control": "no-store", "Referrer-Policy": "no-referrer"}


@bp.errorhandler(RequestEntityTooLarge)
def too_large(error):
    """The whole request is over DESK_MAX_REQUEST_MB: nothing could be read, nothing is kept."""
    from flask import current_app

    message = _(
        "Berkas yang dikirim terlalu besar: seluruh lampiran dalam satu permohonan paling banyak "
        "%(mb)d MB. Isian tidak dapat disimpan; kembali, lalu lampirkan berkas yang lebih kecil.",
        mb=int(current_app.config["MAX_REQUEST_MB"]),
    )
    return render_template(
        "public/message.html", title=_("Berkas terlalu besar"), message=message
    ), 413


@bp.errorhandler(429)
def rate_limited(error):
    """Too many submissions from one address: say so plainly, and when to try again."""
    message = _(
        "Terlalu banyak permohonan dari alamat jaringan Anda dalam waktu singkat. Silakan coba "
        "lagi beberapa menit lagi."
    )
    body = render_template(
        "public/message.html", title=_("Terlalu banyak percobaan"), message=message
    )
    return body, 429


@bp.errorhandler(CSRFError)
def csrf_refused(error):
    """The form's CSRF token is missing or expired (a page left open too long): nothing is
    created; the request form comes back with what was typed and a fresh token."""
    message = _(
        "Sesi formulir ini sudah berakhir, sehingga permohonan belum dikirim. Periksa isian, "
        "pilih ulang berkas, lalu kirim sekali lagi."
    )
    offered = offered_service(request.form.get("layanan_id"))
    if request.endpoint == "public.submit" and offered is not None:
        values = forms.typed_values(request.form)
        return _render_form(offered, values=values, general=message, status=400)
    body = render_template("public/message.html", title=_("Sesi berakhir"), message=message)
    return body, 400


@bp.get("/templat/<int:required_document_id>")
def document_template(required_document_id):
    """The template file of a required document (e.g. a registration form to fill in), as an
    attachment with nosniff; 404 when it has none."""
    doc = RequiredDocument.get_or_none(RequiredDocument.id == required_document_id)
    if doc is None:
        return attachment(None, None, None)
    return attachment(doc.template_sha256, doc.template_filename, doc.template_content_type)
