"""JSON Schemas of the API's bodies (OpenAPI 3.0 components). ``ref("Unit[]")`` is a list."""
from __future__ import annotations

NUMBER = {"type": "number"}
NULL_NUMBER = {"type": "number", "nullable": True}
NULL_STRING = {"type": "string", "nullable": True}
STATE = {"type": "string", "enum": ["draft", "submitted", "returned", "appraised", "published"]}
PERCENT = {"type": "number", "nullable": True, "description": "0–100, hai chữ số thập phân"}


def ref(name: str) -> dict:
    if name.endswith("[]"):
        return {"type": "array", "items": ref(name[:-2])}
    return {"$ref": f"#/components/schemas/{name}"}


def _object(properties: dict, required=None, **extra) -> dict:
    schema = {"type": "object", "properties": properties, **extra}
    if required:
        schema["required"] = list(required)
    return schema


SCHEMAS = {
    "Error": _object({
        "error": {"type": "string", "description": "Thông báo lỗi bằng tiếng Việt"},
        "errors": {"type": "object", "nullable": True,
                   "description": "Mọi lỗi, theo mã chỉ tiêu rồi theo trường: {\"1.2\": "
                                  "{\"self_score\": \"…\"}}; \"_\" là cả chỉ tiêu (409) hoặc "
                                  "không thuộc chỉ tiêu nào ({\"_\": {\"period\": \"…\"}}); "
                                  "null khi không có chi tiết",
                   "additionalProperties": {"type": "object",
                                            "additionalProperties": {"type": "string"}}},
    }, ["error"]),
    "Scheme": _object({
        "code": {"type": "string"}, "province": {"type": "string"},
        "title": {"type": "string"}, "version": {"type": "integer"},
        "family": {"type": "string", "description": "họ bộ chỉ số: các phiên bản nối tiếp nhau"},
        "first_year": {"type": "integer"},
        "last_year": {"type": "integer", "nullable": True,
                      "description": "null: còn áp dụng cho đến khi có phiên bản sau"},
        "kind": {"type": "string", "enum": ["points", "target", "monitor"]},
        "source": {"type": "object", "additionalProperties": True},
        "max_points": NULL_NUMBER,
        "unit_types": {"type": "array", "items": {"type": "string"}},
        "origin": {"type": "string", "enum": ["plugin", "imported"],
                   "description": "plugin: tệp của plugin; imported: tỉnh nhập từ tệp Excel"},
    }),
    "Indicator": _object({
        "code": {"type": "string"}, "parent": NULL_STRING, "title": {"type": "string"},
        "source_title": NULL_STRING, "max_points": NULL_NUMBER, "method": {"type": "string"},
        "period": {"type": "string"}, "measure": NULL_STRING, "lead": NULL_STRING,
        "coordinating": {"type": "array", "items": {"type": "string"}},
        "pillar": NULL_STRING, "evidence_required": {"type": "boolean"},
        "not_assessable": {"type": "boolean"}, "raised_from": NULL_STRING, "level": NULL_STRING,
        "targets": {"type": "object", "nullable": True, "additionalProperties": True},
        "measured": {"type": "object", "nullable": True,
                     "properties": {"source": {"type": "string"}},
                     "description": "chỉ số đo tự động: hệ thống cung cấp số liệu; "
                                    "null: đơn vị tự khai"},
    }, description="Giống `flask --app wsgi catalogue show --json`."),
    "Unit": _object({
        "code": {"type": "string"}, "name": {"type": "string"}, "type": {"type": "string"},
        "parent": NULL_STRING,
    }),
    "MainIndex": _object({
        "code": {"type": "string"}, "title": {"type": "string"}, "score": NUMBER, "max": NUMBER,
    }),
    "IndicatorValue": _object({
        "code": {"type": "string"},
        "value": {"nullable": True, "description": "số; true/false (có/không); chuỗi (văn "
                                                   "bản); với phân số là tỷ lệ %"},
        "numerator": NULL_NUMBER, "denominator": NULL_NUMBER,
        "self_score": NULL_NUMBER, "appraised_score": NULL_NUMBER,
        "score": NULL_NUMBER,
        "score_source": {"type": "string",
                         "enum": ["appraised", "self", "computed", "none", "not_assessed"]},
        "not_assessed": {"type": "boolean"}, "not_assessed_reason": NULL_STRING,
        "explanation": NULL_STRING, "no_evidence_reason": NULL_STRING,
        "version": {"type": "integer", "nullable": True},
        "measured": _object({
            "source": {"type": "string"},
            "as_of": {"type": "string", "description": "thời điểm của số liệu, giờ Việt Nam"},
            "received_at": {"type": "string", "format": "date-time", "description": "UTC"},
        }, nullable=True, description="số liệu do hệ thống gửi (chỉ tiêu đo tự động); null: "
                                      "đơn vị nhập hoặc chưa nhận"),
    }),
    "Assessment": _object({
        "scheme": {"type": "string"}, "period": {"type": "string"}, "unit": {"type": "string"},
        "state": STATE, "total": NUMBER, "max": NUMBER, "percent": PERCENT,
        "main": ref("MainIndex[]"), "indicators": ref("IndicatorValue[]"),
    }),
    "ValuesPut": _object({
        "values": {"type": "object", "description": "Theo mã chỉ tiêu. Mỗi mã gửi lên thay cả "
                   "dòng đó (trường bỏ trống được xóa; điểm tự chấm bỏ trống được tính từ giá "
                   "trị như trên biểu mẫu). Phân số gửi numerator và denominator.",
                   "minProperties": 1,
                   "additionalProperties": _object({
                       "value": {"nullable": True}, "numerator": NULL_NUMBER,
                       "denominator": NULL_NUMBER, "self_score": NULL_NUMBER,
                       "not_assessed": {"type": "boolean"}, "not_assessed_reason": NULL_STRING,
                       "explanation": NULL_STRING, "no_evidence_reason": NULL_STRING,
                       "version": {"type": "integer", "description": "cũ → 409"},
                   }, additionalProperties=False)},
    }, ["values"]),
    "MeasuredPut": _object({
        "values": {"type": "object", "minProperties": 1,
                   "description": "Theo mã chỉ tiêu đo tự động. value (hoặc numerator và "
                                  "denominator với phân số) và as_of: ngày (2026-11-30) hoặc "
                                  "ngày giờ ISO của số liệu; không có múi giờ: giờ Việt Nam.",
                   "additionalProperties": _object({
                       "value": {"nullable": True}, "numerator": NULL_NUMBER,
                       "denominator": NULL_NUMBER,
                       "as_of": {"type": "string", "description": "2026-11-30 hoặc "
                                 "2026-11-30T17:00:00+07:00; không sau hôm nay"},
                   }, ["as_of"], additionalProperties=False)},
    }, ["values"]),
    "MeasuredResult": _object({
        "scheme": {"type": "string"}, "period": {"type": "string"}, "unit": {"type": "string"},
        "measured": {"type": "array", "items": _object({
            "code": {"type": "string"}, "source": {"type": "string"},
            "value": {"nullable": True}, "numerator": NULL_NUMBER, "denominator": NULL_NUMBER,
            "as_of": {"type": "string", "description": "thời điểm của số liệu, giờ Việt Nam"},
            "received_at": {"type": "string", "format": "date-time",
                            "description": "lúc nhận, UTC"},
            "version": {"type": "integer"},
        })},
    }),
    "Missing": _object({
        "error": {"type": "string"},
        "missing": {"type": "array", "items": _object({"code": {"type": "string"},
                                                       "problem": {"type": "string"}})},
    }),
    "AppraisalPut": _object({
        "scores": {"type": "object", "minProperties": 1, "additionalProperties": _object({
            "score": NUMBER, "comment": NULL_STRING}, ["score"], additionalProperties=False)},
    }, ["scores"]),
    "EvidenceUpload": _object({
        "indicator": {"type": "string"}, "file": {"type": "string", "format": "binary"},
        "url": {"type": "string"}, "doc_number": {"type": "string"},
        "doc_date": {"type": "string", "description": "31/12/2022 hoặc 2022-12-31"},
        "issuer": {"type": "string"}, "title": {"type": "string"},
    }, ["indicator"]),
    "Evidence": _object({
        "id": {"type": "integer"}, "sha256": NULL_STRING, "filename": NULL_STRING,
        "size": {"type": "integer", "nullable": True}, "url": NULL_STRING,
        "indicators": {"type": "array", "items": {"type": "string"}},
    }),
    "RankingRow": _object({
        "rank": {"type": "integer", "nullable": True}, "unit": {"type": "string"},
        "name": {"type": "string"}, "group": {"type": "string"},
        "total": NUMBER, "max": NUMBER, "percent": PERCENT,
        "change": {"type": "integer", "nullable": True,
                   "description": "số bậc tăng (+) hoặc giảm (−) so với kỳ trước đã công bố"},
        "year_rank": {"type": "integer", "nullable": True},
    }),
    "Ranking": _object({
        "scheme": {"type": "string"}, "period": {"type": "string"},
        "published": {"type": "boolean"}, "rows": ref("RankingRow[]"),
        "not_ranked": {"type": "array", "items": _object({
            "unit": {"type": "string"}, "name": {"type": "string"},
            "state": {"type": "string", "enum": ["none", "draft", "submitted", "returned"]},
        })},
        "snapshot": _object({
            "published_at": {"type": "string", "format": "date-time"},
            "scheme_version": {"type": "integer"},
            "catalogue_sha256": {"type": "string"},
        }),
    }, ["scheme", "period", "published", "rows", "not_ranked"]),
    "Publication": _object({
        "scheme": {"type": "string"}, "period": {"type": "string"},
        "published": {"type": "boolean"},
        "published_at": {"type": "string", "format": "date-time", "nullable": True},
    }),
}
