"""Tenant isolation as a matrix: every route that names an object, every role of Điện Biên,
against objects of Thanh Hóa: 404. The routes come from the URL map, so a new route whose
arguments this test cannot fill fails the suite until it gets a case."""
import pytest
from sqlalchemy import select

from app import tenancy
from app.extensions import db
from app.models import Evidence, EvidenceLink, Period, Unit, User
from tests.conftest import demo, login, province_id

ROLES = ["province_admin", "appraiser", "unit_user", "viewer"]
NOT_TENANT = {"static", "admin.enter_province",  # superadmin's cross-province switch, by design
              "password_reset.reset"}  # a reset link names no province's object (unknown: 410)


def _other_province_values(app):
    """URL argument values naming objects of Thanh Hóa."""
    client = app.test_client()
    login(client, demo("unit_user", "thanhhoa"))
    client.post("/assessments/thanhhoa-huyen-2022/2023/394/rows/1.1/evidence",
                data={"1.1__ev_url": "https://yendinh.thanhhoa.gov.vn"},
                headers={"HX-Request": "true"})
    with app.app_context(), tenancy.scoped(province_id(app, "thanhhoa")):
        return {
            "unit_id": db.session.scalar(select(Unit.id).where(Unit.code == "394")),
            "user_id": db.session.scalar(select(User.id).where(User.role == "viewer")),
            "period_id": db.session.scalar(select(Period.id).where(Period.code == "2023")),
            "evidence_id": db.session.scalar(select(Evidence.id)),
            "link_id": db.session.scalar(select(EvidenceLink.id)),
            "unit_code": "394", "scheme_code": "thanhhoa-huyen-2022", "period_code": "2023",
            "main_code": "1", "code": "thanhhoa-huyen-2022",
        }


def _routes(app):
    for rule in app.url_map.iter_rules():
        if rule.arguments and rule.endpoint not in NOT_TENANT and not rule.rule.startswith("/api/"):
            yield rule


def _url(rule, values):
    path = rule.rule
    for name in rule.arguments:
        value = values.get(name)
        if name == "code" and "scheme_code" in rule.arguments:
            value = "1.1"
        assert value is not None, f"{rule.endpoint}: no test value for URL argument «{name}»"
        path = path.replace(f"<int:{name}>", str(value)).replace(f"<{name}>", str(value))
        for converter in ("path", "string"):
            path = path.replace(f"<{converter}:{name}>", str(value))
    return path


@pytest.mark.parametrize("role", ROLES)
def test_objects_of_another_province_are_404_for_every_role(app, role):
    values = _other_province_values(app)
    client = app.test_client()
    login(client, demo(role, "dienbien"))
    checked = 0
    for rule in _routes(app):
        url = _url(rule, values)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            status = client.open(url, method=method).status_code
            assert status == 404, (role, method, url, status)
            checked += 1
    assert checked >= 20


def test_static_files_are_served_to_logged_in_users(as_user):
    client = as_user("viewer", "dienbien")
    assert client.get("/static/app.css").status_code == 200
