"""GET /healthz and GET /readyz, for load balancers, with no login and no session.

/healthz is liveness: a bare "ok" with no database and no template, it measures the server and
the framework only (and the benchmark's floor); restart the process when it fails.
/readyz is readiness: it runs one query, and answers 503 while the database cannot be reached
(stopped, restarting), so that a load balancer sends officials to a server that can serve them.
"""
from __future__ import annotations

from flask import Blueprint, current_app
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from app.extensions import db

bp = Blueprint("health", __name__)
PLAIN = {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}


@bp.route("/healthz")
def healthz():
    return "ok", 200, PLAIN


@bp.route("/readyz")
def readyz():
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError:
        current_app.logger.warning("readyz: không kết nối được cơ sở dữ liệu", exc_info=True)
        return "database unavailable", 503, PLAIN
    return "ok", 200, PLAIN
