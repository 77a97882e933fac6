"""The ceiling: a bare Flask + peewee app doing only the essential work of each measured request.

    gunicorn -w 2 -b 127.0.0.1:PORT 'bench.bare:create_app()'   (BARE_DATABASE_URL, BARE_FILES)

- `GET /form` a token; `POST /submit` (multipart): per uploaded file one fsynced file and one
  row, with one row for the submission (the desk's POST carries a PDF per document slot);
- `GET /list?status=S`: 50 rows of one status in due order, and their count;
- `GET /ticket/<id>`: one row.

It reads the same `ticket` table as the desk, so the ceiling sees the same data. No templates,
no session, no CSRF, no roles: what is left is what no implementation can avoid.
"""

from __future__ import annotations

import hashlib
import os
import secrets

from flask import Flask, abort, jsonify, request
from peewee import CharField, DateTimeField, IntegerField, Model
from playhouse.db_url import connect

from models.db import SQLITE_PRAGMAS, utcnow


def create_app():
    """The bare app on BARE_DATABASE_URL, files under BARE_FILES."""
    url = os.environ["BARE_DATABASE_URL"]
    db = connect(url, pragmas=SQLITE_PRAGMAS) if url.startswith("sqlite") else connect(url)
    files = os.environ["BARE_FILES"]
    os.makedirs(files, exist_ok=True)

    class Base(Model):
        class Meta:
            database = db

    class BareSubmission(Base):
        name = CharField()
        subject = CharField()
        sha256 = CharField()
        created_at = DateTimeField(default=utcnow)

        class Meta:
            table_name = "bench_bare_submission"

    class BareFile(Base):
        submission = IntegerField()
        filename = CharField()
        size = IntegerField()
        sha256 = CharField()

        class Meta:
            table_name = "bench_bare_file"

    class Ticket(Base):
        number = CharField()
        subject = CharField()
        status = CharField()
        due_at = DateTimeField(null=True)
        created_at = DateTimeField()
        layanan_id = IntegerField()
        perangkat_daerah_id = IntegerField()

        class Meta:
            table_name = "ticket"

    with db.connection_context():
        db.create_tables([BareSubmission, BareFile], safe=True)

    app = Flask(__name__)

    @app.before_request
    def _connect():
        db.connect(reuse_if_open=True)

    @app.teardown_appcontext
    def _close(exc):
        if not db.is_closed():
            db.close()

    @app.get("/form")
    def form():
        return f'<form><input name="token" value="{secrets.token_urlsafe(24)}"></form>'

    @app.post("/submit")
    def submit():
        # Per uploaded file, what no implementation can skip: its bytes fsynced under their
        # checksum, and one row naming them, in the transaction of the submission's row.
        written = []
        for upload in request.files.values():
            data = upload.read()
            sha = hashlib.sha256(data).hexdigest()
            path = os.path.join(files, sha)
            tmp = f"{path}.{secrets.token_hex(4)}"
            with open(tmp, "wb") as out:
                out.write(data)
                out.flush()
                os.fsync(out.fileno())
            os.replace(tmp, path)
            written.append((upload.filename, len(data), sha))
        with db.atomic():
            row = BareSubmission.create(
                name=request.form["name"],
                subject=request.form["subject"],
                sha256=written[0][2] if written else "",
            )
            for filename, size, sha in written:
                BareFile.create(submission=row.id, filename=filename, size=size, sha256=sha)
        return jsonify(id=row.id, files=len(written)), 201

    @app.get("/list")
    def listing():
        status = request.args.get("status", "assigned")
        query = Ticket.select().where(Ticket.status == status)
        rows = list(query.order_by(Ticket.due_at).limit(50).dicts())
        return jsonify(count=query.count(), rows=[r["number"] for r in rows])

    @app.get("/ticket/<int:ticket_id>")
    def one(ticket_id):
        row = Ticket.select().where(Ticket.id == ticket_id).dicts().first()
        if row is None:
            abort(404)
        return jsonify(number=row["number"], subject=row["subject"])

    return app
