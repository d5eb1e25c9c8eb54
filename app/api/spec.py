"""Declaring API routes, and the OpenAPI document built from the declarations.

Every route is added with ``@endpoint(rule, method, summary=…, action=…, …)``: the decorator
registers the view on the blueprint, checks the token and the role table, and records what the
OpenAPI document says of it. Nothing in /api/v1/openapi.json is written by hand apart from the
schemas in ``app.api.schemas``, which the views' output follows.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import wraps

from flask_login import current_user

from app.api import bp
from app.api import schemas
from app.api.errors import MESSAGES, ApiError
from app.permissions import PERMISSIONS, can, is_system

MAX_ID = 2**31 - 1  # ids are 32-bit integer columns on PostgreSQL
PATH_PARAMS = {  # name: (JSON schema, description)
    "scheme_code": ({"type": "string"}, "Mã bộ chỉ số (trường code của /api/v1/schemes)."),
    "period_code": ({"type": "string"}, "Kỳ theo định dạng DHIS2: 2022, 2022S1, 2022Q1, 202203."),
    "unit_code": ({"type": "string"}, "Mã đơn vị (mã GSO, ví dụ 394, hoặc mã "
                                      "của plugin)."),
    "evidence_id": ({"type": "integer", "minimum": 1, "maximum": MAX_ID},
                    "Mã số tài liệu kiểm chứng."),
}
_PARAM = re.compile(r"<(?:(\w+):)?(\w+)>")


@dataclass
class Endpoint:
    rule: str
    method: str
    view: str
    summary: str
    action: str | None  # the permissions table's action; None: any holder of a valid token
    auth: bool = True
    description: str = ""
    query: dict[str, tuple[str, str]] = field(default_factory=dict)  # name: (type, description)
    body: str | None = None  # a schema name
    multipart: bool = False
    responses: dict[int, tuple[str, str | None]] = field(default_factory=dict)

    @property
    def path(self) -> str:
        return bp.url_prefix + _PARAM.sub(r"{\2}", self.rule)

    @property
    def path_params(self) -> list[str]:
        return [name for _conv, name in _PARAM.findall(self.rule)]


ENDPOINTS: list[Endpoint] = []


def endpoint(rule: str, method: str = "GET", *, summary: str, action: str | None = None,
             auth: bool = True, description: str = "", query=None, body: str | None = None,
             multipart: bool = False, responses=None):
    """Register a view under /api/v1 and describe it for the OpenAPI document."""
    if action is not None and action not in PERMISSIONS:
        raise KeyError(action)

    def decorate(view):
        declared = Endpoint(rule, method, view.__name__, summary, action, auth, description,
                            dict(query or {}), body, multipart, dict(responses or {}))
        ENDPOINTS.append(declared)

        @wraps(view)
        def guarded(**kwargs):
            if auth:
                from app.api.auth import authenticate
                authenticate()
                # A system token does only what the table grants its role by name: never a
                # route open to any token holder.
                allowed = not is_system(current_user) if action is None \
                    else can(current_user, action)
                if not allowed:
                    raise ApiError(403)
            return view(**kwargs)

        bp.add_url_rule(rule, view.__name__, guarded, methods=[method])
        return view
    return decorate


# -- the document ---------------------------------------------------------------------------
def document() -> dict:
    paths: dict[str, dict] = {}
    for declared in ENDPOINTS:
        paths.setdefault(declared.path, {})[declared.method.lower()] = _operation(declared)
    return {
        "openapi": "3.0.3",
        "info": {"title": "Chỉ số: API v1", "version": "1",
                 "description": "Dữ liệu đánh giá chuyển đổi số của tỉnh: bộ chỉ số, đơn vị, "
                                "hồ sơ, tài liệu kiểm chứng, xếp hạng. Cùng quyền và phạm vi "
                                "tỉnh như giao diện web."},
        "paths": paths,
        "components": {
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer",
                                           "description": "Mã truy cập cá nhân (tạo ở trang "
                                                          "/account/tokens), hoặc mã của một "
                                                          "hệ thống (`tokens create-system`), "
                                                          "chỉ để gửi số liệu đo tự động."}},
            "schemas": schemas.SCHEMAS,
        },
    }


def _operation(declared: Endpoint) -> dict:
    operation = {"operationId": declared.view, "summary": declared.summary,
                 "parameters": _parameters(declared), "responses": _responses(declared)}
    if declared.description:
        operation["description"] = declared.description
    if declared.action:
        operation["description"] = (operation.get("description", "") + "\n\nQuyền: "
                                    + PERMISSIONS[declared.action][0] + ".").strip()
    operation["security"] = [{"bearer": []}] if declared.auth else []
    if declared.body:
        media = "multipart/form-data" if declared.multipart else "application/json"
        operation["requestBody"] = {"required": True,
                                    "content": {media: {"schema": schemas.ref(declared.body)}}}
    return operation


def _parameters(declared: Endpoint) -> list[dict]:
    params = []
    for name in declared.path_params:
        schema, text = PATH_PARAMS[name]
        params.append({"name": name, "in": "path", "required": True, "description": text,
                       "schema": dict(schema)})
    for name, (kind, text) in declared.query.items():
        params.append({"name": name, "in": "query", "required": False, "description": text,
                       "schema": {"type": kind}})
    return params


def _responses(declared: Endpoint) -> dict:
    result = {}
    for status, (text, schema) in declared.responses.items():
        result[str(status)] = _response(text, schema)
    implied = []
    if declared.auth:
        implied.append(401)
    if declared.action:
        implied.append(403)
    if declared.path_params or declared.auth:
        implied.append(404)
    for status in implied:
        result.setdefault(str(status), _response(MESSAGES[status], "Error"))
    return result


def _response(text: str, schema: str | None) -> dict:
    if schema is None:
        return {"description": text}
    if schema == "file":
        # Served with its own type: an evidence PDF or image, a CSV, an Excel workbook.
        return {"description": text, "content": {"*/*": {
            "schema": {"type": "string", "format": "binary"}}}}
    return {"description": text, "content": {"application/json": {"schema": schemas.ref(schema)}}}
