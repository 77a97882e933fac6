"""Reading the public forms: typed fields into a `NewRequest`, files into `Upload`s, and every
refusal as a message keyed by the field it belongs to (so the page can show it next to it).

The rules themselves live in `models.validation` (fields) and `models.uploads` (files); this
module only maps form names to them. Nothing here stores anything.
"""

from __future__ import annotations

import re
import secrets

from flask_babel import gettext as _

from models import uploads
from models.catalog import Bidang, Layanan, PerangkatDaerah, Seksi
from models.uploads import Upload, UploadRefused
from models.validation import check_request
from models.workflow import NewRequest

TEXT_FIELDS = (
    "requester_name",
    "requester_nip",
    "requester_position",
    "requester_email",
    "requester_phone",
    "subject",
    "description",
)
HONEYPOT = "website"  # hidden from people; only a robot fills it
EXTRA_FIELD = "lampiran"
MAX_EXTRA_FILES = 5
SUBMISSION_KEY_RE = re.compile(r"^[A-Za-z0-9_-]{20,64}$")


def new_submission_key() -> str:
    """A one-time key rendered with the form: the same key never makes two tickets."""
    return secrets.token_urlsafe(24)


def valid_submission_key(value) -> bool:
    return bool(value) and bool(SUBMISSION_KEY_RE.match(value))


def to_int(value) -> int | None:
    """The id typed into a form or URL, or None when it is none (or cannot name a row: beyond
    64 bits, which SQLite and PostgreSQL refuse)."""
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if -(2**63) <= number < 2**63 else None


def service_groups(query=None) -> dict[str, list]:
    """Active services grouped by bidang, for the service chooser (step 1 of a request form);
    `query` (a Layanan query) narrows them, e.g. to a helpdesk's own bidang."""
    query = query if query is not None else Layanan.select()
    rows = (
        query.select(Layanan, Seksi, Bidang)
        .join(Seksi)
        .join(Bidang)
        .where(Layanan.active == True)  # noqa: E712
        .order_by(Bidang.name, Layanan.name)
    )
    groups: dict[str, list] = {}
    for layanan in rows:
        groups.setdefault(layanan.seksi.bidang.name, []).append(layanan)
    return groups


def chosen_layanan(raw, query=None) -> Layanan | None:
    """The active service whose id was sent (query string or hidden field), or None; `query`
    narrows the services that count, as in `service_groups`."""
    layanan_id = to_int(raw)
    if layanan_id is None:
        return None
    query = query if query is not None else Layanan.select()
    return query.where(Layanan.id == layanan_id, Layanan.active == True).first()  # noqa: E712


def document_field(required_document_id: int) -> str:
    """The name of the upload slot of one required document."""
    return f"dokumen-{required_document_id}"


def typed_values(form) -> dict[str, str]:
    """What the requester typed, to render the form again after a refusal."""
    values = {name: form.get(name, "") for name in TEXT_FIELDS}
    values["perangkat_daerah_id"] = form.get("perangkat_daerah_id", "")
    return values


def read_request(
    form, layanan_id: int | None, *, layanan=None, agencies=None
) -> tuple[NewRequest, dict[str, str]]:
    """The typed request and its field errors (`models.validation`, the agency, the service).
    `layanan` (the active service already read for `layanan_id`) and `agencies` (the active
    Perangkat Daerah by id) spare reading them again."""
    request = NewRequest(
        **{name: form.get(name, "") for name in TEXT_FIELDS},
        perangkat_daerah_id=to_int(form.get("perangkat_daerah_id")) or 0,
        layanan_id=layanan_id or 0,
    )
    errors = check_request(request)
    if agencies is not None:
        known = request.perangkat_daerah_id in agencies
    else:
        known = (
            PerangkatDaerah.select()
            .where(
                PerangkatDaerah.id == request.perangkat_daerah_id,
                PerangkatDaerah.active == True,  # noqa: E712
            )
            .exists()
        )
    if not known:
        errors["perangkat_daerah_id"] = _("Pilih Perangkat Daerah dari daftar.")
    if layanan is None or layanan.id != request.layanan_id or not layanan.active:
        layanan = Layanan.get_or_none(Layanan.id == request.layanan_id, Layanan.active == True)  # noqa: E712
    if layanan is None:
        errors["layanan_id"] = _("Layanan yang dipilih tidak tersedia. Pilih layanan dari daftar.")
    return request, errors


def _given(file_storage) -> bool:
    return file_storage is not None and bool(file_storage.filename)


def _read(file_storage, required_document_id=None) -> Upload:
    return Upload(file_storage.filename, file_storage.read(), required_document_id)


def _check(upload: Upload, field: str, errors: dict) -> None:
    try:
        uploads.check(upload)
    except UploadRefused as refused:
        errors.setdefault(field, str(refused))


def read_documents(
    files, required_documents, *, mandatory=True
) -> tuple[list[Upload], dict[str, str]]:
    """One upload per required-document slot (each mandatory unless `mandatory` is False) plus
    the optional extra files; every file checked by content and size (`models.uploads`)."""
    result, errors = [], {}
    for doc in required_documents:
        field = document_field(doc.id)
        storage = files.get(field)
        if not _given(storage):
            if mandatory:
                errors[field] = _("Lampirkan %(name)s.", name=doc.name)
            continue
        upload = _read(storage, doc.id)
        _check(upload, field, errors)
        result.append(upload)
    result += read_extra(files, errors)
    return result, errors


def read_extra(files, errors: dict) -> list[Upload]:
    """The optional extra files (not tied to a required document)."""
    extra = [_read(f) for f in files.getlist(EXTRA_FIELD) if _given(f)]
    if len(extra) > MAX_EXTRA_FILES:
        errors[EXTRA_FIELD] = _("Lampiran tambahan paling banyak %(n)d berkas.", n=MAX_EXTRA_FILES)
    for upload in extra:
        _check(upload, EXTRA_FIELD, errors)
    return extra


def read_signed(files, awaited=("sla_signed", "ba_signed")) -> tuple[dict, dict[str, str]]:
    """The counter-signed SLA and/or BA: the `awaited` ones, at least one, each checked."""
    labels = {
        "sla_signed": _("SLA yang sudah ditandatangani"),
        "ba_signed": _("Berita Acara yang sudah ditandatangani"),
    }
    result, errors = {}, {}
    for field in awaited:
        storage = files.get(field)
        if _given(storage):
            result[field] = _read(storage)
            _check(result[field], field, errors)
    if not result and not errors:
        first = awaited[0]
        errors[first] = _(
            "Lampirkan %(names)s.", names=_(" dan/atau ").join(str(labels[k]) for k in awaited)
        )
    return result, errors
