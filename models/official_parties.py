"""The parties an issued document (BA, SLA) names, and which of their values are missing.

The BA prints the agent (name, NIP, position), the requester (name, NIP, position, Perangkat
Daerah) and, under "Mengetahui", the Kepala Seksi of the agent's seksi (name, NIP); the SLA the
same two parties. A document is never issued with one of them blank or with a staff NIP that is
not 18 digits: the agent is told which value to have entered first.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask_babel import gettext as _

from models.catalog import Seksi
from models.staff import KEPALA_SEKSI, Role, User, UserRoles
from models.validation import NIP_RE, normalize_nip


def kepala_seksi_of(seksi_id):
    """The active Kepala Seksi of `seksi_id` (the first one entered), or None."""
    if seksi_id is None:
        return None
    return (
        User.select()
        .join(UserRoles)
        .join(Role)
        .where(Role.name == KEPALA_SEKSI, User.seksi == seksi_id, User.active == True)  # noqa: E712
        .order_by(User.id)
        .first()
    )


@dataclass(frozen=True)
class Parties:
    agent: User
    seksi: Seksi | None
    kepala_seksi: User | None


def parties(ticket, agent) -> Parties:
    """The agent, their seksi and its Kepala Seksi."""
    seksi = Seksi.get_or_none(Seksi.id == agent.seksi_id) if agent.seksi_id else None
    return Parties(agent, seksi, kepala_seksi_of(agent.seksi_id))


def _nip_ok(value) -> bool:
    return bool(NIP_RE.match(normalize_nip(value or "")))


def missing_values(ticket, agent, *, with_kepala_seksi: bool) -> list[str]:
    """The values the document must print that are missing or invalid, named for the agent
    (read from the database, as the rendering task will read them)."""
    agent = User.get_by_id(agent.id)
    p = parties(ticket, agent)
    missing = []
    if not _nip_ok(agent.nip):
        missing.append(_("NIP petugas (%(name)s, 18 angka)", name=agent.name))
    if not (agent.position or "").strip():
        missing.append(_("jabatan petugas (%(name)s)", name=agent.name))
    if not _nip_ok(ticket.requester_nip):
        missing.append(_("NIP pemohon"))
    if not (ticket.requester_position or "").strip():
        missing.append(_("jabatan pemohon"))
    if ticket.perangkat_daerah_id is None:
        missing.append(_("Perangkat Daerah pemohon"))
    if with_kepala_seksi:
        seksi_name = p.seksi.name if p.seksi else _("seksi petugas")
        if p.kepala_seksi is None:
            missing.append(_("Kepala Seksi %(seksi)s (akun staf aktif)", seksi=seksi_name))
        elif not _nip_ok(p.kepala_seksi.nip):
            missing.append(_("NIP Kepala Seksi (%(name)s, 18 angka)", name=p.kepala_seksi.name))
    return missing
