"""The stored verdicts on the requester's signed copies: one `signed_copy_check` per signed
copy Document (wet-ink or not, and the agent's confirmation of a wet-ink copy when closing) and
one `signature_verdict` per PDF signature in it (see `models.signatures`)."""

from __future__ import annotations

from peewee import BooleanField, CharField, DateTimeField, ForeignKeyField, IntegerField

from models.db import BaseModel, utcnow
from models.staff import User
from models.ticket import Document


class SignedCopyCheck(BaseModel):
    """The verdict on one signed copy: wet-ink (no signature to verify) or its signatures."""

    document = ForeignKeyField(Document, unique=True, backref="+", on_delete="CASCADE")
    wet_ink = BooleanField()
    checked_at = DateTimeField(default=utcnow)
    # A wet-ink copy: the closing agent confirmed having checked it by eye.
    confirmed_by = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
    confirmed_at = DateTimeField(null=True)

    @classmethod
    def of(cls, document_id):
        """The check of a signed copy Document, or None (a copy from before the checks)."""
        return cls.get_or_none(cls.document == document_id)


class SignatureVerdict(BaseModel):
    """One PDF signature of a signed copy, in the file's order."""

    check = ForeignKeyField(SignedCopyCheck, backref="signatures", on_delete="CASCADE")
    position = IntegerField()
    signer = CharField()
    signed_at = DateTimeField(null=True)
    intact = BooleanField()
    trusted = BooleanField(null=True)  # None: no trust root configured, not checked
    matches_issued = BooleanField()

    class Meta:
        indexes = ((("check", "position"), True),)


def record_verdict(document, verdict) -> SignedCopyCheck:
    """Write the verdict of a just-stored signed copy (inside the caller's transaction)."""
    check = SignedCopyCheck.create(document=document, wet_ink=verdict.wet_ink)
    for position, sig in enumerate(verdict.signatures):
        SignatureVerdict.create(
            check=check,
            position=position,
            signer=sig.signer[:255],
            signed_at=sig.signed_at.replace(tzinfo=None) if sig.signed_at else None,
            intact=sig.intact,
            trusted=sig.trusted,
            matches_issued=sig.matches_issued,
        )
    return check


def verdicts_for(document) -> list[SignatureVerdict]:
    """The signature verdicts of a signed copy Document, in the file's order (empty: wet-ink, or
    a copy from before the checks; `SignedCopyCheck.of` tells which)."""
    document_id = getattr(document, "id", document)
    return list(
        SignatureVerdict.select()
        .join(SignedCopyCheck)
        .where(SignedCopyCheck.document == document_id)
        .order_by(SignatureVerdict.position)
    )
