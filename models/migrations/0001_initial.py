"""The schema of the previous release (commit 1e3e09e), as `create_tables()` made it then.

Peewee's legacy table names (`ticketstep`, `requireddocument`, `userroles`, ...) and
`ticket.missing_documents` as a TEXT column of comma-joined RequiredDocument ids. The models are a
frozen private copy: fields and indexes only, no backrefs, bound to the migration's database.
"""

from __future__ import annotations

from peewee import (
    BooleanField,
    CharField,
    DateField,
    DateTimeField,
    ForeignKeyField,
    IntegerField,
    Model,
    TextField,
)


def frozen_models(database) -> list[type[Model]]:
    """The previous release's models bound to `database`, in creation order."""

    class Base(Model):
        class Meta:
            legacy_table_names = True

    def fk(model, on_delete, null=False):
        return ForeignKeyField(model, null=null, backref="+", on_delete=on_delete)

    class Bidang(Base):
        code = CharField(unique=True)
        name = CharField()

    class Seksi(Base):
        bidang = fk(Bidang, "RESTRICT")
        code = CharField(unique=True)
        name = CharField()

    class Layanan(Base):
        code = CharField(unique=True)
        name = CharField()
        description = TextField()
        seksi = fk(Seksi, "RESTRICT")
        duration = CharField(index=True)
        active = BooleanField()

    class RequiredDocument(Base):
        layanan = fk(Layanan, "CASCADE")
        name = CharField()
        description = TextField()
        position = IntegerField()

        class Meta:
            indexes = ((("layanan", "name"), True),)

    class PerangkatDaerah(Base):
        code = CharField(unique=True)
        name = CharField()
        active = BooleanField()

    class Holiday(Base):
        date = DateField(unique=True)
        name = CharField()

    class Role(Base):
        name = CharField(unique=True)
        description = TextField(null=True)

    class User(Base):
        email = CharField(unique=True)
        name = CharField()
        nip = CharField(null=True)
        password = CharField(null=True)
        active = BooleanField()
        fs_uniquifier = CharField(unique=True)
        confirmed_at = DateTimeField(null=True)
        bidang = fk(Bidang, "RESTRICT", null=True)
        seksi = fk(Seksi, "RESTRICT", null=True)

    class UserRoles(Base):
        user = fk(User, "CASCADE")
        role = fk(Role, "CASCADE")

        class Meta:
            indexes = ((("user", "role"), True),)

    class Sequence(Base):
        name = CharField(primary_key=True)
        value = IntegerField()

    class Ticket(Base):
        number = CharField(unique=True)
        tracking_token = CharField(unique=True)
        submission_key = CharField(null=True, unique=True)
        requester_name = CharField()
        requester_nip = CharField(index=True)
        requester_position = CharField()
        requester_email = CharField(index=True)
        requester_phone = CharField()
        perangkat_daerah = fk(PerangkatDaerah, "RESTRICT")
        layanan = fk(Layanan, "RESTRICT")
        subject = CharField()
        description = TextField()
        channel = CharField()
        intake_channel = CharField(null=True)
        received_at = DateTimeField(null=True)
        created_by = fk(User, "SET NULL", null=True)
        status = CharField(index=True)
        close_reason = CharField(null=True)
        assigned_agent = fk(User, "RESTRICT", null=True)
        step = IntegerField(null=True)
        step_started_at = DateTimeField(null=True)
        due_at = DateTimeField(null=True, index=True)
        missing_documents = TextField()
        ba_number = CharField(null=True, unique=True)
        created_at = DateTimeField(index=True)
        updated_at = DateTimeField()
        closed_at = DateTimeField(null=True)
        version = IntegerField()

    class TicketStep(Base):
        ticket = fk(Ticket, "CASCADE")
        step = IntegerField()
        status = CharField()
        started_at = DateTimeField()
        due_at = DateTimeField(null=True)
        ended_at = DateTimeField(null=True, index=True)
        actor = fk(User, "SET NULL", null=True)

        class Meta:
            indexes = ((("ticket", "step"), False),)

    class Document(Base):
        ticket = fk(Ticket, "CASCADE")
        kind = CharField(index=True)
        required_document = fk(RequiredDocument, "SET NULL", null=True)
        filename = CharField()
        content_type = CharField()
        size = IntegerField()
        sha256 = CharField()
        version = IntegerField()
        uploaded_by = fk(User, "SET NULL", null=True)
        uploaded_at = DateTimeField()

    class TicketEvent(Base):
        ticket = fk(Ticket, "CASCADE")
        at = DateTimeField()
        actor = fk(User, "SET NULL", null=True)
        actor_label = CharField()
        action = CharField()
        from_status = CharField(null=True)
        to_status = CharField(null=True)
        note = TextField()
        public = BooleanField()

        class Meta:
            indexes = ((("ticket", "at"), False),)

    class Notification(Base):
        ticket = fk(Ticket, "CASCADE")
        event = fk(TicketEvent, "SET NULL", null=True)
        kind = CharField()
        audience = CharField()
        user = fk(User, "SET NULL", null=True)
        email = CharField(null=True)
        status = CharField(index=True)
        attempts = IntegerField()
        next_attempt_at = DateTimeField(index=True)
        last_error = TextField(null=True)
        recipients = TextField(null=True)
        created_at = DateTimeField()
        sent_at = DateTimeField(null=True)

    class ReminderSent(Base):
        ticket = fk(Ticket, "CASCADE")
        kind = CharField()
        key = CharField()
        created_at = DateTimeField()

        class Meta:
            indexes = ((("ticket", "kind", "key"), True),)

    models = [
        Bidang,
        Seksi,
        Layanan,
        RequiredDocument,
        PerangkatDaerah,
        Holiday,
        Role,
        User,
        UserRoles,
        Sequence,
        Ticket,
        TicketStep,
        Document,
        TicketEvent,
        Notification,
        ReminderSent,
    ]
    for model in models:
        model._meta.set_database(database)
    return models


def upgrade(migrator, database) -> None:
    """Create the previous release's tables and indexes."""
    database.create_tables(frozen_models(database), safe=False)
