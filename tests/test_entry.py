"""Unit data entry: row saves with totals, errors that keep data, conflicts, submission rules."""
from datetime import timedelta

from sqlalchemy import select

from app import clock, tenancy
from app.extensions import db
from app.models import Answer, Assessment, AuditEvent, Period
from tests.conftest import province_id

FORM = "/assessments/dienbien-so-2022/2022/dienbien.so-tttt"
HX = {"HX-Request": "true"}


def save(client, code, url=FORM, headers=HX, **fields):
    return client.post(f"{url}/rows/{code}", data={f"{code}__{k}": v for k, v in fields.items()},
                       headers=headers)


def answer(app, code, province="dienbien"):
    with app.app_context(), tenancy.scoped(province_id(app, province)):
        return db.session.scalar(select(Answer).where(Answer.code == code))


def test_saving_a_row_returns_the_row_and_updated_totals(as_user):
    client = as_user("unit_user", "dienbien")
    response = save(client, "1.1", value="1")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'id="row-1.1"' in html and "Đã lưu lúc" in html
    assert 'id="summary"' in html and 'hx-swap-oob="true"' in html
    assert "10 / 500" in html  # boolean yes: 10 points proposed, total updated
    assert 'id="sub-1"' in html and "10 / 50 điểm" in html


def test_ratio_is_computed_from_numerator_and_denominator(app, as_user):
    client = as_user("unit_user", "dienbien")
    response = save(client, "3.1", numerator="45", denominator="50")
    assert response.status_code == 200
    assert "18 / 500" in response.get_data(as_text=True)  # 90% of 20 points
    assert answer(app, "3.1").self_score is None  # proposed from the value, not the unit's own


def test_invalid_input_keeps_prior_data_and_names_the_field(app, as_user):
    client = as_user("unit_user", "dienbien")
    save(client, "1.2", self_score="12,5")
    response = save(client, "1.2", self_score="mười lăm", version="1")
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Điểm tự chấm: «mười lăm» không phải là số." in html
    assert 'value="mười lăm"' in html  # what the user typed stays in the field
    assert answer(app, "1.2").self_score == 12.5  # the saved value is intact
    too_high = save(client, "1.2", self_score="16", version="1")
    assert "Điểm tự chấm không được lớn hơn 15." in too_high.get_data(as_text=True)


def test_not_assessed_needs_a_reason(app, as_user):
    client = as_user("unit_user", "dienbien")
    row_max = app.extensions["chiso"].schemes["dienbien-so-2022"].by_code["5.7"].max_points
    response = save(client, "5.7", not_assessed="1")
    assert response.status_code == 422
    assert "Vui lòng ghi lý do «không đánh giá»." in response.get_data(as_text=True)
    ok = save(client, "5.7", not_assessed="1", not_assessed_reason="Không có hệ thống riêng")
    # 5.7's points leave the maximum
    assert ok.status_code == 200 and f"/ {500 - int(row_max)}" in ok.get_data(as_text=True)


def test_not_assessed_is_refused_where_the_scheme_does_not_allow_it(app, as_user):
    client = as_user("unit_user", "thanhhoa")
    url = "/assessments/thanhhoa-huyen-2022/2023/394"
    save(client, "1.1", url=url, value="1", not_assessed="1", not_assessed_reason="x")
    assert answer(app, "1.1", "thanhhoa").not_assessed is False


def test_conflicting_saves_answer_409_with_the_other_value(app):
    first, second = app.test_client(), app.test_client()
    from tests.conftest import demo, login
    login(first, demo("unit_user", "dienbien"))
    login(second, demo("province_admin", "dienbien"))
    save(first, "1.2", self_score="10")  # version 1
    save(second, "1.2", self_score="14", version="1")  # version 2
    late = save(first, "1.2", self_score="11", version="1")
    html = late.get_data(as_text=True)
    assert late.status_code == 409
    assert "Người khác đã lưu chỉ tiêu này" in html and "điểm 14" in html
    assert 'value="11"' in html  # the user's own typing is kept
    assert answer(app, "1.2").self_score == 14
    again = save(first, "1.2", self_score="11", version="2")  # the user chooses to keep theirs
    assert again.status_code == 200 and answer(app, "1.2").self_score == 11


def test_every_change_is_audited(app, as_user):
    client = as_user("unit_user", "dienbien")
    save(client, "1.2", self_score="10")
    save(client, "1.2", self_score="12", version="1")
    with app.app_context(), tenancy.scoped(province_id(app, "dienbien")):
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.code == "1.2",
                                                             AuditEvent.field == "self_score")).all()
        authors = {e.user.email for e in events}
    assert [(e.old, e.new) for e in events] == [(None, "10"), ("10", "12")]
    assert authors == {"unit_user.dienbien@demo.chiso.vn"}


def test_plain_post_of_a_section_works_without_javascript(app, as_user):
    client = as_user("unit_user", "dienbien")
    response = client.post(f"{FORM}/sections/1", data={
        "1.1__value": "1", "1.2__self_score": "15", "1.3__value": "0", "1.4__self_score": "8"})
    assert response.status_code == 302 and response.headers["Location"].endswith("#main-1")
    assert answer(app, "1.4").self_score == 8
    page = client.get(FORM).get_data(as_text=True)
    assert "23 / 50 điểm" in page or "33 / 50 điểm" in page


def test_unit_user_cannot_open_another_units_assessment(as_user):
    client = as_user("unit_user", "dienbien")
    assert client.get("/assessments/dienbien-so-2022/2022/dienbien.so-y-te").status_code == 404
    assert save(client, "1.1", url="/assessments/dienbien-so-2022/2022/dienbien.so-y-te",
                value="1").status_code == 404
    assert client.get("/assessments/thanhhoa-huyen-2022/2023/394").status_code == 404


def _complete(client, app):
    scheme = app.extensions["chiso"].schemes["dienbien-so-2022"]
    for row in scheme.leaves:
        save(client, row.code, self_score="1" if row.input == "score" else "",
             value="1" if row.input == "boolean" else "",
             numerator="1" if row.input == "fraction" else "",
             denominator="2" if row.input == "fraction" else "",
             no_evidence_reason="Đang chờ văn bản")


def test_submission_is_refused_until_complete_then_locks_editing(app, as_user):
    client = as_user("unit_user", "dienbien")
    save(client, "1.1", value="1")
    check = client.get(f"{FORM}/check").get_data(as_text=True)
    assert "mục cần hoàn thành trước khi nộp" in check and "#row-1.2" in check
    refused = client.post(f"{FORM}/submit", data={"confirm": "1"})
    assert refused.status_code in (302, 303)
    _complete(client, app)
    assert "Hồ sơ đã đủ để nộp" in client.get(f"{FORM}/check").get_data(as_text=True)
    no_confirm = client.post(f"{FORM}/submit", data={}, follow_redirects=True)
    assert "Hãy đánh dấu ô xác nhận" in no_confirm.get_data(as_text=True)
    client.post(f"{FORM}/submit", data={"confirm": "1"})
    with app.app_context(), tenancy.scoped(province_id(app, "dienbien")):
        assert db.session.scalar(select(Assessment.state)) == "submitted"
    blocked = save(client, "1.2", self_score="3", version="1")
    assert blocked.status_code == 409 and "không sửa được nữa" in blocked.get_data(as_text=True)
    client.post(f"{FORM}/withdraw")
    assert save(client, "1.2", self_score="3", version="1").status_code == 200


def test_editing_is_blocked_after_the_deadline(app, as_user):
    with app.app_context(), tenancy.scoped(province_id(app, "dienbien")):
        period = db.session.scalar(select(Period).where(Period.scheme_code == "dienbien-so-2022"))
        period.deadline = clock.today() - timedelta(days=1)
        db.session.commit()
    client = as_user("unit_user", "dienbien")
    response = save(client, "1.1", value="1")
    assert response.status_code == 409 and "Đã quá hạn nộp" in response.get_data(as_text=True)
    assert answer(app, "1.1") is None
    assert "Đã quá hạn nộp" in client.get(FORM).get_data(as_text=True)


def test_locked_period_blocks_editing(app, as_user):
    with app.app_context(), tenancy.scoped(province_id(app, "dienbien")):
        db.session.scalar(select(Period).where(Period.scheme_code == "dienbien-so-2022")).state = "locked"
        db.session.commit()
    response = save(as_user("unit_user", "dienbien"), "1.1", value="1")
    assert response.status_code == 409 and "Kỳ báo cáo đã khóa." in response.get_data(as_text=True)


def test_yenbai_agency_sees_only_the_kpis_it_leads(app, as_user):
    client = as_user("unit_user", "yenbai")  # Sở Thông tin và Truyền thông
    page = client.get("/assessments/yenbai-kpi-2022/202212/15").get_data(as_text=True)
    scheme = app.extensions["chiso"].schemes["yenbai-kpi-2022"]
    mine = [r for r in scheme.leaves if r.period == "month" and r.lead_unit == "yenbai.so-tttt"]
    others = [r for r in scheme.leaves if r.period == "month" and r.lead_unit != "yenbai.so-tttt"]
    assert mine and others
    assert all(f'id="row-{r.code}"' in page for r in mine)
    assert not any(f'id="row-{r.code}"' in page for r in others)
    assert save(client, others[0].code, url="/assessments/yenbai-kpi-2022/202212/15",
                value="50").status_code == 404


def test_commune_form_shows_its_own_threshold(app, as_user):
    client = as_user("province_admin", "yenbai")
    page = client.get("/assessments/yenbai-xa-2022/2022/04249").get_data(as_text=True)  # a ward
    assert "Chỉ tiêu cho phường" in page
    response = save(client, "CB.1.2", url="/assessments/yenbai-xa-2022/2022/04249", value="92")
    assert "Chưa đạt" in response.get_data(as_text=True)  # wards need 93
    xa_page = save(client, "CB.1.2", url="/assessments/yenbai-xa-2022/2022/04384", value="92")
    assert "Đạt" in xa_page.get_data(as_text=True)


def test_unit_home_lists_open_assessments_with_deadline_and_progress(as_user):
    client = as_user("unit_user", "dienbien")
    save(client, "1.1", value="1")
    page = client.get("/", follow_redirects=True).get_data(as_text=True)
    assert "Hồ sơ đánh giá đang mở" in page and "Sở Thông tin và Truyền thông" in page
    assert "1/35" in page and "còn" in page


def test_admin_reopens_a_late_assessment_with_a_reason(app, as_user):
    with app.app_context(), tenancy.scoped(province_id(app, "dienbien")):
        period = db.session.scalar(select(Period).where(Period.scheme_code == "dienbien-so-2022"))
        period.deadline = clock.today() - timedelta(days=2)
        db.session.commit()
    admin = as_user("province_admin", "dienbien")
    assert "Mở lại hồ sơ cho đơn vị" in admin.get(FORM).get_data(as_text=True)
    missing = admin.post(f"{FORM}/reopen", data={"reason": "", "until": clock.today().isoformat()})
    assert missing.status_code == 422 and "Vui lòng ghi lý do mở lại" in missing.get_data(as_text=True)
    admin.post(f"{FORM}/reopen", data={"reason": "Đơn vị bị mất điện ngày nộp",
                                       "until": (clock.today() + timedelta(days=3)).isoformat()})
    assert save(admin, "1.1", value="1").status_code == 200
    with app.app_context(), tenancy.scoped(province_id(app, "dienbien")):
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "assessment.reopen"))
        assert event.reason == "Đơn vị bị mất điện ngày nộp"
    unit_user = app.test_client()
    from tests.conftest import demo, login
    login(unit_user, demo("unit_user", "dienbien"))
    assert unit_user.post(f"{FORM}/reopen", data={"reason": "x"}).status_code == 403
