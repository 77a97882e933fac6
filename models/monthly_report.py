"""The monthly report for the Kepala Bidang's signature: the figures of a period in one scope.

The rule:

- The period is a `models.compliance.Period` of local dates: a month (the default), a quarter
  (triwulan) or a year; the figures are those of the compliance page for that period
  (`models.compliance.by_step`, `by_layanan`), so the page and the report never disagree.
- The scope is the printing user's (`models.scope.visible_tickets`): an admin the whole desk (or
  one bidang, `BidangScope`), a Kepala Bidang their bidang, a Kepala Seksi their seksi.
- The overdue list: the staff steps (mutu baku) still open *now* whose due time has passed and
  that are not paused, most overdue first, with how late in working hours
  (`calendar.working_time_between(due, now)`); at most `OVERDUE_LIMIT` rows are printed, the
  total is always given.
- The number is derived, not counted: `LAP/<scope code>/<MM>/<YYYY>` for a month
  (`TW<q>/<YYYY>` a quarter, `<YYYY>` a year, `<first>-<last>` another period), so printing the
  same report twice gives the same number.
- It is signed by the Kepala Bidang of the scope's bidang (name and NIP from their User row);
  whoever else printed it appears as "Disusun oleh".
- The satisfaction index (SKM/IKM) is an optional summary given by the caller
  (`models.skm.summary(period, user)`); without one the report says there are no survey data.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import re
from dataclasses import dataclass

from babel.dates import format_date
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from peewee import JOIN

from models import compliance
from models.calendar import current_calendar
from models.catalog import Bidang, Holiday, Layanan, PerangkatDaerah, Seksi
from models.compliance import STAFF_STEPS, Period
from models.report_table import Column, Table
from models.scope import visible_tickets
from models.sop import MUTU_BAKU_STATUSES, mutu_baku_step
from models.staff import ADMIN, KEPALA_BIDANG, KEPALA_SEKSI, User
from models.ticket import Ticket, TicketStep

OVERDUE_LIMIT = 25  # the most overdue; the whole list is the "Terlambat" queue
DESK_CODE = "DISKOMINFO"
MIN_YEAR, MAX_YEAR = 2000, 2100
ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


class PeriodError(ValueError):
    """A report period that cannot be read; the message says why (Indonesian)."""


# --- periods ----------------------------------------------------------------------------------


def month_period(year: int, month: int) -> Period:
    """The calendar month `month` of `year`, first to last day."""
    return compliance.current_month(dt.date(year, month, 1))


def quarter_period(year: int, quarter: int) -> Period:
    """Triwulan `quarter` (1-4) of `year`: three calendar months."""
    first = dt.date(year, 3 * quarter - 2, 1)
    return Period(first, month_period(year, 3 * quarter).last)


def year_period(year: int) -> Period:
    """The calendar year `year`."""
    return Period(dt.date(year, 1, 1), dt.date(year, 12, 31))


_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_QUARTER = re.compile(r"^(\d{4})-[TtQq]([1-4])$")
_YEAR = re.compile(r"^(\d{4})$")


def parse_period(text: str) -> Period:
    """`TTTT-BB` a month, `TTTT-T1`..`TTTT-T4` a quarter, `TTTT` a year (2000-2100); anything
    else raises PeriodError."""
    text = (text or "").strip()
    for pattern in (_MONTH, _QUARTER, _YEAR):
        match = pattern.match(text)
        if match:
            break
    else:
        raise PeriodError(
            _(
                "Periode tidak valid: tuliskan TTTT-BB (bulan), TTTT-T1 sampai TTTT-T4 "
                "(triwulan) atau TTTT (tahun)."
            )
        )
    year = int(match.group(1))
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise PeriodError(
            _("Tahun periode harus antara %(first)d dan %(last)d.", first=MIN_YEAR, last=MAX_YEAR)
        )
    if pattern is _MONTH:
        month = int(match.group(2))
        if not 1 <= month <= 12:
            raise PeriodError(_("Bulan periode harus antara 01 dan 12."))
        return month_period(year, month)
    if pattern is _QUARTER:
        return quarter_period(year, int(match.group(2)))
    return year_period(year)


def period_kind(period: Period) -> str:
    """ "month", "quarter", "year" or "other"."""
    first = period.first
    if first.day != 1:
        return "other"
    if period == month_period(first.year, first.month):
        return "month"
    if first.month % 3 == 1 and period == quarter_period(first.year, (first.month + 2) // 3):
        return "quarter"
    if period == year_period(first.year):
        return "year"
    return "other"


def period_label(period: Period) -> str:
    """ "Juni 2026", "Triwulan II 2026", "Tahun 2026" or "1 Juni 2026 s.d. 15 Juni 2026"."""
    kind, first = period_kind(period), period.first
    if kind == "month":
        return format_date(first, "LLLL y", locale="id")
    if kind == "quarter":
        return _("Triwulan %(q)s %(year)d", q=ROMAN[(first.month + 2) // 3], year=first.year)
    if kind == "year":
        return _("Tahun %(year)d", year=first.year)
    return _(
        "%(first)s s.d. %(last)s",
        first=format_date(first, "d MMMM y", locale="id"),
        last=format_date(period.last, "d MMMM y", locale="id"),
    )


def period_input(period: Period) -> str | None:
    """The period as the form's field writes it (`2026-06`, `2026-T2`, `2026`: what
    `parse_period` reads), None for another range of days."""
    kind, first = period_kind(period), period.first
    if kind == "month":
        return f"{first:%Y-%m}"
    if kind == "quarter":
        return f"{first.year}-T{(first.month + 2) // 3}"
    if kind == "year":
        return str(first.year)
    return None


def period_code(period: Period) -> str:
    """The period part of the report number: `06/2026`, `TW2/2026`, `2026`, `20260601-20260615`."""
    kind, first = period_kind(period), period.first
    if kind == "month":
        return f"{first:%m}/{first.year}"
    if kind == "quarter":
        return f"TW{(first.month + 2) // 3}/{first.year}"
    if kind == "year":
        return str(first.year)
    return f"{first:%Y%m%d}-{period.last:%Y%m%d}"


# --- scope, number, signature ------------------------------------------------------------------


@dataclass(frozen=True)
class BidangScope:
    """The scope of one bidang's Kepala Bidang, for an admin printing that bidang's report: it
    only narrows what an admin sees (`models.scope.visible_tickets` reads nothing else)."""

    bidang_id: int
    seksi_id: None = None
    active: bool = True
    id: None = None

    @property
    def role_names(self) -> set[str]:
        return {KEPALA_BIDANG}


@dataclass(frozen=True)
class Signer:
    """One signature column: the title above the space, the name and NIP below it."""

    title: str
    name: str = ""
    nip: str = ""


@dataclass(frozen=True)
class Scope:
    """Whose figures: the label printed under the title, the code in the number, the bidang
    whose Kepala Bidang signs (None: the whole desk)."""

    label: str
    code: str
    bidang: Bidang | None
    seksi: Seksi | None = None


def report_scope(user, bidang_id: int | None = None):
    """(the scope of the report `user` prints, the user object the queries scope with). An
    admin may narrow to one bidang; a Kepala Bidang has theirs, a Kepala Seksi their seksi."""
    roles = user.role_names
    if ADMIN in roles:
        bidang = Bidang.get_or_none(Bidang.id == bidang_id) if bidang_id else None
        if bidang is None:
            return Scope(_("Seluruh bidang"), DESK_CODE, None), user
        return Scope(bidang.name, bidang.code.upper(), bidang), BidangScope(bidang.id)
    if KEPALA_BIDANG in roles and user.bidang_id:
        bidang = Bidang.get_by_id(user.bidang_id)
        return Scope(bidang.name, bidang.code.upper(), bidang), user
    if KEPALA_SEKSI in roles and user.seksi_id:
        seksi = Seksi.get_by_id(user.seksi_id)
        bidang = Bidang.get_by_id(seksi.bidang_id)
        label = f"{seksi.name}, {bidang.name}"
        return Scope(label, f"{bidang.code}/{seksi.code}".upper(), bidang, seksi), user
    return Scope("", DESK_CODE, None), user


def report_number(scope: Scope, period: Period) -> str:
    """`LAP/<scope code>/<period code>`, e.g. `LAP/APTIKA/06/2026`."""
    return f"LAP/{scope.code}/{period_code(period)}"


def head_of(bidang: Bidang):
    """The active Kepala Bidang of `bidang` (the first made when there are several), or None."""
    query = User.with_role(KEPALA_BIDANG).where(User.bidang == bidang.id).order_by(User.id)
    return query.first()


def _title_of(user, scope: Scope) -> str:
    roles = user.role_names
    if KEPALA_BIDANG in roles and scope.bidang is not None and user.bidang_id == scope.bidang.id:
        return _("Kepala %(bidang)s", bidang=scope.bidang.name)
    if KEPALA_SEKSI in roles and scope.seksi is not None:
        return _("Kepala %(seksi)s", seksi=scope.seksi.name)
    return _("Admin Service Desk")


def signers(user, scope: Scope) -> tuple[Signer | None, Signer]:
    """(who prepared it, or None when the signer printed it themself; the Kepala Bidang of the
    scope's bidang, or for the whole desk a Kepala Dinas line to sign by hand)."""
    if scope.bidang is None:
        head = None
        head_title = _("Kepala Dinas Komunikasi dan Informatika")
    else:
        head = head_of(scope.bidang)
        head_title = _("Kepala %(bidang)s", bidang=scope.bidang.name)
    signer = Signer(head_title, head.name if head else "", (head.nip or "") if head else "")
    if head is not None and head.id == user.id:
        return None, signer
    return Signer(_title_of(user, scope), user.name, user.nip or ""), signer


# --- the figures ------------------------------------------------------------------------------

COMPLIANCE_COLUMNS = (
    Column("ended", _l("Selesai dalam periode"), "int"),
    Column("on_time", _l("Tepat waktu"), "int"),
    Column("late", _l("Terlambat"), "int"),
    Column("percent", _l("% tepat waktu"), "percent"),
    Column("overdue", _l("Terbuka, lewat batas"), "int"),
)


def _counts(row) -> tuple:
    return (row.ended, row.on_time, row.late, row.percent, row.overdue)


def step_table(user, period: Period, now) -> tuple[Table, compliance.Row]:
    """Compliance per SOP step 3..7, with its total line."""
    rows = compliance.by_step(user, period, now)
    body = [
        (f"{r.key}. {mutu_baku_step(r.key).name}", str(mutu_baku_step(r.key).standard)) + _counts(r)
        for r in rows
    ]
    columns = [Column("step", _l("Langkah")), Column("standard", _l("Mutu baku"))]
    columns += COMPLIANCE_COLUMNS
    return Table("langkah", _l("Kepatuhan per langkah SOP"), columns, body), compliance.totals(rows)


def service_table(user, period: Period, now) -> tuple[Table, compliance.Row]:
    """Compliance per service (layanan), with its total line."""
    rows = compliance.by_layanan(user, period, now)
    table = Table(
        "layanan",
        _l("Kepatuhan per layanan"),
        [Column("layanan", _l("Layanan")), *COMPLIANCE_COLUMNS],
        [(r.label,) + _counts(r) for r in rows],
    )
    return table, compliance.totals(rows)


def _report_calendar(earliest: dt.datetime, now: dt.datetime):
    """The app's working calendar with the holidays of [earliest, now] read in one query."""
    own = current_calendar()
    first = own.to_local(earliest).date() - dt.timedelta(days=1)
    last = own.to_local(now).date() + dt.timedelta(days=70)
    dates = set(Holiday.dates_between(first, last))

    def holidays(a, b):
        if a < first or b > last:
            return set(Holiday.dates_between(a, b))
        return {d for d in dates if a <= d <= b}

    return dataclasses.replace(own, holidays=holidays)


OVERDUE_COLUMNS = [
    Column("number", _l("Nomor tiket")),
    Column("layanan", _l("Layanan")),
    Column("perangkat_daerah", _l("Perangkat Daerah")),
    Column("step", _l("Langkah")),
    Column("agent", _l("Petugas")),
    Column("due_at", _l("Batas waktu"), "datetime"),
    Column("late_hours", _l("Terlambat (jam kerja)"), "hours"),
]


def overdue_table(user, now, limit: int | None = None) -> Table:
    """The open, unpaused staff steps past their due time now, most overdue first (at most
    `limit` rows; the total is the step table's overdue count)."""
    agent = User.alias()
    query = (
        TicketStep.select(
            TicketStep.step,
            TicketStep.due_at,
            Ticket.number,
            Layanan.name.alias("layanan"),
            PerangkatDaerah.name.alias("perangkat_daerah"),
            agent.name.alias("agent"),
        )
        .join(Ticket, on=(TicketStep.ticket == Ticket.id))
        .join(Layanan, on=(Ticket.layanan == Layanan.id))
        .switch(Ticket)
        .join(PerangkatDaerah, on=(Ticket.perangkat_daerah == PerangkatDaerah.id))
        .switch(Ticket)
        .join(agent, JOIN.LEFT_OUTER, on=(Ticket.assigned_agent == agent.id))
        .where(
            TicketStep.status.in_(MUTU_BAKU_STATUSES),
            TicketStep.step.in_(STAFF_STEPS),
            TicketStep.ended_at.is_null(True),
            TicketStep.paused_at.is_null(True),
            TicketStep.due_at < now,
        )
        .order_by(TicketStep.due_at, Ticket.number)
        .limit(limit or OVERDUE_LIMIT)
    )
    found = list(visible_tickets(user, query).dicts())
    rows = []
    if found:
        cal = _report_calendar(found[0]["due_at"], now)
        for r in found:
            late = cal.working_time_between(r["due_at"], now).total_seconds() / 3600
            step = f"{r['step']}. {mutu_baku_step(r['step']).name}"
            rows.append(
                (
                    r["number"],
                    r["layanan"],
                    r["perangkat_daerah"],
                    step,
                    r["agent"] or "–",
                    r["due_at"],
                    round(late, 1),
                )
            )
    return Table("terlambat", _l("Langkah yang melewati batas waktu"), OVERDUE_COLUMNS, rows)


@dataclass
class MonthlyReport:
    """Everything the PDF prints, as plain values and Tables."""

    number: str
    period: Period
    period_label: str
    scope: Scope
    issued_at: dt.datetime
    steps: Table
    step_total: compliance.Row
    services: Table
    service_total: compliance.Row
    overdue: Table
    overdue_total: int
    prepared_by: Signer | None
    signer: Signer
    skm: object = None

    @property
    def satisfaction(self) -> Satisfaction | None:
        return satisfaction(self.skm)


def satisfaction_summary(period: Period, who):
    """The SKM summary of `period` in the scope `who` (a user or a `BidangScope`):
    `models.skm.summary`, with the unsur named; below the survey's minimum of respondents only
    their count is printed (no figures)."""
    from models import skm

    summary = skm.summary(period, who)
    return {
        "respondents": summary.respondents,
        "ikm": summary.ikm,
        "grade": summary.grade or "",
        "grade_words": summary.grade_words or "",
        "per_unsur": (
            [
                (f"U{u.number} {u.name}", mean)
                for u, mean in zip(skm.UNSUR, summary.means, strict=True)
            ]
            if summary.shown
            else []
        ),
    }


def collect(user, period: Period, now, *, bidang_id=None, skm=None) -> MonthlyReport:
    """The report `user` prints for `period` at `now` (naive UTC) in their scope (an admin may
    narrow to `bidang_id`), with the SKM summary `skm` (default: `satisfaction_summary`)."""
    scope, who = report_scope(user, bidang_id)
    if skm is None:
        skm = satisfaction_summary(period, who)
    steps, step_total = step_table(who, period, now)
    services, service_total = service_table(who, period, now)
    prepared_by, signer = signers(user, scope)
    return MonthlyReport(
        number=report_number(scope, period),
        period=period,
        period_label=period_label(period),
        scope=scope,
        issued_at=now,
        steps=steps,
        step_total=step_total,
        services=services,
        service_total=service_total,
        overdue=overdue_table(who, now),
        overdue_total=step_total.overdue,
        prepared_by=prepared_by,
        signer=signer,
        skm=skm,
    )


@dataclass(frozen=True)
class Satisfaction:
    """The satisfaction section: the IKM (25-100), its grade, the respondents, the mean of
    each element (unsur) on the 1-4 scale."""

    respondents: int
    ikm: float | None
    grade: str = ""
    grade_label: str = ""
    elements: tuple = ()


def _field(source, *names, default=None):
    for name in names:
        value = source.get(name) if isinstance(source, dict) else getattr(source, name, None)
        if value is not None:
            return value
    return default


def satisfaction(skm) -> Satisfaction | None:
    """The section from an SKM summary (`models.skm.summary(period, user)`: an object or dict
    with `respondents`, `ikm`, `grade`, optionally `grade_label`/`grade_words` and the element
    means `per_unsur` as {name: mean}, [(name, mean)] or [mean of U1, ...]); None when there is
    none or nobody answered."""
    if skm is None:
        return None
    respondents = int(_field(skm, "respondents", default=0) or 0)
    if not respondents:
        return None
    elements = _field(skm, "per_unsur", "elements", default=()) or ()
    if isinstance(elements, dict):
        elements = elements.items()
    else:  # plain means in the regulation's order: U1..U9
        elements = [
            item if isinstance(item, tuple | list) else (f"U{number}", item)
            for number, item in enumerate(elements, start=1)
        ]
    return Satisfaction(
        respondents=respondents,
        ikm=_field(skm, "ikm", "index"),
        grade=str(_field(skm, "grade", "grade_letter", default="")),
        grade_label=str(_field(skm, "grade_label", "grade_words", default="")),
        elements=tuple((str(name), mean) for name, mean in elements),
    )
