"""Measured values, written by a system token (app.services.system_tokens): the only thing a
system may do. Each value names the time its data refers to (as_of); all or nothing."""
from __future__ import annotations

from flask import jsonify
from flask_login import current_user
from sqlalchemy.orm.exc import StaleDataError

from app.api.assessments import PATH, _body_map, _measured_json, _refuse_blocked, _unknown
from app.api.convert import number, row_form
from app.api.errors import ApiError
from app.api.lookups import scheme_and_period, unit_or_404
from app.api.spec import endpoint
from app.catalogue.model import Row
from app.extensions import db
from app.services import assessments as svc
from app.services import measured

VALUE_FIELDS = ("value", "numerator", "denominator")
FIELDS = VALUE_FIELDS + ("as_of",)


@endpoint(PATH + "/measured", "PUT", summary="Gửi số liệu đo tự động (mã truy cập của hệ thống)",
          action="measured.write", body="MeasuredPut",
          description="Chỉ dùng mã truy cập của một hệ thống (`flask --app wsgi tokens "
                      "create-system TÊN --province MÃ`), chỉ cho các chỉ tiêu có «measured» "
                      "mà source trùng tên hệ thống. Mỗi giá trị kèm as_of: thời điểm của số "
                      "liệu. Giá trị là giá trị của đơn vị; điểm do phương pháp chấm tính "
                      "(score_source computed), không bao giờ là điểm tự chấm. Một chỉ tiêu "
                      "sai → 422, không lưu gì. Kỳ đã khóa, hồ sơ đã nộp, quá hạn → 409 như "
                      "với đơn vị. Nhật ký ghi tên hệ thống và thời điểm số liệu.",
          responses={200: ("Các giá trị vừa nhận", "MeasuredResult"),
                     409: ("Kỳ đã khóa, hồ sơ đã nộp / đã công bố, hoặc quá hạn", "Error"),
                     422: ("Mọi lỗi, theo mã chỉ tiêu", "Error")})
def put_measured(scheme_code, period_code, unit_code):
    scheme, period = scheme_and_period(scheme_code, period_code)
    unit = unit_or_404(unit_code, period)
    if unit.type not in scheme.unit_types:
        raise ApiError(404, f"Bộ chỉ số {scheme.code} không đánh giá đơn vị «{unit.code}».")
    items = _body_map("values")
    rows = {r.code: r for r in svc.visible_rows(scheme, period)}
    assessment = svc.get_assessment(scheme, period, unit)
    _refuse_blocked(assessment, period, [c for c in items if c in rows])
    ready, errors = [], {}
    for code, item in items.items():
        row = rows.get(code)
        if row is None:
            errors[code] = {"_": _unknown(scheme, code)}
            continue
        try:
            ready.append((row, *_checked(row, item, current_user.system_name)))
        except svc.RowErrors as exc:
            errors[code] = exc.errors
    if errors:
        raise ApiError(422, f"Dữ liệu không hợp lệ ở {len(errors)} chỉ tiêu; chưa lưu gì.",
                       errors=errors)
    assessment = assessment or svc.get_assessment(scheme, period, unit, create=True)
    answers = svc.answers_by_code(assessment)
    written = [measured.write(assessment, answers.get(row.code), row, values, as_of,
                              current_user) for row, values, as_of in ready]
    try:
        db.session.flush()
        db.session.expire_all()  # read back as stored (the database rounds numbers)
        body = {"scheme": scheme.code, "period": period.code, "unit": unit.code,
                "measured": [_written_json(rows[a.code], a) for a in written]}
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise ApiError(409, "Chỉ tiêu vừa được ghi bởi một yêu cầu khác; gửi lại. "
                            "Chưa lưu gì.") from None
    return jsonify(body)


def _checked(row: Row, item, system_name: str):
    """(values to store, as_of) of one item, or RowErrors naming every problem."""
    refusal = measured.system_refusal(row, system_name)
    if refusal:
        raise svc.RowErrors({"_": refusal})
    if not isinstance(item, dict):
        raise svc.RowErrors({"_": "Mỗi chỉ tiêu phải là {\"value\": số, \"as_of\": "
                                  "\"2026-11-30\"}."})
    problems = {name: f"Trường «{name}» không có (dùng: {', '.join(FIELDS)})."
                for name in sorted(set(item) - set(FIELDS))}
    as_of = None
    try:
        as_of = measured.parse_as_of(item.get("as_of"))
    except ValueError as exc:
        problems["as_of"] = f"{str(exc)[:1].upper()}{str(exc)[1:]}."
    # The web form's checks and bounds, on the value fields alone (row_form's other fields, the
    # unit's own, were refused above).
    form, typed = row_form(row, {k: v for k, v in item.items() if k in VALUE_FIELDS})
    problems.update(typed)
    if problems:
        raise svc.RowErrors(problems)
    return svc.parse_row(row, form), as_of


def _written_json(row: Row, answer) -> dict:
    value = answer.text if row.input == "text" else number(answer.value)
    if row.input == "boolean" and answer.value is not None:
        value = bool(answer.value)
    received = _measured_json(answer)
    return {"code": row.code, "source": row.measured_source, "value": value,
            "numerator": number(answer.numerator), "denominator": number(answer.denominator),
            "as_of": received["as_of"], "received_at": received["received_at"],
            "version": answer.version}
