"""The signature trust roots (admin only): `GET /admin/akar-tepercaya/` lists the root
certificates read from `DESK_SIGNATURE_TRUST_ROOTS` (subject, fingerprint, validity) that the
signed copies' signatures are checked against, or says that none is configured (signatures are
then "tidak diperiksa"). Read-only: the roots are configured on the server, not uploaded here.
"""

from __future__ import annotations

import datetime as dt

from flask import current_app
from flask_admin import BaseView, expose
from flask_babel import lazy_gettext as _l

from deskadmin.access import AdminOnly
from models.signatures import TrustRootsError, trust_roots


def _utc(value):
    return value.astimezone(dt.UTC).replace(tzinfo=None)


def _row(cert) -> dict:
    validity = cert["tbs_certificate"]["validity"]
    return {
        "subject": cert.subject.human_friendly,
        "sha256": cert.sha256.hex(),
        "not_before": _utc(validity["not_before"].native),
        "not_after": _utc(validity["not_after"].native),
    }


class TrustRootsView(AdminOnly, BaseView):
    @expose("/")
    def index(self):
        """The configured roots; a configuration that cannot be read is named, not a 500."""
        path = current_app.config.get("SIGNATURE_TRUST_ROOTS")
        error, rows = None, []
        try:
            rows = [_row(c) for c in trust_roots()]
        except TrustRootsError as exc:
            error = str(exc)
        return self.render("admin/trust_roots.html", path=path, roots=rows, error=error)


def add_views(admin) -> None:
    admin.add_view(
        TrustRootsView(
            name=_l("Akar tepercaya tanda tangan"),
            endpoint="trust_roots",
            url="/admin/akar-tepercaya",
        )
    )
