"""What an outside test made answer 500 (issue 18, item 6): each now answers a page, a 404 or a
message naming the field."""
from __future__ import annotations

import pytest
from sqlalchemy import select

from app import tenancy
from app.extensions import db
from app.models import Evidence, Unit
from tests.conftest import province_id
from tests.test_api import call, token  # noqa: F401  (the API fixture)
from tests.test_evidence import FORM, HX

HUGE = str(2**64)
API = "/api/v1/assessments/dienbien-so-2022/2022/dienbien.so-tttt"


def unit_id(app, code: str, province="dienbien") -> int:
    with app.app_context(), tenancy.scoped(province_id(app, province)):
        return db.session.scalar(select(Unit.id).where(Unit.code == code))


def test_a_unit_can_be_edited(app, as_user):
    district = unit_id(app, "dienbien.so-y-te")
    client = as_user("province_admin", "dienbien")
    page = client.get(f"/units/{district}")
    assert page.status_code == 200
    parent = unit_id(app, "11")  # the province
    response = client.post(f"/units/{district}", data={
        "name": "Sở Y tế tỉnh Điện Biên", "code": "dienbien.so-y-te", "type": "so",
        "parent": str(parent), "valid_from": "", "valid_to": ""})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    with app.app_context(), tenancy.scoped(province_id(app, "dienbien")):
        unit = db.session.get(Unit, district)
        assert (unit.name, unit.parent_id) == ("Sở Y tế tỉnh Điện Biên", parent)


def test_a_unit_code_taken_by_another_is_named(app, as_user):
    district = unit_id(app, "dienbien.so-y-te")
    response = as_user("province_admin", "dienbien").post(f"/units/{district}", data={
        "name": "Sở Y tế", "code": "dienbien.so-tttt", "type": "so", "parent": ""})
    assert response.status_code == 422 and "Mã đơn vị này đã có." in response.get_data(as_text=True)


def test_the_units_search_emptied_answers_the_tree(as_user):
    response = as_user("province_admin", "dienbien").get("/units", headers=HX)
    assert response.status_code == 200 and 'class="tree panel"' in response.get_data(as_text=True)


@pytest.mark.parametrize("method, url, data", [
    ("GET", f"/units/{HUGE}", None),
    ("POST", f"/units/{HUGE}", {"name": "x"}),
    ("GET", f"/evidence/{HUGE}", None),
    ("GET", f"/users/{HUGE}/password", None),
    ("POST", f"/periods/{HUGE}/state", {"state": "locked"}),
    ("POST", "/notifications/read", {"id": HUGE}),
    ("POST", "/account/tokens/revoke", {"token_id": HUGE}),
    ("POST", f"{FORM}/rows/1.3/evidence/remove", {"evidence_id": HUGE}),
])
def test_ids_past_64_bits_are_not_found(app, as_user, method, url, data):
    client = as_user("province_admin", "dienbien")
    response = client.open(url, method=method, data=data)
    assert response.status_code in (302, 404), (url, response.status_code)


@pytest.mark.parametrize("year", ["-1", "99999", HUGE])
def test_the_calendar_of_a_year_out_of_range_is_not_found(as_user, year):
    response = as_user("province_admin", "yenbai").get(f"/calendar/yenbai-kpi-2022?year={year}")
    assert response.status_code == 404


@pytest.mark.parametrize("body", [
    '{"values": {"1.2": {"explanation": "\\ud800"}}}',
    '[' * 100_000 + ']' * 100_000,
    '{"values": ' + '{"a": ' * 1000 + '1' + '}' * 1000 + '}',
])
def test_api_bodies_it_cannot_use_answer_json(app, call, body):
    response = call("unit_user")("PUT", API, data=body, content_type="application/json")
    assert response.status_code in (400, 422), response.status_code
    assert response.get_json()["error"]


def test_next_with_a_line_break_goes_home(as_user):
    client = as_user("unit_user", "dienbien")
    response = client.post("/login?next=/%0D%0ASet-Cookie:x=1", data={
        "email": "unit_user.dienbien@demo.chiso.vn", "password": "demo"})
    assert response.status_code in (200, 302, 422)
    assert "\n" not in response.headers.get("Location", "")
    assert client.get("/login?next=/%0D%0Ax").status_code in (200, 302)


def test_a_link_with_a_line_break_is_refused_at_input(app, as_user):
    client = as_user("unit_user", "dienbien")
    response = client.post(f"{FORM}/rows/1.3/evidence", headers=HX,
                           data={"1.3__ev_url": "https://example.vn/a\r\nSet-Cookie: x=1"})
    assert response.status_code == 422 and "http:// hoặc https://" in response.get_data(as_text=True)
    with app.app_context(), tenancy.unscoped():
        assert db.session.scalar(select(Evidence.id)) is None


def test_a_superadmin_without_a_province_gets_a_404(app, as_user, call):
    client = as_user("superadmin")
    for url in ("/evidence/1", f"/units/{unit_id(app, 'dienbien.so-tttt')}"):
        response = client.get(url)
        assert response.status_code == 404 and "chọn tỉnh" in response.get_data(as_text=True)
    api = app.test_client().get("/api/v1/evidence/1", headers={
        "Authorization": f"Bearer {token(app, 'superadmin', None)}"})
    assert api.status_code == 404 and api.get_json()["error"]
