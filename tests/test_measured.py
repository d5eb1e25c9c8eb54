"""Measured rows (issue 13, item 6): a system token of a province writes the values of the rows
its system measures, through PUT …/measured, with the time the data refers to; the audit trail
names the system; the unit can neither type nor change them; the form, the catalogue and the
appraisal page say where and when each value came from; a system token can do nothing else."""
from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from sqlalchemy import select

from app import tenancy
from app.catalogue.loader import parse_scheme
from app.extensions import db
from app.models import Answer, AuditEvent, Period, Province
from tests.conftest import demo, login, province_id

CODE = "dienbien-do-2026"
PORTAL = "Cổng dịch vụ công"
DOCS = "Hệ thống quản lý văn bản và điều hành"
# A made-up scheme for the tests: two rows measured by two systems, one the unit declares.
SCHEME = f'''
[scheme]
code = "{CODE}"
family = "dienbien-do"
version = 1
first_year = 2026
title = "Bộ chỉ số thử có chỉ tiêu đo tự động"
kind = "points"
max_points = 30
unit_types = ["so"]
period = "year"
source = {{ number = "99/QĐ-THU", date = "2026-01-05", issuer = "UBND tỉnh (thử)" }}

[[row]]
code = "1"
title = "Chính quyền số"
max_points = 30
pillar = "chinh_quyen"

[[row]]
code = "1.1"
title = "Tỷ lệ hồ sơ thủ tục hành chính xử lý trực tuyến toàn trình"
max_points = 20
method = "ratio"
measured = {{ source = "{PORTAL}" }}

[[row]]
code = "1.2"
title = "Có kế hoạch chuyển đổi số năm"
max_points = 5
method = "boolean"
evidence_required = true

[[row]]
code = "1.3"
title = "Văn bản đi được ký số và gửi liên thông"
max_points = 5
method = "boolean"
measured = {{ source = "{DOCS}" }}
'''
UNIT = "dienbien.so-tttt"  # the demo unit user's unit
FORM = f"/assessments/{CODE}/2026/{UNIT}"
MEASURED = f"/api/v1/assessments/{CODE}/2026/{UNIT}/measured"
VALUES = f"/api/v1/assessments/{CODE}/2026/{UNIT}"


def _cli(app, *args):
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result.output.strip()


@pytest.fixture
def scheme_app(app, on_day):
    """The app with the test scheme among Điện Biên's, and its 2026 period open (5/12/2026)."""
    on_day(date(2026, 12, 5))
    registry = app.extensions["chiso"]
    scheme = parse_scheme(SCHEME.encode(), f"{CODE}.toml", "dienbien", registry.scoring_methods)
    registry.schemes[scheme.code] = scheme
    assert "đã mở" in _cli(app, "periods", "open", CODE, "2026")
    return app


def _send(app, token, method, url, **kwargs):
    return app.test_client().open(url, method=method,
                                  headers={"Authorization": f"Bearer {token}"}, **kwargs)


def _answer(app, code="1.1"):
    with app.app_context(), tenancy.scoped(province_id(app, "dienbien")):
        answer = db.session.scalar(select(Answer).where(Answer.code == code))
        if answer is not None:
            db.session.expunge(answer)
        return answer


def _portal_write(app, token, **item):
    item = item or {"numerator": 45, "denominator": 60, "as_of": "2026-11-30"}
    return _send(app, token, "PUT", MEASURED, json={"values": {"1.1": item}})


def test_a_system_token_made_by_the_cli_writes_a_measured_row_scored_by_its_method(scheme_app):
    app = scheme_app
    token = _cli(app, "tokens", "create-system", PORTAL, "--province", "dienbien")
    assert token.startswith("chiso_") and "\n" not in token
    response = _portal_write(app, token)
    assert response.status_code == 200, response.get_json()
    written = response.get_json()["measured"]
    assert [(w["code"], w["source"], w["numerator"], w["denominator"], w["as_of"])
            for w in written] == [("1.1", PORTAL, 45, 60, "2026-11-30T00:00:00")]

    # The unit's value; the score is the method's (45/60 × 20), never a self-score.
    admin = _cli(app, "tokens", "create", demo("province_admin", "dienbien"))
    body = _send(app, admin, "GET", VALUES).get_json()
    row = next(i for i in body["indicators"] if i["code"] == "1.1")
    assert (row["score"], row["score_source"], row["self_score"]) == (15, "computed", None)
    assert row["measured"]["source"] == PORTAL and row["measured"]["as_of"] == "2026-11-30T00:00:00"
    assert next(i for i in body["indicators"] if i["code"] == "1.2")["measured"] is None
    stored = _answer(app)
    assert stored.measured_by == PORTAL and stored.measured_as_of == datetime(2026, 11, 30)
    assert stored.measured_at is not None and stored.self_score is None

    # The audit trail names the system, no person, and the day the data refers to.
    with app.app_context(), tenancy.scoped(province_id(app, "dienbien")):
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.code == "1.1")).all()
    assert {e.field for e in events} >= {"numerator", "denominator", "measured_by",
                                         "measured_as_of"}
    assert all(e.action == "answer.measured" and e.user_id is None and e.system == PORTAL
               and "số liệu ngày 30/11/2026" in e.reason for e in events)


def test_the_history_page_names_the_system(scheme_app, client):
    token = _cli(scheme_app, "tokens", "create-system", PORTAL, "--province", "dienbien")
    assert _portal_write(scheme_app, token).status_code == 200
    login(client, demo("province_admin", "dienbien"))
    page = client.get(f"{FORM}/history").get_data(as_text=True)
    assert f"Hệ thống</span> {PORTAL}" in page and "Số liệu đo tự động" in page


def test_a_later_figure_replaces_the_earlier_and_keeps_its_own_date(scheme_app):
    token = _cli(scheme_app, "tokens", "create-system", PORTAL, "--province", "dienbien")
    assert _portal_write(scheme_app, token).status_code == 200
    again = _portal_write(scheme_app, token, numerator=50, denominator=60,
                          as_of="2026-12-04T23:30:00+07:00")
    assert again.status_code == 200, again.get_json()
    stored = _answer(scheme_app)
    assert stored.numerator == 50 and stored.measured_as_of == datetime(2026, 12, 4, 23, 30)


def test_the_unit_cannot_change_a_measured_row_by_form_or_api(scheme_app, client):
    app = scheme_app
    system = _cli(app, "tokens", "create-system", PORTAL, "--province", "dienbien")
    assert _portal_write(app, system).status_code == 200
    before = _answer(app)

    login(client, demo("unit_user", "dienbien"))
    posted = client.post(f"{FORM}/rows/1.1", headers={"HX-Request": "true"},
                         data={"1.1__numerator": "60", "1.1__denominator": "60",
                               "1.1__self_score": "20", "1.1__version": str(before.version)})
    assert posted.status_code == 422
    assert f"được đo tự động từ {PORTAL}" in posted.get_data(as_text=True)
    section = client.post(f"{FORM}/sections/1", data={"1.1__numerator": "60",
                                                      "1.1__denominator": "60"})
    assert section.status_code == 422

    for role in ("unit_user", "province_admin"):
        person = _cli(app, "tokens", "create", demo(role, "dienbien"))
        refused = _send(app, person, "PUT", VALUES,
                        json={"values": {"1.1": {"numerator": 60, "denominator": 60}}})
        assert refused.status_code == 422
        assert "đơn vị không nhập hay sửa được" in refused.get_json()["errors"]["1.1"]["_"]
        # and the person may not use the systems' route at all
        assert _portal_write(app, person).status_code == 403

    after = _answer(app)
    assert (after.numerator, after.denominator, after.self_score, after.version) == \
        (before.numerator, before.denominator, None, before.version)


def test_a_system_writes_only_its_own_measured_rows_all_or_nothing(scheme_app):
    token = _cli(scheme_app, "tokens", "create-system", PORTAL, "--province", "dienbien")
    response = _send(scheme_app, token, "PUT", MEASURED, json={"values": {
        "1.1": {"numerator": 1, "denominator": 2, "as_of": "2026-11-30"},
        "1.2": {"value": True, "as_of": "2026-11-30"},
        "1.3": {"value": True, "as_of": "2026-11-30"},
        "9.9": {"value": 1, "as_of": "2026-11-30"}}})
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert "do đơn vị tự khai" in errors["1.2"]["_"]
    assert f"được đo từ {DOCS}, không phải từ hệ thống «{PORTAL}»" in errors["1.3"]["_"]
    assert "Không có chỉ tiêu «9.9»" in errors["9.9"]["_"]
    assert "1.1" not in errors and _answer(scheme_app) is None  # nothing stored


@pytest.mark.parametrize("item, field, message", [
    ({"numerator": 1, "denominator": 2}, "as_of", "Thiếu as_of"),
    ({"numerator": 1, "denominator": 2, "as_of": "30/11/2026"}, "as_of", "không phải ngày"),
    ({"numerator": 1, "denominator": 2, "as_of": "2026-12-06"}, "as_of", "không được sau hôm nay"),
    ({"numerator": 1, "denominator": 2, "as_of": "1999-12-31"}, "as_of", "không được trước"),
    ({"numerator": 1, "denominator": 2, "as_of": "0001-01-01T00:00:00+14:00"}, "as_of",
     "nằm ngoài khoảng cho phép"),
    ({"numerator": 1, "denominator": 2, "as_of": "9999-12-31T23:00:00-12:00"}, "as_of",
     "nằm ngoài khoảng cho phép"),
    ({"numerator": 3, "denominator": 2, "as_of": "2026-11-30"}, "numerator", "không được lớn hơn"),
    ({"numerator": "1", "denominator": 2, "as_of": "2026-11-30"}, "numerator", "phải là số"),
    ({"numerator": 1, "denominator": 2, "self_score": 20, "as_of": "2026-11-30"}, "self_score",
     "không có"),
])
def test_a_bad_measured_value_is_refused_naming_the_field(scheme_app, item, field, message):
    token = _cli(scheme_app, "tokens", "create-system", PORTAL, "--province", "dienbien")
    response = _portal_write(scheme_app, token, **item)
    assert response.status_code == 422
    assert message in response.get_json()["errors"]["1.1"][field]
    assert _answer(scheme_app) is None


def test_a_system_token_can_do_nothing_else(scheme_app):
    app = scheme_app
    token = _cli(app, "tokens", "create-system", PORTAL, "--province", "dienbien")
    for method, url in (("GET", VALUES), ("PUT", VALUES), ("POST", f"{VALUES}/submit"),
                        ("PUT", f"{VALUES}/appraisal"), ("POST", f"{VALUES}/evidence"),
                        ("GET", "/api/v1/schemes"), ("GET", f"/api/v1/schemes/{CODE}/indicators"),
                        ("GET", "/api/v1/units"), ("GET", f"/api/v1/rankings/{CODE}/2026")):
        response = _send(app, token, method, url, json={"values": {"1.1": {"value": 1}}})
        assert response.status_code in (403, 404, 405), (method, url, response.status_code)
        assert response.status_code != 405 or method != "GET", url
    # The web pages know no token at all: the system is not logged in there.
    page = app.test_client().get(FORM, headers={"Authorization": f"Bearer {token}"})
    assert page.status_code == 302 and "/login" in page.headers["Location"]


def test_another_province_s_system_finds_nothing(scheme_app):
    app = scheme_app
    with app.app_context(), tenancy.unscoped():
        assert db.session.scalar(select(Province).where(Province.code == "thanhhoa"))
    token = _cli(app, "tokens", "create-system", PORTAL, "--province", "thanhhoa")
    response = _portal_write(app, token)
    assert response.status_code == 404
    assert _answer(app) is None


def test_a_locked_period_refuses_the_system_as_it_refuses_the_unit(scheme_app):
    app = scheme_app
    token = _cli(app, "tokens", "create-system", PORTAL, "--province", "dienbien")
    with app.app_context(), tenancy.scoped(province_id(app, "dienbien")):
        period = db.session.scalar(select(Period).where(Period.scheme_code == CODE))
        period.state = "locked"
        db.session.commit()
    response = _portal_write(app, token)
    assert response.status_code == 409 and "khóa" in response.get_json()["error"]


def test_revoked_and_expired_system_tokens_are_refused(scheme_app):
    app = scheme_app
    token = _cli(app, "tokens", "create-system", PORTAL, "--province", "dienbien")
    listed = _cli(app, "tokens", "list-system", "--province", "dienbien").splitlines()
    assert len(listed) == 1 and f"\t{PORTAL}\tcòn hiệu lực\t" in listed[0]
    token_id = listed[0].split("\t")[0]
    assert _cli(app, "tokens", "list-system", "--province", "thanhhoa") == ""
    refused = app.test_cli_runner().invoke(args=["tokens", "revoke-system", token_id,
                                                 "--province", "thanhhoa"])
    assert refused.exit_code == 1  # not that province's token
    assert _portal_write(app, token).status_code == 200
    assert "Đã thu hồi" in _cli(app, "tokens", "revoke-system", token_id, "--province", "dienbien")
    assert _portal_write(app, token).status_code == 401
    assert "\tđã thu hồi\t" in _cli(app, "tokens", "list-system", "--province", "dienbien")

    from app.services.system_tokens import create_system
    from app.services.tokens import LIFETIME
    with app.app_context(), tenancy.unscoped():
        province = db.session.scalar(select(Province).where(Province.code == "dienbien"))
        old = create_system(province, PORTAL, now=datetime.utcnow() - LIFETIME - timedelta(days=1))
    assert _portal_write(app, old).status_code == 401


def test_a_system_name_is_required_and_bounded(scheme_app):
    for name, message in (("  ", "Thiếu tên hệ thống"), ("x" * 101, "dài quá 100")):
        result = scheme_app.test_cli_runner().invoke(
            args=["tokens", "create-system", name, "--province", "dienbien"])
        assert result.exit_code == 1 and message in result.output


def test_the_form_shows_where_and_when_and_has_no_inputs(scheme_app, client):
    app = scheme_app
    login(client, demo("unit_user", "dienbien"))
    page = client.get(FORM).get_data(as_text=True)
    assert f"Chưa nhận số liệu từ <strong>{PORTAL}</strong>" in page
    assert f"Đo tự động · {PORTAL}" in page and "Đơn vị tự khai" in page
    assert "2 chỉ tiêu: số liệu do hệ thống gửi qua API" in page
    assert 'name="1.1__numerator"' not in page and 'name="1.3__value"' not in page
    assert 'name="1.2__value"' in page  # the declared row keeps its inputs
    assert f"{FORM}/rows/1.1\"" not in page.split('id="row-1.1"')[1].split(">")[0]

    token = _cli(app, "tokens", "create-system", PORTAL, "--province", "dienbien")
    assert _portal_write(app, token).status_code == 200
    page = client.get(FORM).get_data(as_text=True)
    assert f"Đo tự động từ <strong>{PORTAL}</strong>: số liệu ngày 30/11/2026, nhận lúc " in page
    assert "45/60 = 75%" in page
    details = client.get(f"{FORM}/rows/1.1", headers={"HX-Request": "true"})
    assert details.status_code == 200 and 'name="1.1__numerator"' not in details.get_data(True)


def test_a_measured_row_without_a_value_does_not_hold_up_submission(scheme_app, client):
    login(client, demo("unit_user", "dienbien"))
    saved = client.post(f"{FORM}/rows/1.2", headers={"HX-Request": "true"},
                        data={"1.2__value": "1", "1.2__details": "1",
                              "1.2__no_evidence_reason": "Kế hoạch đang trình ký"})
    assert saved.status_code == 200, saved.get_data(as_text=True)[:300]
    check = client.get(f"{FORM}/check").get_data(as_text=True)
    assert "Hồ sơ đã đủ để nộp" in check and f"(đo tự động từ {PORTAL})" in check
    assert "thiếu tài liệu kiểm chứng" not in client.get(FORM).get_data(as_text=True)
    submitted = client.post(f"{FORM}/submit", data={"confirm": "1"})
    assert submitted.status_code == 302


def test_the_catalogue_page_labels_measured_and_declared_rows(scheme_app, client):
    login(client, demo("viewer", "dienbien"))
    page = client.get(f"/catalogue/{CODE}").get_data(as_text=True)
    assert f"Đo tự động · {PORTAL}" in page and f"Đo tự động · {DOCS}" in page
    assert page.count("Đơn vị tự khai") == 2  # the legend and row 1.2
    assert "2 chỉ tiêu: số liệu do hệ thống gửi qua API" in page
    plain = client.get("/catalogue/dienbien-so-2022").get_data(as_text=True)
    assert "Đo tự động" not in plain and "Đơn vị tự khai" not in plain


def test_the_appraiser_sees_the_source_and_date(scheme_app, client):
    app = scheme_app
    token = _cli(app, "tokens", "create-system", PORTAL, "--province", "dienbien")
    assert _portal_write(app, token).status_code == 200
    unit = app.test_client()
    login(unit, demo("unit_user", "dienbien"))
    unit.post(f"{FORM}/rows/1.2", headers={"HX-Request": "true"},
              data={"1.2__value": "1", "1.2__details": "1", "1.2__no_evidence_reason": "Chờ ký"})
    assert unit.post(f"{FORM}/submit", data={"confirm": "1"}).status_code == 302
    summary = unit.get(FORM).get_data(as_text=True)  # the unit's read-only summary says it too
    assert "Tóm tắt hồ sơ đã nộp" in summary
    assert f"Đo tự động từ <strong>{PORTAL}</strong>" in summary
    login(client, demo("appraiser", "dienbien"))
    page = client.get(f"/appraisal/{CODE}/2026/{UNIT}/1.1").get_data(as_text=True)
    assert f"Đo tự động từ <strong>{PORTAL}</strong>: số liệu ngày 30/11/2026" in page
    assert "không cần tài liệu kiểm chứng" in page


def test_the_openapi_document_describes_the_measured_route(client):
    document = client.get("/api/v1/openapi.json").get_json()
    operation = document["paths"]["/api/v1/assessments/{scheme_code}/{period_code}/{unit_code}"
                                  "/measured"]["put"]
    assert operation["requestBody"]["content"]["application/json"]["schema"] == \
        {"$ref": "#/components/schemas/MeasuredPut"}
    assert "as_of" in document["components"]["schemas"]["MeasuredPut"]["properties"]["values"][
        "additionalProperties"]["required"]


def test_an_excel_import_cannot_change_a_measured_row(scheme_app, client):
    from tests.test_value_import import edit, send
    token = _cli(scheme_app, "tokens", "create-system", PORTAL, "--province", "dienbien")
    assert _portal_write(scheme_app, token).status_code == 200
    login(client, demo("unit_user", "dienbien"))
    exported = client.get(f"{FORM}/export.xlsx").data
    unchanged = send(client, exported, url=f"{FORM}/import").get_data(as_text=True)
    assert "Không có thay đổi nào" in unchanged  # the system's figure, sent back as it was

    changed = edit(exported, {("1.1", "Tử số"): 60})
    page = send(client, changed, url=f"{FORM}/import").get_data(as_text=True)
    assert f"Chỉ tiêu 1.1 được đo tự động từ {PORTAL}" in page
    assert _answer(scheme_app).numerator == 45
