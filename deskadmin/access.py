"""Who may open which staff page: one mixin per scope, checked on every exposed view.

- `StaffAccess`: any active staff member holding one of `allowed_roles` (all roles by default).
- `TicketScope`: tickets, restricted in the query itself to `models.scope.visible_tickets`, so a
  ticket outside one's scope is a 404 by every path (list, detail, edit, action, download,
  export).
- `AdminOnly`: the catalogue and the staff accounts.

Not logged in: redirected to the login page. Logged in without the role: 403.
"""

from __future__ import annotations

from flask import abort, redirect, request, url_for
from flask_security import current_user

from models import prepared
from models.scope import apply_scope, scope_rule, visible_tickets
from models.staff import ADMIN, ROLES


def current_roles() -> set[str]:
    """The roles of the logged-in, active user (read once per request; not kept on `g`,
    which outlives a request when an app context is already pushed)."""
    roles = getattr(request, "_desk_roles", None)
    if roles is None:
        user = current_user
        active = user is not None and user.is_authenticated and user.active
        roles = request._desk_roles = user.role_names if active else set()
    return roles


class StaffAccess:
    """Any active staff member with one of `allowed_roles`."""

    allowed_roles: frozenset = frozenset(ROLES)

    def is_accessible(self):
        return bool(current_roles() & set(self.allowed_roles))

    def inaccessible_callback(self, name, **kwargs):
        if not current_user.is_authenticated:
            return redirect(url_for("security.login", next=request.full_path))
        abort(403)


class AdminOnly(StaffAccess):
    allowed_roles = frozenset({ADMIN})


class TicketScope(StaffAccess):
    """Ticket views: every query goes through the user's scope."""

    def base_query(self):
        raise NotImplementedError

    def get_query(self):
        return visible_tickets(current_user, self.base_query())

    def scoped_ticket(self, ticket_id, query=None):
        """The ticket if this user may see it, else 404 (whether or not it exists); `query`
        chooses the columns read: a method of the view that builds the query (default
        `base_query`; its SQL compiled once per kind of scope, `models.prepared`) or a query
        (compiled each time). The scope is added to it."""
        try:
            ticket_id = int(ticket_id)
        except (TypeError, ValueError):
            abort(404)
        build = query if query is not None else self.base_query
        kind, values = scope_rule(current_user)
        if callable(build):
            # the scope's kind is the shape of its conditions: one prepared query per kind
            key = ("scoped_ticket", self.endpoint, getattr(build, "__func__", build), kind)
            ticket = prepared.first(
                key,
                lambda i, *scope: apply_scope(kind, scope, build()).where(self.model.id == i),
                ticket_id,
                *values,
                keep_plan=True,  # by its id: the same plan whatever the scope's values
            )
        else:
            ticket = apply_scope(kind, values, build).where(self.model.id == ticket_id).first()
        if ticket is None:
            abort(404)
        return ticket

    def get_one(self, id):
        return self.scoped_ticket(id)


class OwnRequests(StaffAccess):
    """Views of what one user asked for (a monthly report): on top of the role, every row is
    read with its owner in the query (`owned(find, id)`: `find` queries by id AND user), so
    another user's row is a 404 by every path (status page, download), as one that does not
    exist: not another head's, not even an admin's."""

    def owned(self, find, row_id):
        """The row `find(row_id, current_user)` returns (the owner in its query), else 404."""
        row = find(row_id, current_user)
        if row is None:
            abort(404)
        return row
