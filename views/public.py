"""The public side: the request form and the private tracking page (placeholder until #3)."""

from __future__ import annotations

from flask import Blueprint, render_template

bp = Blueprint("public", __name__)


@bp.get("/")
def index():
    return render_template("public/placeholder.html")
