"""Tenant scoping: one listener adds the province to every tenant query; other provinces 404."""
import pytest
from sqlalchemy import func, select

from app import create_app, tenancy
from app.extensions import db
from app.models import Period, Unit, User
from tests.conftest import _config, province_id


def _sql(app, statement):
    """The SQL the session really runs, captured from the engine."""
    seen = []
    from sqlalchemy import event

    def capture(conn, cursor, sql, params, context, many):
        seen.append((sql, params))
    event.listen(db.engine, "before_cursor_execute", capture)
    try:
        db.session.execute(statement).all()
    finally:
        event.remove(db.engine, "before_cursor_execute", capture)
    return seen[-1]


def test_where_clause_names_the_current_province(ctx):
    dienbien = province_id(ctx, "dienbien")
    with tenancy.scoped(dienbien):
        sql, params = _sql(ctx, select(Unit.name).where(Unit.type == "huyen"))
    assert "unit.province_id =" in sql
    assert dienbien in (params.values() if isinstance(params, dict) else params)


def test_queries_see_only_the_current_province(ctx):
    with tenancy.scoped(province_id(ctx, "dienbien")):
        districts = db.session.scalars(select(Unit).where(Unit.type == "huyen")).all()
        users = db.session.scalars(select(User)).all()
    assert len(districts) == 10
    assert {u.email.split(".")[1].split("@")[0] for u in users} == {"dienbien"}


def test_tenant_query_without_a_province_is_refused(ctx):
    with pytest.raises(tenancy.TenancyError):
        db.session.scalars(select(Period)).all()
    with tenancy.unscoped():  # explicit: every province
        assert db.session.scalar(select(func.count()).select_from(Period)) == 9  # 4 KPI periods; Thanh Hóa 2022 (history) and 2023


def test_new_rows_are_stamped_with_the_current_province(ctx):
    thanhhoa = province_id(ctx, "thanhhoa")
    with tenancy.scoped(thanhhoa):
        unit = Unit(code="thu-nghiem", name="Đơn vị thử", type="so")
        db.session.add(unit)
        db.session.commit()
        assert unit.province_id == thanhhoa


@pytest.mark.parametrize("role", ["province_admin", "appraiser", "unit_user", "viewer"])
def test_unit_of_another_province_is_404(app, as_user, role):
    with app.app_context(), tenancy.scoped(province_id(app, "thanhhoa")):
        other = db.session.scalar(select(Unit.id).where(Unit.code == "394"))
    client = as_user(role, "dienbien")
    assert client.get(f"/units/{other}").status_code == 404
    assert client.post(f"/units/{other}", data={"name": "x"}).status_code == 404


def test_user_of_another_province_is_404(app, as_user):
    with app.app_context(), tenancy.unscoped():
        other = db.session.scalar(select(User.id).where(User.email == "viewer.thanhhoa@demo.chiso.vn"))
        own = db.session.scalar(select(User.id).where(User.email == "viewer.dienbien@demo.chiso.vn"))
    client = as_user("province_admin", "dienbien")
    assert client.get(f"/users/{other}/password").status_code == 404
    assert client.post(f"/users/{other}/active", data={"active": "0"}).status_code == 404
    assert client.get(f"/users/{own}/password").status_code == 200
    with app.app_context(), tenancy.unscoped():
        assert db.session.get(User, other).active  # nothing changed


def test_period_of_another_province_is_404(app, as_user):
    with app.app_context(), tenancy.scoped(province_id(app, "yenbai")):
        other = db.session.scalar(select(Period.id))
    client = as_user("province_admin", "dienbien")
    assert client.post(f"/periods/{other}/state", data={"state": "locked"}).status_code == 404
    assert client.get(f"/periods/{other}/deadline").status_code == 404


def test_unit_list_shows_own_province_only(as_user):
    page = as_user("viewer", "dienbien").get("/units?q=Huyện").get_data(as_text=True)
    assert "Huyện Mường Nhé" in page
    assert "Huyện Yên Định" not in page and "Huyện Lục Yên" not in page


def test_counts_through_select_from_are_scoped_too(ctx):
    with tenancy.scoped(province_id(ctx, "dienbien")):
        assert db.session.scalar(select(func.count()).select_from(Unit)) == 159
    with pytest.raises(tenancy.TenancyError):
        db.session.scalar(select(func.count()).select_from(Unit))


def test_the_scope_is_added_once_however_many_apps_are_made(ctx, database_url, tmp_path):
    # Each create_app installs tenancy; a second listener would add the criterion again and
    # slow every query of the process (a test run makes one app per test).
    create_app(_config(database_url, tmp_path / "second"))
    create_app(_config(database_url, tmp_path / "third"))
    with tenancy.scoped(province_id(ctx, "dienbien")):
        sql, _params = _sql(ctx, select(Unit.name).where(Unit.type == "huyen"))
    assert sql.count("unit.province_id =") == 1, sql
