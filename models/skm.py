"""Survei Kepuasan Masyarakat (SKM) and its index (IKM), as Permenpan RB 14/2017 defines them.

The rule:

- Who answers: whoever holds the private tracking token of a ticket closed as fulfilled
  (status `closed`, close reason `fulfilled`); once per ticket (a unique row per ticket). No
  other ticket state may answer. Answering changes no status: it is the requester's data, not
  a transition, and it writes no history entry (the history is shown to staff, and an entry
  would tell them which ticket answered when).
- What: the nine elements (unsur) of the regulation, each on its four-point scale (1 ... 4, the
  questionnaire's own wording per unsur, `UNSUR`), plus an optional comment.
- The index: the mean of each unsur over the respondents (NRR), each weighted equally (1/9);
  IKM unit = sum(NRR x 1/9) (1.00 ... 4.00); converted IKM = IKM unit x 25 (25 ... 100),
  rounded to two decimals; the grade (mutu pelayanan) from the converted value: 88.31 ... 100
  A (Sangat Baik), 76.61 ... 88.30 B (Baik), 65.00 ... 76.60 C (Kurang Baik), 25.00 ... 64.99 D
  (Tidak Baik).
- Anonymous to the agent: staff see aggregates only, never which ticket gave which answer;
  a group with fewer than `MIN_RESPONDENTS` answers shows its count and no figures; the
  agent's own tickets are never a scope of their own (`models.scope.survey_tickets`).
- The period counts the answers submitted in it (local dates, `models.compliance.Period`).

Means are computed in the database (one GROUP BY query per table), on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from peewee import (
    JOIN,
    DateTimeField,
    ForeignKeyField,
    IntegrityError,
    SmallIntegerField,
    TextField,
    fn,
)

from models.catalog import Bidang, Layanan, Seksi
from models.compliance import Period
from models.db import BaseModel, utcnow, write_transaction
from models.report_table import Column, Table
from models.scope import survey_tickets
from models.ticket import CLOSED, Ticket
from models.workflow import WorkflowError

FULFILLED = "fulfilled"
SCALE = (1, 2, 3, 4)
COMMENT_MAX = 2000
MIN_RESPONDENTS = 3  # fewer answers in a group: its figures are not shown (anonymity)
WEIGHT = 1 / 9  # each unsur weighs the same (the regulation writes 0.111)
CONVERSION = 25


@dataclass(frozen=True)
class Unsur:
    """One element of the questionnaire: its number, name, question and the words of its four
    answers (1 ... 4)."""

    number: int
    name: object
    question: object
    options: tuple

    @property
    def field(self) -> str:
        return f"u{self.number}"


# The nine unsur of Permenpan RB 14/2017 and the questionnaire's wording of each.
UNSUR = (
    Unsur(
        1,
        _l("Persyaratan"),
        _l(
            "Bagaimana pendapat Saudara tentang kesesuaian persyaratan pelayanan dengan jenis "
            "pelayanannya?"
        ),
        (_l("Tidak sesuai"), _l("Kurang sesuai"), _l("Sesuai"), _l("Sangat sesuai")),
    ),
    Unsur(
        2,
        _l("Sistem, Mekanisme, dan Prosedur"),
        _l("Bagaimana pemahaman Saudara tentang kemudahan prosedur pelayanan di unit ini?"),
        (_l("Tidak mudah"), _l("Kurang mudah"), _l("Mudah"), _l("Sangat mudah")),
    ),
    Unsur(
        3,
        _l("Waktu Penyelesaian"),
        _l("Bagaimana pendapat Saudara tentang kecepatan waktu dalam memberikan pelayanan?"),
        (_l("Tidak cepat"), _l("Kurang cepat"), _l("Cepat"), _l("Sangat cepat")),
    ),
    Unsur(
        4,
        _l("Biaya/Tarif"),
        _l("Bagaimana pendapat Saudara tentang kewajaran biaya/tarif dalam pelayanan?"),
        (_l("Sangat mahal"), _l("Cukup mahal"), _l("Murah"), _l("Gratis")),
    ),
    Unsur(
        5,
        _l("Produk Spesifikasi Jenis Pelayanan"),
        _l(
            "Bagaimana pendapat Saudara tentang kesesuaian produk pelayanan antara yang "
            "tercantum dalam standar pelayanan dengan hasil yang diberikan?"
        ),
        (_l("Tidak sesuai"), _l("Kurang sesuai"), _l("Sesuai"), _l("Sangat sesuai")),
    ),
    Unsur(
        6,
        _l("Kompetensi Pelaksana"),
        _l("Bagaimana pendapat Saudara tentang kompetensi/kemampuan petugas dalam pelayanan?"),
        (_l("Tidak kompeten"), _l("Kurang kompeten"), _l("Kompeten"), _l("Sangat kompeten")),
    ),
    Unsur(
        7,
        _l("Perilaku Pelaksana"),
        _l(
            "Bagaimana pendapat Saudara tentang perilaku petugas dalam pelayanan terkait "
            "kesopanan dan keramahan?"
        ),
        (
            _l("Tidak sopan dan ramah"),
            _l("Kurang sopan dan ramah"),
            _l("Sopan dan ramah"),
            _l("Sangat sopan dan ramah"),
        ),
    ),
    Unsur(
        8,
        _l("Penanganan Pengaduan, Saran dan Masukan"),
        _l("Bagaimana pendapat Saudara tentang penanganan pengaduan pengguna layanan?"),
        (
            _l("Tidak ada"),
            _l("Ada tetapi tidak berfungsi"),
            _l("Berfungsi kurang maksimal"),
            _l("Dikelola dengan baik"),
        ),
    ),
    Unsur(
        9,
        _l("Sarana dan Prasarana"),
        _l("Bagaimana pendapat Saudara tentang kualitas sarana dan prasarana?"),
        (_l("Buruk"), _l("Cukup"), _l("Baik"), _l("Sangat baik")),
    ),
)
FIELDS = tuple(u.field for u in UNSUR)

# (lowest converted IKM, letter, words), best first: the regulation's table.
GRADES = (
    (88.31, "A", _l("Sangat Baik")),
    (76.61, "B", _l("Baik")),
    (65.00, "C", _l("Kurang Baik")),
    (25.00, "D", _l("Tidak Baik")),
)


class SurveyResponse(BaseModel):
    """One requester's answers about one ticket; nothing says who answered but the ticket."""

    ticket = ForeignKeyField(Ticket, unique=True, backref="+", on_delete="CASCADE")
    u1 = SmallIntegerField()
    u2 = SmallIntegerField()
    u3 = SmallIntegerField()
    u4 = SmallIntegerField()
    u5 = SmallIntegerField()
    u6 = SmallIntegerField()
    u7 = SmallIntegerField()
    u8 = SmallIntegerField()
    u9 = SmallIntegerField()
    comment = TextField(default="")
    submitted_at = DateTimeField(default=utcnow, index=True)

    @classmethod
    def answered(cls, ticket_id: int) -> bool:
        return cls.select().where(cls.ticket == ticket_id).exists()


# --- answering ------------------------------------------------------------------------------


def may_answer(ticket) -> bool:
    """Only a ticket closed as fulfilled is invited to the survey."""
    return ticket.status == CLOSED and ticket.close_reason == FULFILLED


def unanswered(values: dict) -> list[Unsur]:
    """The unsur whose value in `values` (keyed by field, `u1` ... `u9`) is not one of 1 ... 4."""
    return [u for u in UNSUR if _scale_value(values.get(u.field)) is None]


def _scale_value(value):
    try:
        number = int(str(value).strip())
    except (TypeError, ValueError):
        return None
    return number if number in SCALE else None


def submit_survey(token: str, values: dict, comment: str = "", *, now=None) -> SurveyResponse:
    """The holder of a fulfilled ticket's tracking token answers the nine unsur (each 1 ... 4,
    keyed `u1` ... `u9`) and an optional comment, once. Refused with nothing written: an
    unknown token (`not_found`), a ticket not closed as fulfilled or already answered
    (`state`), a missing or out-of-scale answer or a comment too long (`invalid`)."""
    ticket = Ticket.by_token(token)
    if ticket is None:
        raise WorkflowError(_("Tiket tidak ditemukan."), WorkflowError.NOT_FOUND)
    if not may_answer(ticket):
        raise WorkflowError(
            _("Survei kepuasan hanya dapat diisi setelah tiket ditutup karena terpenuhi."),
            WorkflowError.STATE,
        )
    missing = unanswered(values)
    if missing:
        names = ", ".join(str(u.name) for u in missing)
        raise WorkflowError(_("Pilih jawaban untuk setiap unsur: %(names)s.", names=names))
    comment = (comment or "").strip()
    if len(comment) > COMMENT_MAX:
        raise WorkflowError(_("Saran atau komentar paling banyak %(n)d karakter.", n=COMMENT_MAX))
    answers = {u.field: _scale_value(values[u.field]) for u in UNSUR}
    already = WorkflowError(
        _("Survei untuk tiket ini sudah diisi. Terima kasih atas penilaian Anda."),
        WorkflowError.STATE,
    )
    try:
        with write_transaction():
            if SurveyResponse.answered(ticket.id):
                raise already
            return SurveyResponse.create(
                ticket=ticket.id, comment=comment, submitted_at=now or utcnow(), **answers
            )
    except IntegrityError:  # two submissions at once: the unique ticket lets one in
        raise already from None


# --- the index ------------------------------------------------------------------------------


def grade(ikm: float) -> tuple[str, object]:
    """The letter and words of a converted IKM (25 ... 100, two decimals)."""
    for lowest, letter, words in GRADES:
        if round(ikm, 2) >= lowest:
            return letter, words
    return GRADES[-1][1], GRADES[-1][2]


def ikm_unit(means) -> float:
    """IKM of the unit: every unsur's mean (NRR) weighted 1/9, summed."""
    return sum(m * WEIGHT for m in means)


@dataclass(frozen=True)
class Summary:
    """The index of a group of answers; the figures are None below `MIN_RESPONDENTS`."""

    respondents: int
    means: tuple | None  # NRR of u1 ... u9
    ikm_unit: float | None
    ikm: float | None  # converted, 25 ... 100
    grade: str | None
    grade_words: object = None

    @property
    def shown(self) -> bool:
        return self.means is not None


def summarize(respondents: int, means) -> Summary:
    """A Summary of `respondents` answers with these nine means (None below the minimum)."""
    respondents = int(respondents or 0)
    if respondents < MIN_RESPONDENTS or means is None or None in means:
        return Summary(respondents, None, None, None, None)
    means = tuple(float(m) for m in means)
    unit = ikm_unit(means)
    converted = round(unit * CONVERSION, 2)
    letter, words = grade(converted)
    return Summary(respondents, means, unit, converted, letter, words)


def _aggregates(user, period: Period | None):
    """COUNT and the nine AVGs over the user's visible answers in the period."""
    columns = [fn.COUNT(SurveyResponse.id).alias("respondents")]
    columns += [fn.AVG(getattr(SurveyResponse, f)).alias(f) for f in FIELDS]
    query = SurveyResponse.select(*columns).join(Ticket, on=(SurveyResponse.ticket == Ticket.id))
    if period is not None:
        start, end = period.bounds()
        query = query.where(
            (SurveyResponse.submitted_at >= start) & (SurveyResponse.submitted_at < end)
        )
    return survey_tickets(user, query)


def _summary_of(row: dict) -> Summary:
    return summarize(row["respondents"], [row[f] for f in FIELDS])


def summary(period: Period | None, user) -> Summary:
    """The index of every answer in `period` (None: all time) that `user` may count."""
    row = _aggregates(user, period).dicts().get()
    return _summary_of(row)


# --- tables ---------------------------------------------------------------------------------


def _columns(first: Column) -> list[Column]:
    columns = [first, Column("respondents", _l("Responden"), "int")]
    columns += [Column(u.field, _l("U%(n)d", n=u.number), "decimal") for u in UNSUR]
    columns += [
        Column("ikm", _l("IKM (25–100)"), "decimal"),
        Column("grade", _l("Mutu pelayanan"), "text"),
    ]
    return columns


def _row(label, s: Summary) -> tuple:
    means = s.means or (None,) * len(UNSUR)
    grade_text = f"{s.grade} ({s.grade_words})" if s.shown else ""
    return (label, s.respondents, *means, s.ikm, grade_text)


def _grouped(user, period, key, label, joins) -> list[tuple]:
    query = _aggregates(user, period)
    for model, on in joins:
        query = query.join(model, JOIN.INNER, on=on)
    query = query.select_extend(key.alias("key"), label.alias("label")).group_by(key, label)
    return [_row(r["label"], _summary_of(r)) for r in query.order_by(label, key).dicts()]


def by_layanan(user, period: Period) -> Table:
    """Per service (layanan) of the answered tickets, by name."""
    rows = _grouped(
        user, period, Layanan.id, Layanan.name, [(Layanan, Ticket.layanan == Layanan.id)]
    )
    return Table(
        "skm-layanan", _l("IKM per layanan"), _columns(Column("label", _l("Layanan"))), rows
    )


def by_bidang(user, period: Period) -> Table:
    """Per bidang of the answered tickets' services, by name."""
    joins = [
        (Layanan, Ticket.layanan == Layanan.id),
        (Seksi, Layanan.seksi == Seksi.id),
        (Bidang, Seksi.bidang == Bidang.id),
    ]
    rows = _grouped(user, period, Bidang.id, Bidang.name, joins)
    return Table("skm-bidang", _l("IKM per bidang"), _columns(Column("label", _l("Bidang"))), rows)


def months(period: Period) -> list[Period]:
    """The calendar months the period touches, each cut to the period."""
    found, first = [], period.first
    while first <= period.last:
        next_month = (first.replace(day=1) + dt.timedelta(days=32)).replace(day=1)
        found.append(Period(first, min(period.last, next_month - dt.timedelta(days=1))))
        first = next_month
    return found


def by_month(user, period: Period) -> Table:
    """Per calendar month of the answers' submission (local time), every month of the period
    listed, in order."""
    rows = [_row(f"{m.first:%Y-%m}", summary(m, user)) for m in months(period)]
    return Table("skm-bulan", _l("IKM per bulan"), _columns(Column("label", _l("Bulan"))), rows)


def comments(period: Period, user) -> list[str]:
    """The non-empty comments of the period within the user's scope, in alphabetical order (no
    ticket, no time: they cannot be put back in order of the tickets); none below the minimum
    number of respondents."""
    if not summary(period, user).shown:
        return []
    start, end = period.bounds()
    query = (
        SurveyResponse.select(SurveyResponse.comment)
        .join(Ticket, on=(SurveyResponse.ticket == Ticket.id))
        .where(
            (SurveyResponse.submitted_at >= start)
            & (SurveyResponse.submitted_at < end)
            & (SurveyResponse.comment != "")
        )
    )
    return sorted(r.comment for r in survey_tickets(user, query))
