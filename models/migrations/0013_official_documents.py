"""Official documents (issue #13): the staff's position, a service's SLA scope, the SLA's
number, each issued document's number and verification code, and the admin's settings.

- `user.position` (the jabatan printed on the BA and the SLA; NULL until an admin enters it);
- `layanan.sla_scope` (the scope of work printed in the service's generated SLA; NULL: the
  service's description is printed);
- `ticket.sla_number` (given once, like `ba_number`; unique);
- `document.number` and `document.verification_code` (NULL for uploaded files; unique: the
  public page `/verifikasi/<code>` finds the document by it);
- `setting` (key, value): the letterhead's lines and the emblem's hash in the document store.

New columns are nullable, so every existing row stays as it is.
"""

from __future__ import annotations

from peewee import CharField, Model, TextField


def frozen_models(database) -> list[type[Model]]:
    """The new table as this migration creates it, bound to `database`."""

    class Setting(Model):
        key = CharField(primary_key=True)
        value = TextField()

        class Meta:
            legacy_table_names = False

    Setting._meta.set_database(database)
    return [Setting]


def upgrade(migrator, database) -> None:
    """Add the columns and the unique index, create `setting`."""
    for sql in (
        'ALTER TABLE "user" ADD COLUMN position VARCHAR(255)',
        "ALTER TABLE layanan ADD COLUMN sla_scope TEXT",
        "ALTER TABLE ticket ADD COLUMN sla_number VARCHAR(255)",
        "ALTER TABLE document ADD COLUMN number VARCHAR(255)",
        "ALTER TABLE document ADD COLUMN verification_code VARCHAR(255)",
        'CREATE UNIQUE INDEX "ticket_sla_number" ON ticket (sla_number)',
        'CREATE UNIQUE INDEX "document_verification_code" ON document (verification_code)',
    ):
        database.execute_sql(sql)
    database.create_tables(frozen_models(database), safe=False)
