"""The session's user with its roles in one query (Flask-Security reads the user, then its
user-role links, then each role, and the desk its role names again: four queries a page).

`load_user` replaces Flask-Security's session loader with the same rule (the user whose
`fs_uniquifier` the session holds, if active; the same request attributes) and hands the roles
read with it to `User.role_names`; `identity_from_roles` gives Flask-Principal's identity the
same needs as Flask-Security's receiver (the user, each role's name), from those names. Roles
are read afresh each request: a role taken away counts from the next page on.
"""

from __future__ import annotations

from flask import current_app, g, session
from flask_principal import Identity, Principal, RoleNeed, UserNeed, identity_loaded
from flask_security import current_user
from flask_security.core import _identity_loader, _on_identity_loaded, _request_loader
from flask_security.utils import set_request_attr
from peewee import JOIN

from models import prepared
from models.staff import Role, User, UserRoles

ROLE_COLUMN = "role_name_"


def _user_with_roles(uniquifier):
    return (
        User.select(User, Role.name.alias(ROLE_COLUMN))
        .join(UserRoles, JOIN.LEFT_OUTER, on=(UserRoles.user == User.id))
        .join(Role, JOIN.LEFT_OUTER, on=(UserRoles.role == Role.id))
        .where(User.fs_uniquifier == uniquifier)
        .objects()
    )


def load_user(user_id):
    """The active user whose `fs_uniquifier` is `user_id`, with its role names, in one query
    (its SQL compiled once, `models.prepared`); None for no such user or an inactive one
    (Flask-Security's `_user_loader` rule)."""
    if not user_id:
        return None
    rows = prepared.rows("session_user", _user_with_roles, str(user_id), keep_plan=True)
    if not rows or not rows[0].active:
        return None
    user = rows[0]
    User.remember_role_names(user.id, {r.role_name_ for r in rows if r.role_name_})
    set_request_attr("fs_authn_via", "session")
    set_request_attr("fs_paa", session.get("fs_paa", 0))
    return user


def token_user(request):
    """Flask-Login's request loader: Flask-Security's (the user of a valid auth token in the
    header, the query or a JSON body), asked only when the request carries a token in one of
    those places or was already authenticated by one; without, it finds no user (it tries to
    read a missing token, fails, and answers None)."""
    config = current_app.config
    if (
        request.is_json
        or config["SECURITY_TOKEN_AUTHENTICATION_HEADER"] in request.headers
        or (request.query_string and config["SECURITY_TOKEN_AUTHENTICATION_KEY"] in request.args)
        or getattr(g, "fs_authn_via", None) == "token"
    ):
        return _request_loader(request)
    return None


def session_identity():
    """Flask-Principal's identity loader (Flask-Security's rule): an identity named by the
    request's user's `fs_uniquifier`, or None for no user (anonymous)."""
    user = current_user._get_current_object()  # one look-up through the proxy, not three
    if user and hasattr(user, "fs_uniquifier"):
        return Identity(user.fs_uniquifier)
    return None


def identity_from_roles(sender, identity):
    """Flask-Principal's identity of the request: the user and its roles' names (what
    Flask-Security's receiver adds, without reading each role again)."""
    user = current_user._get_current_object()  # one look-up through the proxy, not one per use
    if user and hasattr(user, "fs_uniquifier"):
        identity.provides.add(UserNeed(user.fs_uniquifier))
        for name in user.role_names:
            identity.provides.add(RoleNeed(name))
    identity.user = user


def init_app(app) -> None:
    """Put `load_user`, `token_user`, `session_identity` and `identity_from_roles` in place of
    Flask-Security's (after its init_app). Roles with permissions would need Flask-Security's
    receiver: then it stays."""
    app.login_manager.user_loader(load_user)
    if app.login_manager._request_callback is _request_loader:
        app.login_manager.request_loader(token_user)
    for hook in app.before_request_funcs[None]:
        principal = getattr(hook, "__self__", None)
        if isinstance(principal, Principal):  # this app's (Flask-Security made it)
            loaders = principal.identity_loaders
            for i, loader in enumerate(loaders):
                if loader is _identity_loader:
                    loaders[i] = session_identity
    if "permissions" not in Role._meta.fields:
        identity_loaded.disconnect(_on_identity_loaded, sender=app)
        identity_loaded.connect(identity_from_roles, sender=app, weak=False)
