"""Bulk import of users from Excel or CSV (placeholder until the import lands)."""
from flask import Blueprint, redirect, url_for
from flask_login import login_required

from app.permissions import require

bp = Blueprint("user_import", __name__)


@bp.route("/users/import", methods=["GET"])
@login_required
@require("users.manage")
def upload():
    return redirect(url_for("users.index"))
