"""Flask-Security's emails (password reset, notices) link to DESK_BASE_URL, never to the Host
header of the request that asked for them: a reset asked with a forged Host must not mail the
victim a link (with a valid token) to the attacker's site."""

from __future__ import annotations

from flask import current_app, has_request_context, request
from flask_security import MailUtil


class DeskMailUtil(MailUtil):
    """Flask-Security's mailer, with the request's own address replaced by DESK_BASE_URL."""

    def send_mail(self, template, subject, recipient, sender, body, html, **kwargs):
        """Send the email with every link on the request's host moved to DESK_BASE_URL."""
        if has_request_context():
            asked = request.host_url.rstrip("/")
            base = current_app.config["BASE_URL"]
            body = body.replace(asked, base) if body else body
            html = html.replace(asked, base) if html else html
        super().send_mail(template, subject, recipient, sender, body, html, **kwargs)
