"""The email outbox page: admins see given-up emails and send them again; others get 403."""

from __future__ import annotations

import pytest

from models.ticket import Notification

pytestmark = pytest.mark.csrf_off  # forms are posted without their token


def test_admin_sees_failed_emails_and_retries_them(client, login_as, make_ticket, outbox):
    ticket = make_ticket("open")
    row = Notification.select().where(Notification.ticket == ticket.id).first()
    Notification.update(status="failed", attempts=6, last_error="SMTPServerDisconnected: x").where(
        Notification.id == row.id
    ).execute()
    outbox.clear()
    login_as("admin")
    page = client.get("/admin/email/?flt0_0=failed").get_data(as_text=True)
    assert ticket.number in page and "SMTPServerDisconnected" in page
    response = client.post(
        "/admin/email/action/",
        data={"action": "retry", "rowid": [str(row.id)]},
        follow_redirects=True,
    )
    assert "1 email dijadwalkan" in response.get_data(as_text=True)
    assert Notification.get_by_id(row.id).status == "sent"
    assert len(outbox) == 1


def test_outbox_is_for_admins_only(client, login_as):
    for role in ("helpdesk", "agent", "kepala_bidang", "kepala_seksi"):
        login_as(role)
        assert client.get("/admin/email/").status_code == 403
        assert client.post("/admin/email/action/", data={"action": "retry"}).status_code == 403
