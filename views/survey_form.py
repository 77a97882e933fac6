"""The satisfaction survey's form on the tracking page: reading the answers, and what the page
needs to show the form or its thank-you state. The rule is in `models.skm`."""

from __future__ import annotations

from flask_babel import gettext as _

from models import skm

COMMENT_FIELD = "survey_comment"


def read_answers(form) -> tuple[dict, str, dict]:
    """(the answers by field, the comment, the errors by field): every unsur must have one of
    its four answers, the comment at most `skm.COMMENT_MAX` characters."""
    values = {u.field: form.get(u.field, "") for u in skm.UNSUR}
    comment = form.get(COMMENT_FIELD, "")
    errors = {
        u.field: _("Pilih salah satu jawaban untuk unsur %(name)s.", name=u.name)
        for u in skm.unanswered(values)
    }
    if len(comment.strip()) > skm.COMMENT_MAX:
        errors[COMMENT_FIELD] = _(
            "Saran atau komentar paling banyak %(n)d karakter.", n=skm.COMMENT_MAX
        )
    return values, comment, errors


def context(ticket) -> dict:
    """`survey`: "form" (invited, not answered yet), "done" (answered) or None (not invited)."""
    state = None
    if skm.may_answer(ticket):
        state = "done" if skm.SurveyResponse.answered(ticket.id) else "form"
    return {
        "survey": state,
        "unsur": skm.UNSUR,
        "scale": skm.SCALE,
        "comment_field": COMMENT_FIELD,
        "comment_max": skm.COMMENT_MAX,
    }
