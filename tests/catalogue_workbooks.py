"""Scheme workbooks for the import's tests: the catalogue download, edited as an official would."""
from __future__ import annotations

import io
from pathlib import Path

from openpyxl import load_workbook


def exported(app, tmp_path, code: str) -> Path:
    """The scheme's workbook as `catalogue export` writes it (the web download's bytes)."""
    path = tmp_path / f"{code}.xlsx"
    result = app.test_cli_runner().invoke(args=["catalogue", "export", code, str(path)])
    assert result.exit_code == 0, result.output
    return path


def edited(path, header: dict, rows: dict | None = None) -> bytes:
    """The workbook (a path or a file) with header fields (by key) and row cells ({(row code, column heading):
    value}) changed, as an official edits it in Excel."""
    book = load_workbook(path)
    sheet = book["Thông tin chung"]
    lines = {line[2].value: line for line in sheet.iter_rows(max_col=3) if line[2].value}
    for key, value in header.items():
        lines[key][1].value = value
    table = book["Chỉ số"]
    headings = {cell.value: cell.column for cell in table[3] if cell.value}
    at = {table.cell(line, 1).value: line for line in range(4, table.max_row + 1)}
    for (code, heading), value in (rows or {}).items():
        table.cell(at[code], headings[heading]).value = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def line_of(path: Path, code: str) -> int:
    table = load_workbook(path)["Chỉ số"]
    return next(n for n in range(4, table.max_row + 1) if table.cell(n, 1).value == code)
