"""GET /healthz: a bare "ok" for load balancers and the benchmark's floor.

No session, no database, no template: it measures the server and the framework only.
"""
from __future__ import annotations

from flask import Blueprint

bp = Blueprint("health", __name__)


@bp.route("/healthz")
def healthz():
    return "ok", 200, {"Content-Type": "text/plain; charset=utf-8", "Cache-Control": "no-store"}
