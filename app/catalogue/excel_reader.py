"""Reading a scheme workbook (the catalogue download, edited) back into a scheme. No Flask.

The upload is checked before openpyxl opens it (size, zip bomb), then both sheets are read into
the TOML form of a scheme, which is written out with tomli_w and validated by THE loader
(``parse_scheme``): an imported scheme is held to exactly the rules of a plugin's file, and its
``content`` is that TOML. Every problem names its sheet, line and column in Vietnamese: all the
cells that cannot be read are reported at once; then the loader's first refusal, carried back
from the row code it names to the line of the sheet that holds it.
"""
from __future__ import annotations

import io
import re
import warnings
from collections.abc import Mapping

import tomli_w
from openpyxl import load_workbook
from openpyxl.utils import get_column_letter

from app.catalogue.excel_reader_header import HeaderLine, read_header
from app.catalogue.excel_reader_rows import read_rows
from app.catalogue.loader import CatalogueError, parse_scheme
from app.catalogue.model import Scheme
from app.catalogue.workbook_format import HEADER_SHEET, ROWS_SHEET, Problem, fold
from app.scoring.methods import ScoringMethod
from app.storage import ArchiveRefused, check_workbook

MAX_BYTES = 5 * 2**20  # a real scheme workbook is under 100 KB
MAX_SHEETS = 20


class WorkbookRefused(CatalogueError):
    """The workbook cannot become a scheme: ``problems`` says every place why."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(problem) for problem in self.problems))


def read_workbook(data: bytes, plugin: str, methods: Mapping[str, ScoringMethod],
                  filename: str = "bo-chi-so.xlsx") -> Scheme:
    """The scheme the workbook describes, validated by the catalogue loader; WorkbookRefused
    with every problem found otherwise. ``methods``: the scoring methods its rows may name (the
    registry's), whose labels the sheet shows."""
    return read_workbook_placed(data, plugin, methods, filename)[0]


def read_workbook_placed(data: bytes, plugin: str, methods: Mapping[str, ScoringMethod],
                         filename: str = "bo-chi-so.xlsx") -> tuple[Scheme, dict[str, int]]:
    """read_workbook's scheme, with the line of the header sheet each key was read from: the
    import's own checks (is the code free…) place their problems there without opening the
    file again."""
    formulas, cached = _open(data)
    problems: list[Problem] = []
    method_labels = {name: method.label for name, method in methods.items()}
    header = read_header(_sheet(formulas, HEADER_SHEET, problems), method_labels, problems)
    rows = read_rows(_sheet(formulas, ROWS_SHEET, problems),
                     _sheet(cached, ROWS_SHEET, []), method_labels, problems)
    if problems or header is None or rows is None:
        raise WorkbookRefused(problems)
    content = tomli_w.dumps({"scheme": header.data, "row": rows.data}).encode("utf-8")
    try:
        scheme = parse_scheme(content, _toml_name(filename), plugin, methods)
    except CatalogueError as exc:
        raise WorkbookRefused([_placed(exc, header.lines, rows)]) from None
    scheme.origin = "imported"  # its owner, the importing province, is the store's to set
    return scheme, {key: line.number for key, line in header.lines.items()}


def _open(data: bytes):
    """The workbook twice: with its formulas (a parent's =SUM is worked out as Excel would)
    and with the values Excel saved (for a formula outside what we work out)."""
    def refuse(message):
        return WorkbookRefused([Problem("", None, None, message)])
    if not data:
        raise refuse("tệp rỗng.")
    if len(data) > MAX_BYTES:
        raise refuse(f"tệp nặng {len(data) / 2**20:.1f} MB, quá giới hạn "
                     f"{MAX_BYTES // 2**20} MB của một bảng chỉ số.")
    try:
        check_workbook(data)  # before openpyxl unpacks it: a 200 KB file can hold 200 MB
    except ArchiveRefused as exc:
        raise refuse(str(exc)) from None
    books = []
    for data_only in (False, True):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")  # openpyxl warns of extensions it drops
                books.append(load_workbook(io.BytesIO(data), data_only=data_only))
        except Exception:  # noqa: BLE001 - a damaged file fails in openpyxl in many ways
            # (BadZipFile, zlib.error, an XML ParseError, KeyError…): all mean "cannot read"
            raise refuse("không đọc được tệp: tệp hỏng hoặc không phải tệp Excel .xlsx "
                         "(trong Excel hãy chọn Lưu thành, kiểu «Sổ làm việc Excel (.xlsx)»).") \
                from None
    if len(books[0].sheetnames) > MAX_SHEETS:
        raise refuse(f"tệp có {len(books[0].sheetnames)} trang, nhiều hơn {MAX_SHEETS}.")
    return books


def _sheet(book, name: str, problems: list[Problem]):
    found = next((book[title] for title in book.sheetnames if fold(title) == fold(name)), None)
    if found is None:
        problems.append(Problem("", None, None,
                                f"không có trang «{name}» (tệp tải về ở trang bộ chỉ số có "
                                f"trang «{ROWS_SHEET}» và trang «{HEADER_SHEET}»)."))
    return found


def _toml_name(filename: str) -> str:
    """The uploaded file's name, made safe to print: the scheme's ``path``."""
    stem = re.sub(r"[^\w.-]", "_", filename.rsplit("/", 1)[-1])[:80] or "bo-chi-so"
    return stem.rsplit(".", 1)[0] + ".xlsx"


def _placed(exc: CatalogueError, header_lines: dict[str, HeaderLine], rows) -> Problem:
    """The loader's refusal at the line of the sheet it concerns: a row code's line (the
    second of a repeated code), the line of a header field."""
    message = exc.detail[:1].upper() + exc.detail[1:]
    if exc.code is None:
        key = exc.key or ""
        line = header_lines.get(key) or next(
            (v for k, v in header_lines.items() if k.startswith(key + ".")), None) if key else None
        if line is None:
            sheet = ROWS_SHEET if not key else HEADER_SHEET
            return Problem(sheet, None, None, message)
        return Problem(HEADER_SHEET, line.number, "B", message, line.label)
    lines = rows.lines_of.get(exc.code) or []
    line = (lines[-1] if exc.key == "code" else lines[0]) if lines else None
    column = rows.columns.get(exc.key or "")
    if column is None:
        return Problem(ROWS_SHEET, line, None, f"Mã «{exc.code}»: {exc.detail}")
    return Problem(ROWS_SHEET, line, get_column_letter(column.index), message, column.heading)


__all__ = ["MAX_BYTES", "Problem", "WorkbookRefused", "read_workbook", "read_workbook_placed"]
