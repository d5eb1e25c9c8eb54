"""An imported scheme goes the whole way on the same app object, with no restart: a period,
entry, evidence, submission, appraisal, publication, ranking, exports and the API; and once
published it can only be superseded."""
from __future__ import annotations

import io
from datetime import date
from pathlib import Path

from app.calendar import default_calendar
from app.catalogue.loader import load_scheme
from tests.conftest import demo, login
from tests.test_api import token
from tests.test_appraisal import PDF
from tests.test_catalogue_import import PLUGINS, cli_import, next_version

SO = PLUGINS / "dienbien" / "schemes" / "dienbien-so-2022.toml"
CODE = "dienbien-so-2026"
FORM = f"/assessments/{CODE}/2026/dienbien.so-tttt"
REVIEW = f"/appraisal/{CODE}/2026/dienbien.so-tttt"
HX = {"HX-Request": "true"}


def signed_in(app, role, province="dienbien"):
    client = app.test_client()
    login(client, demo(role, province))
    return client


def imported(app, tmp_path):
    data = next_version(app, tmp_path, "dienbien-so-2022", CODE)
    result = cli_import(app, tmp_path, data, "so-2026.xlsx", "--province", "dienbien")
    assert result.exit_code == 0, result.output
    return data


def test_an_imported_scheme_goes_end_to_end_without_a_restart(app, tmp_path, on_day):
    on_day(date(2026, 11, 10))
    data = imported(app, tmp_path)
    admin = signed_in(app, "province_admin")
    opened = admin.post("/periods", data={"scheme": CODE, "code": "2026"})
    assert opened.status_code == 302, opened.get_data(as_text=True)[:800]

    unit = signed_in(app, "unit_user")
    leaves = app.extensions["chiso"].schemes[CODE].leaves
    for row in leaves:
        saved = unit.post(f"{FORM}/rows/{row.code}", headers=HX, data={
            f"{row.code}__self_score": "1" if row.input == "score" else "",
            f"{row.code}__value": "1" if row.input == "boolean" else "",
            f"{row.code}__numerator": "1" if row.input == "fraction" else "",
            f"{row.code}__denominator": "2" if row.input == "fraction" else "",
            f"{row.code}__no_evidence_reason": "Đang chờ văn bản"})
        assert saved.status_code == 200, saved.get_data(as_text=True)[:300]
    first = leaves[0].code
    evidence = unit.post(f"{FORM}/rows/{first}/evidence", headers=HX,
                         content_type="multipart/form-data",
                         data={f"{first}__ev_file": (io.BytesIO(PDF), "quyet-dinh.pdf")})
    assert evidence.status_code == 200, evidence.get_data(as_text=True)[:300]
    submitted = unit.post(f"{FORM}/submit", data={"confirm": "1"}, follow_redirects=True)
    assert "Chưa nộp được" not in submitted.get_data(as_text=True)

    appraiser = signed_in(app, "appraiser")
    done = appraiser.post(f"{REVIEW}/agree-remaining", data={"code": [r.code for r in leaves]},
                          follow_redirects=True).get_data(as_text=True)
    assert "Đã đồng ý điểm tự chấm" in done

    published = admin.post(f"/rankings/{CODE}/2026/publish", data={"confirm": "1"},
                           follow_redirects=True).get_data(as_text=True)
    assert "Đã công bố kết quả" in published and "Sở Thông tin và Truyền thông" in published
    for export in ("ranking.csv", "ranking.xlsx", "scoresheet.csv", "scoresheet.xlsx"):
        answer = admin.get(f"/rankings/{CODE}/2026/{export}")
        assert answer.status_code == 200 and answer.data, export
    assert admin.get(f"{FORM}/export.xlsx").status_code == 200
    schemes = app.test_client().get("/api/v1/schemes", headers={
        "Authorization": f"Bearer {token(app, 'province_admin')}"}).get_json()
    origins = {s["code"]: s["origin"] for s in schemes}
    assert origins[CODE] == "imported" and origins["dienbien-so-2022"] == "plugin"
    listed = {s["code"]: s for s in schemes}
    assert listed["dienbien-so-2022"]["last_year"] == 2025  # superseded from 2026

    # published figures never move: the version can only be superseded now
    again = cli_import(app, tmp_path, data, "so-2026.xlsx", "--province", "dienbien")
    assert again.exit_code == 1 and "đã công bố kết quả" in again.output
    page = admin.post("/catalogue/import", content_type="multipart/form-data",
                      data={"file": (io.BytesIO(data), "so-2026.xlsx")})
    assert page.status_code == 422 and "chỉ có thể thay bằng phiên bản mới" in \
        page.get_data(as_text=True)


def test_an_unpublished_import_is_replaced_by_importing_its_code_again(app, tmp_path):
    imported(app, tmp_path)
    changed = next_version(app, tmp_path, "dienbien-so-2022", CODE,
                           title="BỘ CHỈ SỐ (SỬA) CỦA CÁC SỞ")
    result = cli_import(app, tmp_path, changed, "so-2026b.xlsx", "--province", "dienbien")
    assert result.exit_code == 0 and "Thay bản đã nhập" in result.output, result.output
    with app.app_context():
        assert "(SỬA)" in app.extensions["chiso"].schemes[CODE].title


def test_an_imported_scheme_no_plugin_answers_for_gets_the_core_calendar(app):
    scheme = load_scheme(SO, "nowhere")
    scheme.origin, scheme.owner = "imported", "nowhere"
    calendar = app.extensions["chiso"].calendar(scheme)
    assert calendar.period_types == ("year",)
    from app.periods import parse
    assert calendar.deadline(parse("2026")) == date(2026, 12, 31)
    assert default_calendar(scheme).deadline(parse("2026")) == date(2026, 12, 31)


def _assessment_of(app, code: str, state: str) -> None:
    """The SỞ TT&TT's assessment of ``code``'s 2026 period, put in ``state``."""
    from sqlalchemy import select

    from app import tenancy
    from app.extensions import db
    from app.models import Period, Unit
    from app.services import assessments as svc
    from tests.conftest import province_id
    with app.app_context(), tenancy.scoped(province_id(app, "dienbien")):
        period = db.session.scalar(select(Period).where(Period.scheme_code == code,
                                                        Period.code == "2026"))
        unit = db.session.scalar(select(Unit).where(Unit.code == "dienbien.so-tttt"))
        scheme = app.extensions["chiso"].schemes[code]
        svc.get_assessment(scheme, period, unit, create=True).state = state
        db.session.commit()


def test_an_import_sent_on_by_a_unit_can_only_be_superseded(app, tmp_path, on_day):
    on_day(date(2026, 3, 2))
    imported(app, tmp_path)
    admin = signed_in(app, "province_admin")
    assert admin.post("/periods", data={"scheme": CODE, "code": "2026"}).status_code == 302
    changed = next_version(app, tmp_path, "dienbien-so-2022", CODE,
                           title="BỘ CHỈ SỐ (SỬA) CỦA CÁC SỞ")
    _assessment_of(app, CODE, "draft")  # a draft only: the import may still be replaced
    result = cli_import(app, tmp_path, changed, "so-2026b.xlsx", "--province", "dienbien")
    assert result.exit_code == 0, result.output
    _assessment_of(app, CODE, "submitted")
    again = next_version(app, tmp_path, "dienbien-so-2022", CODE, title="BỘ LẦN BA")
    result = cli_import(app, tmp_path, again, "so-2026c.xlsx", "--province", "dienbien")
    assert result.exit_code == 1 and "đã có bản đánh giá được gửi" in result.output
    with app.app_context():
        assert "(SỬA)" in app.extensions["chiso"].schemes[CODE].title


def test_a_new_version_cannot_take_a_year_an_earlier_version_has_a_period_in(app, tmp_path,
                                                                             on_day):
    on_day(date(2026, 3, 2))
    admin = signed_in(app, "province_admin")
    opened = admin.post("/periods", data={"scheme": "dienbien-so-2022", "code": "2026"})
    assert opened.status_code == 302, opened.get_data(as_text=True)[:500]
    data = next_version(app, tmp_path, "dienbien-so-2022", CODE)  # from 2026
    result = cli_import(app, tmp_path, data, "so-2026.xlsx", "--province", "dienbien")
    assert result.exit_code == 1, result.output
    assert "(Áp dụng từ năm)" in result.output and "đã có kỳ báo cáo Năm 2026" in result.output
    assert "hãy chọn năm áp dụng sau 2026" in result.output
    later = next_version(app, tmp_path, "dienbien-so-2022", "dienbien-so-2027", first_year=2027)
    result = cli_import(app, tmp_path, later, "so-2027.xlsx", "--province", "dienbien")
    assert result.exit_code == 0, result.output
