"""Excel and CSV files of one assessment, of a period's score sheet and of its ranking.

Pure builders (openpyxl and csv; no Flask, no queries): catalogue rows, answers and rankings in,
bytes or text out. The workbooks read like the decision's table: Vietnamese headings, numbers
stored as numbers, every parent's points a =SUM of its children's cells and every percentage a
formula, so an official who corrects a cell sees the totals follow. Each sheet has its title
rows (scheme, period, unit), a frozen header repeated on every printed page, and prints on A4
landscape one page wide.

An assessment's workbook carries a hidden sheet «chiso» naming the scheme, its version, the
period and the unit (its format: ``assessment_format``, which ``app.services.value_import`` reads
too, to refuse a file made for another assessment).
"""
from app.workbooks.assessment import assessment_workbook, rows_with_parents
from app.workbooks.layout import CSV_TYPE, XLSX_TYPE, Heading, number
from app.workbooks.rankings import (ranking_csv, ranking_heading, ranking_workbook,
                                    scoresheet_csv, scoresheet_workbook)

__all__ = ["CSV_TYPE", "XLSX_TYPE", "Heading", "assessment_workbook", "number", "ranking_csv",
           "ranking_heading", "ranking_workbook", "rows_with_parents", "scoresheet_csv",
           "scoresheet_workbook"]
