"""A shared assessment (Yên Bái's KPIs: the province is assessed, each agency writes the rows
it leads) is submitted whole, by the province admin, and an agency answers only the questions
on its own rows (issue 18, item 5)."""
from __future__ import annotations

from datetime import date, datetime, timedelta

from sqlalchemy import select

from app import tenancy
from app.extensions import db
from app.models import Assessment, Period, Unit, User
from app.models.workflow import Question
from app.services import assessments as svc
from tests.conftest import province_id
from tests.test_api import call  # noqa: F401  (the API fixture)

SCHEME, PERIOD, PROVINCE_UNIT = "yenbai-kpi-2022", "202212", "15"
FORM = f"/assessments/{SCHEME}/{PERIOD}/{PROVINCE_UNIT}"
API = f"/api/v1/assessments/{SCHEME}/{PERIOD}/{PROVINCE_UNIT}"
AGENCY = "yenbai.so-tttt"


def form_for(row) -> dict:
    form = {"no_evidence_reason": "Số liệu tổng hợp, không có văn bản riêng"}
    if row.input == "boolean":
        form["value"] = "1"
    elif row.input == "fraction":
        form.update(numerator="1", denominator="2")
    elif row.input == "text":
        form["text"] = "Đã làm"
    elif row.input == "score":
        form["self_score"] = "0"
    else:
        form["value"] = "50"
    return form


def fill_agency_rows(app) -> list:
    """The agency's own rows, complete; the other agencies' rows left empty."""
    with app.app_context(), tenancy.scoped(province_id(app, "yenbai")):
        scheme = app.extensions["chiso"].schemes[SCHEME]
        period = db.session.scalar(select(Period).where(Period.scheme_code == SCHEME,
                                                        Period.code == PERIOD))
        agency = db.session.scalar(select(Unit).where(Unit.code == AGENCY))
        unit = db.session.scalar(select(Unit).where(Unit.code == PROVINCE_UNIT))
        user = db.session.scalar(select(User).where(User.unit_id == agency.id))
        assessment = svc.get_assessment(scheme, period, unit, create=True)
        mine = svc.visible_rows(scheme, period, agency)
        for row in mine:
            svc.save_row(assessment, row, form_for(row), user, period.deadline - timedelta(1),
                         period)
        everyone = svc.visible_rows(scheme, period)
        assert len(mine) < len(everyone)
        return [r.code for r in everyone if r not in mine]


def state(app) -> str:
    with app.app_context(), tenancy.scoped(province_id(app, "yenbai")):
        found = db.session.scalar(select(Assessment).where(Assessment.scheme_code == SCHEME))
        return found.state if found else None


def test_an_agency_cannot_submit_the_shared_assessment_on_the_web(app, as_user):
    fill_agency_rows(app)
    client = as_user("unit_user", "yenbai")
    response = client.post(f"{FORM}/submit", data={"confirm": "1"}, follow_redirects=True)
    assert "chỉ quản trị tỉnh" in response.get_data(as_text=True)
    assert state(app) == "draft"
    check = client.get(f"{FORM}/check").get_data(as_text=True)
    assert "Nộp hồ sơ</button>" not in check and "chỉ quản trị tỉnh" in check


def test_an_agency_cannot_submit_it_through_the_api(app, call):
    fill_agency_rows(app)
    response = call("unit_user", "yenbai")("POST", f"{API}/submit")
    assert response.status_code == 403 and "chỉ quản trị tỉnh" in response.get_json()["error"]
    assert state(app) == "draft"


def test_the_province_admin_submits_only_the_whole_assessment(app, as_user, call):
    others = fill_agency_rows(app)
    response = call("province_admin", "yenbai")("POST", f"{API}/submit")
    assert response.status_code == 422
    assert {m["code"] for m in response.get_json()["missing"]} >= set(others)
    refused = as_user("province_admin", "yenbai").post(f"{FORM}/submit", data={"confirm": "1"},
                                                       follow_redirects=True)
    assert "Chưa nộp được" in refused.get_data(as_text=True)
    assert state(app) == "draft"


def test_an_agency_cannot_withdraw_it(app, as_user):
    fill_agency_rows(app)
    with app.app_context(), tenancy.scoped(province_id(app, "yenbai")):
        found = db.session.scalar(select(Assessment).where(Assessment.scheme_code == SCHEME))
        found.state, found.submitted_at = "submitted", datetime.utcnow()
        db.session.commit()
    client = as_user("unit_user", "yenbai")
    page = client.post(f"{FORM}/withdraw", follow_redirects=True).get_data(as_text=True)
    assert "chỉ quản trị tỉnh" in page
    assert state(app) == "submitted"


def test_an_agency_answers_only_the_questions_on_its_own_rows(app, as_user):
    others = fill_agency_rows(app)
    with app.app_context(), tenancy.scoped(province_id(app, "yenbai")):
        found = db.session.scalar(select(Assessment).where(Assessment.scheme_code == SCHEME))
        found.state = "returned"
        found.submitted_at = datetime.utcnow() - timedelta(days=1)
        db.session.add(Question(assessment_id=found.id, province_id=found.province_id,
                                code=others[0], text="Vì sao?", answer_by=date(2099, 1, 1)))
        db.session.commit()
    client = as_user("unit_user", "yenbai")
    response = client.post(f"{FORM}/rows/{others[0]}/reply", data={"reply": "Vì vậy."})
    assert response.status_code == 404
    with app.app_context(), tenancy.scoped(province_id(app, "yenbai")):
        assert db.session.scalar(select(Question.reply)) is None
