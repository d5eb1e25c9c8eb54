"""`flask demo` on the 2025 structure: one province's current communes, a commune-level demo
scheme imported from a workbook, an open 2026 period, a commune user and some values; twice
gives the same data."""
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select
from vietnam_provinces import ProvinceCode, Ward

from app import tenancy
from app.catalogue.model import PILLARS
from app.extensions import db
from app.models import Answer, Assessment, ImportedScheme, Period, Unit, User
from app.services.period_units import units_of_period
from tests.conftest import login, province_id

CODE = "demo-xa-2026"
COMMUNE_USER = "unit_user.dienbien-xa@demo.chiso.vn"


def _demo(app) -> str:
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code == 0, result.output
    return result.output


def _state(app) -> dict:
    """What the demo wrote, counted table by table, across every province."""
    with app.app_context(), tenancy.unscoped():
        counts = {model.__name__: db.session.scalar(select(func.count()).select_from(model))
                  for model in (Unit, ImportedScheme, Period, Assessment, Answer, User)}
        counts["open"] = sorted(db.session.execute(select(Period.scheme_code, Period.code)
                                                   .where(Period.state == "open")).all())
        return counts


def test_demo_runs_a_commune_scheme_on_the_current_communes(app, on_day):
    on_day(date(2026, 12, 2))
    output = _demo(app)
    assert f"tài khoản cấp xã: {COMMUNE_USER}" in output and f"«{CODE}»" in output
    registry = app.extensions["chiso"]
    with app.app_context(), tenancy.scoped(province_id(app, "dienbien")):
        scheme = registry.schemes[CODE]
        assert (scheme.origin, scheme.owner, scheme.kind) == ("imported", "dienbien", "points")
        assert "minh họa" in scheme.title and scheme.first_year == 2026
        assert scheme.unit_types == ["xa", "phuong"] and 25 <= len(scheme.rows) <= 35
        # 100 points over the eight common pillars, one main index each
        assert sum(row.max_points for row in scheme.main) == Decimal(100) == scheme.max_points
        assert sorted(row.pillar for row in scheme.main) == sorted(PILLARS)
        measured = {row.code: row.measured_source for row in scheme.rows if row.measured_source}
        assert sorted(measured.values()) == ["Cổng dịch vụ công",
                                             "Hệ thống quản lý văn bản và điều hành"]
        # stored through the import, with the workbook an admin would have uploaded
        stored = db.session.scalar(select(ImportedScheme).where(ImportedScheme.code == CODE))
        assert stored.workbook[:2] == b"PK" and stored.filename == f"{CODE}.xlsx"

        period = db.session.scalar(select(Period).where(Period.scheme_code == CODE))
        assert (period.code, period.state) == ("2026", "open")
        assessed = units_of_period(scheme, period)
        package = {f"{int(w.code):05d}" for w in Ward.iter_by_province(ProvinceCode(11))}
        assert {u.code for u in assessed} == package  # the current communes, no district
        assert all(u.valid_to is None and u.valid_from == date(2025, 7, 1) for u in assessed)

        user = db.session.scalar(select(User).where(User.email == COMMUNE_USER))
        assert user.role == "unit_user" and user.unit in assessed
        assessments = db.session.scalars(select(Assessment)
                                         .where(Assessment.period_id == period.id)).all()
        declared = {item.unit_id: {a.code for a in item.answers if not a.measured_by}
                    for item in assessments}
        filled = [unit for unit, codes in declared.items() if codes]
        assert 3 <= len(filled) <= 8 and user.unit_id not in filled
        assert not set().union(*declared.values()) & set(measured)  # never typed by a unit
        # the systems sent their two values to every assessment, the commune user's included,
        # recorded as the systems' (no self-score), with the day the data refers to
        for item in assessments:
            sent = {a.code: a for a in item.answers if a.measured_by}
            assert {code: a.measured_by for code, a in sent.items()} == measured
            assert all(a.self_score is None and a.measured_as_of is not None
                       for a in sent.values())
        assert user.unit_id in declared and declared[user.unit_id] == set()


def test_the_commune_user_sees_the_2026_form(app, client, on_day):
    on_day(date(2026, 12, 2))
    _demo(app)
    login(client, COMMUNE_USER)
    page = client.get("/assessments").get_data(as_text=True)
    with app.app_context(), tenancy.unscoped():
        unit = db.session.scalar(select(User).where(User.email == COMMUNE_USER)).unit.code
    assert f"/assessments/{CODE}/2026/{unit}" in page
    form = client.get(f"/assessments/{CODE}/2026/{unit}")
    assert form.status_code == 200
    page = form.get_data(as_text=True)
    assert "Chủ tịch UBND xã, phường là Trưởng Ban chỉ đạo chuyển đổi số" in page


def test_running_the_demo_twice_gives_the_same_data(app, on_day):
    on_day(date(2026, 12, 2))
    _demo(app)
    once = _state(app)
    assert (CODE, "2026") in once["open"]
    _demo(app)
    assert _state(app) == once


def test_the_demo_systems_write_only_where_the_api_would_let_them(app, on_day):
    """A system cannot write into a submitted assessment: the demo's systems send while the
    units are drafting (so submitted ones hold their values) and never after."""
    from app.services.demo_communes import load_measured_values
    on_day(date(2026, 12, 2))
    _demo(app)
    registry = app.extensions["chiso"]
    with app.app_context(), tenancy.scoped(province_id(app, "dienbien")):
        period = db.session.scalar(select(Period).where(Period.scheme_code == CODE))
        submitted = db.session.scalars(select(Assessment).where(
            Assessment.period_id == period.id, Assessment.state.in_(("submitted", "appraised")))
            .order_by(Assessment.unit_id)).all()
        assert submitted and all(any(a.measured_by for a in item.answers) for item in submitted)
        # had a system's value been missing from a submitted assessment, it stays missing
        for answer in [a for a in submitted[0].answers if a.measured_by]:
            db.session.delete(answer)
        db.session.commit()
        commune = db.session.scalar(select(User).where(User.email == COMMUNE_USER)).unit.code
        assert load_measured_values(registry, CODE, "dienbien", commune) == 0
        db.session.expire_all()
        assert not any(a.measured_by for a in submitted[0].answers)


def test_the_demo_opens_no_period_on_another_province_s_scheme_of_its_code(app, on_day,
                                                                           tmp_path):
    from app.services.demo_communes import workbook_of_demo_scheme
    on_day(date(2026, 12, 2))
    with app.app_context():
        code, workbook = workbook_of_demo_scheme(app.extensions["chiso"], "thanhhoa")
    path = tmp_path / f"{code}.xlsx"
    path.write_bytes(workbook)
    imported = app.test_cli_runner().invoke(args=["catalogue", "import", str(path),
                                                  "--province", "thanhhoa"])
    assert imported.exit_code == 0, imported.output
    output = _demo(app)
    assert f"bỏ qua bộ chỉ số mẫu cấp xã (mã «{CODE}» đã được dùng)" in output
    with app.app_context(), tenancy.unscoped():
        opened = db.session.execute(select(Period.province_id).where(
            Period.scheme_code == CODE)).scalars().all()
    assert opened == []
