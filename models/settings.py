"""Settings an admin keeps in the database (key -> text), e.g. the letterhead of issued PDFs."""

from __future__ import annotations

from peewee import CharField, TextField

from models.db import BaseModel


class Setting(BaseModel):
    key = CharField(primary_key=True)
    value = TextField()

    @classmethod
    def values(cls, prefix: str) -> dict[str, str]:
        """Every setting whose key starts with `prefix`, by the rest of its key."""
        rows = cls.select().where(cls.key.startswith(prefix))
        return {row.key[len(prefix) :]: row.value for row in rows}

    @classmethod
    def put(cls, key: str, value: str | None) -> None:
        """Set `key` to `value` (None or "": remove it, the default applies again)."""
        if not value:
            cls.delete().where(cls.key == key).execute()
            return
        cls.insert(key=key, value=value).on_conflict(
            conflict_target=[cls.key], update={cls.value: value}
        ).execute()
