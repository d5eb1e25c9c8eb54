"""`units import-current`: the 2025 divisions replace the 2022 ones without losing history."""
from datetime import date

import pytest
from sqlalchemy import func, select
from vietnam_provinces import ProvinceCode, Ward

from app import tenancy
from app.extensions import db
from app.models import Province, Unit
from app.services.divisions import DivisionsError, import_current, package_divisions
from app.services.provinces import load_units
from tests.conftest import province_id

COMMUNE_TYPES = ("xa", "phuong", "thi_tran")
OLD_LAST_DAY = date(2025, 6, 30)
NEW_FIRST_DAY = date(2025, 7, 1)


def _package_codes(official_code: int) -> set[str]:
    """Read straight from the package, not through the code under test."""
    return {f"{int(w.code):05d}" for w in Ward.iter_by_province(ProvinceCode(official_code))}


def _import(app, code, *extra):
    return app.test_cli_runner().invoke(args=["units", "import-current", code, *extra])


def _units(app, code):
    with app.app_context(), tenancy.scoped(province_id(app, code)):
        return [(u.code, u.name, u.type, u.official, u.valid_from, u.valid_to,
                 u.parent.code if u.parent else None)
                for u in db.session.scalars(select(Unit).order_by(Unit.id))]


def test_import_closes_2022_divisions_and_adds_the_current_ones(app):
    before = _units(app, "dienbien")
    new_codes = _package_codes(11)
    result = _import(app, "dienbien")
    assert result.exit_code == 0, result.output
    assert f"139 huyện, xã cũ có hiệu lực đến 30/06/2025; thêm {len(new_codes)} xã" in result.output
    assert "vietnam-provinces 2025.10.1" in result.output
    after = _units(app, "dienbien")

    districts = [u for u in after if u[2] == "huyen"]
    old_communes = [u for u in after if u[2] in COMMUNE_TYPES and u[4] < NEW_FIRST_DAY]
    assert len(districts) == 10 and {u[5] for u in districts} == {OLD_LAST_DAY}
    assert len(old_communes) == 129 and {u[5] for u in old_communes} == {OLD_LAST_DAY}

    current_communes = [u for u in after if u[2] in COMMUNE_TYPES and u[5] is None]
    assert {u[0] for u in current_communes} == new_codes
    assert len(current_communes) == len(new_codes)
    assert all(u[3] and u[4] == NEW_FIRST_DAY and u[6] == "11" for u in current_communes)

    # Departments and the province row are exactly as before; nothing old was deleted.
    untouched = [u for u in before if u[2] not in ("huyen", *COMMUNE_TYPES)]
    assert [u for u in after if u[2] not in ("huyen", *COMMUNE_TYPES)] == untouched
    assert len(untouched) > 1 and all(u[5] is None for u in untouched)
    assert len(after) == len(before) + len(new_codes)


def test_a_reused_code_keeps_its_2022_row_beside_the_new_one(app):
    _import(app, "dienbien")
    rows = sorted((u[4], u[1], u[5]) for u in _units(app, "dienbien") if u[0] == "03127")
    assert rows == [(date(2022, 1, 1), "Phường Him Lam", OLD_LAST_DAY),
                    (NEW_FIRST_DAY, "Phường Điện Biên Phủ", None)]


def test_importing_twice_changes_nothing(app):
    assert _import(app, "dienbien").exit_code == 0
    once = _units(app, "dienbien")
    again = _import(app, "dienbien")
    assert again.exit_code == 0 and "dienbien: không có gì thay đổi" in again.output
    assert _units(app, "dienbien") == once


def test_other_provinces_are_untouched(app):
    before = _units(app, "thanhhoa")
    _import(app, "dienbien")
    assert _units(app, "thanhhoa") == before


def test_a_renamed_province_gets_a_note_and_keeps_its_name(app):
    result = _import(app, "yenbai")
    assert result.exit_code == 0, result.output
    assert "mã tỉnh 15 nay là tỉnh «Lào Cai»" in result.output
    with app.app_context(), tenancy.unscoped():
        name = db.session.scalar(select(Province.name).where(Province.code == "yenbai"))
    assert name == "Yên Bái"
    current = {u[0] for u in _units(app, "yenbai") if u[2] in COMMUNE_TYPES and u[5] is None}
    assert current == _package_codes(15)
    assert "Lưu ý" not in _import(app, "dienbien").output


def test_an_official_code_the_package_does_not_know_fails_and_changes_nothing(app):
    with app.app_context(), tenancy.unscoped():
        db.session.scalar(select(Province).where(Province.code == "dienbien")).official_code = "99"
        db.session.commit()
    before = _units(app, "dienbien")
    result = _import(app, "dienbien")
    assert result.exit_code != 0
    assert "Mã tỉnh chính thức «99» của tỉnh Điện Biên không có trong dữ liệu" in result.output
    assert _units(app, "dienbien") == before


def test_unknown_province_and_bad_date_fail_in_vietnamese(app):
    missing = _import(app, "hanoi")
    assert missing.exit_code != 0 and "Không có tỉnh «hanoi»" in missing.output
    bad_date = _import(app, "dienbien", "--date", "01/07/2025")
    assert bad_date.exit_code != 0 and "Ngày «01/07/2025» (--date) không hợp lệ" in bad_date.output


def test_the_service_takes_the_date_and_the_package_data(ctx):
    with tenancy.unscoped():
        province = db.session.scalar(select(Province).where(Province.code == "dienbien"))
    current = package_divisions(province)
    result = import_current(province, current, date(2025, 8, 1))
    assert (result.closed, result.added, result.old_until) == (139, len(current.divisions),
                                                               date(2025, 7, 31))
    province.official_code = None
    with pytest.raises(DivisionsError, match="Mã tỉnh chính thức"):
        package_divisions(province)


def test_units_page_shows_current_units_and_history_on_request(app, as_user):
    _import(app, "dienbien")
    client = as_user("province_admin", "dienbien")
    current = client.get("/units").get_data(as_text=True)
    assert "Phường Điện Biên Phủ" in current and "Sở Thông tin và Truyền thông" in current
    assert "Phường Him Lam" not in current and "Huyện Mường Nhé" not in current
    history = client.get("/units?history=1").get_data(as_text=True)
    assert "Phường Him Lam" in history and "Huyện Mường Nhé" in history
    assert "Phường Điện Biên Phủ" in history and "hết hiệu lực 30/06/2025" in history


def test_setup_after_import_adds_nothing_and_finds_closed_parents(app):
    _import(app, "dienbien")
    setup = app.test_cli_runner().invoke(args=["provinces", "setup", "dienbien"])
    assert setup.exit_code == 0 and "0 đơn vị mới" in setup.output
    with app.app_context(), tenancy.unscoped():
        province = db.session.scalar(select(Province).where(Province.code == "dienbien"))
    with app.app_context(), tenancy.scoped(province.id):
        # A 2022 commune added late to the plugin belongs to its 2022 district, now closed.
        load_units(province, [{"code": "03998", "official": "1", "name": "Xã Thử", "type": "xa",
                               "parent": "094", "valid_from": "2022-01-01",
                               "valid_to": "2025-06-30"}])
        late = db.session.scalar(select(Unit).where(Unit.code == "03998"))
        assert late.parent.name == "Thành phố Điện Biên Phủ"
        assert db.session.scalar(select(func.count()).select_from(Unit)
                                 .where(Unit.code == "03127")) == 2
