"""Staff accounts (issue #4): the rules of `models.staff_admin`, tested directly, and the admin's
pages that call them (create, edit, deactivate ending the sessions, the last admin kept)."""

from __future__ import annotations

import re

import pytest

from models import staff_admin
from models.catalog import Bidang, Seksi
from models.staff import User
from models.staff_admin import StaffError
from tests.helpers import DEMO_PASSWORD, race

pytestmark = pytest.mark.csrf_off  # forms are posted without their token


def seksi(code):
    return Seksi.get(Seksi.code == code)


def test_create_staff_with_roles_and_placement(db, users):
    user, password = staff_admin.create_staff(
        users["admin"],
        "Baru@Example.go.id",
        "Petugas Baru",
        ["agent", "kepala_seksi"],
        seksi_id=seksi("rekayasa-aplikasi").id,
    )
    assert user.email == "baru@example.go.id" and len(password) >= 12
    assert user.role_names == {"agent", "kepala_seksi"}
    assert user.bidang_id == Bidang.get(Bidang.code == "aptika").id  # taken from the seksi


@pytest.mark.parametrize(
    "kwargs,message",
    [
        (dict(roles=["agent"]), "harus ditempatkan pada sebuah seksi"),
        (dict(roles=["helpdesk"]), "harus ditempatkan pada sebuah bidang"),
        (dict(roles=[]), "Pilih sedikitnya satu peran"),
        (dict(roles=["root"]), "Peran tidak dikenal"),
        (dict(roles=["admin"], email="helpdesk@example.go.id"), "sudah ada"),
        (dict(roles=["admin"], name=" "), "Nama wajib diisi"),
        (dict(roles=["admin"], password="pendek"), "terdiri dari 12 karakter"),
    ],
)
def test_create_staff_refusals_change_nothing(db, users, kwargs, message):
    args = dict(email="x@example.go.id", name="X", password=None) | kwargs
    count = User.select().count()
    with pytest.raises(StaffError, match=message):
        staff_admin.create_staff(users["admin"], **args)
    assert User.select().count() == count


def test_only_an_admin_manages_staff(db, users):
    with pytest.raises(StaffError, match="Hanya admin"):
        staff_admin.create_staff(users["helpdesk"], "y@example.go.id", "Y", ["admin"])
    with pytest.raises(StaffError, match="Hanya admin"):
        staff_admin.deactivate(users["helpdesk"], users["agent"].id)
    assert User.get_by_id(users["agent"].id).active


def test_deactivate_rotates_the_session_key(db, users):
    before = User.get_by_id(users["agent"].id).fs_uniquifier
    user = staff_admin.deactivate(users["admin"], users["agent"].id)
    assert not user.active and user.fs_uniquifier != before
    with pytest.raises(StaffError, match="sudah nonaktif"):
        staff_admin.deactivate(users["admin"], users["agent"].id)
    assert staff_admin.activate(users["admin"], users["agent"].id).active


def test_the_last_active_admin_stays(db, users):
    admin = users["admin"]
    with pytest.raises(StaffError, match="Admin aktif terakhir"):
        staff_admin.deactivate(admin, admin.id)
    with pytest.raises(StaffError, match="admin aktif terakhir"):
        staff_admin.update_staff(
            admin, admin.id, admin.name, ["helpdesk"], bidang_id=admin.bidang_id
        )
    assert User.get_by_id(admin.id).active and "admin" in User.get_by_id(admin.id).role_names
    second, _ = staff_admin.create_staff(admin, "admin2@example.go.id", "Admin Dua", ["admin"])
    staff_admin.deactivate(second, admin.id)  # now there is another active admin
    with pytest.raises(StaffError, match="Admin aktif terakhir"):
        staff_admin.deactivate(second, second.id)


def test_update_staff_changes_roles_and_ends_sessions(db, users):
    agent = users["agent"]
    before = User.get_by_id(agent.id).fs_uniquifier
    updated = staff_admin.update_staff(
        users["admin"], agent.id, "Galih R. S.", ["agent", "helpdesk"], seksi_id=agent.seksi_id
    )
    assert updated.name == "Galih R. S." and updated.role_names == {"agent", "helpdesk"}
    assert updated.fs_uniquifier != before
    same = updated.fs_uniquifier
    renamed = staff_admin.update_staff(
        users["admin"], agent.id, "Galih", ["agent", "helpdesk"], seksi_id=agent.seksi_id
    )
    assert renamed.fs_uniquifier == same  # a new name alone does not log anyone out
    with pytest.raises(StaffError, match="bukan bagian dari"):
        staff_admin.update_staff(
            users["admin"],
            agent.id,
            "Galih",
            ["agent"],
            bidang_id=Bidang.get(Bidang.code == "egov").id,
            seksi_id=agent.seksi_id,
        )


# --- through the admin's pages -------------------------------------------------------------------


def test_admin_creates_a_staff_user_through_the_form(client, login_as):
    login_as("admin")
    assert "Peran" in client.get("/admin/staf/new/").get_data(as_text=True)
    response = client.post(
        "/admin/staf/new/",
        data={
            "email": "petugas@example.go.id",
            "name": "Petugas Jaringan",
            "roles": ["agent"],
            "seksi": str(seksi("layanan-infrastruktur").id),
            "bidang": "",
            "password": "kata-sandi-baru-1",
        },
    )
    assert response.status_code == 302
    user = User.get(User.email == "petugas@example.go.id")
    assert user.role_names == {"agent"} and user.seksi_id == seksi("layanan-infrastruktur").id
    refused = client.post(
        "/admin/staf/new/",
        data={"email": "lain@example.go.id", "name": "Lain", "roles": ["agent"], "seksi": ""},
    )
    assert refused.status_code == 200
    assert "harus ditempatkan pada sebuah seksi" in refused.get_data(as_text=True)
    assert User.get_or_none(User.email == "lain@example.go.id") is None


def test_deactivation_ends_the_users_session(app, client, login_as, users):
    agent_client = app.test_client()
    response = agent_client.post(
        "/staf/login", data={"email": users["agent"].email, "password": DEMO_PASSWORD}
    )
    assert response.status_code == 302
    assert agent_client.get("/admin/tiket/").status_code == 200
    login_as("admin")
    done = client.post(
        "/admin/staf/action/", data={"action": "deactivate", "rowid": [users["agent"].id]}
    )
    assert done.status_code == 302
    assert agent_client.get("/admin/tiket/").status_code == 302  # back to the login page
    again = agent_client.post(
        "/staf/login", data={"email": users["agent"].email, "password": DEMO_PASSWORD}
    )
    assert again.status_code == 200  # refused: the account is inactive


def test_the_last_admin_cannot_deactivate_themselves(client, login_as, users):
    login_as("admin")
    response = client.post(
        "/admin/staf/action/",
        data={"action": "deactivate", "rowid": [users["admin"].id]},
        follow_redirects=True,
    )
    assert "Admin aktif terakhir tidak dapat dinonaktifkan." in response.get_data(as_text=True)
    assert client.get("/admin/staf/").status_code == 200


def test_edit_form_shows_and_changes_roles(client, login_as, users):
    login_as("admin")
    kasi = users["kepala_seksi"]
    html = client.get(f"/admin/staf/edit/?id={kasi.id}").get_data(as_text=True)
    assert 'value="kepala_seksi" selected' in html or 'selected value="kepala_seksi"' in html
    response = client.post(
        f"/admin/staf/edit/?id={kasi.id}",
        data={
            "name": kasi.name,
            "roles": ["kepala_bidang"],
            "bidang": str(kasi.bidang_id),
            "seksi": "",
        },
    )
    assert response.status_code == 302
    changed = User.get_by_id(kasi.id)
    assert changed.role_names == {"kepala_bidang"} and changed.seksi_id is None
    listed = client.get("/admin/staf/").get_data(as_text=True)
    # their row (the demo Kepala Bidang has one of their own; "kasi@" also ends "aplikasi@")
    at = re.search(r"\s" + re.escape(kasi.email) + r"\s", listed).start()
    row = listed[listed.rindex("<tr", 0, at) : listed.index("</tr>", at)]
    assert "Kepala Bidang" in row and "Kepala Seksi" not in row


def test_two_admins_removing_each_other_at_once_leave_one_admin(any_app):
    """Each of two admins deactivates the other at the same moment (on PostgreSQL too):
    exactly one succeeds, and an active admin remains."""
    from models.db import connection
    from models.seed import create_staff_user

    app = any_app
    for _ in range(10):
        with app.app_context(), connection():
            User.update(active=False).where(User.email != "admin@example.go.id").execute()
            first = User.get(User.email == "admin@example.go.id")
            User.update(active=True).where(User.id == first.id).execute()
            second, _pw = create_staff_user(
                f"admin{User.select().count()}@example.go.id", "Admin Dua", "admin"
            )
            first = User.get_by_id(first.id)
        results = race(
            app,
            [
                lambda a=first, b=second: staff_admin.deactivate(a, b.id),
                lambda a=first, b=second: staff_admin.deactivate(b, a.id),
            ],
            errors=(StaffError,),
        )
        assert results.count("ok") == 1, results
        with app.app_context(), connection():
            assert User.with_role("admin").count() >= 1
            User.update(active=True).where(User.id.in_([first.id, second.id])).execute()
