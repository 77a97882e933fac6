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

`target` None: the action keeps the state (it still bumps the ticket's version). `partial`: the
history entry of a delivery that is not yet all the target needs (one signed copy of two, some
of the missing documents): the state stays, the version bumps; the rest moves it to `target`.

Each history entry (`TicketEvent.action`) has its labels in `EVENTS`: for staff, and for the
requester's public history (None: not shown there).
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import lazy_gettext as _l

from models.sop import (
    ASSIGNED,
    CLOSED,
    INCOMPLETE,
    OPEN,
    PAUSED,
    SELESAI,
    SIGNED,
    STATES,
    VERIFIED,
)
from models.staff import ADMIN, AGENT, HELPDESK

DESK = "desk"
INTAKE = "intake"
ASSIGNED_AGENT = "assigned_agent"
CLOSER = "closer"
REQUESTER = "requester"
SYSTEM = "system"

ACTOR_RULES = (DESK, INTAKE, ASSIGNED_AGENT, CLOSER, REQUESTER, SYSTEM)


class Party:
    """An actor with no staff account and no roles: the requester (whoever holds the tracking
    token, or fills in the public form) or the desk itself (the sweep)."""

    id = None
    active = False
    role_names: frozenset = frozenset()

    def __init__(self, kind: str, name):
        self.kind = kind
        self.name = name

    def __repr__(self):
        return f"<{self.kind}>"


REQUESTER_ACTOR = Party(REQUESTER, _l("Pemohon"))
SYSTEM_ACTOR = Party(SYSTEM, _l("Sistem"))


@dataclass(frozen=True)
class Transition:
    action: str  # the verb's name, the button's name
    sources: frozenset  # the states it is allowed from (empty: it creates the ticket)
    target: str | None  # the state it leads to; None keeps the state
    actor: str  # one of ACTOR_RULES
    label: object  # the button / the action in words
    event: str  # the history entry it writes (see EVENTS)
    done: object = None  # the message after success, for staff pages
    partial: str | None = None  # the history entry when only part has arrived (state kept)

    @property
    def staff(self) -> bool:
        return self.actor in (DESK, INTAKE, ASSIGNED_AGENT, CLOSER)


NOT_CLOSED = tuple(code for code, state in STATES.items() if not state.final)


def _t(action, sources, target, actor, label, event, done=None, partial=None):
    return Transition(action, frozenset(sources), target, actor, label, event, done, partial)


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
            "generate_sla",
            (ASSIGNED,),
            None,
            ASSIGNED_AGENT,
            _l("Buat SLA (PDF)"),
            "sla_requested",
            _l(
                "SLA sedang dibuat dan akan muncul di daftar dokumen; muat ulang halaman "
                "sebentar lagi."
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
        _t(
            "submit_signed",
            (SELESAI,),
            SIGNED,
            REQUESTER,
            _l("Kirim balasan"),
            "signed",
            partial="signed_partial",
        ),
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
            NOT_CLOSED,
            CLOSED,
            DESK,
            _l("Tolak"),
            "rejected",
            _l("Tiket ditolak."),
        ),
        _t("expire", (INCOMPLETE,), CLOSED, SYSTEM, _l("Kedaluwarsa"), "expired"),
        # The exceptions around the SOP (models/workflow/exceptions.py)
        _t(
            "withdraw",
            (OPEN, INCOMPLETE, VERIFIED, ASSIGNED, PAUSED),
            CLOSED,
            REQUESTER,
            _l("Batalkan permohonan"),
            "withdrawn",
        ),
        _t(
            "receive_documents",
            (INCOMPLETE,),
            OPEN,
            DESK,
            _l("Catat dokumen yang diterima"),
            "documents_received",
            _l("Dokumen dicatat atas nama pemohon."),
            partial="documents_received_partial",
        ),
        _t(
            "extend_window",
            (INCOMPLETE,),
            None,
            DESK,
            _l("Perpanjang satu bulan"),
            "window_extended",
            _l("Batas waktu kelengkapan dokumen diperpanjang satu bulan; pemohon diberi tahu."),
        ),
        _t(
            "return_signed",
            (SIGNED,),
            SELESAI,
            CLOSER,
            _l("Kembalikan balasan"),
            "signed_returned",
            _l("Balasan dikembalikan; pemohon diminta mengirim ulang."),
        ),
        _t("dispute", (SELESAI,), ASSIGNED, REQUESTER, _l("Ajukan keberatan"), "disputed"),
        # The conversation (models/workflow/conversation.py): messages and replies while the
        # ticket is not closed, internal notes in every state; step 5's clock paused and resumed
        _t(
            "post_message",
            NOT_CLOSED,
            None,
            CLOSER,
            _l("Kirim pesan ke pemohon"),
            "message",
            _l("Pesan dikirim kepada pemohon."),
        ),
        _t(
            "post_note",
            tuple(STATES),
            None,
            CLOSER,
            _l("Simpan catatan internal"),
            "internal_note",
            _l("Catatan internal disimpan."),
        ),
        _t(
            "reply",
            tuple(s for s in NOT_CLOSED if s != PAUSED),
            None,
            REQUESTER,
            _l("Kirim balasan"),
            "requester_reply",
        ),
        _t(
            "pause",
            (ASSIGNED,),
            PAUSED,
            ASSIGNED_AGENT,
            _l("Tanyakan ke pemohon (jeda waktu)"),
            "paused",
            _l("Pertanyaan dikirim; waktu pengerjaan dijeda sampai pemohon menjawab."),
        ),
        _t(
            "resume",
            (PAUSED,),
            ASSIGNED,
            ASSIGNED_AGENT,
            _l("Lanjutkan pengerjaan"),
            "resumed",
            _l("Pengerjaan dilanjutkan; batas waktu digeser sebesar waktu jeda."),
        ),
        _t("answer_pause", (PAUSED,), ASSIGNED, REQUESTER, _l("Kirim jawaban"), "answered"),
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
    "sla_requested": (_l("SLA dibuat sistem"), None),
    "selesai": (_l("Selesai"), _l("Selesai dikerjakan; SLA dan Berita Acara tersedia")),
    "signed": (
        _l("Balasan SLA dan BA diterima"),
        _l("SLA dan Berita Acara bertanda tangan diunggah"),
    ),
    "closed": (_l("Close Tiket"), _l("Tiket ditutup")),
    "rejected": (_l("Ditolak"), _l("Permohonan ditolak")),
    "expired": (_l("Kedaluwarsa"), _l("Tiket ditutup karena dokumen tidak dilengkapi")),
    "withdrawn": (_l("Dibatalkan pemohon"), _l("Permohonan dibatalkan oleh pemohon")),
    "documents_received": (
        _l("Dokumen diterima melalui saluran lain"),
        _l("Dokumen kekurangan diterima helpdesk"),
    ),
    "documents_received_partial": (
        _l("Sebagian dokumen diterima melalui saluran lain"),
        _l("Sebagian dokumen kekurangan diterima helpdesk"),
    ),
    "window_extended": (
        _l("Batas waktu kelengkapan diperpanjang"),
        _l("Batas waktu melengkapi dokumen diperpanjang satu bulan"),
    ),
    "signed_partial": (
        _l("Sebagian balasan SLA/BA diterima"),
        _l("Sebagian balasan bertanda tangan diunggah"),
    ),
    "signed_returned": (
        _l("Balasan SLA/BA dikembalikan"),
        _l("Balasan bertanda tangan dikembalikan; mohon kirim ulang"),
    ),
    "disputed": (
        _l("Keberatan pemohon: pekerjaan belum selesai"),
        _l("Anda mengajukan keberatan; tiket dikembalikan ke petugas"),
    ),
    "message": (_l("Pesan kepada pemohon"), _l("Pesan dari Service Desk")),
    "internal_note": (_l("Catatan internal"), None),
    "requester_reply": (_l("Balasan pemohon"), _l("Balasan Anda")),
    "paused": (
        _l("Pertanyaan kepada pemohon (waktu dijeda)"),
        _l("Petugas meminta informasi dari Anda"),
    ),
    "resumed": (_l("Pengerjaan dilanjutkan"), _l("Pengerjaan dilanjutkan")),
    "answered": (_l("Jawaban pemohon (waktu berjalan lagi)"), _l("Jawaban Anda")),
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
