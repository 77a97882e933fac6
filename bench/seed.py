"""`flask seed-bench --tickets N`: a database full of realistic tickets, fast.

The tickets spread over every state (and the three close reasons), every service, every
Perangkat Daerah and every agent, each with the rows the workflow would have written on its way
there: its SOP steps (start, due by the step table's rule, end, the actor), its history, its
documents (a few shared stored files: the store is content-addressed), its Berita Acara number
and its sent emails. It does not run the workflow per ticket: rows are built in memory and
written with one multi-row INSERT per table chunk on SQLite, one COPY per table on PostgreSQL, one
transaction per batch of 50,000 tickets (100,000 tickets in well under a minute on SQLite).
Ticket and BA numbers continue from the database's counters, which are moved past the last
number, so the desk keeps numbering after a seed.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import importlib
import io
import random
import secrets
import uuid

from models import calendar as calendar_module
from models.catalog import Layanan, PerangkatDaerah, RequiredDocument, Seksi
from models.db import database, is_sqlite, utcnow
from models.sequence import Sequence
from models.sop import (
    ASSIGNED,
    CLOSED,
    INCOMPLETE,
    OPEN,
    PAUSED,
    SELESAI,
    SIGNED,
    VERIFIED,
    step_for_status,
)
from models.staff import AGENT, HELPDESK, Role, User, UserRoles
from models.storage import current_store
from models.ticket import Document, Notification, Ticket, TicketEvent, TicketStep

AGENTS_PER_SEKSI = 2
CHUNK = 500
# Tickets built in memory and written per transaction: a million is seeded in batches, so the
# seed's memory does not grow with the table.
BATCH = 50_000

# (final status, close reason, the path of states the ticket went through), with a weight.
PATHS = (
    ("open", None, (OPEN,), 5),
    ("incomplete", None, (OPEN, INCOMPLETE), 4),
    ("verified", None, (OPEN, VERIFIED), 3),
    ("assigned", None, (OPEN, VERIFIED, ASSIGNED), 10),
    ("menunggu_pemohon", None, (OPEN, VERIFIED, ASSIGNED, PAUSED), 2),
    ("selesai", None, (OPEN, VERIFIED, ASSIGNED, SELESAI), 4),
    ("signed", None, (OPEN, VERIFIED, ASSIGNED, SELESAI, SIGNED), 3),
    ("fulfilled", "fulfilled", (OPEN, VERIFIED, ASSIGNED, SELESAI, SIGNED, CLOSED), 60),
    ("rejected", "rejected", (OPEN, CLOSED), 6),
    ("expired", "expired", (OPEN, INCOMPLETE, CLOSED), 5),
)

# The history entry, the email kind and who acted, for arriving in a state (from the previous).
ARRIVAL = {
    (None, OPEN): ("submitted", "opened", None),
    (OPEN, INCOMPLETE): ("incomplete", "incomplete", HELPDESK),
    (OPEN, VERIFIED): ("verified", None, HELPDESK),
    (VERIFIED, ASSIGNED): ("disposed", "disposed", HELPDESK),
    (ASSIGNED, PAUSED): ("paused", "question", AGENT),
    (ASSIGNED, SELESAI): ("selesai", "selesai", AGENT),
    (SELESAI, SIGNED): ("signed", "signed", None),
    (SIGNED, CLOSED): ("closed", "closed", AGENT),
    (OPEN, CLOSED): ("rejected", "closed", HELPDESK),
    (INCOMPLETE, CLOSED): ("expired", "closed", "system"),
}
EMAIL_AUDIENCES = {  # kind -> (to the requester, staff audiences)
    "opened": (True, "helpdesk,admin,kepala_bidang,kepala_seksi"),
    "incomplete": (True, None),
    "disposed": (False, "agent"),
    "selesai": (True, None),
    "question": (True, None),
    "signed": (False, "agent"),
    "closed": (True, "helpdesk,admin,kepala_bidang,kepala_seksi,agent"),
}
FIRST_NAMES = ("Asep", "Dewi", "Rina", "Budi", "Siti", "Yusuf", "Neneng", "Agus", "Euis", "Dadan")
LAST_NAMES = ("Sunarya", "Permana", "Hidayat", "Lestari", "Nugraha", "Rahayu", "Saputra")
POSITIONS = ("Kepala Subbagian Umum", "Pranata Komputer", "Analis Sistem", "Sekretaris Dinas")
SUBJECTS = (
    "Permohonan {s} untuk unit kerja",
    "Pengajuan {s} tahun anggaran berjalan",
    "Mohon bantuan {s}",
    "Tindak lanjut {s} sesuai surat",
)


def sample_pdf(size: int = 50_000, label: str = "Service Desk") -> bytes:
    """A valid one-page PDF of about `size` bytes (the padding is a PDF comment block)."""
    body = (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[3 0 R]/Count 1>>endobj\n"
        b"3 0 obj<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]>>endobj\n"
    )
    trailer = b"trailer<</Root 1 0 R>>\n%%EOF\n"
    line = b"% " + label.encode() + b" " + b"x" * 60 + b"\n"
    padding = line * max(0, (size - len(body) - len(trailer)) // len(line))
    return body + padding + trailer


@dataclasses.dataclass
class _Counters:
    ticket: int
    step: int
    event: int
    document: int
    notification: int


def _next_id(model) -> int:
    return (model.select(model.id).order_by(model.id.desc()).scalar() or 0) + 1


def _copy_value(value) -> str:
    """One field of PostgreSQL's COPY text format."""
    if value is None:
        return "\\N"
    if isinstance(value, bool):
        return "t" if value else "f"
    text = value.isoformat(" ") if isinstance(value, dt.datetime) else str(value)
    return text.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n").replace("\r", "\\r")


def _bulk(model, columns: list[str], rows: list[tuple]) -> None:
    """Write `rows` (tuples in `columns` order): one COPY on PostgreSQL, else multi-row INSERTs
    in chunks."""
    table = model._meta.table_name
    cols = ", ".join(f'"{c}"' for c in columns)
    if not is_sqlite():
        buffer = io.StringIO()
        for row in rows:
            buffer.write("\t".join(_copy_value(v) for v in row) + "\n")
        buffer.seek(0)
        cursor = database.connection().cursor()
        cursor.copy_expert(f'COPY "{table}" ({cols}) FROM STDIN', buffer)
        return
    one = "(" + ", ".join([database.param] * len(columns)) + ")"
    for start in range(0, len(rows), CHUNK):
        chunk = rows[start : start + CHUNK]
        sql = f'INSERT INTO "{table}" ({cols}) VALUES ' + ", ".join([one] * len(chunk))
        database.execute_sql(sql, [v for row in chunk for v in row])


def _bench_agents(password_hash: str) -> dict[int, list[int]]:
    """Agents of every seksi (the demo ones plus AGENTS_PER_SEKSI made here): seksi -> ids."""
    role = Role.get(Role.name == AGENT)
    for seksi in Seksi.select():
        have = User.agents_of_seksi(seksi.id).count()
        for i in range(have, AGENTS_PER_SEKSI):
            user = User.create(
                email=f"agen.{seksi.code.lower()}.{i + 1}@bench.example.go.id",
                name=f"Petugas {seksi.name} {i + 1}",
                password=password_hash,
                fs_uniquifier=uuid.uuid4().hex,
                bidang=seksi.bidang_id,
                seksi=seksi.id,
                nip=f"19900101{seksi.id:04d}{i + 1:02d}1{i % 10}01"[:18],
                position=f"Pranata Komputer {seksi.name}",
            )
            UserRoles.create(user=user, role=role)
    return {seksi.id: [u.id for u in User.agents_of_seksi(seksi.id)] for seksi in Seksi.select()}


def _fast_calendar():
    """The app's working calendar with its holidays read once (not one query per due time)."""
    from models.catalog import Holiday

    cal = calendar_module.current_calendar()
    days = {h.date for h in Holiday.select(Holiday.date)}
    return dataclasses.replace(cal, holidays=lambda first, last: days)


def seed_bench(tickets: int, *, seed: int = 12, now: dt.datetime | None = None) -> dict:
    """Add `tickets` tickets with all their rows (see the module docstring); the catalogue,
    the Perangkat Daerah and the demo users must exist (`seed-demo`). Returns counts per table."""
    from flask import current_app
    from flask_security.utils import hash_password

    rng = random.Random(seed)
    now = now or utcnow()
    app = current_app._get_current_object()
    saved_calendar = app.extensions[calendar_module.EXTENSION]
    app.extensions[calendar_module.EXTENSION] = _fast_calendar()
    try:
        with database.atomic():
            agents = _bench_agents(hash_password(secrets.token_urlsafe(16)))
        counts: dict = {}
        for start in range(0, tickets, BATCH):
            with database.atomic():
                made = _seed(min(BATCH, tickets - start), rng, now, agents, every_path=not start)
            for table, n in made.items():
                counts[table] = counts.get(table, 0) + n
        with database.atomic():
            _derived_figures()
        if not is_sqlite():
            for model in (Ticket, TicketStep, TicketEvent, Document, Notification):
                table = model._meta.table_name
                database.execute_sql(
                    f"SELECT setval(pg_get_serial_sequence('\"{table}\"', 'id'), "
                    f'(SELECT MAX(id) FROM "{table}"))'
                )
            _vacuum_analyze()
        else:
            database.execute_sql("ANALYZE")
    finally:
        app.extensions[calendar_module.EXTENSION] = saved_calendar
    return counts


def _derived_figures() -> None:
    """What the workflow keeps beside the step rows, for the bulk rows that bypass it: each
    ended step's working duration (migration 0011's fill) and the step facts the heads' figures
    read (0015's fill, from scratch)."""
    importlib.import_module("models.migrations.0011_step_working_seconds").fill(database)
    database.execute_sql('DELETE FROM "step_fact"')
    importlib.import_module("models.migrations.0015_step_fact").fill(database)


def _vacuum_analyze() -> None:
    """VACUUM ANALYZE on PostgreSQL, as autovacuum would do to a live table: without the
    visibility map every index-only scan (the lists' capped count) reads the table's rows too."""
    connection = database.connection()
    autocommit = connection.autocommit
    connection.autocommit = True  # VACUUM cannot run inside a transaction
    try:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")
    finally:
        connection.autocommit = autocommit


def _seed(tickets: int, rng: random.Random, now: dt.datetime, agents, every_path=True) -> dict:
    from models.calendar import calendar

    layanan = list(Layanan.select())
    required = {}
    for doc in RequiredDocument.select().order_by(RequiredDocument.position):
        required.setdefault(doc.layanan_id, []).append(doc.id)
    seksi_bidang = {s.id: s.bidang_id for s in Seksi.select()}
    helpdesks = {}
    for user in User.with_role(HELPDESK):
        helpdesks.setdefault(user.bidang_id, []).append(user)
    any_helpdesk = next(iter(helpdesks.values()))
    agent_names = {u.id: u.name for u in User.with_role(AGENT)}
    helpdesk_names = {u.id: u.name for us in helpdesks.values() for u in us}
    pds = [p.id for p in PerangkatDaerah.select(PerangkatDaerah.id)]

    store = current_store()
    files = [store.put(sample_pdf(20_000 + 5_000 * i, f"berkas {i}")) for i in range(3)]
    file_size = {sha: len(store.get(sha)) for sha in files}

    paths = [p for p in PATHS for _ in range(p[3])]
    ids = _Counters(
        *(_next_id(m) for m in (Ticket, TicketStep, TicketEvent, Document, Notification))
    )

    # Every path at least once, then by weight; the active ones are recent, closed ones older.
    each = list(PATHS) if every_path else []
    plan = each + [rng.choice(paths) for _ in range(max(0, tickets - len(each)))]
    plan = plan[:tickets]
    started = []
    for path in plan:
        final = path[2][-1]
        days = rng.uniform(0, 40) if final != CLOSED else rng.uniform(3, 730)
        started.append((now - dt.timedelta(days=days, minutes=rng.uniform(0, 600)), path))
    started.sort(key=lambda item: item[0])

    seq = {}
    for s in Sequence.select():
        seq[s.name] = s.value
    ticket_rows, step_rows, event_rows, doc_rows, note_rows = [], [], [], [], []
    for created, (_, reason, states, _w) in started:
        tid = ids.ticket
        ids.ticket += 1
        lay = rng.choice(layanan)
        bidang = seksi_bidang[lay.seksi_id]
        helper = rng.choice(helpdesks.get(bidang) or any_helpdesk)
        agent_id = rng.choice(agents[lay.seksi_id]) if ASSIGNED in states else None
        year = calendar.to_local(created).year
        key = f"ticket-{year}"
        seq[key] = seq.get(key, 0) + 1
        number = f"SD-{year}-{seq[key]:06d}"
        first, last = rng.choice(FIRST_NAMES), rng.choice(LAST_NAMES)
        email = f"{first.lower()}.{last.lower()}{rng.randint(1, 999)}@jabarprov.go.id"

        t = created
        status, step_no, step_started, due, closed_at, ba_number = (
            None,
            None,
            None,
            None,
            None,
            None,
        )
        previous = None
        for state in states:
            action, kind, who = ARRIVAL[(previous, state)]
            actor = {HELPDESK: helper.id, AGENT: agent_id}.get(who)
            label = (
                helpdesk_names.get(actor) or agent_names.get(actor)
                if actor
                else ("Sistem" if who == "system" else "Pemohon")
            )
            if step_rows and previous is not None:
                last_step = step_rows[-1]
                if state == PAUSED:  # step 5 goes on with its clock stopped (workflow.pause)
                    step_rows[-1] = last_step[:8] + (t,)
                else:
                    step_rows[-1] = last_step[:6] + (t, actor, last_step[8])
            event_id = ids.event
            ids.event += 1
            event_rows.append((event_id, tid, t, actor, label, action, previous, state, "", True))
            if kind:
                to_requester, staff = EMAIL_AUDIENCES[kind]
                sent = t + dt.timedelta(seconds=rng.uniform(2, 30))
                if to_requester:
                    note_rows.append(
                        (ids.notification, tid, event_id, kind, "requester", None, email,
                         "sent", 1, sent, email, t, sent)
                    )  # fmt: skip
                    ids.notification += 1
                if staff and (agent_id or "agent" not in staff.split(",")):
                    note_rows.append(
                        (ids.notification, tid, event_id, kind, staff, agent_id, None,
                         "sent", 1, sent, "helpdesk@example.go.id", t, sent)
                    )  # fmt: skip
                    ids.notification += 1
            if state == OPEN:
                for rd in required.get(lay.id, []):
                    sha = rng.choice(files)
                    doc_rows.append(
                        (ids.document, tid, "persyaratan", rd, f"persyaratan-{rd}.pdf",
                         "application/pdf", file_size[sha], sha, 1, None, t)
                    )  # fmt: skip
                    ids.document += 1
            if state == SELESAI:
                year_ba = calendar.to_local(t).year
                key_ba = f"ba-{year_ba}"
                seq[key_ba] = seq.get(key_ba, 0) + 1
                ba_number = f"BA/{seq[key_ba]:04d}/DISKOMINFO/{year_ba}"
                for kind_doc in ("sla", "ba"):
                    sha = rng.choice(files)
                    doc_rows.append(
                        (ids.document, tid, kind_doc, None, f"{kind_doc}.pdf", "application/pdf",
                         file_size[sha], sha, 1, agent_id, t)
                    )  # fmt: skip
                    ids.document += 1
            if state == SIGNED:
                for kind_doc in ("sla_signed", "ba_signed"):
                    sha = rng.choice(files)
                    doc_rows.append(
                        (ids.document, tid, kind_doc, None, f"{kind_doc}.pdf", "application/pdf",
                         file_size[sha], sha, 1, None, t)
                    )  # fmt: skip
                    ids.document += 1
            step = step_for_status(state)
            status = state
            if state == PAUSED:
                due = None  # while paused the ticket has no due time; step 5's row stays open
                break
            if step is None:
                step_no = step_started = due = None
                closed_at = t
                break
            due = step.due(t, lay)
            step_no, step_started = step.number, t
            step_rows.append((ids.step, tid, step.number, state, t, due, None, None, None))
            ids.step += 1
            previous = state
            # the next state arrives after a share of the step's standard (some late)
            span = (due - t) if due else dt.timedelta(days=3)
            share = rng.uniform(0.05, 1.0) if rng.random() < 0.85 else rng.uniform(1.0, 1.6)
            if state == INCOMPLETE and CLOSED in states:
                share = 1.0 + rng.uniform(0, 0.01)  # expired: at the sweep after the deadline
            t = max(t, min(t + span * share, now - dt.timedelta(minutes=1)))
        updated = closed_at or step_started or created
        ticket_rows.append(
            (tid, number, secrets.token_urlsafe(32), None, f"{first} {last}",
             f"19{rng.randint(70, 99)}{rng.randint(10**13, 10**14 - 1)}",
             rng.choice(POSITIONS), email, f"08{rng.randint(10**9, 10**10 - 1)}", rng.choice(pds),
             lay.id, rng.choice(SUBJECTS).format(s=lay.name.lower()),
             f"Mohon ditindaklanjuti: {lay.name}.", "web", None, None, None,
             status, reason, agent_id, step_no, step_started, due, ba_number,
             created, updated, closed_at, len(states) - 1)
        )  # fmt: skip

    _bulk(Ticket, TICKET_COLUMNS, ticket_rows)
    _bulk(TicketStep, STEP_COLUMNS, step_rows)
    _bulk(TicketEvent, EVENT_COLUMNS, event_rows)
    _bulk(Document, DOCUMENT_COLUMNS, doc_rows)
    _bulk(Notification, NOTIFICATION_COLUMNS, note_rows)
    for name, value in seq.items():
        Sequence.insert(name=name, value=value).on_conflict(
            conflict_target=[Sequence.name], update={Sequence.value: value}
        ).execute()
    return {
        "ticket": len(ticket_rows),
        "ticket_step": len(step_rows),
        "ticket_event": len(event_rows),
        "document": len(doc_rows),
        "notification": len(note_rows),
    }


TICKET_COLUMNS = [
    "id", "number", "tracking_token", "submission_key", "requester_name", "requester_nip",
    "requester_position", "requester_email", "requester_phone", "perangkat_daerah_id",
    "layanan_id", "subject", "description", "channel", "intake_channel", "received_at",
    "created_by_id", "status", "close_reason", "assigned_agent_id", "step", "step_started_at",
    "due_at", "ba_number", "created_at", "updated_at", "closed_at", "version",
]  # fmt: skip
STEP_COLUMNS = [
    "id", "ticket_id", "step", "status", "started_at", "due_at", "ended_at", "actor_id",
    "paused_at",
]  # fmt: skip
EVENT_COLUMNS = [
    "id", "ticket_id", "at", "actor_id", "actor_label", "action", "from_status", "to_status",
    "note", "public",
]  # fmt: skip
DOCUMENT_COLUMNS = [
    "id", "ticket_id", "kind", "required_document_id", "filename", "content_type", "size",
    "sha256", "version", "uploaded_by_id", "uploaded_at",
]  # fmt: skip
NOTIFICATION_COLUMNS = [
    "id", "ticket_id", "event_id", "kind", "audience", "user_id", "email", "status",
    "attempts", "next_attempt_at", "recipients", "created_at", "sent_at",
]  # fmt: skip
