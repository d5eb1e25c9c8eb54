"""JSON API v1 (/api/v1): for the national DTI portal and other systems.

Token auth (``Authorization: Bearer …``, tokens from the profile page or `tokens create`), the
same role table and tenant scoping as the web pages, CSRF-exempt (no cookies are used), errors
as JSON ``{"error": "…"}`` in Vietnamese. Each route declares its summary, parameters and
response schema where it is defined (``app.api.spec.endpoint``); /api/v1/openapi.json is built
from those declarations.
"""
from __future__ import annotations

from flask import Blueprint

from app.extensions import csrf

bp = Blueprint("api", __name__, url_prefix="/api/v1")
csrf.exempt(bp)

# The route modules register themselves on ``bp`` when imported.
from app.api import errors  # noqa: E402,F401
from app.api import assessments, catalogue, evidence, openapi, rankings  # noqa: E402,F401
from app.api import exports, measured  # noqa: E402,F401
