"""Scores follow the answers, and one scorer: a proposal is worked out from the value each time
(never stored as the unit's own score), and a plugin's scoring method counts on every path."""
from __future__ import annotations

import dataclasses
import re
from datetime import datetime
from decimal import Decimal as D

import pytest
from sqlalchemy import insert, select

from app import create_app, hookimpl, tenancy
from app.extensions import db
from app.models import Answer, Assessment, AuditEvent, Period, Unit
from app.plugins import PluginInfo
from app.scoring.methods import ScoringMethod
from app.services import rankings
from tests.conftest import _config, demo, login, province_id
from tests.test_api import token

FORM = "/assessments/dienbien-so-2022/2022/dienbien.so-tttt"
REVIEW = "/appraisal/dienbien-so-2022/2022/dienbien.so-tttt"
HX = {"HX-Request": "true"}


def save(client, code, **fields):
    return client.post(f"{FORM}/rows/{code}", data={f"{code}__{k}": v for k, v in fields.items()},
                       headers=HX)


def score_box(html: str, code: str) -> str:
    """What the browser sends back from the row's «Điểm tự chấm» box after this response."""
    found = re.search(rf'name="{re.escape(code)}__self_score" value="([^"]*)"', html)
    return found.group(1) if found else ""


def answer(app, code):
    with app.app_context(), tenancy.scoped(province_id(app, "dienbien")):
        return db.session.scalar(select(Answer).where(Answer.code == code))


def test_yes_then_no_gives_zero_points_without_touching_the_score_box(app, as_user):
    client = as_user("unit_user", "dienbien")
    first = save(client, "1.1", value="1").get_data(as_text=True)
    assert "10 / 50 điểm" in first and score_box(first, "1.1") == ""  # proposed, not typed
    second = save(client, "1.1", value="0", self_score=score_box(first, "1.1"), version="1")
    html = second.get_data(as_text=True)
    assert second.status_code == 200
    assert "0 / 50 điểm" in html and "0 / 500" in html
    assert answer(app, "1.1").self_score is None


def test_a_changed_fraction_rescores_the_row(app, as_user):
    client = as_user("unit_user", "dienbien")
    first = save(client, "3.1", numerator="45", denominator="50").get_data(as_text=True)
    assert "Điểm theo cách chấm: <strong>18</strong>" in first
    second = save(client, "3.1", numerator="45", denominator="100",
                  self_score=score_box(first, "3.1"), version="1").get_data(as_text=True)
    assert "Điểm theo cách chấm: <strong>9</strong>" in second
    assert "9 / 500" in second  # 45% of 20 points, not the 18 of 90%
    assert answer(app, "3.1").self_score is None


def test_a_typed_score_stays_and_the_row_says_when_the_value_moved_away(app, as_user):
    client = as_user("unit_user", "dienbien")
    save(client, "1.1", value="1", self_score="10")
    html = save(client, "1.1", value="0", self_score="10", version="1").get_data(as_text=True)
    assert answer(app, "1.1").self_score == 10  # the unit's own figure is kept
    assert "Điểm tự chấm 10 khác điểm theo giá trị hiện tại (0)" in html


def test_the_appraiser_agrees_with_the_current_proposal(app):
    with app.app_context(), tenancy.scoped(province_id(app, "dienbien")):
        period = db.session.scalar(select(Period).where(Period.scheme_code == "dienbien-so-2022"))
        unit = db.session.scalar(select(Unit).where(Unit.code == "dienbien.so-tttt"))
        assessment = Assessment(scheme_code="dienbien-so-2022", scheme_version=1,
                                period_id=period.id, unit_id=unit.id, state="submitted",
                                submitted_at=datetime(2022, 12, 1))
        db.session.add(assessment)
        db.session.flush()
        db.session.add(Answer(assessment=assessment, code="3.1", numerator=45, denominator=100))
        db.session.commit()
    appraiser = app.test_client()
    login(appraiser, demo("appraiser", "dienbien"))
    html = appraiser.get(f"{REVIEW}/3.1").get_data(as_text=True)
    assert "Đồng ý (9 điểm)" in html
    agreed = appraiser.post(f"{REVIEW}/3.1", data={"agree": "1"}, headers=HX)
    assert agreed.status_code == 200
    assert answer(app, "3.1").appraised_score == 9
    admin = app.test_client()
    login(admin, demo("province_admin", "dienbien"))
    summary = admin.get(FORM).get_data(as_text=True)
    assert "Tổng điểm tự chấm</span><b>9 / 500</b>" in summary
    assert "Tổng điểm thẩm định</span><b>9 / 500</b>" in summary  # appraisal has started


# -- a plugin's own method counts everywhere ---------------------------------------------------
def _half_ratio(row, entry, context):
    value = entry.measured()
    return None if value is None else value / 200 * row.max_points


class MethodPlugin:
    """A plugin that only adds a scoring method (no SQL form: rankings score it in Python)."""

    @hookimpl
    def chiso_plugin(self):
        return PluginInfo(code="thumethod", province="Tỉnh Thử", official_code="97", version="0.1")

    @hookimpl
    def chiso_scoring_methods(self):
        return [ScoringMethod("half_ratio", "Nửa tỷ lệ (thử)", "fraction", _half_ratio)]


@pytest.fixture
def method_app(database_url, tmp_path):
    app = create_app({**_config(database_url, tmp_path), "EXTRA_PLUGINS": [MethodPlugin()]})
    scheme = app.extensions["chiso"].schemes["dienbien-so-2022"]  # no relative rows
    scheme.by_code["3.1"].method = "half_ratio"  # this app's copy of the catalogue only
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def _mark_appraised(app, scheme_code="dienbien-so-2022", province="dienbien"):
    """Only appraised work is ranked: the council agrees with the unit's scores as they stand."""
    with app.app_context(), tenancy.scoped(province_id(app, province)):
        for found in db.session.scalars(select(Assessment).where(
                Assessment.scheme_code == scheme_code)):
            found.state = "appraised"
        db.session.commit()


def test_a_plugin_method_counts_in_the_form_the_api_and_the_ranking(method_app):
    app = method_app
    client = app.test_client()
    login(client, demo("unit_user", "dienbien"))
    save(client, "1.1", value="1")
    html = save(client, "3.1", numerator="45", denominator="50").get_data(as_text=True)
    # The plugin method's label is in the row's details (it compares with no group: the
    # summary leaves it out), one click away.
    details = client.get(f"{FORM}/rows/3.1", headers=HX).get_data(as_text=True)
    assert "Cách chấm: <strong>Nửa tỷ lệ (thử)</strong>" in details
    assert "9 / 50 điểm" in html and "19 / 500" in html  # 10 + 90% / 2 × 20 = 10 + 9
    shown = app.test_client().get(
        "/api/v1/assessments/dienbien-so-2022/2022/dienbien.so-tttt",
        headers={"Authorization": f"Bearer {token(app, 'province_admin')}"}).get_json()
    assert shown["total"] == 19
    assert {i["code"]: i["score_source"] for i in shown["indicators"]}["3.1"] == "computed"
    registry = app.extensions["chiso"]
    _mark_appraised(app)
    with app.app_context(), tenancy.scoped(province_id(app, "dienbien")):
        period = db.session.scalar(select(Period).where(Period.scheme_code == "dienbien-so-2022"))
        result = rankings.ranking(registry, registry.schemes["dienbien-so-2022"], period,
                                  history=False, leaves=False)
        place = next(p for g in result.groups for p in g.places
                     if p.unit.code == "dienbien.so-tttt")
        assert place.totals.total == 19


def test_a_method_without_sql_ranks_in_python_with_the_same_numbers(app, as_user):
    client = as_user("unit_user", "dienbien")
    save(client, "1.1", value="1")
    save(client, "3.1", numerator="45", denominator="50")
    _mark_appraised(app)
    registry = app.extensions["chiso"]
    scheme = registry.schemes["dienbien-so-2022"]
    with app.app_context(), tenancy.scoped(province_id(app, "dienbien")):
        period = db.session.scalar(select(Period).where(Period.scheme_code == scheme.code))
        in_sql = rankings.ranking(registry, scheme, period, history=False, leaves=False)
        registry.scoring_methods["ratio"] = dataclasses.replace(
            registry.scoring_methods["ratio"], sql=None)  # as a plugin method without SQL
        in_python = rankings.ranking(registry, scheme, period, history=False, leaves=False)
    totals = [(p.unit.code, p.totals.total, p.rank) for g in in_sql.groups for p in g.places]
    assert in_sql.groups[0].places[0].totals.leaves is None  # the database added up
    assert in_python.groups[0].places[0].totals.leaves is not None  # Python scored leaf by leaf
    assert totals == [(p.unit.code, p.totals.total, p.rank)
                      for g in in_python.groups for p in g.places]
    assert ("dienbien.so-tttt", 28, 1) in totals  # 10 + 18


def test_demo_data_types_no_score_a_method_gives(app):
    """The demo's units type a score only where a person judges: Thành phố Điện Biên Phủ's
    «Không» on 1.1 is worth 0 points, not a typed 2,95."""
    from app.scoring import propose
    from app.services.assessments import to_entry
    assert app.test_cli_runner().invoke(args=["demo"]).exit_code == 0
    registry = app.extensions["chiso"]
    with app.app_context(), tenancy.unscoped():
        found = db.session.execute(
            select(Answer, Assessment.scheme_code, Unit.type)
            .join(Assessment, Answer.assessment_id == Assessment.id)
            .join(Unit, Assessment.unit_id == Unit.id)
            .where(Answer.self_score.is_not(None))).all()
        typed_over_a_proposal = [
            (scheme_code, answer.code) for answer, scheme_code, unit_type in found
            if propose(registry.schemes[scheme_code].by_code[answer.code], to_entry(answer),
                       registry.scoring_methods, unit_type=unit_type) is not None]
    assert found and typed_over_a_proposal == []


# -- the repair of stored self-scores (migration h12a_01) --------------------------------------
def _saved(assessment, user_id, at, code, **fields) -> list[dict]:
    """An answer's fields as the old form's save audited them, all at one moment."""
    return [{"action": "answer.save", "assessment_id": assessment.id, "code": code,
             "field": name, "new": new, "user_id": user_id, "at": at,
             "province_id": assessment.province_id} for name, new in fields.items()]


def test_the_migration_clears_untyped_self_scores_and_keeps_typed_ones(app):
    from flask_migrate import downgrade, upgrade

    from app.models import AuditEvent, User
    with app.app_context():
        downgrade(revision="5c1e7a0b9d23")
        with tenancy.scoped(province_id(app, "dienbien")):
            period = db.session.scalar(select(Period).where(
                Period.scheme_code == "dienbien-so-2022"))
            unit = db.session.scalar(select(Unit).where(Unit.code == "dienbien.so-tttt"))
            user = db.session.scalar(select(User).where(User.email == demo("unit_user",
                                                                           "dienbien")))
            found = Assessment(scheme_code="dienbien-so-2022", scheme_version=1,
                               period_id=period.id, unit_id=unit.id, state="draft")
            db.session.add(found)
            db.session.flush()
            t0, t1 = datetime(2022, 11, 1, 8), datetime(2022, 11, 1, 9)

            def answer(code, **fields):
                return {"assessment_id": found.id, "code": code, "version": 1,
                        "not_assessed": False, "province_id": found.province_id, "value": None,
                        "numerator": None, "denominator": None, "self_score": None, **fields}
            # Rows of the tables as they were then: a model of today names columns added since.
            db.session.execute(insert(Answer.__table__), [
                # «Có» with an empty box (10 proposed and stored), later «Không» (kept 10)
                answer("1.1", value=0, self_score=10),
                # 45/50 with an empty box (18 stored), later 45/100
                answer("3.1", numerator=45, denominator=100, self_score=18),
                # typed by the unit: a score of its own with the value, and a score alone
                answer("1.3", value=1, self_score=7),
                answer("1.2", self_score=D("12.5")),
            ])
            db.session.execute(insert(AuditEvent.__table__), [
                *_saved(found, user.id, t0, "1.1", value="1", self_score="10"),
                *_saved(found, user.id, t1, "1.1", value="0"),
                *_saved(found, user.id, t0, "3.1", numerator="45", denominator="50",
                        self_score="18"),
                *_saved(found, user.id, t1, "3.1", denominator="100"),
                *_saved(found, user.id, t0, "1.3", value="1", self_score="7"),
                *_saved(found, user.id, t0, "1.2", self_score="12.5"),
            ])
            db.session.commit()
        upgrade()
        with tenancy.scoped(province_id(app, "dienbien")):
            scores = dict(db.session.execute(select(Answer.code, Answer.self_score)).all())
            repairs = db.session.scalars(select(AuditEvent.code).where(
                AuditEvent.action == "answer.repair")).all()
        assert scores == {"1.1": None, "3.1": None, "1.3": 7, "1.2": D("12.5")}
        assert sorted(repairs) == ["1.1", "3.1"]
        # the reads' transaction ends first: on PostgreSQL a downgrade that alters a table the
        # session read (audit_event) waits for it, on another connection, forever
        db.session.rollback()
        downgrade(revision="5c1e7a0b9d23")
        with tenancy.scoped(province_id(app, "dienbien")):
            scores = dict(db.session.execute(select(Answer.code, Answer.self_score)).all())
        assert scores == {"1.1": 10, "3.1": 18, "1.3": 7, "1.2": D("12.5")}
        db.session.rollback()
        upgrade()
        db.session.remove()


# -- precision and the decision's note ---------------------------------------------------------
YEN_DINH_2022 = "/assessments/thanhhoa-huyen-2022/2022/394"
RANKING_2022 = "/rankings/thanhhoa-huyen-2022/2022"


def test_yen_dinh_s_form_shows_points_to_three_decimals_and_labels_its_totals(as_user):
    html = as_user("province_admin", "thanhhoa").get(YEN_DINH_2022).get_data(as_text=True)
    assert "891,195 / 1.000" in html  # seed 004: 891.195, not 891,2
    assert "83,125 / 100 điểm" in html  # main index 1: 83.125, not 83,12
    assert "Tổng điểm thẩm định</span><b>891,195 / 1.000</b>" in html  # labelled as what it is
    assert "Tổng điểm tự chấm" not in html  # a decision's result: no scores of the unit's own


def test_ranking_files_carry_the_decision_s_note(as_user):
    import csv
    import io

    from openpyxl import load_workbook
    client = as_user("province_admin", "thanhhoa")
    book = load_workbook(io.BytesIO(client.get(f"{RANKING_2022}/ranking.xlsx").data))
    cells = [c.value for row in book.active.iter_rows() for c in row if c.value is not None]
    assert "5*" in cells
    assert any("* Hạng theo Quyết định số 2148 ngày 20/6/2023" in str(c) for c in cells)
    assert not any(str(c).startswith("Đã công bố ngày") or "· Đã công bố ngày" in str(c)
                   for c in cells)  # the date the demo was imported is no publication date
    assert any("Đã công bố theo Quyết định số 2148 ngày 20/6/2023" in str(c) for c in cells)
    lines = list(csv.reader(io.StringIO(
        client.get(f"{RANKING_2022}/ranking.csv").data.decode("utf-8-sig"))))
    assert any(line[1:3] == ["5*", "394"] for line in lines if len(line) > 2)
    assert any("* Hạng theo Quyết định số 2148 ngày 20/6/2023" in " ".join(line)
               for line in lines)
    sheet = load_workbook(io.BytesIO(client.get(f"{RANKING_2022}/scoresheet.xlsx").data)).active
    cells = [c.value for row in sheet.iter_rows() for c in row if c.value is not None]
    assert "5*" in cells and any("Quyết định số 2148" in str(c) for c in cells)


def test_the_appraisal_overview_lists_the_unit_s_current_scores(app, as_user):
    client = as_user("unit_user", "dienbien")
    save(client, "3.1", numerator="45", denominator="100")
    with app.app_context(), tenancy.scoped(province_id(app, "dienbien")):
        db.session.scalar(select(Assessment)).state = "submitted"
        db.session.commit()
    appraiser = app.test_client()
    login(appraiser, demo("appraiser", "dienbien"))
    html = appraiser.get(REVIEW).get_data(as_text=True)
    line = html[html.index('<td class="code">3.1</td>'):][:600]
    assert re.findall(r'<td class="num">([^<]*)</td>', line)[:2] == ["20", "9"]
