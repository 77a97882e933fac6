"""The verdicts on the requester's signed copies: `signed_copy_check` (one per signed copy
document: wet-ink or not, the agent's confirmation of a wet-ink copy) and `signature_verdict`
(one per PDF signature: signer, time, intact, trusted, matches the issued document).

New tables only; the models are frozen here (fields and indexes, no backrefs).
"""

from __future__ import annotations

from peewee import (
    BooleanField,
    CharField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    Model,
)


def frozen_models(database) -> list[type[Model]]:
    """The two tables as this migration creates them, bound to `database`."""

    class Base(Model):
        class Meta:
            legacy_table_names = False

    class Document(Base):
        pass

    class User(Base):
        pass

    class SignedCopyCheck(Base):
        document = ForeignKeyField(Document, unique=True, backref="+", on_delete="CASCADE")
        wet_ink = BooleanField()
        checked_at = DateTimeField()
        confirmed_by = ForeignKeyField(User, null=True, backref="+", on_delete="SET NULL")
        confirmed_at = DateTimeField(null=True)

    class SignatureVerdict(Base):
        check = ForeignKeyField(SignedCopyCheck, backref="+", on_delete="CASCADE")
        position = IntegerField()
        signer = CharField()
        signed_at = DateTimeField(null=True)
        intact = BooleanField()
        trusted = BooleanField(null=True)
        matches_issued = BooleanField()

        class Meta:
            indexes = ((("check", "position"), True),)

    models = [SignedCopyCheck, SignatureVerdict]
    for model in models:
        model._meta.set_database(database)
    return models


def upgrade(migrator, database) -> None:
    """Create `signed_copy_check` and `signature_verdict` with their indexes."""
    database.create_tables(frozen_models(database), safe=False)
