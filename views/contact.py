"""The helpdesk's contact (phone, WhatsApp, email, office hours) from the configuration, for
every public page (the footer of `templates/base.html`) and every email to a requester
(`templates/email/_base.*`): one context variable, `helpdesk_contact`."""

from __future__ import annotations

from flask import current_app
from flask_babel import gettext as _

DAY_NAMES = {
    1: "Senin",
    2: "Selasa",
    3: "Rabu",
    4: "Kamis",
    5: "Jumat",
    6: "Sabtu",
    7: "Minggu",
}


def office_hours(config) -> str:
    """DESK_HELPDESK_HOURS, or the working calendar in words: "Senin–Jumat, 08.00–16.00"."""
    if config.get("HELPDESK_HOURS"):
        return config["HELPDESK_HOURS"]
    days = sorted(int(d) for d in str(config["WORK_DAYS"]).split(",") if d.strip())
    if days and days == list(range(days[0], days[-1] + 1)) and len(days) > 1:
        day_text = f"{_(DAY_NAMES[days[0]])}–{_(DAY_NAMES[days[-1]])}"
    else:
        day_text = ", ".join(_(DAY_NAMES[d]) for d in days)
    start, end = (str(config[k]).replace(":", ".") for k in ("WORK_START", "WORK_END"))
    return f"{day_text}, {start}–{end}"


def whatsapp_link(number: str | None) -> str | None:
    """The wa.me link of a WhatsApp number written the Indonesian way (0812..., +62 812...)."""
    digits = "".join(c for c in (number or "") if c.isdigit())
    if not digits:
        return None
    if digits.startswith("0"):
        digits = "62" + digits[1:]
    return f"https://wa.me/{digits}"


def helpdesk_contact() -> dict:
    """The contact of the current app's helpdesk: phone, whatsapp (+ its link), email, hours;
    unset ones are None."""
    config = current_app.config
    return {
        "phone": config.get("HELPDESK_PHONE") or None,
        "whatsapp": config.get("HELPDESK_WHATSAPP") or None,
        "whatsapp_link": whatsapp_link(config.get("HELPDESK_WHATSAPP")),
        "email": config.get("HELPDESK_EMAIL") or None,
        "hours": office_hours(config),
    }


class LazyContact:
    """`helpdesk_contact()` as a template reads it (`c.phone`, `c["hours"]`), made on first use:
    the staff pages, which never show it, do not translate the office hours for nothing."""

    __slots__ = ("_contact",)

    def __init__(self):
        self._contact = None

    def __getitem__(self, name):
        if self._contact is None:
            self._contact = helpdesk_contact()
        return self._contact[name]

    def __getattr__(self, name):
        if name.startswith("_"):  # Python's and Jinja's probes (`__html__`...), never a field
            raise AttributeError(name)
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None


def init_app(app) -> None:
    """Make `helpdesk_contact` available to every template of `app` (pages and emails), made
    when a template first reads it (in that render's language)."""
    app.context_processor(lambda: {"helpdesk_contact": LazyContact()})
