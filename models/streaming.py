"""Reading a large query a chunk at a time, so memory stays flat in the number of rows."""

from __future__ import annotations

import uuid

from models.db import database, is_sqlite

CHUNK_ROWS = 1000


def stream(query, chunk: int = CHUNK_ROWS):
    """Yield the rows of a peewee SELECT one at a time without holding them all: on SQLite the
    cursor itself steps through the result; on PostgreSQL a server-side (named) cursor inside a
    transaction fetches `chunk` rows per round trip (psycopg2's default cursor would load the
    whole result into the client first)."""
    if is_sqlite():
        yield from query.iterator()
        return
    from playhouse.postgres_ext import FetchManyCursor

    sql, params = query.sql()
    with database.atomic():
        cursor = database.connection().cursor(name=f"stream_{uuid.uuid4().hex}")
        try:
            cursor.execute(sql, params)
            # peewee's own row wrapper over a cursor that fetches `chunk` rows at a time
            wrapper = query._get_cursor_wrapper(FetchManyCursor(cursor, chunk))
            yield from wrapper.iterator()
        finally:
            if not cursor.closed:
                cursor.close()
