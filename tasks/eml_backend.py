"""A Flask-Mailman backend that writes each message as one readable `.eml` file.

The embedded default (no DESK_SMTP_HOST): a newcomer opens `instance/outbox/*.eml` in any mail
program or text editor. The file appears whole (written aside, then renamed).
"""

from __future__ import annotations

import datetime as dt
import os
import secrets

from flask_mailman.backends.base import BaseEmailBackend


class EmailBackend(BaseEmailBackend):
    def __init__(self, *args, file_path=None, **kwargs):
        super().__init__(*args, **kwargs)
        from flask import current_app

        self.file_path = file_path or current_app.config["MAIL_FILE_PATH"]

    def send_messages(self, email_messages):
        os.makedirs(self.file_path, exist_ok=True)
        sent = 0
        for message in email_messages:
            stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M%S")
            name = f"{stamp}-{secrets.token_hex(4)}.eml"
            tmp = os.path.join(self.file_path, "." + name)
            with open(tmp, "wb") as fh:
                fh.write(message.message().as_bytes())
            os.replace(tmp, os.path.join(self.file_path, name))
            sent += 1
        return sent
