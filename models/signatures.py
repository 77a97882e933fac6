"""The PDF signatures of a requester's signed copy, checked offline with pyHanko.

For each signature: the signer (the certificate subject's common name), the signing time the
signer reported, whether it is intact (the cryptographic check, and the signature covers the
whole file or only later incremental updates that add signatures, form fields or annotations:
pyHanko's coverage levels and modification analysis), whether its certificate chains to one of
the admin's trust roots (`DESK_SIGNATURE_TRUST_ROOTS`; none configured: `None`, "not checked",
never "valid"), and whether the signed document is the very one the desk issued (the file up to
the first signature's incremental update hashes to an issued PDF's SHA-256).

Offline: the validation context never fetches (no OCSP, CRL nor certificate download) and
revocation is checked only from data embedded in the file ("soft-fail": missing revocation
data is not a failure). A file with no signature, or not a PDF at all (a JPEG/PNG scan), is a
wet-ink copy: "tanda tangan basah, tidak diverifikasi".
"""

from __future__ import annotations

import hashlib
import io
import logging
import os
from dataclasses import dataclass, field
from datetime import datetime

from asn1crypto import x509 as asn1_x509
from flask import current_app
from pyhanko.keys.pemder import load_certs_from_pemder_data
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.diff_analysis import ModificationLevel
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko.sign.validation.status import SignatureCoverageLevel
from pyhanko_certvalidator import ValidationContext

log = logging.getLogger("desk.signatures")

EXTENSION = "desk_signature_roots"
CERT_SUFFIXES = (".pem", ".crt", ".cer")
# Later incremental updates a signature may be followed by and stay intact.
HARMLESS_UPDATES = (
    ModificationLevel.NONE,
    ModificationLevel.LTA_UPDATES,
    ModificationLevel.FORM_FILLING,
    ModificationLevel.ANNOTATIONS,
)
# A signed copy carries one signature per signer (a handful); each check hashes the file and
# analyses its revisions, so an upload with thousands of signature fields would hold a worker
# for minutes. Beyond this many the copy is refused as broken, none of them checked.
MAX_SIGNATURES = 20


@dataclass(frozen=True)
class SignatureCheck:
    """One signature's verdict."""

    signer: str
    signed_at: datetime | None
    intact: bool
    trusted: bool | None  # None: no trust root configured, not checked
    matches_issued: bool


@dataclass(frozen=True)
class Verdict:
    """The verdict on one signed copy: its signatures, or a wet-ink copy (none to check)."""

    signatures: tuple[SignatureCheck, ...] = field(default_factory=tuple)

    @property
    def wet_ink(self) -> bool:
        return not self.signatures

    @property
    def intact(self) -> bool:
        return all(s.intact for s in self.signatures)

    @property
    def matches_issued(self) -> bool:
        return bool(self.signatures) and self.signatures[0].matches_issued


class TrustRootsError(RuntimeError):
    """`DESK_SIGNATURE_TRUST_ROOTS` names something that holds no readable certificate."""


def read_trust_roots(path: str | None) -> list[asn1_x509.Certificate]:
    """The PEM (or DER) certificates in `path`: one file, or every `.pem`/`.crt`/`.cer` file of
    a folder; unset or empty: none (signatures are then "not checked", never "trusted")."""
    if not path:
        return []
    if os.path.isdir(path):
        files = sorted(
            os.path.join(path, name)
            for name in os.listdir(path)
            if name.lower().endswith(CERT_SUFFIXES)
        )
    elif os.path.isfile(path):
        files = [path]
    else:
        raise TrustRootsError(f"SIGNATURE_TRUST_ROOTS: {path} is neither a file nor a folder")
    roots = []
    for name in files:
        with open(name, "rb") as fh:
            try:
                roots.extend(load_certs_from_pemder_data(fh.read()))
            except ValueError as exc:
                raise TrustRootsError(f"SIGNATURE_TRUST_ROOTS: {name}: {exc}") from exc
    return roots


def trust_roots() -> list[asn1_x509.Certificate]:
    """The current app's configured trust roots, read once per app (restart to reload)."""
    app = current_app._get_current_object()
    path = app.config.get("SIGNATURE_TRUST_ROOTS")
    cached = app.extensions.get(EXTENSION)
    if cached is None or cached[0] != path:
        cached = (path, read_trust_roots(path))
        app.extensions[EXTENSION] = cached
    return cached[1]


def _common_name(cert: asn1_x509.Certificate) -> str:
    name = cert.subject.native
    return str(name.get("common_name") or cert.subject.human_friendly)


def _revision_before(data: bytes, signature_offset: int) -> list[bytes]:
    """The candidate bytes of the revision an incremental update starts from: the file up to
    the last `%%EOF` before the signature (with the end-of-line it may carry)."""
    end = data.rfind(b"%%EOF", 0, signature_offset)
    if end < 0:
        return []
    end += len(b"%%EOF")
    candidates = [data[:end]]
    for eol in (b"\n", b"\r", b"\r\n"):
        if data[end : end + len(eol)] == eol:
            candidates.append(data[: end + len(eol)])
    return candidates


def _intact(status) -> bool:
    if not (status.intact and status.valid):
        return False
    if status.coverage == SignatureCoverageLevel.ENTIRE_FILE:
        return True
    return (
        status.coverage == SignatureCoverageLevel.ENTIRE_REVISION
        and status.modification_level in HARMLESS_UPDATES
        and status.docmdp_ok is not False
    )


def check_signed_copy(pdf_bytes: bytes, issued_sha256s, trust_roots=()) -> Verdict:
    """The verdict on a signed copy: each PDF signature checked offline against `trust_roots`
    (none: trusted is None) and the issued documents' SHA-256s (`issued_sha256s`). A file with
    no signature, not a PDF, or a PDF pyHanko cannot read is a wet-ink verdict (no signature);
    a PDF whose signature cannot even be parsed counts as a broken signature, and so does one
    with more than `MAX_SIGNATURES` signatures (none of them checked)."""
    if not pdf_bytes.startswith(b"%PDF-"):
        return Verdict()
    try:
        reader = PdfFileReader(io.BytesIO(pdf_bytes), strict=False)
        embedded = list(reader.embedded_signatures)
    except Exception:  # noqa: BLE001 - an unreadable PDF: nothing to verify, a scan at best
        log.info("signed copy not readable as a signed PDF", exc_info=True)
        return Verdict()
    if not embedded:
        return Verdict()
    roots = list(trust_roots)
    if len(embedded) > MAX_SIGNATURES:
        log.info("signed copy refused: %d signatures", len(embedded))
        return Verdict((SignatureCheck("?", None, False, False if roots else None, False),))
    issued = set(issued_sha256s)
    context = ValidationContext(
        trust_roots=roots, allow_fetching=False, revocation_mode="soft-fail"
    )
    first = embedded[0]  # pyHanko orders them by signed revision
    matches = any(
        hashlib.sha256(prefix).hexdigest() in issued
        for prefix in _revision_before(pdf_bytes, first.byte_range[1])
    )
    checks = []
    for sig in embedded:
        try:
            status = validate_pdf_signature(sig, signer_validation_context=context)
            intact = _intact(status)
            trusted = bool(status.trusted) if roots else None
            signer = _common_name(status.signing_cert)
            signed_at = status.signer_reported_dt
        except Exception:  # noqa: BLE001 - a malformed signature is a broken one
            log.info("signature not verifiable", exc_info=True)
            intact, trusted, signer, signed_at = False, (False if roots else None), "?", None
        checks.append(SignatureCheck(signer, signed_at, intact, trusted, matches))
    return Verdict(tuple(checks))
