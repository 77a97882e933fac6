"""Two-factor login: required for admins, available to every staff user, recovery codes, and
a TOTP code that cannot be used twice."""

from __future__ import annotations

import re

import pytest
from passlib.totp import TOTP

from models.db import connection
from models.seed import create_staff_user
from models.staff import User
from tests.helpers import DEMO_PASSWORD, totp_code

pytestmark = pytest.mark.csrf_off


def password_step(client, email, password=DEMO_PASSWORD):
    return client.post("/staf/login", data={"email": email, "password": password})


def test_an_admin_without_two_factor_must_set_it_up_before_any_page(app, client):
    with app.app_context(), connection():
        create_staff_user("admin2@example.go.id", "Admin Dua", "admin", password=DEMO_PASSWORD)
    response = password_step(client, "admin2@example.go.id")
    assert response.status_code == 302 and "/staf/tf-setup" in response.headers["Location"]
    admin_page = client.get("/admin/tiket/")
    assert admin_page.status_code == 302 and "/staf/login" in admin_page.headers["Location"]


def test_the_admin_logs_in_with_password_and_code_only(app, client, users):
    response = password_step(client, users["admin"].email)
    assert "/staf/tf-validate" in response.headers["Location"]
    assert client.get("/admin/tiket/").status_code == 302  # not yet logged in
    code = totp_code(app, users["admin"], fresh=True)
    wrong = f"{(int(code) + 1) % 1000000:06d}"
    assert client.post("/staf/tf-validate", data={"code": wrong}).status_code == 200
    assert client.post("/staf/tf-validate", data={"code": code}).status_code == 302
    assert client.get("/admin/tiket/").status_code == 200


def test_a_totp_code_is_accepted_once(app, users):
    admin = users["admin"]
    first, second = app.test_client(), app.test_client()
    code = totp_code(app, admin, fresh=True)
    password_step(first, admin.email)
    assert first.post("/staf/tf-validate", data={"code": code}).status_code == 302
    password_step(second, admin.email)
    replayed = second.post("/staf/tf-validate", data={"code": code})
    assert replayed.status_code == 200  # the form again, with its refusal
    assert second.get("/admin/tiket/").status_code == 302
    # A code of an earlier time-step within the window is refused as well.
    with app.app_context(), connection():
        last = User.get_by_id(admin.id).tf_totp_last_counter
    earlier = totp_code(app, admin, at=(last - 1) * 30 + 1)
    assert second.post("/staf/tf-validate", data={"code": earlier}).status_code == 200


def setup_authenticator(app, client):
    """Set up an authenticator app as the logged-in user; returns its TOTP source."""
    page = client.post("/staf/tf-setup", data={"setup": "authenticator"})
    assert page.status_code == 200, page.get_data(as_text=True)[:300]
    with client.session_transaction() as session:
        secret = session["tf_totp_secret"]
    totp = TOTP.using(secrets=app.config["SECURITY_TOTP_SECRETS"]).from_source(secret)
    done = client.post("/staf/tf-validate", data={"code": totp.generate().token})
    assert done.status_code == 302, done.get_data(as_text=True)[:300]
    return totp


def test_every_staff_user_may_turn_it_on_and_use_recovery_codes(app, client, users, login_as):
    login_as("helpdesk")
    setup_page = client.get("/staf/tf-setup").get_data(as_text=True)
    assert "Aplikasi autentikator" in setup_page or "autentikator" in setup_page.lower()
    setup_authenticator(app, client)
    with app.app_context(), connection():
        assert User.get_by_id(users["helpdesk"].id).tf_primary_method == "authenticator"
    codes_page = client.post("/staf/mf-recovery-codes", data={"generate_new_codes": "y"})
    codes = re.findall(
        r"\b[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}\b", codes_page.get_data(as_text=True)
    )
    assert len(codes) == app.config["SECURITY_MULTI_FACTOR_RECOVERY_CODES_N"], codes_page.text[:500]
    with app.app_context(), connection():  # stored encrypted, not as shown
        stored = User.get_by_id(users["helpdesk"].id).mf_recovery_codes
        assert stored and codes[0] not in str(stored)
    client.post("/staf/logout")

    # Now the password alone is not enough for the helpdesk either.
    other = app.test_client()
    assert "/staf/tf-validate" in password_step(other, users["helpdesk"].email).headers["Location"]
    assert other.post("/staf/mf-recovery", data={"code": codes[0]}).status_code == 302
    assert other.get("/admin/tiket/").status_code == 200
    other.post("/staf/logout")
    again = app.test_client()
    password_step(again, users["helpdesk"].email)
    assert again.post("/staf/mf-recovery", data={"code": codes[0]}).status_code == 200
    assert again.get("/admin/tiket/").status_code == 302


def test_no_email_rescue_around_the_second_factor(app, client, users, outbox):
    password_step(client, users["admin"].email)
    response = client.post("/staf/tf-rescue", data={"help_setup": "email"})
    assert response.status_code in (200, 400, 404)
    assert outbox == []
    assert client.get("/admin/tiket/").status_code == 302


def test_two_logins_racing_with_one_code_let_one_in(app, users, monkeypatch):
    """Both logins read the last time-step before either writes it (the race): the conditional
    UPDATE still lets only the first through."""
    from staffauth.totp import DeskTotp

    monkeypatch.setattr(DeskTotp, "get_last_counter", lambda self, user: None)
    admin = users["admin"]
    code = totp_code(app, admin, fresh=True)
    first, second = app.test_client(), app.test_client()
    password_step(first, admin.email)
    password_step(second, admin.email)
    assert first.post("/staf/tf-validate", data={"code": code}).status_code == 302
    assert second.post("/staf/tf-validate", data={"code": code}).status_code == 200
    assert second.get("/admin/tiket/").status_code == 302


def test_the_two_factor_pages_speak_indonesian(app, client, users, login_as):
    password_step(client, users["admin"].email)
    for path, words in [
        ("/staf/tf-validate", "Kode Autentikasi"),
        ("/staf/mf-recovery", "Kode Pemulihan"),
    ]:
        html = client.get(path).get_data(as_text=True)
        assert words in html and "Sign Out" not in html, path
    login_as("agent")
    for path, words in [
        ("/staf/tf-setup", "aplikasi autentikator"),
        ("/staf/mf-recovery-codes", "Kode Pemulihan"),
    ]:
        html = client.get(path).get_data(as_text=True)
        assert words in html and "Keluar" in html and "Sign Out" not in html, path
        assert 'name="csrf_token"' in html or not app.config.get("WTF_CSRF_ENABLED", True)
