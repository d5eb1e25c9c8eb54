"""The assessment workbook's format, shared by its writer (app.workbooks.assessment) and its
reader (app.services.value_import): the sheet's layout (title rows, header row, column keys and
headings, which cells a unit fills) and the hidden sheet «chiso» that names the scheme, its
version, the period and the unit, so that a file made for another assessment is refused."""
from __future__ import annotations

import unicodedata

from openpyxl.worksheet.worksheet import Worksheet

from app.catalogue.model import Row, Scheme
from app.workbooks.layout import FIRST_ROW, HEADER_ROW  # noqa: F401 (part of the format)
from app.xlsx_cells import append

ASSESSMENT_SHEET = "Hồ sơ đánh giá"

# The hidden sheet identifying an assessment's workbook: (key, label) on rows 1…5, value in B.
IDENTITY_SHEET = "chiso"
IDENTITY_KIND = "chiso: giá trị hồ sơ đánh giá, mẫu 1"
IDENTITY_KEYS = (("kind", "Loại tệp"), ("scheme", "Mã bộ chỉ số"),
                 ("version", "Phiên bản bộ chỉ số"), ("period", "Mã kỳ"), ("unit", "Mã đơn vị"))

NOT_ASSESSED = "Không đánh giá"

COLUMN_HEADINGS = {
    "code": "Mã",
    "title": "Chỉ số",
    "measure": "Đơn vị tính",
    "threshold": "Chỉ tiêu của đơn vị",
    "max": "Điểm tối đa",
    "value": "Giá trị",
    "numerator": "Tử số",
    "denominator": "Mẫu số",
    "self_score": "Điểm tự chấm",
    "appraised": "Điểm thẩm định",
    "comment": "Nhận xét thẩm định",
    "explanation": "Giải trình",
}
EDITABLE = ("value", "numerator", "denominator", "self_score", "explanation")


def assessment_columns(scheme: Scheme, leaves: list[Row]) -> list[str]:
    """The column keys of an assessment's sheet: only those the scheme's rows use."""
    points = scheme.kind == "points"
    keys = ["code", "title"]
    if any(row.measure for row in leaves):
        keys.append("measure")
    if scheme.kind == "target":
        keys.append("threshold")
    if points:
        keys.append("max")
    if any(row.input != "score" or row.not_assessable for row in leaves):
        keys.append("value")
    if any(row.input == "fraction" for row in leaves):
        keys += ["numerator", "denominator"]
    if points:
        keys += ["self_score", "appraised", "comment"]
    keys.append("explanation")
    return keys


def heading_of(key: str, scheme: Scheme) -> str:
    if key == "title" and scheme.kind != "points":
        return "Chỉ tiêu"  # the decision's own word where rows carry no points
    return COLUMN_HEADINGS[key]


def is_editable(key: str, row: Row) -> bool:
    """Whether a template lets the unit fill this cell of a leaf row."""
    if key == "value":  # a fraction's value is a formula; «Không đánh giá» may replace it
        return row.input not in ("score", "fraction") or row.not_assessable
    if key in ("numerator", "denominator"):
        return row.input == "fraction"
    if key == "self_score":
        return row.max_points is not None
    return key == "explanation"


def write_identity(book, scheme: Scheme, period_code: str, unit_code: str | None) -> None:
    """Add the hidden sheet «chiso» to an assessment's workbook."""
    sheet = book.create_sheet(IDENTITY_SHEET)
    values = {"kind": IDENTITY_KIND, "scheme": scheme.code, "version": scheme.version,
              "period": period_code, "unit": unit_code}
    for key, label in IDENTITY_KEYS:
        append(sheet, [label, values[key]])
    sheet.sheet_state = "hidden"


def read_identity(sheet: Worksheet) -> dict[str, str]:
    """What the hidden sheet «chiso» says, key → text ("" where a cell is empty)."""
    found = {}
    for (key, _label), line in zip(IDENTITY_KEYS, sheet.iter_rows(values_only=True, max_col=2)):
        found[key] = cell_text(line[1] if len(line) > 1 else None)
    return found


def cell_text(value) -> str:
    """A cell's value as text, the way Excel shows it: 12.0 → "12", composed Unicode, trimmed."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFC", str(value)).strip()
