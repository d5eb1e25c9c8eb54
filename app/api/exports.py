"""The Excel and CSV files of the web pages, for API clients; and the provinces compared."""
from __future__ import annotations

from flask import jsonify, request

from app import workbooks
from app import periods as period_ids
from app.api import schemas
from app.api.errors import ApiError
from app.api.lookups import readable_context, registry, scheme_and_period
from app.api.rankings import visible
from app.api.spec import endpoint
from app.services import province_comparison
from app.services.export_files import (assessment_file, assessment_name, download,
                                       ranking_download, table_ranking)

PATH = "/exports/<scheme_code>/<period_code>"
FILE = ("Tệp", "file")
UNPUBLISHED = ("Kết quả chưa công bố (cán bộ đơn vị, người xem)", "Error")
RANKING_NOTE = ("Như trang xếp hạng: theo nhóm đơn vị; cán bộ đơn vị và người xem chỉ tải được "
                "sau khi công bố (trước đó: 409). Bộ chỉ số không chấm điểm: 404.")


def _download(scheme_code: str, period_code: str, table: str, extension: str):
    """The web page's file (``table``: ranking or scoresheet), from the same ranking."""
    scheme, period = scheme_and_period(scheme_code, period_code)
    if scheme.kind != "points":
        raise ApiError(404, f"Bộ chỉ số «{scheme.code}» không chấm điểm nên không xếp hạng.")
    return ranking_download(visible(table_ranking(scheme, period, table)), table, extension)


@endpoint(PATH + "/ranking.xlsx", summary="Xếp hạng của kỳ, tệp Excel", action="results.view",
          description=RANKING_NOTE + " Tỷ lệ (%) là công thức trên tổng điểm và điểm tối đa.",
          responses={200: FILE, 409: UNPUBLISHED})
def export_ranking_xlsx(scheme_code, period_code):
    return _download(scheme_code, period_code, "ranking", "xlsx")


@endpoint(PATH + "/ranking.csv", summary="Xếp hạng của kỳ, tệp CSV (UTF-8 có BOM)",
          action="results.view", description=RANKING_NOTE,
          responses={200: FILE, 409: UNPUBLISHED})
def export_ranking_csv(scheme_code, period_code):
    return _download(scheme_code, period_code, "ranking", "csv")


@endpoint(PATH + "/scoresheet.xlsx", summary="Bảng điểm của kỳ (đơn vị × chỉ tiêu), tệp Excel",
          action="results.view",
          description=RANKING_NOTE + " Cộng từng chỉ số chính và tổng điểm là công thức =SUM.",
          responses={200: FILE, 409: UNPUBLISHED})
def export_scoresheet_xlsx(scheme_code, period_code):
    return _download(scheme_code, period_code, "scoresheet", "xlsx")


@endpoint(PATH + "/<unit_code>/assessment.xlsx", summary="Hồ sơ đánh giá của một đơn vị, tệp "
          "Excel", action="province.view",
          description="Giá trị, điểm tự chấm, điểm và nhận xét thẩm định, giải trình theo từng "
                      "chỉ tiêu; điểm chỉ số chính là công thức =SUM. Tệp nhập lại được ở trang "
                      "«Nhập từ Excel» của hồ sơ. Cán bộ đơn vị chỉ tải được hồ sơ của đơn vị "
                      "mình (đơn vị khác: 404); người xem chỉ tải hồ sơ đã công bố (403).",
          responses={200: FILE})
def export_assessment_xlsx(scheme_code, period_code, unit_code):
    scheme, period, unit, assessment, allowed = readable_context(scheme_code, period_code,
                                                                 unit_code)
    data = assessment_file(scheme, period, unit, assessment, allowed.writer)
    return download(data, assessment_name(scheme, period, unit), workbooks.XLSX_TYPE)


# -- the provinces side by side -------------------------------------------------------------
_FIGURE = {"type": "object", "nullable": True, "properties": {
    "achieved": {"type": "number"}, "max": {"type": "number"},
    "percent": {"type": "number", "description": "0–100, hai chữ số thập phân"},
    "units": {"type": "integer", "description": "số đơn vị đứng sau con số"},
    "schemes": {"type": "array", "items": {"type": "string"}}}}
# Registered here, beside the only route that returns it.
schemas.SCHEMAS.setdefault("Comparison", {"type": "object", "properties": {
    "period": {"type": "string"},
    "pillars": {"type": "array", "items": {"type": "object", "properties": {
        "code": {"type": "string"}, "label": {"type": "string"}}}},
    "provinces": {"type": "array", "items": {"type": "object", "properties": {
        "code": {"type": "string"}, "name": {"type": "string"},
        "measure": {"type": "string", "nullable": True, "enum": ["points", "targets", None],
                    "description": "points: điểm đạt / điểm tối đa; targets: chỉ tiêu đạt / "
                                   "chỉ tiêu đặt ra của các xã tham gia (bộ chỉ tiêu không có "
                                   "điểm); null: năm đó chưa có gì để so sánh"},
        "measure_label": {"type": "string", "nullable": True},
        "schemes": {"type": "array", "items": {"type": "object", "properties": {
            "code": {"type": "string"}, "title": {"type": "string"},
            "kind": {"type": "string"}, "max_points": {"type": "number", "nullable": True}}}},
        "total": _FIGURE,
        "pillars": {"type": "object", "additionalProperties": _FIGURE,
                    "description": "theo mã trụ cột chung (nhan_thuc, the_che, …)"},
    }}},
}})


@endpoint("/compare", summary="So sánh các tỉnh theo trụ cột chung", action="results.compare",
          query={"period": ("string", "Kỳ, thường là năm: 2022 (bắt buộc)")},
          description="Mỗi tỉnh: bộ chỉ số, số đơn vị và tỷ lệ % trên mức tối đa của từng trụ "
                      "cột chung, nên bộ 500 điểm và 1000 điểm đọc trên cùng thang. Chỉ quản trị "
                      "hệ thống.",
          responses={200: ("Các tỉnh theo trụ cột", "Comparison"),
                     422: ("Thiếu hoặc sai tham số period", "Error")})
def compare():
    code = (request.args.get("period") or "").strip()
    try:
        period_ids.parse(code)
    except period_ids.PeriodError:
        message = "Tham số period phải là một kỳ, ví dụ ?period=2022."
        raise ApiError(422, message, errors={"_": {"period": message}}) from None
    return jsonify(province_comparison.compare(registry(), code))
