"""Junk in URLs answers 400 or 404, never 500, on SQLite and on PostgreSQL (issue #10 item 5):
ids beyond 64 bits, negative pages, NUL bytes, text where a number belongs, in every staff
list's parameters (page, sort, filters, search) and every id route, and on the public side."""

from __future__ import annotations

from models.db import connection
from models.staff import User
from tests.helpers import DEMO_PASSWORD, csrf_token, totp_code

JUNK = [
    "-1",
    "abc",
    "99999999999999999999999",
    "1e9",
    "%00",
    "x%00y",
    "1%00",
    "'",
    "1.5",
    "-99999999999999999999",
    "%C0%AF",
    "%FF",
    "9" * 300,
    "%C2%B2",  # "²": a digit to str.isdigit, not to int()
]

LISTS = [
    "/admin/tiket/",
    "/admin/perlu-verifikasi/",
    "/admin/staf/",
    "/admin/layanan/",
    "/admin/email/",
    "/admin/audit/",
    "/admin/libur/",
    "/admin/pd/",
]
PARAMS = ["page", "sort", "desc", "search", "flt0_0", "flt1_5", "flt0_status_equals", "page_size"]
ID_ROUTES = [
    "/admin/tiket/details/?id={}",
    "/admin/tiket/{}/dokumen/1",
    "/admin/tiket/1/dokumen/{}",
    "/admin/staf/edit/?id={}",
    "/admin/layanan/edit/?id={}",
    "/admin/audit/details/?id={}",
    "/admin/kepatuhan/?dari={}",
    "/admin/kepatuhan/csv/layanan?sampai={}",
    "/admin/on_behalf/?layanan={}",
    "/lacak/{}",
    "/lacak/{}/berkas/1",
    "/?layanan={}",
    "/admin/?periode=tahun&tahun={}",
    "/admin/?periode=bulan&bulan={}",
    "/admin/tabel/{}",
    "/admin/tabel/tren/unduh/{}",
    "/admin/laporan-bulanan/?periode={}",
    "/admin/laporan-bulanan/pdf?bidang={}",
    "/admin/laporan-bulanan/permintaan/{}",
    "/admin/laporan-bulanan/permintaan/{}/unduh",
    "/admin/survei-kepuasan/?dari={}",
    "/admin/survei-kepuasan/?periode=tahun&tahun={}",
    "/verifikasi/{}",
    "/verifikasi?kode={}",
]


def staff_client(app):
    client = app.test_client()
    with app.app_context():
        token = csrf_token(client, "/staf/login")
    answer = client.post(
        "/staf/login",
        data={"email": "admin@example.go.id", "password": DEMO_PASSWORD, "csrf_token": token},
    )
    assert answer.status_code == 302
    if "/staf/tf-validate" in answer.headers["Location"]:  # admins have a second factor
        with app.app_context(), connection():
            admin = User.get(User.email == "admin@example.go.id")
            code = totp_code(app, admin, fresh=True)
        answer = client.post(
            "/staf/tf-validate",
            data={"code": code, "csrf_token": csrf_token(client, "/staf/tf-validate")},
        )
        assert answer.status_code == 302
    return client


def test_junk_in_every_list_parameter_and_id_route(any_app):
    client = staff_client(any_app)
    answers = {}
    for url in LISTS:
        for param in PARAMS:
            for junk in JUNK:
                path = f"{url}?{param}={junk}"
                answers[path] = client.get(path).status_code
    for route in ID_ROUTES:
        for junk in JUNK:
            path = route.format(junk)
            answers[path] = client.get(path).status_code
    broken = {p: s for p, s in answers.items() if s >= 500}
    assert not broken, broken
    assert set(answers.values()) <= {200, 302, 400, 404}, set(answers.values())


def test_junk_row_ids_of_a_bulk_action_are_a_404(any_app):
    client = staff_client(any_app)
    token = csrf_token(client, "/admin/tiket/")
    for junk in ("\u00b2", "-1", "abc", "9" * 30, "1.5"):
        answer = client.post(
            "/admin/tiket/action/", data={"csrf_token": token, "action": "x", "rowid": junk}
        )
        assert answer.status_code in (400, 404), (junk, answer.status_code)


def test_nul_in_a_staff_form_is_a_400_and_changes_nothing(any_app):
    from models.catalog import PerangkatDaerah

    client = staff_client(any_app)
    with any_app.app_context(), connection():
        pd = PerangkatDaerah.select().first()
    token = csrf_token(client, f"/admin/pd/edit/?id={pd.id}")
    answer = client.post(
        f"/admin/pd/edit/?id={pd.id}",
        data={"csrf_token": token, "name": "Dinas\x00X", "code": pd.code},
    )
    assert answer.status_code == 400
    with any_app.app_context(), connection():
        assert PerangkatDaerah.get_by_id(pd.id).name == pd.name


def test_junk_in_the_monthly_report_form_is_a_400_and_records_nothing(any_app):
    from models.report_requests import MonthlyReportRequest

    client = staff_client(any_app)
    token = csrf_token(client, "/admin/laporan-bulanan/")
    answers = {}
    valid = {"periode": {}, "dari": {"sampai": "2026-06-30"}, "sampai": {"dari": "2026-06-01"}}
    valid["bidang"] = {"periode": "2026-06"}
    for name, others in valid.items():
        for junk in JUNK:
            value = junk.replace("%00", "\x00")  # posted as is: the form's own encoding
            data = {**others, name: value, "csrf_token": token}
            answer = client.post("/admin/laporan-bulanan/minta", data=data)
            answers[(name, junk)] = answer.status_code
    assert set(answers.values()) == {400}, {k: v for k, v in answers.items() if v != 400}
    with any_app.app_context(), connection():
        assert MonthlyReportRequest.select().count() == 0
