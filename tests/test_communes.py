"""Yên Bái's communes: participants, classification, district pages, monthly snapshots."""
import json
from datetime import date
from decimal import Decimal

import pytest
from sqlalchemy import select

from app import tenancy
from app.extensions import db
from app.models import Answer, Assessment, AuditEvent, MonthlyReport, Participation, Period, Unit
from app.scoring.targets import classify
from app.web import communes as communes_web
from tests.conftest import login, province_id

SCHEME = "yenbai-xa-2022"
BASE = f"/communes/{SCHEME}/2022"
WARD, COMMUNE = "04249", "04270"  # Phường Yên Thịnh and Xã Minh Bảo, both in Thành phố Yên Bái
CITY, NGHIA_LO = "132", "133"


def scheme(app):
    return app.extensions["chiso"].schemes[SCHEME]


def unit_ids(app, *codes):
    with app.app_context(), tenancy.scoped(province_id(app, "yenbai")):
        return [db.session.scalar(select(Unit.id).where(Unit.code == c)) for c in codes]


def district_commune_ids(app, district_code):
    with app.app_context(), tenancy.scoped(province_id(app, "yenbai")):
        district = db.session.scalar(select(Unit).where(Unit.code == district_code))
        return [u.id for u in sorted(district.children, key=lambda u: u.code)]


def mark(client, app, *codes):
    return client.post(f"{BASE}/participants", data={"unit": unit_ids(app, *codes)})


def passing_values(app, unit_type, level="basic"):
    """A value that just meets every target of the level for this unit type."""
    values = {}
    for row in scheme(app).leaves:
        if row.level == level and row.targets:
            target = row.targets[unit_type]
            values[row.code] = Decimal(100) if isinstance(target, str) else Decimal(str(target))
    return values


def fill(app, unit_code, values):
    """Answers straight into the database, as the entry form would have stored them."""
    with app.app_context(), tenancy.scoped(province_id(app, "yenbai")):
        period = db.session.scalar(select(Period).where(Period.scheme_code == SCHEME))
        unit = db.session.scalar(select(Unit).where(Unit.code == unit_code))
        assessment = Assessment(scheme_code=SCHEME, scheme_version=1, period_id=period.id,
                                unit_id=unit.id)
        db.session.add(assessment)
        for code, value in values.items():
            db.session.add(Answer(assessment=assessment, code=code, value=value))
        db.session.commit()


def row_of(page, unit_code):
    """One commune's row of the district table."""
    return page.split(f'id="unit-{unit_code}"')[1].split("</tr>")[0]


def new_unit_user(app, email, unit_code, province="yenbai"):
    result = app.test_cli_runner().invoke(
        args=["users", "create", email, "--role", "unit_user", "--province", province,
              "--unit", unit_code], input="mat-khau-rat-dai\n")
    assert result.exit_code == 0, result.output
    client = app.test_client()
    login(client, email, "mat-khau-rat-dai")
    return client


@pytest.fixture
def admin(as_user):
    return as_user("province_admin", "yenbai")


@pytest.fixture
def on_day(monkeypatch):
    def move(day):
        monkeypatch.setattr(communes_web, "today", lambda: day)
    return move


# -- participation --------------------------------------------------------------------------
def test_marking_participants_counts_each_district_and_warns_below_30_percent(app, admin):
    city = district_commune_ids(app, CITY)  # 15 communes: 5 is 33%
    nghia_lo = district_commune_ids(app, NGHIA_LO)  # 14 communes: 1 is 7%
    response = admin.post(f"{BASE}/participants", data={"unit": city[:5] + nghia_lo[:1]},
                          follow_redirects=True)
    page = response.get_data(as_text=True)
    assert "Đã lưu danh sách tham gia năm 2022: 6 đơn vị (thêm 6, bỏ 0)." in page
    assert "Thị xã Nghĩa Lộ (1/14)" in page and "Thành phố Yên Bái (5/15)" not in page
    city_badge = page.split(f'id="share-{CITY}"')[1].split("</summary>")[0]
    nghia_lo_badge = page.split(f'id="share-{NGHIA_LO}"')[1].split("</summary>")[0]
    assert "5/15 (33%)" in city_badge and "Dưới 30%" not in city_badge
    assert "1/14 (7%)" in nghia_lo_badge and "Dưới 30%" in nghia_lo_badge
    with app.app_context(), tenancy.scoped(province_id(app, "yenbai")):
        assert len(db.session.scalars(select(Participation)).all()) == 6
        events = db.session.scalars(select(AuditEvent).where(AuditEvent.field == "participation")).all()
    assert len(events) == 6 and {e.new for e in events} == {"có"}

    admin.post(f"{BASE}/participants", data={"unit": city[:5]})  # Nghĩa Lộ's commune leaves
    with app.app_context(), tenancy.scoped(province_id(app, "yenbai")):
        removed = db.session.scalar(select(AuditEvent).where(AuditEvent.field == "participation",
                                                             AuditEvent.new == "không"))
        assert removed.code == db.session.get(Unit, nghia_lo[0]).code and removed.old == "có"


def test_saving_participants_is_all_or_nothing(app, admin):
    mark(admin, app, WARD)
    (commune_id,) = unit_ids(app, COMMUNE)
    response = admin.post(f"{BASE}/participants", data={"unit": [commune_id, "999999"]})
    page = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Danh sách có đơn vị «999999» không phải xã, phường, thị trấn" in page
    assert f'value="{commune_id}" checked' in page  # the admin's ticks are still there
    with app.app_context(), tenancy.scoped(province_id(app, "yenbai")):
        saved = db.session.scalars(select(Participation.unit_id)).all()
    assert saved == unit_ids(app, WARD)  # nothing changed


def test_search_by_name_keeps_the_hidden_choices_when_saving(app, admin):
    mark(admin, app, WARD)
    page = admin.get(f"{BASE}/participants?q=minh bao").get_data(as_text=True)
    assert "Xã Minh Bảo" in page and "Phường Yên Thịnh" not in page
    (ward_id,) = unit_ids(app, WARD)
    assert f'<input type="hidden" name="unit" value="{ward_id}">' in page


def test_counts_follow_the_ticks_through_htmx_without_saving(app, admin):
    city = district_commune_ids(app, CITY)
    response = admin.post(f"{BASE}/participants/counts", data={"unit": city[:2]},
                          headers={"HX-Request": "true"})
    html = response.get_data(as_text=True)
    assert f'id="share-{CITY}" class="share" hx-swap-oob="true">2/15 (13%)' in html
    assert "2 / 173 đơn vị được chọn" in html
    with app.app_context(), tenancy.scoped(province_id(app, "yenbai")):
        assert db.session.scalars(select(Participation)).all() == []


def test_a_viewer_sees_the_participants_but_cannot_change_them(app, as_user):
    viewer = as_user("viewer", "yenbai")
    page = viewer.get(f"{BASE}/participants").get_data(as_text=True)
    assert "Phường Yên Thịnh" in page and "disabled" in page and "Lưu danh sách" not in page
    assert mark(viewer, app, WARD).status_code == 403


def test_the_admins_entry_list_only_shows_participants(app, admin):
    before = admin.get("/assessments").get_data(as_text=True)
    assert "Chưa có xã, phường, thị trấn nào tham gia" in before
    assert f'href="{BASE}/participants"' in before
    assert "Phường Yên Thịnh" not in before and "Xã Minh Bảo" not in before
    mark(admin, app, WARD, COMMUNE)
    after = admin.get("/assessments").get_data(as_text=True)
    assert f"/assessments/{SCHEME}/2022/{WARD}" in after
    assert f"/assessments/{SCHEME}/2022/{COMMUNE}" in after
    assert after.count(f"/assessments/{SCHEME}/2022/") == 2  # not the other 171
    assert "Chưa có xã, phường, thị trấn nào tham gia" not in after


# -- classification -------------------------------------------------------------------------
def test_a_ward_and_a_commune_are_held_to_their_own_thresholds(app):
    ward = passing_values(app, "phuong") | {"CB.1.2": Decimal(92)}  # wards need 93
    commune = passing_values(app, "xa") | {"CB.1.2": Decimal(92)}  # communes need 91
    ward_result = classify(scheme(app), "phuong", ward)
    commune_result = classify(scheme(app), "xa", commune)
    assert not ward_result.basic and ward_result.label == "Chưa đạt"
    assert [(m.code, m.threshold, m.value) for m in ward_result.missing_basic] == [("CB.1.2", 93, 92)]
    assert commune_result.basic and commune_result.label == "Đạt xã chuyển đổi số"
    assert not commune_result.advanced and "NC.1.2" in [m.code for m in commune_result.missing_advanced]


def test_a_described_threshold_and_a_missing_value_are_not_met(app):
    values = passing_values(app, "xa") | {"CB.1.4": Decimal(80)}
    del values["CB.2.4"]
    result = classify(scheme(app), "xa", values)
    missing = {m.code: m for m in result.missing_basic}
    assert set(missing) == {"CB.1.4", "CB.2.4"}
    assert missing["CB.1.4"].threshold == "100% hệ thống thông tin được phê duyệt"
    assert missing["CB.2.4"].value is None


def test_advanced_needs_every_basic_and_every_advanced_target(app):
    everything = passing_values(app, "thi_tran") | passing_values(app, "thi_tran", "advanced")
    assert classify(scheme(app), "thi_tran", everything).label == "Đạt nâng cao"
    without_basic = everything | {"CB.2.3": Decimal(49)}  # towns need 50
    result = classify(scheme(app), "thi_tran", without_basic)
    assert not result.basic and not result.advanced


# -- district and province pages ------------------------------------------------------------
def test_district_view_shows_progress_status_and_missing_targets(app, admin):
    mark(admin, app, WARD, COMMUNE)
    fill(app, WARD, passing_values(app, "phuong") | {"CB.1.2": Decimal(92)})
    fill(app, COMMUNE, passing_values(app, "xa") | {"CB.1.2": Decimal(92)})
    page = admin.get(f"{BASE}/district/{CITY}").get_data(as_text=True)
    ward_row, commune_row = row_of(page, WARD), row_of(page, COMMUNE)
    assert "17/30" in ward_row and "Chưa đạt" in ward_row
    assert "1 chỉ tiêu cơ bản chưa đạt" in ward_row and "cần 93%, có 92%" in ward_row
    assert "Đạt xã chuyển đổi số" in commune_row and "chỉ tiêu cơ bản chưa đạt" not in commune_row
    overview = admin.get(BASE).get_data(as_text=True)
    assert ('Đạt xã chuyển đổi số (cơ bản)</span><b>1</b><span class="muted">50% số đơn vị tham gia'
            in overview)
    assert f'href="{BASE}/district/{CITY}"' in overview


def test_a_district_user_sees_only_their_own_district(app, admin):
    mark(admin, app, WARD)
    city = new_unit_user(app, "tp@yenbai.test", CITY)
    home = city.get("/", follow_redirects=True).get_data(as_text=True)
    assert f'href="{BASE}/district/{CITY}"' in home  # a link from the unit's home
    assert city.get(BASE).headers["Location"].endswith(f"{BASE}/district/{CITY}")
    assert "Phường Yên Thịnh" in city.get(f"{BASE}/district/{CITY}").get_data(as_text=True)
    assert city.get(f"{BASE}/commune/{WARD}").status_code == 200
    nghia_lo = new_unit_user(app, "nl@yenbai.test", NGHIA_LO)
    assert nghia_lo.get(f"{BASE}/district/{CITY}").status_code == 404
    assert nghia_lo.get(f"{BASE}/commune/{WARD}").status_code == 404
    assert nghia_lo.post(f"{BASE}/district/{CITY}/report").status_code == 404


def test_another_province_finds_nothing(as_user):
    client = as_user("province_admin", "dienbien")
    assert client.get(f"{BASE}/participants").status_code == 404
    assert client.get(f"{BASE}/district/{CITY}").status_code == 404
    assert client.get(BASE).status_code == 404


# -- monthly reports --------------------------------------------------------------------------
def reports(app):
    with app.app_context(), tenancy.scoped(province_id(app, "yenbai")):
        return {(r.unit.code, r.period_code): json.loads(r.data)
                for r in db.session.scalars(select(MonthlyReport))}


def test_a_commune_sends_a_snapshot_and_sending_again_replaces_it(app, admin, on_day):
    mark(admin, app, WARD, COMMUNE)
    fill(app, WARD, {"CB.1.2": Decimal(92)})
    on_day(date(2022, 9, 20))
    first = admin.post(f"{BASE}/commune/{WARD}/report", follow_redirects=True).get_data(as_text=True)
    assert "Đã gửi báo cáo tháng 09/2022 của Phường Yên Thịnh." in first
    assert reports(app)[(WARD, "202209")]["CB.1.2"] == 92
    with app.app_context(), tenancy.scoped(province_id(app, "yenbai")):
        db.session.scalar(select(Answer).where(Answer.code == "CB.1.2")).value = Decimal(94)
        db.session.commit()
    again = admin.post(f"{BASE}/commune/{WARD}/report", follow_redirects=True).get_data(as_text=True)
    assert ("Đã gửi lại báo cáo tháng 09/2022 của Phường Yên Thịnh: "
            "bản mới thay cho bản đã gửi lúc") in again
    assert len(reports(app)) == 1 and reports(app)[(WARD, "202209")]["CB.1.2"] == 94
    with app.app_context(), tenancy.scoped(province_id(app, "yenbai")):
        replaced = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "report.replace"))
    assert json.loads(replaced.old)["CB.1.2"] == 92  # the earlier snapshot survives in the audit


def test_lateness_after_the_25th_for_communes_and_27th_for_districts(app, admin, on_day):
    mark(admin, app, WARD, COMMUNE)
    minh_bao = new_unit_user(app, "minhbao@yenbai.test", COMMUNE)
    city = new_unit_user(app, "tp@yenbai.test", CITY)
    on_day(date(2022, 9, 25))
    admin.post(f"{BASE}/commune/{WARD}/report")
    on_day(date(2022, 9, 26))
    page = city.get(f"{BASE}/district/{CITY}").get_data(as_text=True)
    assert "Đã gửi ngày 25/09/2022" in row_of(page, WARD)
    assert "Trễ hạn, chưa gửi (hạn 25/09/2022)" in row_of(page, COMMUNE)
    assert minh_bao.post(f"{BASE}/commune/{WARD}/report").status_code == 404  # not its own
    minh_bao.post(f"{BASE}/commune/{COMMUNE}/report")
    page = city.get(f"{BASE}/district/{CITY}").get_data(as_text=True)
    assert "Gửi trễ ngày 26/09/2022" in row_of(page, COMMUNE)
    assert "Chưa gửi (hạn 27/09/2022)" in page  # the district's own report is not late yet
    on_day(date(2022, 9, 27))
    sent = city.post(f"{BASE}/district/{CITY}/report", follow_redirects=True).get_data(as_text=True)
    assert "Đã gửi báo cáo tháng 09/2022 của Thành phố Yên Bái." in sent
    assert "Đã gửi ngày 27/09/2022" in sent
    consolidated = reports(app)[(CITY, "202209")]
    assert set(consolidated) == {WARD, COMMUNE}
    assert consolidated[WARD]["status"] == "none" and consolidated[WARD]["required"] == 30
    overview = admin.get(BASE).get_data(as_text=True)
    assert "Báo cáo tháng 09/2022 (hạn ngày 25)</span><b>2/2</b>" in overview
    assert "1 trễ hạn" in overview


def test_monthly_reports_are_sent_only_within_the_schemes_year(app, admin, on_day):
    mark(admin, app, WARD)
    on_day(date(2023, 1, 10))
    page = admin.post(f"{BASE}/commune/{WARD}/report", follow_redirects=True).get_data(as_text=True)
    assert "Chưa gửi được báo cáo tháng của Phường Yên Thịnh: Báo cáo tháng của năm 2022 chỉ gửi " \
           "được trong năm 2022 (hôm nay là 10/01/2023)." in page
    assert reports(app) == {}
    assert "Trễ hạn, chưa gửi (hạn 25/12/2022)" in page  # December is the year's last report


def test_the_share_and_report_days_are_the_schemes_own(app, admin, on_day, monkeypatch):
    """A province whose plan asks 40% and reports by the 20th/22nd gets those, not Yên Bái's."""
    from app.catalogue.model import CommuneRules
    monkeypatch.setattr(scheme(app), "communes", CommuneRules(40, 20, 22))
    city = district_commune_ids(app, CITY)  # 15 communes: 5 is 33%, under 40%
    page = admin.post(f"{BASE}/participants", data={"unit": city[:5]},
                      follow_redirects=True).get_data(as_text=True)
    assert "ít nhất 40% số xã" in page
    assert "Dưới 40%" in page.split(f'id="share-{CITY}"')[1].split("</summary>")[0]
    mark(admin, app, WARD, COMMUNE)
    on_day(date(2022, 9, 21))
    overview = admin.get(BASE).get_data(as_text=True)
    assert "Báo cáo tháng 09/2022 (hạn ngày 20)" in overview
    assert "Báo cáo tổng hợp của huyện (hạn ngày 22)" in overview
    district = admin.get(f"{BASE}/district/{CITY}").get_data(as_text=True)
    assert "Trễ hạn, chưa gửi (hạn 20/09/2022)" in row_of(district, COMMUNE)
    assert "Chưa gửi (hạn 22/09/2022)" in district  # the district's own report
