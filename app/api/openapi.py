"""The OpenAPI document, built from the declared routes (app.api.spec)."""
from __future__ import annotations

from flask import jsonify

from app.api.spec import document, endpoint


@endpoint("/openapi.json", summary="Tài liệu OpenAPI của API này", auth=False,
          responses={200: ("Tài liệu OpenAPI 3.0", None)})
def openapi():
    return jsonify(document())
