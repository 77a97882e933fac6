"""Reading a large query a chunk at a time, so memory stays flat in the number of rows."""

from __future__ import annotations

import uuid

from models.db import database, is_sqlite

CHUNK_ROWS = 1000


def stream(query, chunk: int = CHUNK_ROWS):
    """Yield the rows of a peewee SELECT one at a time without holding them all: on SQLite the
    cursor itself steps through the result; on PostgreSQL a server-side cursor (DECLARE, then
    FETCH `chunk` rows at a time) inside a transaction, which closes it. psycopg2's default cursor
    would load the whole result into the client first, and its named cursors need WITH HOLD on
    peewee's autocommit connections, which copies the whole result on the server at once."""
    if is_sqlite():
        yield from query.iterator()
        return
    name = f"stream_{uuid.uuid4().hex}"
    sql, params = query.sql()
    with database.atomic():
        database.execute_sql(f"DECLARE {name} NO SCROLL CURSOR FOR {sql}", params)
        while True:
            cursor = database.execute_sql(f"FETCH FORWARD {int(chunk)} FROM {name}")
            # peewee's own row wrapper (models and their joined rows) over this chunk
            rows = list(query._get_cursor_wrapper(cursor).iterator())
            if not rows:
                return
            yield from rows
