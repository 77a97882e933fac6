"""Verification codes of the documents the desk issues, and what the public page says of them.

Every generated SLA and BA gets a code before it is rendered (the code is printed on each page
and in its QR code), stored on its `Document` row with the SHA-256 of the PDF. The code is 80
random bits (`secrets`) in base32: 16 characters, shown in four groups (`ABCD-EFGH-JKLM-NPQR`);
what a person types is normalised (case, spaces, dashes, and the digits 0/1/8 read as O/I/B,
which base32 does not use).
"""

from __future__ import annotations

import base64
import hashlib
import re
import secrets
from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from models.ticket import CLOSED, Document, Ticket

CODE_BYTES = 10  # 80 bits
CODE_LENGTH = 16
ISSUED_KINDS = ("sla", "ba")
SIGNED_OF = {"sla": "sla_signed", "ba": "ba_signed"}
_LOOKALIKES = str.maketrans({"0": "O", "1": "I", "8": "B"})


def new_code() -> str:
    """A fresh code: 80 random bits as 16 base32 characters (normalised form, no dashes)."""
    return base64.b32encode(secrets.token_bytes(CODE_BYTES)).decode()


def normalize(text: str) -> str:
    """The code as stored, from what a person typed or scanned ("" when it cannot be one)."""
    code = re.sub(r"[\s-]+", "", text or "").upper().translate(_LOOKALIKES)
    return code if re.fullmatch(rf"[A-Z2-7]{{{CODE_LENGTH}}}", code) else ""


def display(code: str) -> str:
    """The code in four groups of four, as printed."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


def find(text: str):
    """The issued Document with that code, or None."""
    code = normalize(text)
    if not code:
        return None
    return Document.get_or_none(Document.verification_code == code)


@dataclass(frozen=True)
class Standing:
    """Whether the issued document still stands: `current`, `replaced` or `withdrawn`."""

    status: str
    message: object


def standing(document: Document) -> Standing:
    """A newer version of the same kind replaces it ("diganti"); a ticket closed other than
    fulfilled (rejected, withdrawn, expired) withdraws it."""
    ticket = Ticket.get_by_id(document.ticket_id)
    newer = Document.current(ticket.id, document.kind)
    if ticket.status == CLOSED and ticket.close_reason not in (None, "fulfilled"):
        return Standing(
            "withdrawn",
            _l(
                "Dokumen ini ditarik: tiketnya ditutup (%(reason)s).",
                reason=ticket.close_reason_label,
            ),
        )
    if newer is not None and newer.id != document.id:
        return Standing(
            "replaced",
            _l(
                "Dokumen ini sudah diganti dengan versi yang lebih baru (versi %(v)d).",
                v=newer.version,
            ),
        )
    return Standing("current", _l("Ini versi terakhir yang diterbitkan."))


@dataclass(frozen=True)
class Match:
    """What a dropped file is, compared with an issued document: `issued`, `signed`,
    `returned` (a signed copy the desk sent back) or `none`."""

    status: str
    sha256: str
    message: object
    signed_copy: Document | None = None  # the signed copy it is, for `signed` and `returned`


def accepted_signed_copies(document: Document) -> list[Document]:
    """The counter-signed copies of `document` the desk accepted: its ticket's signed copies of
    the matching kind received after it was issued and not returned, newest first."""
    kind = SIGNED_OF.get(document.kind)
    if kind is None:
        return []
    return list(
        Document.select()
        .where(
            Document.ticket == document.ticket_id,
            Document.kind == kind,
            Document.uploaded_at >= document.uploaded_at,
            Document.returned_at.is_null(True),
        )
        .order_by(Document.id.desc())
    )


def compare(document: Document, data: bytes) -> Match:
    """Compare the bytes of a dropped file with `document` and its ticket's signed copies of
    the same kind (byte for byte, by SHA-256); nothing is stored."""
    sha = hashlib.sha256(data).hexdigest()
    if sha == document.sha256:
        return Match("issued", sha, _l("Berkas ini sama persis dengan dokumen yang diterbitkan."))
    signed = (
        Document.select()
        .where(
            Document.ticket == document.ticket_id,
            Document.kind == SIGNED_OF.get(document.kind, ""),
            Document.sha256 == sha,
        )
        .order_by(Document.returned_at.is_null(False), Document.id.desc())
        .first()
    )
    if signed is not None and signed.returned_at is None:
        return Match(
            "signed",
            sha,
            _l("Berkas ini sama persis dengan salinan bertanda tangan yang diterima desk."),
            signed,
        )
    if signed is not None:
        return Match(
            "returned",
            sha,
            _l(
                "Berkas ini adalah salinan bertanda tangan yang dikembalikan desk (tidak "
                "diterima); bukan dokumen yang sah."
            ),
            signed,
        )
    return Match(
        "none",
        sha,
        _l(
            "Berkas ini berbeda dari dokumen yang diterbitkan dan dari salinan bertanda tangan "
            "yang diterima desk."
        ),
    )
