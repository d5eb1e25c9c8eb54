"""JSON in and out: numbers stay numbers, and a JSON row becomes the strings the web form
would post, so that ``app.services.assessments.parse_row`` checks API and form input alike."""
from __future__ import annotations

from decimal import Decimal

from app.catalogue.model import Row

VALUE_FIELDS = ("value", "numerator", "denominator", "self_score", "not_assessed",
                "not_assessed_reason", "explanation", "no_evidence_reason", "version")
TEXT_FIELDS = {"not_assessed_reason": "Lý do không đánh giá", "explanation": "Giải trình",
               "no_evidence_reason": "Lý do không có tài liệu"}


def number(value: Decimal | None):
    """A Decimal as a JSON number: 20, 18.125 (never a string)."""
    if value is None:
        return None
    value = Decimal(value)
    return int(value) if value == value.to_integral_value() else float(value)


def percent(value: Decimal | None):
    return None if value is None else float(Decimal(value).quantize(Decimal("0.01")))


def is_number(value) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def form_number(value) -> str:
    """A JSON number as a Vietnamese-typed one: parse_number reads "1.234" as 1234, "1,234" not."""
    return format(Decimal(str(value)), "f").replace(".", ",")


def row_form(row: Row, item) -> tuple[dict[str, str], dict[str, str]]:
    """(form fields, problems by field) for one indicator's JSON object."""
    if not isinstance(item, dict):
        return {}, {"_": "Mỗi chỉ tiêu phải là một đối tượng JSON, ví dụ {\"value\": 1}."}
    form: dict[str, str] = {}
    errors: dict[str, str] = {}
    for name in sorted(set(item) - set(VALUE_FIELDS)):
        errors[name] = f"Trường «{name}» không có (dùng: {', '.join(VALUE_FIELDS)})."
    _value(row, item, form, errors)
    _numbers(row, item, form, errors)
    flag = item.get("not_assessed", False)
    if not isinstance(flag, bool):
        errors["not_assessed"] = "not_assessed phải là true hoặc false."
    elif flag and not row.not_assessable:
        errors["not_assessed"] = f"Chỉ tiêu {row.code} không được chọn «không đánh giá»."
    form["not_assessed"] = "1" if flag is True else ""
    for name, label in TEXT_FIELDS.items():
        text = item.get(name)
        if text is not None and not isinstance(text, str):
            errors[name] = f"{label} phải là chuỗi văn bản."
        form[name] = text if isinstance(text, str) else ""
    version = item.get("version")
    if version is not None and (not isinstance(version, int) or isinstance(version, bool)):
        errors["version"] = "version phải là số nguyên (phiên bản đã đọc)."
    return form, errors


def _value(row: Row, item: dict, form: dict, errors: dict) -> None:
    value = item.get("value")
    if row.input == "fraction":
        if value is not None:
            errors["value"] = (f"Chỉ tiêu {row.code} nhập dạng phân số: gửi numerator (tử số) "
                               "và denominator (mẫu số) thay cho value.")
    elif row.input == "boolean":
        if value is None:
            form["value"] = ""
        elif value in (True, False, 0, 1) and not isinstance(value, float):
            form["value"] = "1" if value else "0"
        else:
            errors["value"] = "Giá trị phải là true (có) hoặc false (không)."
    elif row.input == "text":
        if value is not None and not isinstance(value, str):
            errors["value"] = "Giá trị phải là chuỗi văn bản."
        form["text"] = value or ""
    elif value is not None and not is_number(value):
        errors["value"] = "Giá trị phải là số (kiểu number của JSON, không đặt trong ngoặc kép)."
    else:
        form["value"] = form_number(value) if value is not None else ""


def _numbers(row: Row, item: dict, form: dict, errors: dict) -> None:
    labels = {"numerator": "Tử số", "denominator": "Mẫu số", "self_score": "Điểm tự chấm"}
    for name, label in labels.items():
        value = item.get(name)
        if value is None:
            form[name] = ""
        elif not is_number(value):
            errors[name] = f"{label} phải là số (kiểu number của JSON)."
        elif name != "self_score" and row.input != "fraction":
            errors[name] = f"{label} chỉ dùng cho chỉ tiêu nhập dạng phân số."
        elif name == "self_score" and row.max_points is None:
            errors[name] = f"Chỉ tiêu {row.code} không chấm điểm: không có điểm tự chấm."
        else:
            form[name] = form_number(value)
