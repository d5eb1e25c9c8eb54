"""Public results (/cong-khai/<province>): no login, only where the province turned the page on,
and never anything unpublished."""
from __future__ import annotations

from sqlalchemy import select, update

from app import tenancy
from app.extensions import db
from app.models import Period, Province, Unit, User
from app.services import publication as pub
from tests.test_dashboards import SO, Tables, departments, make, publish, registry, scoped, \
    scores_summing, texts

THANH_HOA = "/cong-khai/thanhhoa"
YEN_DINH_2022 = f"{THANH_HOA}/thanhhoa-huyen-2022/2022/394"


def turn_on(app, code: str, on: bool = True) -> None:
    with app.app_context(), tenancy.unscoped():
        db.session.execute(update(Province).where(Province.code == code)
                           .values(public_results=on))
        db.session.commit()


def unit_name(app, code: str, province: str) -> str:
    with app.app_context(), scoped(app, province):
        return db.session.scalar(select(Unit.name).where(Unit.code == code))


def test_the_page_is_404_until_the_province_turns_it_on(app, client):
    assert client.get(THANH_HOA).status_code == 404
    assert client.get(YEN_DINH_2022).status_code == 404
    assert client.get("/cong-khai/khong-co").status_code == 404
    turn_on(app, "thanhhoa")
    assert client.get(THANH_HOA).status_code == 200
    assert client.get(YEN_DINH_2022).status_code == 200
    turn_on(app, "thanhhoa", False)
    assert client.get(THANH_HOA).status_code == 404


def test_published_results_show_and_unpublished_ones_never_do(app, client):
    """Yên Định's 2022 result is published; a 2023 appraisal of another district is not."""
    make(app, "380", scores_summing(app, 777, scheme="thanhhoa-huyen-2022"),
         period_code="2023", scheme="thanhhoa-huyen-2022", province="thanhhoa")
    turn_on(app, "thanhhoa")
    page = client.get(THANH_HOA).get_data(as_text=True)
    ranking = texts(Tables(page).find("Xếp hạng huyện, thị xã, thành phố, năm 2022"))
    assert ranking[1][0:2] == ["5*", "Huyện Yên Định"]  # the rank decision 2148 published
    assert ranking[1][-2:] == ["891,195/1.000", "89,12%"]
    assert ("* Hạng theo Quyết định số 2148 ngày 20/6/2023: kết quả công bố trước khi dùng nền "
            "tảng, xếp trong cả nhóm.") in page
    assert "Năm 2023" not in page and "777" not in page
    assert unit_name(app, "380", "thanhhoa") not in page
    assert client.get(f"{THANH_HOA}/thanhhoa-huyen-2022/2023/380").status_code == 404
    sheet = client.get(YEN_DINH_2022).get_data(as_text=True)
    rows = {r[0]: r[2:] for r in texts(Tables(sheet).find("Bảng điểm đã công bố"))[1:]}
    assert rows["1"] == ["83,125", "100"] and rows["1.2.1"][0] == "8,125"
    assert "891,195" in sheet and "89,12%" in sheet


def test_a_period_shows_from_publication_until_it_is_withdrawn(app, client):
    a, b = departments(app, 2)
    make(app, a, scores_summing(app, 400))
    make(app, b, scores_summing(app, 300))
    turn_on(app, "dienbien")
    name = unit_name(app, a, "dienbien")
    unit_page = f"/cong-khai/dienbien/{SO}/2022/{a}"
    page = client.get("/cong-khai/dienbien").get_data(as_text=True)
    assert "chưa công bố kết quả đánh giá nào" in page and name not in page
    assert client.get(unit_page).status_code == 404

    publish(app)
    page = client.get("/cong-khai/dienbien").get_data(as_text=True)
    rows = texts(Tables(page).find("Xếp hạng sở"))[1:]
    assert [r[:2] for r in rows] == [["1", name], ["2", unit_name(app, b, "dienbien")]]
    assert rows[0][-1] == "80,00%"
    assert client.get(unit_page).status_code == 200

    with app.app_context(), scoped(app):
        period = db.session.scalar(select(Period).where(Period.scheme_code == SO))
        admin = db.session.scalar(select(User).where(User.role == "province_admin"))
        pub.unpublish(registry(app).schemes[SO], period, admin, "Sửa điểm chỉ tiêu 1.1")
    assert name not in client.get("/cong-khai/dienbien").get_data(as_text=True)
    assert client.get(unit_page).status_code == 404


def test_an_assessment_begun_after_publication_stays_hidden(app, client):
    a, b = departments(app, 2)
    make(app, a, scores_summing(app, 400))
    publish(app)
    make(app, b, scores_summing(app, 500), state="draft")  # not part of what was published
    turn_on(app, "dienbien")
    page = client.get("/cong-khai/dienbien").get_data(as_text=True)
    assert unit_name(app, a, "dienbien") in page
    assert unit_name(app, b, "dienbien") not in page and "100,00%" not in page
    assert client.get(f"/cong-khai/dienbien/{SO}/2022/{b}").status_code == 404


def test_a_user_of_another_province_may_read_a_public_page(app, as_user):
    turn_on(app, "thanhhoa")
    client = as_user("unit_user", "dienbien")
    assert client.get(THANH_HOA).status_code == 200
    assert client.get(YEN_DINH_2022).status_code == 200
