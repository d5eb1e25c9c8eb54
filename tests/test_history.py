"""Published results from before the platform (Yên Định 2022) and the plugins' demo extras."""
from decimal import Decimal

from sqlalchemy import select

from app import tenancy
from app.extensions import db
from app.models import Assessment, OfficeAssignment, Period, Unit
from tests.conftest import shipped_registry, province_id


def test_hook_chiso_history():
    history = shipped_registry().history("thanhhoa")
    assert len(history) == 1
    item = history[0]
    assert (item["scheme"], item["period"], item["unit"], item["rank"]) == \
        ("thanhhoa-huyen-2022", "2022", "394", 5)
    assert Decimal(str(item["scores"]["6"])) == Decimal("184.08")


def test_hook_chiso_demo():
    demo = shipped_registry().demo("thanhhoa")
    first = demo["office_assignments"][0]
    assert first["unit"] == "394" and first["lead"] == "Văn phòng HĐND-UBND"
    assert demo["demo_unit"] == "394"  # Yên Định's unit user is the demo's
    # Điện Biên's demo also runs on its 2025 communes (app/services/demo_communes.py)
    assert shipped_registry().demo("dienbien") == {"demo_unit": "dienbien.so-tttt",
                                                   "commune_scheme": True}


def test_yen_dinh_2022_is_a_published_assessment_and_2023_is_open(app):
    with app.app_context(), tenancy.scoped(province_id(app, "thanhhoa")):
        period = db.session.scalar(select(Period).where(Period.code == "2022"))
        assessment = db.session.scalar(select(Assessment).where(Assessment.period_id == period.id))
        assert period.state == "locked" and assessment.state == "published"
        assert assessment.unit.name == "Huyện Yên Định"
        total = sum(a.appraised_score for a in assessment.answers)
        assert total == Decimal("891.195")
        assert db.session.scalar(select(Period.state).where(Period.code == "2023")) == "open"


def test_form_shows_last_years_appraised_score_and_the_offices(as_user):
    client = as_user("unit_user", "thanhhoa")
    html = client.get("/assessments/thanhhoa-huyen-2022/2023/394").get_data(as_text=True)
    # Last year's figures are in the row's details (loaded when «Chi tiết» opens).
    details = client.get("/assessments/thanhhoa-huyen-2022/2023/394/rows/1.4",
                         headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Kỳ trước (Năm 2022)" in details and "điểm thẩm định <strong>15</strong>" in details
    assert "Chủ trì: <strong>Văn phòng HĐND-UBND</strong>" in html


def test_office_assignments_are_loaded_once(app):
    runner = app.test_cli_runner()
    runner.invoke(args=["demo"])
    with app.app_context(), tenancy.scoped(province_id(app, "thanhhoa")):
        unit = db.session.scalar(select(Unit).where(Unit.code == "394"))
        rows = db.session.scalars(select(OfficeAssignment).where(OfficeAssignment.unit_id == unit.id)).all()
    assert len(rows) == 63


def test_office_progress_page(as_user):
    client = as_user("unit_user", "thanhhoa")
    client.post("/assessments/thanhhoa-huyen-2022/2023/394/rows/1.1",
                data={"1.1__value": "1"}, headers={"HX-Request": "true"})
    page = client.get("/assessments/thanhhoa-huyen-2022/2023/394/offices").get_data(as_text=True)
    assert "Tiến độ theo phòng, ban" in page and "Văn phòng HĐND-UBND" in page
    assert "1/" in page
    other = as_user("province_admin", "thanhhoa").get(
        "/assessments/thanhhoa-huyen-2022/2023/380/offices")  # no offices assigned there
    assert other.status_code == 404


def test_yen_dinh_keeps_the_rank_its_decision_published(app, as_user):
    # The platform holds only Yên Định of the 2022 districts: computed, its rank would be 1.
    client = as_user("province_admin", "thanhhoa")
    page = client.get("/rankings/thanhhoa-huyen-2022/2022").get_data(as_text=True)
    assert '<td class="num">5<sup>*</sup></td>' in page
    assert "* Hạng theo Quyết định số 2148 ngày 20/6/2023" in page
    token = app.test_cli_runner().invoke(
        args=["tokens", "create", "province_admin.thanhhoa@demo.chiso.vn"]).output.strip()
    api = app.test_client().get("/api/v1/rankings/thanhhoa-huyen-2022/2022",
                                headers={"Authorization": f"Bearer {token}"}).get_json()
    assert [(r["unit"], r["rank"]) for r in api["rows"]] == [("394", 5)]
    mine = as_user("unit_user", "thanhhoa").get(
        "/dashboards/unit/thanhhoa-huyen-2022/2022/394").get_data(as_text=True)
    assert "theo Quyết định số 2148 ngày 20/6/2023" in mine
    assert "đang đứng đầu" not in mine  # 5th of the districts, though the only one held here


def test_setup_again_fills_the_rank_of_a_result_imported_before_ranks_were_kept(app):
    with app.app_context(), tenancy.scoped(province_id(app, "thanhhoa")):
        assessment = db.session.scalar(select(Assessment).join(Period).where(Period.code == "2022"))
        assessment.published_rank = assessment.published_source = None
        db.session.commit()
    result = app.test_cli_runner().invoke(args=["provinces", "setup", "thanhhoa"])
    assert result.exit_code == 0, result.output
    with app.app_context(), tenancy.scoped(province_id(app, "thanhhoa")):
        assessment = db.session.scalar(select(Assessment).join(Period).where(Period.code == "2022"))
        assert (assessment.published_rank, assessment.published_source) == \
            (5, "Quyết định số 2148 ngày 20/6/2023")
