"""The transition table: for every action of staff, requester and system, the states it is
allowed from, the state it leads to, and who may take it. The verbs check themselves against this
table (`check`), and `available_actions` is derived from it; nothing else repeats these rules.

Who (`actor` column):
- `DESK`: the helpdesk of the bidang that owns the ticket's service, or an admin;
- `INTAKE`: helpdesk or admin, entering a request on the requester's behalf (no ticket yet);
- `ASSIGNED_AGENT`: the agent the ticket is disposed to;
- `CLOSER`: the assigned agent, or DESK;
- `REQUESTER`: whoever holds the ticket's private tracking token (or the public form);
- `SYSTEM`: the desk itself (the expiry sweep).

`target` None: the action keeps the state (it still bumps the ticket's version).

Each history entry (`TicketEvent.action`) has its labels in `EVENTS`: for staff, and for the
requester's public history (None: not shown there).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from models.sop import ASSIGNED, CLOSED, INCOMPLETE, OPEN, SELESAI, SIGNED, STATES, VERIFIED
from models.staff import ADMIN, AGENT, HELPDESK

DESK = "desk"
INTAKE = "intake"
ASSIGNED_AGENT = "assigned_agent"
CLOSER = "closer"
REQUESTER = "requester"
SYSTEM = "system"

ACTOR_RULES = (DESK, INTAKE, ASSIGNED_AGENT, CLOSER, REQUESTER, SYSTEM)


class Requester:
    """The actor behind a tracking token or the public form: no staff account, no roles."""

    id = None
    name = _l("Pemohon")
    active = False
    role_names: frozenset = frozenset()

    def __repr__(self):
        return "<requester>"


class System:
    """The desk itself (the sweep)."""

    id = None
    name = _l("Sistem")
    active = False
    role_names: frozenset = frozenset()

    def __repr__(self):
        return "<system>"


REQUESTER_ACTOR = Requester()
SYSTEM_ACTOR = System()


@dataclass(frozen=True)
class Transition:
    action: str  # the verb's name, the button's name
    sources: frozenset  # the states it is allowed from (empty: it creates the ticket)
    target: str | None  # the state it leads to; None keeps the state
    actor: str  # one of ACTOR_RULES
    label: object  # the button / the action in words
    event: str  # the history entry it writes (see EVENTS)
    done: object = None  # the message after success, for staff pages

    @property
    def staff(self) -> bool:
        return self.actor in (DESK, INTAKE, ASSIGNED_AGENT, CLOSER)


def _t(action, sources, target, actor, label, event, done=None):
    return Transition(action, frozenset(sources), target, actor, label, event, done)


TRANSITIONS = {
    t.action: t
    for t in (
        # SOP step 2: the request enters (web form, or helpdesk on behalf)
        _t("submit", (), OPEN, REQUESTER, _l("Ajukan permohonan"), "submitted"),
        _t("submit_on_behalf", (), OPEN, INTAKE, _l("Catat permohonan"), "submitted"),
        # SOP step 3: verification; the requester completes missing documents
        _t(
            "verify_complete",
            (OPEN,),
            VERIFIED,
            DESK,
            _l("Lengkap"),
            "verified",
            _l("Dokumen dinyatakan lengkap; tiket menunggu disposisi."),
        ),
        _t(
            "verify_incomplete",
            (OPEN,),
            INCOMPLETE,
            DESK,
            _l("Tidak lengkap"),
            "incomplete",
            _l("Pemohon diminta melengkapi dokumen."),
        ),
        _t(
            "complete_documents",
            (INCOMPLETE,),
            OPEN,
            REQUESTER,
            _l("Kirim dokumen"),
            "documents_completed",
        ),
        # SOP step 4: disposition
        _t(
            "dispose",
            (VERIFIED,),
            ASSIGNED,
            DESK,
            _l("Disposisikan"),
            "disposed",
            _l("Tiket didisposisikan."),
        ),
        _t(
            "reassign",
            (ASSIGNED,),
            None,
            DESK,
            _l("Alihkan"),
            "reassigned",
            _l("Tiket dialihkan ke petugas lain."),
        ),
        # SOP step 5: fulfilment, SLA and BA, Selesai
        _t(
            "attach_document",
            (ASSIGNED,),
            None,
            ASSIGNED_AGENT,
            _l("Unggah SLA / Berita Acara"),
            "attached",
            _l("Dokumen dilampirkan."),
        ),
        _t(
            "generate_ba",
            (ASSIGNED,),
            None,
            ASSIGNED_AGENT,
            _l("Buat Berita Acara (PDF)"),
            "ba_requested",
            _l(
                "Berita Acara sedang dibuat dan akan muncul di daftar dokumen; muat ulang "
                "halaman sebentar lagi."
            ),
        ),
        _t(
            "mark_selesai",
            (ASSIGNED,),
            SELESAI,
            ASSIGNED_AGENT,
            _l("Tandai Selesai"),
            "selesai",
            _l("Tiket ditandai Selesai; pemohon diberi tahu."),
        ),
        # SOP step 6: the counter-signed SLA and BA
        _t("submit_signed", (SELESAI,), SIGNED, REQUESTER, _l("Kirim balasan"), "signed"),
        # SOP step 7 and the other ways a ticket closes
        _t(
            "close",
            (SIGNED,),
            CLOSED,
            CLOSER,
            _l("Close Tiket"),
            "closed",
            _l("Tiket ditutup."),
        ),
        _t(
            "reject",
            (OPEN,),
            CLOSED,
            DESK,
            _l("Tolak"),
            "rejected",
            _l("Tiket ditolak."),
        ),
        _t("expire", (INCOMPLETE,), CLOSED, SYSTEM, _l("Kedaluwarsa"), "expired"),
    )
}

# The history entries: staff label, and the requester's label (None: not in the public history).
EVENTS = {
    "submitted": (_l("Permohonan masuk"), _l("Permohonan diajukan")),
    "verified": (_l("Verifikasi: lengkap"), _l("Dokumen persyaratan diverifikasi lengkap")),
    "incomplete": (_l("Verifikasi: tidak lengkap"), _l("Dokumen persyaratan belum lengkap")),
    "documents_completed": (_l("Dokumen dilengkapi pemohon"), _l("Dokumen kekurangan diunggah")),
    "disposed": (_l("Disposisi"), _l("Didisposisikan kepada petugas teknis")),
    "reassigned": (_l("Dialihkan"), _l("Dialihkan kepada petugas teknis lain")),
    "attached_sla": (_l("SLA dilampirkan"), None),
    "attached_ba": (_l("Berita Acara dilampirkan"), None),
    "ba_requested": (_l("Berita Acara dibuat sistem"), None),
    "selesai": (_l("Selesai"), _l("Selesai dikerjakan; SLA dan Berita Acara tersedia")),
    "signed": (
        _l("Balasan SLA dan BA diterima"),
        _l("SLA dan Berita Acara bertanda tangan diunggah"),
    ),
    "closed": (_l("Close Tiket"), _l("Tiket ditutup")),
    "rejected": (_l("Ditolak"), _l("Permohonan ditolak")),
    "expired": (_l("Kedaluwarsa"), _l("Tiket ditutup karena dokumen tidak dilengkapi")),
    "notified": (_l("Email terkirim"), None),
    "link_resent": (_l("Tautan pelacakan dikirim ulang"), None),
}

# Disposition notes are the helpdesk's instructions to the agent: the requester sees only the
# agent's name.
NOTE_HIDDEN_FROM_REQUESTER = frozenset({"disposed", "reassigned"})

STAFF_ACTIONS = tuple(a for a, t in TRANSITIONS.items() if t.staff and t.sources)
REQUESTER_ACTIONS = tuple(a for a, t in TRANSITIONS.items() if t.actor == REQUESTER and t.sources)


def event_label(action: str):
    """The staff label of a history entry; one not yet in EVENTS still reads as words."""
    label = EVENTS.get(action, (None, None))[0]
    return label if label is not None else action.replace("_", " ").capitalize()


def public_event_label(action: str):
    """The requester's label of a history entry, or None when it is not public."""
    return EVENTS.get(action, (None, None))[1]


def _roles(actor) -> frozenset:
    if actor is None or not getattr(actor, "active", False):
        return frozenset()
    return frozenset(actor.role_names)


def actor_fits(rule: str, actor, ticket=None, *, bidang_id=None) -> bool:
    """Whether `actor` satisfies the role rule `rule` for `ticket` (see the module docstring).
    `bidang_id` is the ticket's bidang (looked up when not given)."""
    if rule == REQUESTER:
        return actor is REQUESTER_ACTOR
    if rule == SYSTEM:
        return actor is SYSTEM_ACTOR
    roles = _roles(actor)
    if rule == INTAKE:
        return bool(roles & {ADMIN, HELPDESK})
    if rule == ASSIGNED_AGENT:
        return AGENT in roles and ticket is not None and ticket.assigned_agent_id == actor.id
    if rule in (DESK, CLOSER):
        if ADMIN in roles:
            return True
        if HELPDESK in roles and actor.bidang_id and ticket is not None:
            if bidang_id is None:
                from models.scope import ticket_bidang_id

                bidang_id = ticket_bidang_id(ticket)
            if actor.bidang_id == bidang_id:
                return True
        if rule == CLOSER:
            return actor_fits(ASSIGNED_AGENT, actor, ticket)
        return False
    raise ValueError(f"unknown actor rule {rule!r}")


def allowed_from(action: str) -> tuple[str, ...]:
    """The states `action` is allowed from, in the order of the state table."""
    sources = TRANSITIONS[action].sources
    return tuple(s for s in STATES if s in sources)
