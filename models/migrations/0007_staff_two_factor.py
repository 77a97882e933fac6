"""Two-factor login of staff users: four nullable columns on `user`.

`tf_primary_method` ("authenticator" once set up), `tf_totp_secret` (the encrypted TOTP secret),
`mf_recovery_codes` (the encrypted single-use recovery codes, a JSON list) and
`tf_totp_last_counter` (the last TOTP time-step accepted, so a code cannot be used twice).
Columns are added in place; nothing is copied.
"""

from __future__ import annotations

from peewee import CharField, IntegerField, TextField
from playhouse.migrate import migrate


def upgrade(migrator, database) -> None:
    """Add the two-factor columns to `user`."""
    migrate(
        migrator.add_column("user", "tf_primary_method", CharField(max_length=64, null=True)),
        migrator.add_column("user", "tf_totp_secret", CharField(max_length=255, null=True)),
        migrator.add_column("user", "mf_recovery_codes", TextField(null=True)),
        migrator.add_column("user", "tf_totp_last_counter", IntegerField(null=True)),
    )
