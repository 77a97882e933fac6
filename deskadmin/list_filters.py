"""The ticket lists' own filters, and the choices of those that offer them.

"Tampilkan" (open, closed or all: "Semua tiket" opens on the open ones), a service, agency or
agent by id (a value that is no id is refused with Flask-Admin's message), the duration class,
and "Terlambat" (`Ticket.overdue_condition`). Which of them a prepared list may carry is the
view's `parameter_filters` and `shape_filters` (`deskadmin.list_query`).
"""

from __future__ import annotations

from flask_admin.contrib.peewee.filters import BasePeeweeFilter, FilterEqual
from flask_babel import lazy_gettext as _l

from models.catalog import Layanan, PerangkatDaerah
from models.staff import AGENT, User
from models.ticket import CLOSED, Ticket
from request_guard import is_id

SHOWN = {
    "open": _l("Terbuka (belum ditutup)"),
    "closed": _l("Sudah ditutup"),
    "all": _l("Semua"),
}


class ShownFilter(BasePeeweeFilter):
    """Open tickets, closed ones, or all: "Semua tiket" opens on the open ones."""

    def apply(self, query, value):
        if value == "open":
            return query.where(Ticket.status != CLOSED)
        if value == "closed":
            return query.where(Ticket.status == CLOSED)
        return query

    def operation(self):
        return _l("adalah")


class IdFilter(FilterEqual):
    """Equal to one row's id (a service, an agency, an agent): a value that is no id is refused
    with Flask-Admin's "invalid filter value" message (PostgreSQL would refuse it with an error),
    and compared as a number."""

    def validate(self, value):
        return is_id(value)

    def clean(self, value):
        return int(value)


class DurationFilter(BasePeeweeFilter):
    """The service's duration class."""

    def apply(self, query, value):
        return query.where(Layanan.duration == value)

    def operation(self):
        return _l("sama dengan")


class OverdueFilter(BasePeeweeFilter):
    """Overdue ("1") or not (`Ticket.overdue_condition`, compared with the clock: never a
    prepared list)."""

    def apply(self, query, value):
        late = Ticket.overdue_condition()
        return query.where(late if value == "1" else ~late)

    def operation(self):
        return _l("adalah")


def agent_options():
    """The "Petugas" filter's choices: every agent by name."""
    query = User.with_role(AGENT).select(User.id, User.name).order_by(User.name)
    return [(str(i), name) for i, name in query.tuples()]


def layanan_options():
    """The "Layanan" filter's choices: every service by name."""
    query = Layanan.select(Layanan.id, Layanan.name).order_by(Layanan.name)
    return [(str(i), name) for i, name in query.tuples()]


def pd_options():
    """The "Perangkat Daerah" filter's choices: every agency by name."""
    query = PerangkatDaerah.select(PerangkatDaerah.id, PerangkatDaerah.name)
    return [(str(i), name) for i, name in query.order_by(PerangkatDaerah.name).tuples()]
