"""JSON API v1: tokens, scoping, status codes, all-or-nothing writes, submission, appraisal,
evidence, rankings, publication, and an OpenAPI document that covers every route."""
from __future__ import annotations

import io
import json

import pytest
from sqlalchemy import select

from app import tenancy
from app.extensions import db
from app.models import Answer, ApiToken, Assessment, AuditEvent, Evidence, Period
from tests.conftest import demo, province_id

API = "/api/v1"
SO = f"{API}/assessments/dienbien-so-2022/2022"
OWN = f"{SO}/dienbien.so-tttt"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def token(app, role, province="dienbien"):
    """A token made the way an administrator would: `flask --app wsgi tokens create EMAIL`."""
    result = app.test_cli_runner().invoke(args=["tokens", "create", demo(role, province)])
    assert result.exit_code == 0, result.output
    return result.output.strip()


@pytest.fixture
def call(app):
    """call(role)(method, url, json=…) with that demo user's bearer token."""
    client = app.test_client()
    made = {}

    def as_role(role, province="dienbien"):
        key = (role, province)
        made.setdefault(key, token(app, role, province))

        def send(method, url, **kwargs):
            headers = {"Authorization": f"Bearer {made[key]}", **kwargs.pop("headers", {})}
            return client.open(url, method=method, headers=headers, **kwargs)
        return send
    return as_role


def count(app, model, province="dienbien"):
    with app.app_context(), tenancy.scoped(province_id(app, province)):
        return len(db.session.scalars(select(model)).all())


def complete_values(app, scheme_code="dienbien-so-2022") -> dict:
    """A value or self-score for every row of the scheme, and a reason for missing evidence."""
    values = {}
    for row in app.extensions["chiso"].schemes[scheme_code].leaves:
        item = {"no_evidence_reason": "Đang chờ văn bản"}
        if row.input == "boolean":
            item["value"] = True
        elif row.input == "fraction":
            item.update(numerator=1, denominator=2)
        else:
            item["self_score"] = 1
        values[row.code] = item
    return values


# -- tokens ---------------------------------------------------------------------------------
def test_tokens_create_prints_only_the_token_and_stores_its_hash(app):
    made = token(app, "unit_user")
    assert made.startswith("chiso_") and "\n" not in made and len(made) > 40
    with app.app_context(), tenancy.unscoped():
        stored = db.session.scalars(select(ApiToken.token_hash)).all()
    assert made not in stored and len(stored) == 1 and len(stored[0]) == 64


def test_tokens_create_refuses_an_unknown_user(app):
    result = app.test_cli_runner().invoke(args=["tokens", "create", "ai@khong.co"])
    assert result.exit_code == 1 and "Không có người dùng «ai@khong.co»" in result.output


def test_401_without_a_valid_token(app, call):
    client = app.test_client()
    missing = client.get(f"{API}/schemes")
    assert missing.status_code == 401 and "Authorization: Bearer" in missing.get_json()["error"]
    wrong = {"Authorization": "Bearer chiso_sai"}
    assert client.get(f"{API}/schemes", headers=wrong).status_code == 401
    assert client.get(f"{API}/openapi.json").status_code == 200  # the documentation is public


def test_profile_page_makes_shows_once_and_revokes_tokens(app, as_user):
    client = as_user("unit_user", "dienbien")
    page = client.post("/account/tokens", data={"name": "Cổng DTI quốc gia"}).get_data(as_text=True)
    made = page.split('readonly value="')[1].split('"')[0]
    assert made.startswith("chiso_") and "chỉ hiện <strong>một lần</strong>" in page
    listing = client.get("/account/tokens").get_data(as_text=True)
    assert "Cổng DTI quốc gia" in listing and made not in listing
    api = app.test_client()
    assert api.get(f"{API}/schemes", headers={"Authorization": f"Bearer {made}"}).status_code == 200
    with app.app_context(), tenancy.unscoped():
        token_id = db.session.scalar(select(ApiToken.id))
    client.post("/account/tokens/revoke", data={"token_id": token_id})
    assert api.get(f"{API}/schemes", headers={"Authorization": f"Bearer {made}"}).status_code == 401


def test_profile_page_names_the_field_of_a_name_too_long(app, as_user):
    client = as_user("unit_user", "dienbien")
    refused = client.post("/account/tokens", data={"name": "x" * 101})
    page = refused.get_data(as_text=True)
    assert refused.status_code == 422 and "<title>Lỗi: " in page
    assert '<a href="#name">Tên gợi nhớ: Tên mã truy cập dài quá 100 ký tự.</a>' in page
    assert 'aria-invalid="true"' in page and 'value="' + "x" * 101 + '"' in page
    with app.app_context(), tenancy.unscoped():
        assert db.session.scalar(select(ApiToken.id)) is None


def test_the_api_is_csrf_exempt_but_the_web_forms_are_not(database_url, tmp_path):
    from app import create_app
    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "t",
                      "UPLOAD_DIR": str(tmp_path / "up")})  # CSRF protection on, as in production
    headers = {"Authorization": f"Bearer {token(app, 'unit_user')}"}
    client = app.test_client()
    put = client.put(OWN, json={"values": {"1.1": {"value": True}}}, headers=headers)
    assert put.status_code == 200
    form = client.post("/account/tokens", data={"name": "x"})
    assert form.status_code == 400  # a web form without its CSRF token is still refused


def test_a_superadmin_reads_the_province_named_in_the_query(app, call):
    read = call("superadmin", None)
    assert read("GET", f"{API}/schemes").status_code == 404
    schemes = read("GET", f"{API}/schemes?province=thanhhoa").get_json()
    assert [s["code"] for s in schemes] == ["thanhhoa-huyen-2022"]
    assert read("PUT", f"{OWN}?province=dienbien", json={"values": {}}).status_code == 403


# -- reading --------------------------------------------------------------------------------
def test_schemes_indicators_and_units_of_the_callers_province(app, call):
    get = call("province_admin")
    schemes = get("GET", f"{API}/schemes").get_json()
    assert [s["code"] for s in schemes] == ["dienbien-huyen-2022", "dienbien-so-2022"]
    assert schemes[1]["max_points"] == 500 and schemes[1]["unit_types"] == ["so"]
    shown = app.test_cli_runner().invoke(args=["catalogue", "show", "dienbien-so-2022", "--json"])
    indicators = get("GET", f"{API}/schemes/dienbien-so-2022/indicators").get_json()
    assert indicators == json.loads(shown.output)
    units = get("GET", f"{API}/units?province=dienbien").get_json()
    assert {"code": "dienbien.so-tttt", "name": "Sở Thông tin và Truyền thông", "type": "so",
            "parent": units[0]["code"]} in units
    assert get("GET", f"{API}/units?province=thanhhoa").status_code == 404
    assert get("GET", f"{API}/schemes/thanhhoa-huyen-2022/indicators").status_code == 404


def test_404_for_another_province_or_another_unit_403_for_a_role(app, call):
    thanhhoa = f"{API}/assessments/thanhhoa-huyen-2022/2023/394"
    assert call("unit_user")("GET", thanhhoa).status_code == 404
    assert call("province_admin", "thanhhoa")("GET", OWN).status_code == 404
    other_unit = call("unit_user")("GET", f"{SO}/dienbien.so-y-te")
    assert other_unit.status_code == 404 and "error" in other_unit.get_json()
    assert call("unit_user")("GET", f"{SO}/khong-co").status_code == 404
    viewer = call("viewer")("GET", OWN)
    assert viewer.status_code == 403 and viewer.get_json()["error"]
    put = {"values": {"1.1": {"value": True}}}
    assert call("viewer")("PUT", OWN, json=put).status_code == 403
    assert call("appraiser")("PUT", OWN, json=put).status_code == 403
    publish = f"{API}/rankings/dienbien-so-2022/2022/publish"
    assert call("unit_user")("POST", publish).status_code == 403


# -- writing values -------------------------------------------------------------------------
def test_put_stores_numbers_and_answers_with_the_assessment(app, call):
    put = call("unit_user")
    response = put("PUT", OWN, json={"values": {
        "1.1": {"value": True}, "1.2": {"self_score": 12.5, "explanation": "Hai cuộc họp"},
        "3.1": {"numerator": 45, "denominator": 50}}})
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["state"], body["total"], body["max"], body["percent"]) == ("draft", 40.5, 500, 8.1)
    assert body["main"][0] == {"code": "1", "title": "Nhận thức số", "score": 22.5, "max": 50}
    rows = {i["code"]: i for i in body["indicators"]}
    assert rows["1.1"]["value"] is True and rows["1.1"]["version"] == 1
    assert rows["3.1"]["value"] == 90 and rows["3.1"]["self_score"] is None  # not typed
    assert (rows["3.1"]["score"], rows["3.1"]["score_source"]) == (18, "computed")
    assert rows["1.2"]["score_source"] == "self" and rows["1.4"]["version"] is None
    assert put("GET", OWN).get_json() == body


def test_put_is_all_or_nothing_and_lists_every_problem_by_code(app, call):
    response = call("unit_user")("PUT", OWN, json={"values": {
        "1.1": {"value": True},  # fine on its own
        "1.2": {"self_score": 16},  # above 15
        "1.3": {"value": "có"},  # wrong type
        "3.1": {"value": 90},  # a fraction row
        "9.9": {"value": 1},  # no such row
        "6": {"self_score": 1},  # a main index
        "5.7": {"not_assessed": True},  # reason missing
    }})
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert set(errors) == {"1.2", "1.3", "3.1", "9.9", "6", "5.7"}
    assert errors["1.2"]["self_score"] == "Điểm tự chấm không được lớn hơn 15."
    assert "true (có) hoặc false (không)" in errors["1.3"]["value"]
    assert "numerator" in errors["3.1"]["value"]
    assert "Không có chỉ tiêu «9.9»" in errors["9.9"]["_"]
    assert errors["5.7"]["not_assessed_reason"] == "Vui lòng ghi lý do «không đánh giá»."
    assert count(app, Assessment) == 0 and count(app, Answer) == 0  # nothing stored


def test_not_assessed_where_the_row_does_not_allow_it_is_refused(app, call):
    url = f"{API}/assessments/dienbien-huyen-2022/2022/{_district(app)}"
    response = call("province_admin")("PUT", url, json={"values": {
        "1.1": {"not_assessed": True, "not_assessed_reason": "Không áp dụng"}}})
    assert response.status_code == 422
    problem = response.get_json()["errors"]["1.1"]["not_assessed"]
    assert "không được chọn «không đánh giá»" in problem


def test_a_stale_version_is_409_and_nothing_is_stored(app, call):
    unit, admin = call("unit_user"), call("province_admin")
    unit("PUT", OWN, json={"values": {"1.2": {"self_score": 10}}})
    admin("PUT", OWN, json={"values": {"1.2": {"self_score": 14, "version": 1}}})
    late = unit("PUT", OWN, json={"values": {"1.4": {"self_score": 5},
                                             "1.2": {"self_score": 11, "version": 1}}})
    assert late.status_code == 409 and "1.2" in late.get_json()["errors"]
    rows = {i["code"]: i for i in unit("GET", OWN).get_json()["indicators"]}
    assert (rows["1.2"]["self_score"], rows["1.2"]["version"]) == (14, 2)
    assert rows["1.4"]["self_score"] is None


def test_the_province_admin_writes_any_unit_recorded_as_such(app, call):
    response = call("province_admin")("PUT", f"{SO}/dienbien.so-y-te",
                                      json={"values": {"1.2": {"self_score": 9}}})
    assert response.status_code == 200
    with app.app_context(), tenancy.scoped(province_id(app, "dienbien")):
        event = db.session.scalar(select(AuditEvent).where(AuditEvent.field == "self_score"))
        assert event.user.email == demo("province_admin", "dienbien")
        assert event.reason == "Quản trị tỉnh nhập thay đơn vị, qua API"


def test_a_locked_period_is_409(app, call):
    with app.app_context(), tenancy.scoped(province_id(app, "dienbien")):
        period = db.session.scalar(select(Period).where(Period.scheme_code == "dienbien-so-2022"))
        period.state = "locked"
        db.session.commit()
    response = call("unit_user")("PUT", OWN, json={"values": {"1.1": {"value": True}}})
    assert response.status_code == 409 and response.get_json()["error"] == "Kỳ báo cáo đã khóa."


# -- submission, appraisal, publication, rankings ------------------------------------------
def test_submit_lists_what_is_missing_then_locks_the_assessment(app, call):
    unit = call("unit_user")
    unit("PUT", OWN, json={"values": {"1.1": {"value": True}}})
    refused = unit("POST", f"{OWN}/submit")
    assert refused.status_code == 422
    missing = refused.get_json()["missing"]
    assert {"code": "1.2", "problem": "chưa có giá trị hoặc điểm tự chấm"} in missing
    assert unit("PUT", OWN, json={"values": complete_values(app)}).status_code == 200
    submitted = unit("POST", f"{OWN}/submit")
    assert submitted.status_code == 200 and submitted.get_json()["state"] == "submitted"
    again = unit("PUT", OWN, json={"values": {"1.2": {"self_score": 2}}})
    assert again.status_code == 409 and "không sửa được nữa" in again.get_json()["error"]


def test_appraisal_publication_and_ranking_round_trip(app, call):
    unit, appraiser, admin = call("unit_user"), call("appraiser"), call("province_admin")
    ranking = f"{API}/rankings/dienbien-so-2022/2022"
    unit("PUT", OWN, json={"values": complete_values(app)})
    unit("POST", f"{OWN}/submit")
    assert admin("POST", f"{ranking}/publish").status_code == 409  # submitted, not appraised
    no_comment = appraiser("PUT", f"{OWN}/appraisal", json={"scores": {"1.2": {"score": 0}}})
    assert no_comment.status_code == 422
    assert "bắt buộc khi điểm thẩm định khác điểm tự chấm" in \
        no_comment.get_json()["errors"]["1.2"]["comment"]
    rows = unit("GET", OWN).get_json()["indicators"]
    scores = {i["code"]: {"score": i["score"]} for i in rows}
    scores["1.2"] = {"score": 0, "comment": "Không có biên bản họp"}
    appraised = appraiser("PUT", f"{OWN}/appraisal", json={"scores": scores})
    assert appraised.status_code == 200, appraised.get_json()
    assert appraised.get_json()["state"] == "appraised"
    assert unit("GET", ranking).status_code == 409  # not yet published
    early = admin("GET", ranking).get_json()
    assert early["published"] is False and early["rows"][0]["unit"] == "dienbien.so-tttt"
    published = admin("POST", f"{ranking}/publish")
    assert published.status_code == 200 and published.get_json()["published"] is True
    assert admin("POST", f"{ranking}/publish").status_code == 409  # already published
    row = unit("GET", ranking).get_json()["rows"][0]
    total = appraised.get_json()["total"]
    assert row == {"rank": 1, "unit": "dienbien.so-tttt", "name": "Sở Thông tin và Truyền thông",
                   "group": "agency", "total": total, "max": 500,
                   "percent": round(total / 5, 2), "change": None, "year_rank": 1}
    assert unit("GET", OWN).get_json()["state"] == "published"
    assert unit("PUT", OWN, json={"values": {"1.2": {"self_score": 3}}}).status_code == 409


def test_a_conflict_in_an_appraisal_write_is_a_json_409_and_saves_nothing(app, call,
                                                                          monkeypatch):
    """Scores sent together are stored together: a row saved meanwhile by someone else refuses
    the whole request (JSON 409, not an HTML 500) and leaves every row as it was."""
    from app.services import appraisal
    unit, appraiser = call("unit_user"), call("appraiser")
    unit("PUT", OWN, json={"values": complete_values(app)})
    unit("POST", f"{OWN}/submit")
    score = appraisal._score

    def conflict_on_second(assessment, row, form, user, own):
        if row.code == "1.2":
            raise appraisal.AppraisalError(f"Chỉ tiêu {row.code} vừa được người khác lưu.")
        return score(assessment, row, form, user, own)
    monkeypatch.setattr(appraisal, "_score", conflict_on_second)
    answer = appraiser("PUT", f"{OWN}/appraisal",
                       json={"scores": {"1.1": {"score": 0, "comment": "Chưa có kế hoạch"},
                                        "1.2": {"score": 0, "comment": "Không có biên bản"}}})
    assert answer.status_code == 409
    assert answer.get_json()["error"] == ("Chỉ tiêu 1.2 vừa được người khác lưu. Chưa lưu gì: "
                                          "đọc lại hồ sơ rồi gửi lại.")
    scores = {i["code"]: i["score_source"] for i in unit("GET", OWN).get_json()["indicators"]}
    assert scores["1.1"] != "appraised"  # the first row of the request was not kept


# -- evidence -------------------------------------------------------------------------------
def test_evidence_201_then_200_for_the_same_bytes_415_for_a_refused_type(app, call):
    unit = call("unit_user")
    first = unit("POST", f"{OWN}/evidence", data={
        "indicator": "2.1", "doc_number": "12/KH-STTTT", "doc_date": "15/03/2022",
        "file": (io.BytesIO(PDF), "Kế hoạch CĐS.pdf")}, content_type="multipart/form-data")
    assert first.status_code == 201, first.get_json()
    body = first.get_json()
    assert (body["filename"], body["size"], body["indicators"]) == \
        ("Kế hoạch CĐS.pdf", len(PDF), ["2.1"])
    again = unit("POST", f"{OWN}/evidence", data={
        "indicator": "2.2", "file": (io.BytesIO(PDF), "copy.pdf")},
        content_type="multipart/form-data")
    assert again.status_code == 200
    assert again.get_json()["id"] == body["id"] and again.get_json()["indicators"] == ["2.1", "2.2"]
    html = unit("POST", f"{OWN}/evidence", data={
        "indicator": "2.1", "file": (io.BytesIO(b"<html><script>x</script></html>"), "a.pdf")},
        content_type="multipart/form-data")
    assert html.status_code == 415 and "chỉ nhận PDF" in html.get_json()["error"]
    nothing = unit("POST", f"{OWN}/evidence", data={"indicator": "2.1"},
                   content_type="multipart/form-data")
    assert nothing.status_code == 422
    download = unit("GET", f"{API}/evidence/{body['id']}")
    assert download.status_code == 200 and download.data == PDF
    file_url = f"{API}/evidence/{body['id']}"
    assert call("province_admin", "thanhhoa")("GET", file_url).status_code == 404
    assert call("viewer")("GET", file_url).status_code == 404


def test_evidence_too_large_is_413_with_a_json_error(app, call):
    app.config["MAX_UPLOAD_MB"] = 1
    response = call("unit_user")("POST", f"{OWN}/evidence", data={
        "indicator": "2.1", "file": (io.BytesIO(PDF + b"0" * (1024 * 1024)), "lon.pdf")},
        content_type="multipart/form-data")
    assert response.status_code == 413
    assert response.get_json()["error"] == "Tệp vượt quá giới hạn 1 MB."
    assert count(app, Evidence) == 0


# -- the document ---------------------------------------------------------------------------
def test_openapi_document_covers_every_api_route(app):
    document = app.test_client().get(f"{API}/openapi.json").get_json()
    assert document["openapi"].startswith("3.")
    rules = [r for r in app.url_map.iter_rules() if r.rule.startswith(API)]
    assert len(rules) >= 12
    for rule in rules:
        path = rule.rule.replace("<int:", "<").replace("<", "{").replace(">", "}")
        operations = document["paths"].get(path)
        assert operations is not None, f"{path} is not documented"
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            operation = operations.get(method.lower())
            assert operation and operation["summary"] and operation["responses"], (method, path)
    path = f"{API}/assessments/{{scheme_code}}/{{period_code}}/{{unit_code}}"
    put = document["paths"][path]["put"]
    assert {"401", "403", "404", "409", "422"} <= set(put["responses"])


def _district(app) -> str:
    from app.models import Unit
    with app.app_context(), tenancy.scoped(province_id(app, "dienbien")):
        return db.session.scalar(select(Unit.code).where(Unit.type == "huyen").order_by(Unit.code))
