"""Bulk import of users from an Excel (.xlsx) or CSV file: read, check, create.

``parse`` only reads the file (no database); ``validate`` applies the rules every entry point
shares (``services.users.check_new_user``) plus the file's own (required cells, duplicates);
``create_users`` adds the users to the session, all or none: the caller commits once.
"""
from __future__ import annotations

import csv
import io
import re
import secrets
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime

from openpyxl import Workbook, load_workbook
from openpyxl.utils.exceptions import InvalidFileException

from app.models import Province, Unit
from app.models.user import ROLE_LABELS
from app.services.typed_text import without_bidi
from app.services.users import UserError, check_new_user, create_user
from app.storage import ArchiveRefused, check_workbook
from app.xlsx_cells import append

MAX_ROWS = 1000  # each user costs one Argon2 hash (~0.1 s): a bigger file would time out
MAX_COLUMNS = 30
IMPORT_ROLES = ("province_admin", "appraiser", "unit_user", "viewer")  # never superadmin
LABELS = {  # column key → the header the template prints and messages name
    "email": "Thư điện tử",
    "full_name": "Họ và tên",
    "role": "Vai trò",
    "unit": "Mã đơn vị",
    "password": "Mật khẩu",
}
REQUIRED_COLUMNS = ("email", "full_name", "role")
EXTENSIONS = ("xlsx", "csv")
_ALIASES = {
    "email": ("thu dien tu", "email", "e mail"),
    "full_name": ("ho va ten", "ho ten", "full name", "name"),
    "role": ("vai tro", "role"),
    "unit": ("ma don vi", "don vi", "unit", "unit code"),
    "password": ("mat khau", "password"),
}
_PASSWORD_ALPHABET = "abcdefghjkmnpqrstuvwxyz23456789"  # no 0/o, 1/l/i to misread on paper


class ImportFileError(ValueError):
    """The file as a whole cannot be read: wrong type, empty, header without required columns."""


def fold(text: str) -> str:
    """Compare headers and role names the way a person would: no case, diacritics or signs."""
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    return " ".join(re.findall(r"[a-z0-9]+", text))


_COLUMN_BY_ALIAS = {alias: key for key, aliases in _ALIASES.items() for alias in aliases}
_ROLE_BY_NAME = {fold(name): code for code in IMPORT_ROLES for name in (code, ROLE_LABELS[code])}


@dataclass
class ImportRow:
    line: int  # the row number Excel shows (the header is row 1)
    email: str = ""
    full_name: str = ""
    role_text: str = ""  # the cell as written
    role: str = ""  # its role code, "" when not recognised
    unit_code: str = ""
    password: str = ""
    generated: bool = False  # the password was made here, to be handed out once
    unit_name: str = ""
    problems: list[tuple[str, str]] = field(default_factory=list)  # (column key, message)

    def fail(self, column: str, message: str) -> None:
        self.problems.append((column, message))

    @property
    def errors(self) -> list[str]:
        return [f"Dòng {self.line}, cột {LABELS.get(column, column)}: "
                f"{message[:1].lower()}{message[1:]}" for column, message in self.problems]

    @property
    def bad_columns(self) -> set[str]:
        return {column for column, _ in self.problems}


@dataclass
class Sheet:
    rows: list[ImportRow]
    ignored_columns: list[str] = field(default_factory=list)

    @property
    def error_rows(self) -> list[ImportRow]:
        return [row for row in self.rows if row.problems]

    @property
    def ready(self) -> bool:
        """Every row can be created: the import is all or nothing."""
        return bool(self.rows) and not self.error_rows


# ---- reading ---------------------------------------------------------------------------------

def extension(filename: str) -> str:
    return filename.rsplit(".", 1)[-1].lower() if "." in filename else ""


def parse(filename: str, data: bytes) -> Sheet:
    """The file's rows as ``ImportRow``s; ``ImportFileError`` when the file cannot be used."""
    lines = [(number, cells) for number, cells in enumerate(read_cells(filename, data), start=1)
             if any(cells)]
    if not lines:
        raise ImportFileError(f"Tệp «{filename}» không có dữ liệu.")
    columns, ignored = _map_header(lines[0][1])
    rows = [_row(number, cells, columns) for number, cells in lines[1:]]
    if not rows:
        raise ImportFileError(f"Tệp «{filename}» chỉ có dòng tiêu đề, chưa có người dùng nào.")
    if len(rows) > MAX_ROWS:
        raise ImportFileError(f"Tệp có {len(rows)} người dùng; mỗi lần nhập tối đa {MAX_ROWS}. "
                              "Hãy chia thành nhiều tệp.")
    return Sheet(rows, ignored)


def read_cells(filename: str, data: bytes) -> list[list[str]]:
    ext = extension(filename)
    if ext == "xls":
        raise ImportFileError("Tệp .xls (Excel 97–2003) chưa được hỗ trợ: trong Excel hãy chọn "
                              "Lưu thành, kiểu «Sổ làm việc Excel (.xlsx)».")
    if ext not in EXTENSIONS:
        raise ImportFileError(f"Tệp «{filename}» không phải tệp Excel (.xlsx) hoặc CSV.")
    if not data:
        raise ImportFileError(f"Tệp «{filename}» rỗng.")
    return _xlsx_cells(filename, data) if ext == "xlsx" else _csv_cells(filename, data)


def _xlsx_cells(filename: str, data: bytes) -> list[list[str]]:
    try:
        check_workbook(data)  # before openpyxl unpacks it: a 200 KB file can hold 200 MB
    except ArchiveRefused as exc:
        raise ImportFileError(f"Tệp «{filename}»: {exc}") from None
    try:
        book = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        raise ImportFileError(f"Không đọc được tệp «{filename}»: tệp hỏng hoặc không phải "
                              "tệp Excel .xlsx.") from None
    try:
        # The first sheet, not the active one: the template's second sheet is a guide.
        sheet = book.worksheets[0]
        lines = []
        for values in sheet.iter_rows(values_only=True, max_col=MAX_COLUMNS):
            lines.append([cell_text(value) for value in values])
            if len(lines) > MAX_ROWS * 3:  # blank formatted rows can run to a million
                break
        return lines
    finally:
        book.close()


def _csv_cells(filename: str, data: bytes) -> list[list[str]]:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise ImportFileError(f"Tệp «{filename}» không dùng mã UTF-8: trong Excel hãy chọn Lưu "
                              "thành, kiểu «CSV UTF-8 (Comma delimited)».") from None
    first_line = next((line for line in text.splitlines() if line.strip()), "")
    # Excel set to Vietnamese (decimal comma) writes ";" between cells.
    delimiter = ";" if first_line.count(";") > first_line.count(",") else ","
    return [[cell_text(cell) for cell in cells[:MAX_COLUMNS]]
            for cells in csv.reader(io.StringIO(text), delimiter=delimiter)]


def cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)  # Excel stores 04250 typed as a number as 4250.0
    if isinstance(value, datetime | date):
        value = value.isoformat()
    return without_bidi(unicodedata.normalize("NFC", str(value))).strip()


def _map_header(header: list[str]) -> tuple[dict[str, int], list[str]]:
    columns: dict[str, int] = {}
    ignored = []
    for index, title in enumerate(header):
        key = _COLUMN_BY_ALIAS.get(fold(title))
        if key is None:
            if title:
                ignored.append(title)
        elif key in columns:
            raise ImportFileError(f"Dòng tiêu đề có hai cột «{LABELS[key]}»; hãy giữ một.")
        else:
            columns[key] = index
    missing = [LABELS[key] for key in REQUIRED_COLUMNS if key not in columns]
    if missing:
        raise ImportFileError(
            f"Dòng tiêu đề (dòng đầu tiên) thiếu cột: {', '.join(missing)}. Tệp cần các cột "
            f"{', '.join(LABELS.values())} (Mã đơn vị và Mật khẩu có thể để trống); "
            "hãy dùng tệp mẫu.")
    return columns, ignored


def _row(number: int, cells: list[str], columns: dict[str, int]) -> ImportRow:
    def cell(key):
        index = columns.get(key)
        return cells[index] if index is not None and index < len(cells) else ""
    role_text = cell("role")
    return ImportRow(line=number, email=cell("email").lower(), full_name=cell("full_name"),
                     role_text=role_text, role=_ROLE_BY_NAME.get(fold(role_text), ""),
                     unit_code=unit_code(cell("unit")), password=cell("password"))


def unit_code(text: str) -> str:
    # Excel drops the leading zero of a commune code typed as a number (04250 → 4250);
    # GSO codes have 2, 3 or 5 digits, so four digits can only be such a commune code.
    return text.zfill(5) if text.isdigit() and len(text) == 4 else text


# ---- checking and creating -------------------------------------------------------------------

def validate(sheet: Sheet, province: Province) -> Sheet:
    """Record every row's problems on the row; rows without a password get a generated one."""
    first_line_of: dict[str, int] = {}
    for row in sheet.rows:
        _check_cells(row)
        if row.email in first_line_of:
            row.fail("email", f"«{row.email}» trùng với dòng {first_line_of[row.email]} "
                              "trong tệp.")
        elif row.email:
            first_line_of[row.email] = row.line
        if row.email and row.role:
            _check_rules(row, province)
    return sheet


def _check_cells(row: ImportRow) -> None:
    for key in REQUIRED_COLUMNS:
        if not getattr(row, "role_text" if key == "role" else key):
            row.fail(key, "ô này bắt buộc, đang để trống.")
    if row.role_text and not row.role:
        names = ", ".join(ROLE_LABELS[code] for code in IMPORT_ROLES)
        row.fail("role", f"không có vai trò «{row.role_text}»; dùng một trong: {names}.")
    for key in ("email", "full_name"):
        if len(getattr(row, key)) > 200:
            row.fail(key, "dài quá 200 ký tự.")
    if row.unit_code and row.role and row.role != "unit_user":
        row.fail("unit", f"chỉ cán bộ đơn vị mới gắn với đơn vị; với vai trò "
                         f"{ROLE_LABELS[row.role]} hãy để trống ô này.")


def _check_rules(row: ImportRow, province: Province) -> None:
    if not row.password:
        row.password, row.generated = new_password(), True
    try:
        unit = check_new_user(row.email, row.role, province, row.unit_code or None, row.password)
    except UserError as exc:
        message = str(exc)
        if exc.field == "unit" and row.unit_code.isdigit() and len(row.unit_code) < 5:
            message += (" Nếu mã bắt đầu bằng số 0, hãy định dạng cột Mã đơn vị là Văn bản "
                        "(Text) trong Excel.")
        row.fail(exc.field, message)
    else:
        row.unit_name = unit.name if unit else ""


def new_password() -> str:
    """12 random characters in three groups, easy to read out: about 59 bits."""
    chars = "".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(12))
    return "-".join(chars[i:i + 4] for i in range(0, 12, 4))


def create_users(sheet: Sheet, province: Province) -> list[ImportRow]:
    """Add every row's user to the session; the caller commits (one transaction)."""
    if not sheet.ready:
        raise ValueError("sheet has rows with errors")
    for row in sheet.rows:
        create_user(row.email, row.role, province, row.unit_code or None, row.password,
                    row.full_name)
    return sheet.rows


# ---- files for the admin ---------------------------------------------------------------------

def template_workbook(units: list[Unit]) -> bytes:
    """The import template: header, one example row, and a guide sheet listing roles and units."""
    book = Workbook()
    sheet = book.active
    sheet.title = "Người dùng"
    append(sheet, list(LABELS.values()))
    example = next((u for u in units if u.type in ("xa", "phuong", "thi_tran")),
                   units[0] if units else None)
    append(sheet, ["nguyenvana@example.vn", "Nguyễn Văn A", ROLE_LABELS["unit_user"],
                  example.code if example else "", ""])
    for column, width in zip("ABCDE", (34, 28, 20, 14, 18)):
        sheet.column_dimensions[column].width = width
    for cell in sheet["D"]:
        cell.number_format = "@"  # text, so Excel keeps the leading zero of commune codes
    sheet.column_dimensions["D"].number_format = "@"

    guide = book.create_sheet("Hướng dẫn")
    for line in (
        ["Mỗi người một dòng ở trang «Người dùng»; xóa dòng ví dụ trước khi tải lên."],
        ["Mã đơn vị bắt buộc với Cán bộ đơn vị, để trống với các vai trò khác."],
        ["Mật khẩu để trống: hệ thống tự tạo và hiện một lần sau khi nhập."],
        [],
        ["Vai trò", "Mã vai trò"],
        *[[ROLE_LABELS[code], code] for code in IMPORT_ROLES],
        [],
        ["Mã đơn vị", "Tên đơn vị"],
        *[[u.code, u.name] for u in units],
    ):
        append(guide, line)
    guide.column_dimensions["A"].width = 22
    guide.column_dimensions["B"].width = 40
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def passwords_csv(accounts: list[tuple[str, str, str, str]]) -> str:
    """(email, full name, unit, password) lines as CSV, with a BOM so Excel reads the accents."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Thư điện tử", "Họ và tên", "Đơn vị", "Mật khẩu"])
    for account in accounts:
        writer.writerow([_no_formula(value) for value in account])
    return "\ufeff" + out.getvalue()


def _no_formula(value: str) -> str:
    # A cell starting with = + - @ would run as a formula when the CSV is opened in Excel.
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value
