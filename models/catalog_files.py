"""The catalogue's template files: per required document a template the requester fills in,
per service an SLA template for the agent. Checked like every upload (`models.uploads`: PDF,
JPEG or PNG by content, within the size limit), bytes in the document store, named on the row.
"""

from __future__ import annotations

from models.catalog import Layanan, RequiredDocument
from models.storage import store
from models.uploads import Upload, check


def _stored(upload: Upload) -> dict:
    """Check `upload` (raises `UploadRefused` with a message for its field) and store it."""
    checked = check(upload)
    return {
        "filename": checked.filename,
        "content_type": checked.content_type,
        "sha256": store.put(checked.data),
    }


def set_document_template(required_document_id: int, upload: Upload | None) -> None:
    """Give a required document its template file (None: remove it). A refused file changes
    nothing."""
    values = (
        _stored(upload)
        if upload is not None
        else dict.fromkeys(("filename", "content_type", "sha256"))
    )
    RequiredDocument.update(
        template_filename=values["filename"],
        template_content_type=values["content_type"],
        template_sha256=values["sha256"],
    ).where(RequiredDocument.id == required_document_id).execute()


def set_sla_template(layanan_id: int, upload: Upload | None) -> None:
    """Give a service its SLA template (None: remove it). A refused file changes nothing."""
    values = (
        _stored(upload)
        if upload is not None
        else dict.fromkeys(("filename", "content_type", "sha256"))
    )
    Layanan.update(
        sla_template_filename=values["filename"],
        sla_template_content_type=values["content_type"],
        sla_template_sha256=values["sha256"],
    ).where(Layanan.id == layanan_id).execute()
