"""Import of an assessment's values from its Excel workbook: read, check, preview, apply.

``read`` only reads the file (no database). ``plan`` checks it against one assessment as the
web form would: each row goes through ``app.services.assessments.parse_row``, on top of the
row's stored fields so that what the file does not carry (reasons, evidence notes) is kept; the
result says row by row what is new, changed, unchanged or wrong, naming the line and column.
``apply`` stores a plan without errors in one transaction, each changed field in the audit
trail as the form records it: every row or none.
"""
from __future__ import annotations

import hashlib
import io
import unicodedata
import zipfile
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal

from openpyxl import load_workbook
from openpyxl.utils.exceptions import InvalidFileException
from sqlalchemy.orm.exc import StaleDataError

from app.catalogue.model import Row, Scheme
from app.extensions import db
from app.models import Answer, Assessment, Period, Unit
from app.services import assessments as svc
from app.services import audit
from app.services.measured import person_refusal
from app.services.numbers import parse_number
from app.services.user_import import fold
from app.storage import ArchiveRefused, check_workbook
from app.workbooks.assessment_format import (COLUMN_HEADINGS, EDITABLE, HEADER_ROW,
                                             IDENTITY_KEYS, IDENTITY_KIND, IDENTITY_SHEET,
                                             NOT_ASSESSED, assessment_columns, cell_text,
                                             heading_of, read_identity)

MAX_LINES = 2000  # a scheme has a few hundred rows at most; blank formatted rows can run on
MAX_COLUMNS = 40
STORED_FIELDS = ("value", "numerator", "denominator", "text", "self_score", "not_assessed",
                 "not_assessed_reason", "explanation", "no_evidence_reason")
FIELD_LABELS = {"value": "Giá trị", "text": "Giá trị", "numerator": "Tử số",
                "denominator": "Mẫu số", "self_score": "Điểm tự chấm",
                "not_assessed": "Không đánh giá", "not_assessed_reason": "Lý do không đánh giá",
                "explanation": "Giải trình", "no_evidence_reason": "Lý do không có tài liệu"}
# parse_row's field → the column of the file where the official typed it
FIELD_COLUMNS = {"value": "value", "text": "value", "not_assessed_reason": "value",
                 "numerator": "numerator", "denominator": "denominator",
                 "self_score": "self_score", "explanation": "explanation"}
YES_WORDS = {"co", "dat", "1", "x", "true"}
NO_WORDS = {"khong", "chua dat", "0", "false"}
NOT_TEMPLATE = ("Tệp «{}» không phải tệp Excel của hồ sơ đánh giá xuất từ hệ thống (thiếu trang "
                "ẩn «chiso» ghi bộ chỉ số, kỳ và đơn vị). Hãy tải «Tệp mẫu nhập số liệu» ở trang "
                "này, điền vào đó rồi tải lên.")


class ImportFileError(ValueError):
    """The file as a whole cannot be used: not .xlsx, damaged, not one of our workbooks."""


class ImportConflict(RuntimeError):
    """Someone saved one of the rows while the import was being stored: nothing was stored."""


@dataclass
class Cell:
    raw: object  # as written: a constant, or a formula "=…"
    cached: object = None  # a formula's value as Excel last computed it (None: never computed)

    @property
    def formula(self) -> bool:
        return isinstance(self.raw, str) and self.raw.startswith("=")

    @property
    def typed(self) -> bool:
        """A constant someone wrote (not blank, not a formula)."""
        return self.raw is not None and not self.formula and str(self.raw).strip() != ""


@dataclass
class Upload:
    filename: str
    identity: dict[str, str]
    columns: dict[str, int]  # column key → index in the sheet's lines
    lines: list[tuple[int, dict[str, Cell]]]  # (line number as Excel shows it, cells by key)


@dataclass
class Problem:
    place: str  # "Dòng 12, cột Điểm tự chấm", "Trang ẩn «chiso», ô B4"
    message: str
    line: int | None = None  # the sheet's line, where the problem is in one

    @property
    def text(self) -> str:
        return f"{self.place}: {self.message}"


@dataclass
class LineResult:
    line: int
    code: str
    row: Row | None
    status: str  # "new", "changed", "unchanged" or "error"
    diff: dict[str, tuple] = field(default_factory=dict)  # field → (stored, from the file)
    problems: list[Problem] = field(default_factory=list)

    def changes(self) -> list[tuple[str, str, str]]:
        """(field label, before, after) as an official reads them."""
        boolean = self.row is not None and self.row.input == "boolean"
        return [(FIELD_LABELS[name], shown(old, boolean and name == "value"),
                 shown(new, boolean and name == "value")) for name, (old, new) in self.diff.items()]


@dataclass
class Plan:
    results: list[LineResult] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)  # of the file, then of every line
    blocked: str | None = None  # the assessment cannot be edited now (submitted, locked, …)

    def count(self, status: str) -> int:
        return sum(1 for result in self.results if result.status == status)

    @property
    def to_store(self) -> list[LineResult]:
        return [r for r in self.results if r.status in ("new", "changed")]

    @property
    def ready(self) -> bool:
        """Something to store and nothing wrong: the import is all or nothing."""
        return not self.problems and not self.blocked and bool(self.to_store)

    @property
    def digest(self) -> str:
        """A fingerprint of the changes, so that confirming stores what the preview showed."""
        items = sorted((r.code, name, audit._text(old), audit._text(new))
                       for r in self.to_store for name, (old, new) in r.diff.items())
        return hashlib.sha256(repr(items).encode()).hexdigest()[:32]


# -- reading --------------------------------------------------------------------------------
def read(filename: str, data: bytes) -> Upload:
    """The workbook's identity and lines; ``ImportFileError`` when it cannot be one of ours."""
    extension = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if extension == "xls":
        raise ImportFileError("Tệp .xls (Excel 97–2003) chưa được hỗ trợ: trong Excel hãy chọn "
                              "Lưu thành, kiểu «Sổ làm việc Excel (.xlsx)».")
    if extension != "xlsx":
        raise ImportFileError(f"Tệp «{filename}» không phải tệp Excel (.xlsx).")
    if not data:
        raise ImportFileError(f"Tệp «{filename}» rỗng.")
    try:
        identity, written, computed = _read_sheets(filename, data)
    except ImportFileError:
        raise
    except Exception:  # noqa: BLE001 - a damaged file fails inside openpyxl in many ways, some
        # only while its rows are read (zlib.error, an XML ParseError…): all mean "cannot read"
        raise ImportFileError(DAMAGED.format(filename)) from None
    columns = _columns(written[HEADER_ROW - 1] if len(written) >= HEADER_ROW else ())
    lines = []
    for index in range(HEADER_ROW, len(written)):
        cells = {key: Cell(_at(written[index], i), _at(computed[index], i))
                 for key, i in columns.items()}
        lines.append((index + 1, cells))
    return Upload(filename, identity, columns, lines)


DAMAGED = ("Không đọc được tệp «{}»: tệp hỏng hoặc không phải tệp Excel .xlsx.")


def _read_sheets(filename: str, data: bytes) -> tuple[dict[str, str], list[tuple], list[tuple]]:
    """The identity, then the lines of the first sheet as written and as last computed."""
    formulas = _open(filename, data, False)
    try:
        values = _open(filename, data, True)
        try:
            if IDENTITY_SHEET not in formulas.sheetnames:
                raise ImportFileError(NOT_TEMPLATE.format(filename))
            identity = read_identity(formulas[IDENTITY_SHEET])
            if identity.get("kind") != IDENTITY_KIND:
                raise ImportFileError(NOT_TEMPLATE.format(filename))
            return (identity, _sheet_lines(formulas.worksheets[0]),
                    _sheet_lines(values.worksheets[0]))
        finally:
            values.close()
    finally:
        formulas.close()


def _open(filename: str, data: bytes, data_only: bool):
    try:
        check_workbook(data)  # before openpyxl unpacks it: a 200 KB file can hold 200 MB
    except ArchiveRefused as exc:
        raise ImportFileError(f"Tệp «{filename}»: {exc}") from None
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=data_only)
    except (zipfile.BadZipFile, InvalidFileException, KeyError, OSError, ValueError):
        raise ImportFileError(DAMAGED.format(filename)) from None


def _sheet_lines(sheet) -> list[tuple]:
    return list(sheet.iter_rows(values_only=True, max_row=MAX_LINES, max_col=MAX_COLUMNS))


def _at(line: tuple, index: int):
    return line[index] if index < len(line) else None


def _columns(header: tuple) -> dict[str, int]:
    by_heading = {fold(text): key for key, text in COLUMN_HEADINGS.items()}
    by_heading[fold("Chỉ tiêu")] = "title"
    columns: dict[str, int] = {}
    for index, text in enumerate(header):
        key = by_heading.get(fold(cell_text(text)))
        if key is not None and key not in columns:
            columns[key] = index
    return columns


# -- checking -------------------------------------------------------------------------------
def plan(upload: Upload, scheme: Scheme, period: Period, unit: Unit,
         assessment: Assessment | None, leaves: list[Row], today: date,
         proposed: dict | None = None) -> Plan:
    """What importing the file into this assessment would do, row by row. ``proposed``: code →
    the score the method gives a row whose score the unit did not type, as the exported file
    showed it in «Điểm tự chấm»; a cell still holding it is not a score the unit typed."""
    result = Plan(problems=_identity_problems(upload.identity, scheme, period, unit))
    if result.problems:
        return result  # the rows are another assessment's: reading them would only mislead
    missing = [heading_of(key, scheme) for key in assessment_columns(scheme, leaves)
               if (key in EDITABLE or key == "code") and key not in upload.columns]
    if missing:
        result.problems.append(Problem(f"Dòng {HEADER_ROW} (dòng tiêu đề)", (
            f"thiếu cột {', '.join(f'«{m}»' for m in missing)}. Đừng đổi tên hay xóa cột; hãy "
            "dùng tệp mẫu của hồ sơ này.")))
        return result
    blocked = svc.edit_block(assessment, period, today)
    if blocked and (assessment is None or assessment.state != "returned"):
        result.blocked = blocked
    visible = {row.code: row for row in leaves}
    answers = svc.answers_by_code(assessment)
    first_line: dict[str, int] = {}
    for line, cells in upload.lines:
        code = cell_text(cells["code"].raw)
        checked = _check_line(scheme, visible, answers, line, code, cells, first_line,
                              (proposed or {}).get(code))
        if checked is None:
            continue
        if checked.diff and not checked.problems and assessment is not None \
                and assessment.state == "returned":
            reason = svc.edit_block(assessment, period, today, code)
            if reason:
                checked.problems.append(_at_line(line, "code", scheme, reason))
        if checked.problems:
            checked.status = "error"
            result.problems += checked.problems
        result.results.append(checked)
    return result


def _identity_problems(identity: dict[str, str], scheme: Scheme, period: Period,
                       unit: Unit) -> list[Problem]:
    expected = {
        "scheme": (scheme.code, f"tệp là của bộ chỉ số «{identity.get('scheme')}», không phải "
                                f"bộ chỉ số {scheme.code} của hồ sơ này"),
        "version": (str(scheme.version), f"tệp theo phiên bản {identity.get('version')} của bộ "
                                         f"chỉ số, hiện hành là phiên bản {scheme.version}: hãy "
                                         "tải tệp mẫu mới"),
        "period": (period.code, f"tệp là của kỳ «{identity.get('period')}», không phải kỳ "
                                f"{period.code} ({period.label}) đang nhập"),
        "unit": (unit.code, f"tệp là của đơn vị «{identity.get('unit')}», không phải "
                            f"{unit.name} (mã {unit.code})"),
    }
    problems = []
    for line, (key, _label) in enumerate(IDENTITY_KEYS, start=1):
        if key in expected and identity.get(key) != expected[key][0]:
            problems.append(Problem(f"Trang ẩn «{IDENTITY_SHEET}», ô B{line}",
                                    expected[key][1] + "."))
            if key == "scheme":
                break  # version, period and unit of another scheme say nothing more
    return problems


def _check_line(scheme, visible, answers, line, code, cells, first_line,
                proposed=None) -> LineResult | None:
    """One line of the sheet; None for lines that carry no indicator (totals, blank)."""
    editable = [key for key in EDITABLE if key in cells]
    if not code:
        if any(cells[key].typed for key in editable):
            return LineResult(line, "", None, "error", problems=[_at_line(
                line, "code", scheme, "dòng có số liệu nhưng thiếu mã chỉ tiêu.")])
        return None
    if code in first_line:
        return LineResult(line, code, None, "error", problems=[_at_line(
            line, "code", scheme, f"mã «{code}» trùng với dòng {first_line[code]}.")])
    first_line[code] = line
    row = scheme.by_code.get(code)
    if row is not None and not row.is_leaf:
        typed = [key for key in editable if cells[key].typed]
        if not typed:
            return None
        return LineResult(line, code, row, "error", problems=[_at_line(
            line, typed[0], scheme, f"«{code}» là chỉ số tổng hợp, tính từ các chỉ tiêu "
                                    "con: hãy nhập ở các chỉ tiêu con.")])
    if row is None:
        return LineResult(line, code, None, "error", problems=[_at_line(
            line, "code", scheme, f"không có chỉ tiêu «{code}» trong bộ chỉ số {scheme.code}.")])
    checked = _check_leaf(scheme, row, answers.get(code), line, cells, proposed)
    if row.measured_source and (checked.diff or checked.problems):
        return LineResult(line, code, row, "error", problems=[_at_line(
            line, "code", scheme, person_refusal(row))])
    if code in visible:
        return checked
    if not checked.diff and not checked.problems:
        return None  # another writer's row (or another period's), left as it is: nothing to do
    return LineResult(line, code, row, "error", problems=[_at_line(
        line, "code", scheme, f"chỉ tiêu {code} không thuộc kỳ này hoặc không do đơn vị của "
                              "bạn nhập.")])


def _check_leaf(scheme: Scheme, row: Row, answer: Answer | None, line: int,
                cells: dict[str, Cell], proposed=None) -> LineResult:
    result = LineResult(line, row.code, row, "unchanged")
    form = stored_form(answer)
    for key in EDITABLE:
        if key not in cells:
            continue
        text, problem = _cell_text(row, key, cells[key])
        problem = problem or _put(form, row, key, text)
        if problem:
            result.problems.append(_at_line(line, key, scheme, problem))
    if result.problems:
        return result
    if proposed is not None and getattr(answer, "self_score", None) is None \
            and _same_number(form.get("self_score"), proposed):
        form["self_score"] = ""  # the exported proposal, untouched: still worked out from the value
    try:
        values = svc.parse_row(row, form)
    except svc.RowErrors as exc:
        result.problems = [_at_line(line, FIELD_COLUMNS.get(name, "code"), scheme,
                                    _form_message(name, message))
                           for name, message in exc.errors.items()]
        return result
    result.diff = svc.changes_of(answer, values)
    if result.diff:
        result.status = "new" if answer is None else "changed"
    return result


def _same_number(text, number) -> bool:
    try:
        return parse_number(text) == number
    except ValueError:
        return False


def stored_form(answer: Answer | None) -> dict[str, str]:
    """The row's stored fields as the web form would post them."""
    form = {name: form_text(getattr(answer, name, None)) for name in STORED_FIELDS}
    form["not_assessed"] = "1" if answer is not None and answer.not_assessed else ""
    return form


def _cell_text(row: Row, key: str, cell: Cell) -> tuple[str, str | None]:
    """(the cell as typed text, a problem); a formula counts by its computed value."""
    if not cell.formula:
        return form_text(cell.raw), None
    if key == "value" and row.input == "fraction":
        return "", None  # the sheet's own percentage, computed from numerator and denominator
    if cell.cached is None:
        return "", (f"ô chứa công thức chưa được tính ({cell.raw}): mở tệp bằng Excel, lưu lại "
                    "rồi tải lên, hoặc ghi thẳng con số.")
    return form_text(cell.cached), None


def _put(form: dict[str, str], row: Row, key: str, text: str) -> str | None:
    """Write one cell into the form; a problem the form itself would not see, or None."""
    if key != "value":
        if key in ("numerator", "denominator") and row.input != "fraction" and text:
            return "chỉ dùng cho chỉ tiêu nhập dạng tỷ lệ (tử số / mẫu số)."
        form[key] = text
        return None
    not_assessed = fold(text) == fold(NOT_ASSESSED)
    form["not_assessed"] = "1" if not_assessed else ""
    if not_assessed:
        if not row.not_assessable:
            return f"chỉ tiêu {row.code} không được chọn «{NOT_ASSESSED}»."
        form.update(value="", text="", numerator="", denominator="")
        return None
    if not text:  # an emptied cell clears what it carries (a fraction's cells are beside it)
        if row.input == "text":
            form["text"] = ""
        elif row.input not in ("fraction", "score"):
            form["value"] = ""
        return None
    if row.input == "fraction":
        return ("chỉ tiêu nhập dạng tỷ lệ: ghi Tử số và Mẫu số, Giá trị (%) tự tính; hoặc ghi "
                f"«{NOT_ASSESSED}».")
    if row.input == "score":
        return (f"chỉ tiêu {row.code} chấm theo tài liệu kiểm chứng: ghi điểm ở cột Điểm tự "
                f"chấm; cột Giá trị chỉ nhận «{NOT_ASSESSED}».")
    if row.input == "boolean":
        word = fold(text)
        if word not in YES_WORDS | NO_WORDS:
            return f"«{text}» không phải «Có» hoặc «Không»."
        form["value"] = "1" if word in YES_WORDS else "0"
    elif row.input == "text":
        form["text"] = text
    else:
        form["value"] = text
    return None


def _form_message(name: str, message: str) -> str:
    if name == "not_assessed_reason":
        return (f"«{NOT_ASSESSED}» cần lý do: chọn «{NOT_ASSESSED}» và ghi lý do trên biểu mẫu "
                "nhập liệu, hoặc ghi giá trị cho chỉ tiêu này.")
    head, sep, rest = message.partition(": ")
    if sep and "«" not in head:  # "Điểm tự chấm: «abc» không phải là số." names the column
        message = rest
    return message[:1].lower() + message[1:]


def _at_line(line: int, key: str, scheme: Scheme, message: str) -> Problem:
    return Problem(f"Dòng {line}, cột {heading_of(key, scheme)}", message, line)


def form_text(value) -> str:
    """A cell or stored value as an official types it in the form: 12,5 · 1 · Có."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, (int, float, Decimal)):
        text = format(Decimal(str(value)).normalize(), "f")
        return text.replace(".", ",")  # parse_number reads "1.234" as 1234, "1,234" as 1.234
    if isinstance(value, (datetime, date, time)):
        return value.isoformat()
    return unicodedata.normalize("NFC", str(value)).strip()


def shown(value, yes_no: bool = False) -> str:
    """A stored value for the preview: «trống», «có», 12,5."""
    if value is None or value == "":
        return "trống"
    if isinstance(value, bool):
        return "có" if value else "không"
    if yes_no:
        return "Có" if value else "Không"
    if isinstance(value, Decimal):
        return form_text(value)
    return str(value)


# -- storing --------------------------------------------------------------------------------
def apply(result: Plan, scheme: Scheme, period: Period, unit: Unit,
          assessment: Assessment | None, user, reason: str) -> int:
    """Store every new and changed row in one transaction; the number of rows stored."""
    if not result.ready:
        raise ValueError("the plan has problems or nothing to store")
    assessment = assessment or svc.get_assessment(scheme, period, unit, create=True)
    answers = svc.answers_by_code(assessment)
    for line in result.to_store:
        svc.apply_changes(assessment, answers.get(line.code), line.code, line.diff, user, reason)
    try:
        db.session.commit()
    except StaleDataError:
        db.session.rollback()
        raise ImportConflict("Người khác vừa lưu một trong các chỉ tiêu này; chưa lưu gì. Hãy "
                             "tải tệp lên lại để xem những gì thay đổi.") from None
    return len(result.to_store)
