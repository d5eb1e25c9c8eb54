"""Building the downloaded files (an assessment's workbook, a period's ranking and score
sheet as .xlsx or .csv): the web pages and the API serve the same ones."""
from __future__ import annotations

from flask import Response, current_app

from app import workbooks
from app.services import assessments as svc
from app.services import rankings as ranks
from app.storage import content_disposition


def registry():
    return current_app.extensions["chiso"]


def assessment_file(scheme, period, unit, assessment, writer, template: bool = False) -> bytes:
    """The assessment's workbook with the rows ``writer`` fills (None: every row)."""
    state = assessment.state_label if assessment else "Chưa bắt đầu"
    heading = workbooks.Heading(scheme, period.code, period.label, unit.code, unit.name,
                              f"trạng thái hồ sơ: {state.lower()}")
    leaves = svc.visible_rows(scheme, period, writer)
    answers = svc.answers_by_code(assessment)
    if not template:
        # The file shows the unit's score of each row: typed, else what the method gives the
        # value. The import template leaves an untyped score empty, so that a re-imported file
        # never stores a proposal as a score the unit typed.
        own = ranks.unit_totals(registry(), scheme, period, assessment).leaves
        answers = {code: UnitScored(a, own[code].unit_score if code in own else a.self_score)
                   for code, a in answers.items()}
    return workbooks.assessment_workbook(heading, leaves, answers,
                                       template=template, unit_type=unit.type)


class UnitScored:
    """An answer read for a file, its ``self_score`` being the unit's score (typed or proposed)."""

    def __init__(self, answer, unit_score):
        self._answer, self.self_score = answer, unit_score

    def __getattr__(self, name):
        return getattr(self._answer, name)


def assessment_name(scheme, period, unit, template: bool = False) -> str:
    prefix = "mau-nhap" if template else "ho-so"
    return f"{prefix}_{scheme.code}_{period.code}_{unit.code}.xlsx"


def download(data, filename: str, content_type: str) -> Response:
    return Response(data, headers={"Content-Type": content_type,
                                   "Content-Disposition": content_disposition(filename, False),
                                   "Cache-Control": "no-store"})


def table_ranking(scheme, period, table: str):
    """The ranking a downloaded ``table`` needs (the API's too): the score sheet lists every
    indicator's score; the ranking only totals (added up by the database) and the change
    since the previous period."""
    sheet = table == "scoresheet"
    return ranks.ranking(registry(), scheme, period, history=not sheet, leaves=sheet)


# The period's two tables: the start of the downloaded file's name, then how the table is built
# as a workbook and as CSV.
RANKING_FILES = {
    "ranking": ("xep-hang", workbooks.ranking_workbook, workbooks.ranking_csv),
    "scoresheet": ("bang-diem", workbooks.scoresheet_workbook, workbooks.scoresheet_csv),
}


def ranking_download(ranking, table: str, extension: str) -> Response:
    """The ranking or score sheet (``table``) as an .xlsx or .csv download (the API's too)."""
    prefix, workbook, csv = RANKING_FILES[table]
    filename = f"{prefix}_{ranking.scheme.code}_{ranking.period.code}.{extension}"
    if extension == "csv":
        return download(csv(ranking).encode("utf-8"), filename, workbooks.CSV_TYPE)
    return download(workbook(ranking), filename, workbooks.XLSX_TYPE)
