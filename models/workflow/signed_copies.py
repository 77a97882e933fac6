"""SOP step 6 and 7 around the signed copies' signatures: each uploaded copy is checked
(`models.signatures`) before it is kept; a broken signature or a signed document that is not
the one the desk issued is refused; a wet-ink copy (a scan, or a PDF with no signature) is
kept but needs the closing agent's confirmation.
"""

from __future__ import annotations

from flask_babel import gettext as _

from formatting import local_datetime
from models.signature_records import SignedCopyCheck, record_verdict
from models.signatures import Verdict, check_signed_copy, trust_roots
from models.ticket import DOCUMENT_KINDS, SIGNED_KINDS, Document
from models.workflow.base import WorkflowError, _staff

# The issued document each signed copy must be a signed version of.
ISSUED_KIND = {"sla_signed": "sla", "ba_signed": "ba"}


def check_copies(ticket, stored: dict) -> dict[str, Verdict]:
    """The verdict on each uploaded signed copy ({kind: (checked upload, staged)}), checked
    against the ticket's current issued SLA/BA. Refused (WorkflowError `invalid`, nothing kept)
    when a signature is broken or the signed document is not the issued one."""
    roots = trust_roots()
    verdicts = {}
    for kind, (item, _staged) in stored.items():
        issued = Document.current(ticket.id, ISSUED_KIND[kind])
        verdict = check_signed_copy(item.data, [issued.sha256] if issued else [], roots)
        label = DOCUMENT_KINDS[kind]
        if not verdict.wet_ink and not verdict.intact:
            raise WorkflowError(
                _(
                    "Tanda tangan pada %(doc)s rusak atau berkasnya diubah setelah "
                    "ditandatangani. Tidak ada yang disimpan: unggah kembali salinan yang "
                    "ditandatangani tanpa diubah.",
                    doc=label,
                )
            )
        if not verdict.wet_ink and not verdict.matches_issued:
            raise WorkflowError(
                _(
                    "%(doc)s yang diunggah bukan dokumen yang diterbitkan Service Desk untuk "
                    "tiket ini. Tidak ada yang disimpan: tandatangani dokumen yang dikirimkan "
                    "kepada Anda, lalu unggah kembali.",
                    doc=label,
                )
            )
        verdicts[kind] = verdict
    return verdicts


def trust_label(trusted) -> str:
    """The trust of a signer's certificate in words; None is "not checked", never "valid"."""
    if trusted is None:
        return _("sertifikat tidak diperiksa (belum ada akar tepercaya)")
    return _("sertifikat tepercaya") if trusted else _("sertifikat tidak tepercaya")


def verdict_note(kind: str, verdict: Verdict) -> str:
    """The history's words for one copy's verdict."""
    label = DOCUMENT_KINDS[kind]
    if verdict.wet_ink:
        return _("%(doc)s: tanda tangan basah, tidak diverifikasi.", doc=label)
    parts = [
        _(
            "ditandatangani %(signer)s pada %(at)s, tanda tangan utuh, %(trust)s",
            signer=sig.signer,
            at=local_datetime(sig.signed_at.replace(tzinfo=None)) if sig.signed_at else "?",
            trust=trust_label(sig.trusted),
        )
        for sig in verdict.signatures
    ]
    return _(
        "%(doc)s: %(signatures)s; sesuai dokumen yang diterbitkan.",
        doc=label,
        signatures="; ".join(parts),
    )


def record(ticket, docs: dict, verdicts: dict) -> str:
    """Write the verdict rows of the stored copies ({kind: Document}); the history note."""
    for kind, doc in docs.items():
        record_verdict(doc, verdicts[kind])
    return " ".join(verdict_note(kind, verdicts[kind]) for kind in docs)


def unconfirmed_wet_ink(ticket_id) -> list[Document]:
    """The ticket's current signed copies (not returned) that are wet-ink and not yet confirmed
    by the closing agent."""
    docs = []
    for kind in SIGNED_KINDS:
        doc = Document.current(ticket_id, kind)
        if doc is None or doc.returned_at is not None:
            continue
        check = SignedCopyCheck.of(doc.id)
        if check is not None and check.wet_ink and check.confirmed_at is None:
            docs.append(doc)
    return docs


def confirm_wet_ink(docs, actor, now) -> str:
    """Record the closing agent's confirmation of wet-ink copies; the history note."""
    SignedCopyCheck.update(confirmed_by=_staff(actor), confirmed_at=now).where(
        SignedCopyCheck.document.in_([d.id for d in docs])
    ).execute()
    return _(
        "Salinan bertanda tangan basah telah diperiksa petugas: %(docs)s.",
        docs=", ".join(str(d.kind_label) for d in docs),
    )
