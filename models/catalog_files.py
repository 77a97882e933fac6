"""The catalogue's template files: per required document a template the requester fills in,
per service an SLA template for the agent. Checked like every upload (`models.uploads`: PDF,
JPEG or PNG by content, within the size limit), bytes in the document store, named on the row.
"""

from __future__ import annotations

from models.catalog import Layanan, RequiredDocument
from models.storage import store
from models.uploads import Upload, check

FILE_FIELDS = ("filename", "content_type", "sha256")


def _set_file(model, prefix: str, row_id: int, upload: Upload | None) -> None:
    """Check and store `upload` (raises `UploadRefused` with a message for its field) and name
    it on the row's `<prefix>_filename/_content_type/_sha256` columns; None empties them."""
    values = dict.fromkeys(FILE_FIELDS)
    if upload is not None:
        checked = check(upload)
        values = {
            "filename": checked.filename,
            "content_type": checked.content_type,
            "sha256": store.put(checked.data),
        }
    columns = {getattr(model, f"{prefix}_{name}"): value for name, value in values.items()}
    model.update(columns).where(model.id == row_id).execute()


def set_document_template(required_document_id: int, upload: Upload | None) -> None:
    """Give a required document its template file (None: remove it). A refused file changes
    nothing."""
    _set_file(RequiredDocument, "template", required_document_id, upload)


def set_sla_template(layanan_id: int, upload: Upload | None) -> None:
    """Give a service its SLA template (None: remove it). A refused file changes nothing."""
    _set_file(Layanan, "sla_template", layanan_id, upload)
