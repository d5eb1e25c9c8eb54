"""The scheme workbook's vocabulary, shared by its writer (excel.py) and its reader
(excel_reader.py): sheet names, the header fields, the row columns and the labels officials read
in place of the keys. What one writes the other reads back, so both take it from here.
"""
from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from app.catalogue.model import KINDS, PILLARS, UNIT_TYPES
from app.periods import TYPE_LABELS

ROWS_SHEET = "Chỉ số"
HEADER_SHEET = "Thông tin chung"
GUIDE_SHEET = "Hướng dẫn"

# Labels of the values a cell may hold; the reader accepts the label or the key itself.
KIND_LABELS = {
    "points": "Chấm điểm",
    "target": "Chỉ tiêu đạt / chưa đạt",
    "monitor": "Theo dõi, không chấm điểm",
}
assert set(KIND_LABELS) == set(KINDS)
INPUT_LABELS = {
    "score": "Điểm tự chấm",
    "boolean": "Có / không",
    "percent": "Tỷ lệ %",
    "number": "Số",
    "amount": "Số tiền (đồng)",
    "text": "Văn bản",
    "fraction": "Tử số / mẫu số",
}
LEVEL_LABELS = {"basic": "Cơ bản", "advanced": "Nâng cao"}
TARGET_OP_LABELS = {">=": "Đạt khi từ ngưỡng trở lên (≥)", "<=": "Đạt khi không vượt ngưỡng (≤)"}
YES, NO = "Có", "Không"
YES_WORDS = {"có", "co", "x", "true", "yes", "1"}
NO_WORDS = {"không", "khong", "false", "no", "0"}
PERIOD_LABELS = TYPE_LABELS
TARGETS_PREFIX = "Chỉ tiêu:"  # a threshold column: "Chỉ tiêu: Phường / Thị trấn"


@dataclass(frozen=True)
class Column:
    key: str       # the TOML key of the row (targets columns: "targets")
    heading: str   # what the official reads above it
    width: int
    note: str      # what goes in it (the guide sheet and docs/catalogue-format.md)


# Every column the rows sheet may carry, in the order it is written. ``max_points`` is written
# only for schemes with points, the target columns only where there are thresholds or levels;
# the reader finds each by its heading (or its key), wherever it stands.
COLUMNS = [
    Column("code", "STT/Mã", 10, "mã dòng như văn bản in: 1, 1.2, 1.2.1, CB.1.2"),
    Column("title", "Chỉ số", 60, "tên chỉ số như văn bản in (bộ chỉ tiêu: cột «Chỉ tiêu»)"),
    Column("max_points", "Điểm tối đa", 11,
           "số điểm; dòng cha là tổng các dòng con (công thức =SUM), dòng cuối là tổng cộng"),
    Column("method", "Cách chấm", 22, "tên cách chấm (xem danh sách); để trống: cách chấm mặc định"),
    Column("period", "Kỳ", 9, "Tháng, Quý, 6 tháng, Năm; để trống: kỳ mặc định"),
    Column("measure", "Đơn vị tính", 12, "như văn bản in: %, Hệ thống, …"),
    Column("lead", "Cơ quan chủ trì", 28, "như văn bản in"),
    Column("coordinating", "Cơ quan phối hợp", 36, "các cơ quan, cách nhau bởi dấu «;»"),
    Column("targets", TARGETS_PREFIX, 18,
           "ngưỡng của loại đơn vị ghi sau dấu «:» (số, hoặc lời khi ngưỡng không là số)"),
    Column("target_op", "So với ngưỡng", 18, "≥ (mặc định) hoặc ≤"),
    Column("level", "Mức", 10, "Cơ bản hoặc Nâng cao"),
    Column("raised_from", "Nâng từ chỉ tiêu", 12, "mã chỉ tiêu cơ bản mà chỉ tiêu nâng cao này nâng"),
    Column("explanation", "Giải thích", 60, "lời giải thích của văn bản"),
    Column("pillar", "Trụ cột", 20,
           "trụ cột chung, ghi ở chỉ số chính (dòng con để trống thì theo dòng cha)"),
    Column("evidence_required", "Cần tài liệu kiểm chứng", 12, "Có, hoặc để trống"),
    Column("not_assessable", "Cho phép «không đánh giá»", 12, "Có, hoặc để trống"),
    Column("measured", "Đo tự động từ hệ thống", 20,
           "tên hệ thống đo tự động (ví dụ Cổng dịch vụ công); để trống: đơn vị tự khai"),
    Column("input", "Kiểu nhập", 14, "để trống: theo cách chấm"),
    Column("parent", "Mã dòng cha", 10, "chỉ khi dòng cha không suy ra được từ mã (1.2 → 1)"),
    Column("lead_unit", "Mã đơn vị nhập số liệu", 16, "mã đơn vị có người dùng nhập giá trị"),
    Column("method_note", "Ghi chú cách chấm", 40, "vì sao chọn cách chấm này"),
    Column("source_title", "Tên như văn bản in (nếu đã sửa lỗi)", 40,
           "chỉ khi cột «Chỉ số» đã sửa lỗi chính tả của văn bản"),
]
COLUMN_BY_KEY = {column.key: column for column in COLUMNS}


@dataclass(frozen=True)
class HeaderField:
    key: str
    label: str


# The header sheet: one line per field (label | value | key). Decision fields beyond these
# (``source.<key>``) and amendments (``amended_by.<n>.<key>``) are written as they come.
HEADER_FIELDS = [
    HeaderField("code", "Mã bộ chỉ số"),
    HeaderField("title", "Tên bộ chỉ số"),
    HeaderField("family", "Họ bộ chỉ số (giữ nguyên qua các phiên bản)"),
    HeaderField("version", "Phiên bản"),
    HeaderField("first_year", "Áp dụng từ năm"),
    HeaderField("last_year", "Áp dụng đến năm (để trống: đến khi có phiên bản sau)"),
    HeaderField("kind", "Loại bộ chỉ số"),
    HeaderField("unit_types", "Loại đơn vị được đánh giá"),
    HeaderField("max_points", "Tổng điểm tối đa"),
    HeaderField("method", "Cách chấm mặc định của các dòng"),
    HeaderField("period", "Kỳ báo cáo mặc định của các dòng"),
    HeaderField("source.number", "Số văn bản"),
    HeaderField("source.date", "Ngày ban hành"),
    HeaderField("source.issuer", "Cơ quan ban hành"),
    HeaderField("source.table", "Bảng, phụ lục của văn bản"),
    HeaderField("source.document", "Tệp văn bản gốc"),
    HeaderField("communes.min_share", "Tỷ lệ tối thiểu số xã mỗi huyện tham gia (%)"),
    HeaderField("communes.report_day", "Hạn báo cáo tháng của xã (ngày trong tháng)"),
    HeaderField("communes.district_report_day",
                "Hạn báo cáo tổng hợp của huyện (ngày trong tháng)"),
]
HEADER_LABELS = {field.key: field.label for field in HEADER_FIELDS}
AMENDMENT_LABELS = {"number": "số", "date": "ngày", "issuer": "cơ quan ban hành", "note": "ghi chú"}


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the workbook, where it is: ``sheet`` ("" for the file as a whole),
    ``row`` the line of the sheet as Excel numbers it, ``column`` its letter (``heading``, what
    the column is called above it)."""
    sheet: str
    row: int | None
    column: str | None
    message: str
    heading: str | None = None

    def __str__(self) -> str:
        if not self.sheet:
            return f"Tệp Excel: {self.message}"
        where = [f"Trang «{self.sheet}»"]
        if self.row is not None:
            where.append(f"dòng {self.row}")
        if self.column is not None:
            where.append(f"cột {self.column}" + (f" ({self.heading})" if self.heading else ""))
        return f"{', '.join(where)}: {self.message}"


def header_label(key: str) -> str:
    """The label of a header key, those written as they come included."""
    if key in HEADER_LABELS:
        return HEADER_LABELS[key]
    parts = key.split(".")
    if parts[0] == "amended_by":
        what = AMENDMENT_LABELS.get(parts[2], parts[2]) if len(parts) > 2 else "số"
        return f"Văn bản đính chính {parts[1]}: {what}"
    return f"Văn bản: {parts[-1]}"


def fold(text: str) -> str:
    """Text compared without case, accents or extra spaces: «Năm» matches «nam», «NĂM »."""
    text = unicodedata.normalize("NFD", " ".join(str(text).split()).casefold())
    return "".join(c for c in text if unicodedata.category(c) != "Mn").replace("đ", "d")


def lookup(labels: dict[str, str], text: str) -> str | None:
    """The key whose label or own name is ``text`` (compared folded); None when none is."""
    wanted = fold(text)
    for key, label in labels.items():
        if wanted in (fold(key), fold(label)):
            return key
    return None


def value_lists(method_labels: dict[str, str]) -> list[tuple[str, dict[str, str]]]:
    """(what, {key: label}) for each list of allowed values (the guide sheet, the problems)."""
    return [
        ("Cách chấm", method_labels), ("Kỳ", dict(PERIOD_LABELS)), ("Trụ cột", dict(PILLARS)),
        ("Loại đơn vị", dict(UNIT_TYPES)), ("Loại bộ chỉ số", KIND_LABELS),
        ("Kiểu nhập", INPUT_LABELS), ("Mức", LEVEL_LABELS), ("So với ngưỡng", TARGET_OP_LABELS),
    ]
