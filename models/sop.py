"""The SOP as data: the table of ticket states and the table of SOP steps.

Every page, email, report, reminder and due time reads these two tables; no other place spells a
state's label, a step's name or its time standard. The transitions between the states (who may
move a ticket from which state to which) are the third table, in `models.workflow.transitions`.

- `STATES`: each state's staff label, its colour on staff pages, its wording for the requester,
  and the SOP step a ticket in that state waits on.
- `STEPS`: each SOP step of SPEC.md's table (1-7), the states that wait on it, its Indonesian
  name, its time standard (as a due rule, whose text is the standard as written), who answers
  for it, whether it counts as a staff time standard (mutu baku) in the compliance report, and
  the reminders it triggers. Step 3 has two rows: the helpdesk's verification, and the
  requester's one-month window to complete missing documents (not a staff standard). Step 5
  has two rows too: the agent's work, and the pause while the agent waits for the requester's
  answer (`menunggu_pemohon`: its clock stopped; the step-5 row stays open and its due time
  moves by the paused working time when work resumes).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from flask_babel import lazy_gettext as _l

OPEN = "open"
INCOMPLETE = "incomplete"
VERIFIED = "verified"
ASSIGNED = "assigned"
SELESAI = "selesai"
SIGNED = "signed"
CLOSED = "closed"
PAUSED = "menunggu_pemohon"  # step 5 with its clock stopped: the agent asked the requester

# Who answers for a step (and receives its overdue reminder).
HELPDESK = "helpdesk"
AGENT = "agent"
REQUESTER = "requester"


@dataclass(frozen=True)
class State:
    """One ticket state."""

    code: str
    label: object  # staff-facing name (lists, filters, history)
    public: object  # what the requester reads on the tracking page and in emails
    colour: str  # Bootstrap badge colour on staff pages
    final: bool = False


STATES = {
    s.code: s
    for s in (
        State(
            OPEN,
            _l("Menunggu verifikasi"),
            _l("Permohonan diterima dan sedang diverifikasi oleh helpdesk."),
            "primary",
        ),
        State(
            INCOMPLETE,
            _l("Menunggu kelengkapan dokumen"),
            _l("Dokumen persyaratan belum lengkap: mohon lengkapi dokumen yang diminta."),
            "warning",
        ),
        State(
            VERIFIED,
            _l("Menunggu disposisi"),
            _l("Dokumen lengkap; permohonan segera diteruskan kepada petugas teknis."),
            "info",
        ),
        State(
            ASSIGNED,
            _l("Dikerjakan petugas"),
            _l("Permohonan sedang dikerjakan oleh petugas teknis."),
            "secondary",
        ),
        State(
            PAUSED,
            _l("Menunggu informasi pemohon"),
            _l(
                "Petugas membutuhkan informasi dari Anda. Jawab pertanyaannya melalui formulir di "
                "halaman ini; pengerjaan dilanjutkan setelah Anda menjawab."
            ),
            "warning",
        ),
        State(
            SELESAI,
            _l("Selesai, menunggu balasan SLA dan BA"),
            _l(
                "Pekerjaan selesai. Unduh SLA dan Berita Acara, tanda tangani, lalu unggah kembali."
            ),
            "success",
        ),
        State(
            SIGNED,
            _l("SLA dan BA ditandatangani, siap ditutup"),
            _l("SLA dan Berita Acara bertanda tangan sudah diterima; tiket segera ditutup."),
            "success",
        ),
        State(CLOSED, _l("Ditutup"), _l("Tiket ditutup."), "dark", final=True),
    )
}


# --- due rules: a time standard, as a computation and as the text the SOP writes ------------


@dataclass(frozen=True)
class WorkingHours:
    hours: int

    @property
    def text(self):
        return _l("%(n)d jam kerja", n=self.hours)

    def due(self, start, layanan=None):
        from models.calendar import calendar

        return calendar.add_working_hours(start, self.hours)


@dataclass(frozen=True)
class WorkingDays:
    days: int

    @property
    def text(self):
        return _l("%(n)d hari kerja", n=self.days)

    def due(self, start, layanan=None):
        from models.calendar import calendar

        return calendar.add_working_days(start, self.days)


@dataclass(frozen=True)
class CalendarMonths:
    months: int

    @property
    def text(self):
        return _l("%(n)d bulan kalender", n=self.months)

    def due(self, start, layanan=None):
        from models.calendar import calendar

        return calendar.add_months(start, self.months)


@dataclass(frozen=True)
class ByDurationClass:
    """Step 5: the upper bound of the service's duration class (pendek, sedang, panjang)."""

    @property
    def text(self):
        return _l("sesuai kelas durasi layanan")

    def due(self, start, layanan=None):
        from models.calendar import calendar

        return calendar.due_for_duration(start, layanan.duration)


@dataclass(frozen=True)
class Untimed:
    """A step that happens before the ticket exists: its standard is stated, not timed."""

    hours: int

    @property
    def text(self):
        return _l("%(n)d jam", n=self.hours)

    def due(self, start, layanan=None):
        return None


@dataclass(frozen=True)
class StoppedClock:
    """Step 5 paused: the agent waits for the requester's answer, so no time is counted and
    nothing falls due. On resume the step's due time moves by the paused working time
    (`models.workflow.conversation`)."""

    @property
    def text(self):
        return _l("jam berhenti sampai pemohon menjawab")

    def due(self, start, layanan=None):
        return None


@dataclass(frozen=True)
class Reminder:
    """A reminder a waiting step triggers, once per step: `before` its due time (the closest
    window only), or `after` it by working days (0: as soon as it is due), to `to` (the step's
    owner, or another audience)."""

    kind: str
    to: str
    before: dt.timedelta | None = None
    after_working_days: int | None = None


@dataclass(frozen=True)
class Step:
    """One step of the SOP table (SPEC.md)."""

    key: str
    number: int
    name: object
    due_rule: object
    owner: str  # HELPDESK, AGENT or REQUESTER: who answers for it now
    statuses: tuple = ()  # the states that wait on this step
    mutu_baku: bool = True  # a staff time standard, counted by the compliance report
    due_wording: object = None  # the requester's line before the due time, where it is theirs
    reminders: tuple = field(default=())

    @property
    def standard(self):
        """The time standard as the SOP writes it ("1 hari kerja")."""
        return self.due_rule.text

    @property
    def title(self):
        """ "Langkah 3: Verifikasi dokumen"."""
        return _l("Langkah %(n)d: %(name)s", n=self.number, name=self.name)

    def due(self, start, layanan=None):
        """The due time of this step for a ticket that starts waiting on it at `start`."""
        return self.due_rule.due(start, layanan)


_STAFF_REMINDERS = (
    Reminder("reminder_overdue", to="owner", after_working_days=0),
    Reminder("reminder_escalation", to="kepala_seksi", after_working_days=1),
)

STEPS = (
    Step("permohonan", 1, _l("Pengisian formulir permohonan"), Untimed(1), REQUESTER, (), False),
    Step("tiket_masuk", 2, _l("Permohonan masuk Service Desk"), Untimed(1), HELPDESK, (), False),
    Step(
        "verifikasi",
        3,
        _l("Verifikasi dokumen"),
        WorkingDays(1),
        HELPDESK,
        (OPEN,),
        reminders=_STAFF_REMINDERS,
    ),
    Step(
        "kelengkapan",
        3,
        _l("Kelengkapan dokumen oleh pemohon"),
        CalendarMonths(1),
        REQUESTER,
        (INCOMPLETE,),
        mutu_baku=False,
        due_wording=_l("Lengkapi dokumen paling lambat"),
        reminders=(
            Reminder("reminder_deadline", to="requester", before=dt.timedelta(days=1)),
            Reminder("reminder_deadline", to="requester", before=dt.timedelta(days=7)),
        ),
    ),
    Step(
        "disposisi",
        4,
        _l("Disposisi"),
        WorkingHours(1),
        HELPDESK,
        (VERIFIED,),
        reminders=_STAFF_REMINDERS,
    ),
    Step(
        "pengerjaan",
        5,
        _l("Pengerjaan oleh petugas"),
        ByDurationClass(),
        AGENT,
        (ASSIGNED,),
        reminders=_STAFF_REMINDERS,
    ),
    Step(
        "menunggu_pemohon",
        5,
        _l("Menunggu informasi pemohon"),
        StoppedClock(),
        REQUESTER,
        (PAUSED,),
        mutu_baku=False,
    ),
    Step(
        "balasan",
        6,
        _l("Balasan SLA dan BA"),
        WorkingDays(1),
        REQUESTER,
        (SELESAI,),
        due_wording=_l("Unggah SLA dan Berita Acara bertanda tangan paling lambat"),
        reminders=(Reminder("reminder_signed", to="requester", after_working_days=0),),
    ),
    Step(
        "close",
        7,
        _l("Close Tiket"),
        WorkingHours(1),
        AGENT,
        (SIGNED,),
        reminders=_STAFF_REMINDERS,
    ),
)

STEP_OF_STATUS = {status: step for step in STEPS for status in step.statuses}
TIMED_STEPS = tuple(s for s in STEPS if s.statuses)
MUTU_BAKU_NUMBERS = tuple(sorted({s.number for s in STEPS if s.mutu_baku and s.statuses}))
MUTU_BAKU_STATUSES = tuple(st for s in STEPS if s.mutu_baku for st in s.statuses)


def state(code: str) -> State:
    """The state row of `code` (KeyError for an unknown code)."""
    return STATES[code]


def step_for_status(status: str) -> Step | None:
    """The step a ticket in `status` waits on, or None (closed)."""
    return STEP_OF_STATUS.get(status)


def mutu_baku_step(number: int) -> Step:
    """The staff step of SOP step `number` (for step 3: the verification, not the window)."""
    return next(s for s in STEPS if s.number == number and s.mutu_baku and s.statuses)


def step_of_row(number: int, status: str) -> Step:
    """The step of a TicketStep row (its number and the status it waited in)."""
    return STEP_OF_STATUS.get(status) or next(s for s in STEPS if s.number == number)
