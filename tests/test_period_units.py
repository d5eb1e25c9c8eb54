"""A period assesses the units that exist on its last day: after `units import-current`, a 2022
period still lists the 2022 districts, a 2026 period lists the current communes and wards and no
district, and what the closed units did in 2022 stays readable."""
from datetime import date

from sqlalchemy import select
from vietnam_provinces import ProvinceCode, Ward

from app import tenancy
from app.catalogue.model import Scheme
from app.extensions import db
from app.models import Period
from app.services.lookups import unit_in_period
from app.services.period_units import units_of_period
from app.services.rankings import not_ranked
from tests.conftest import province_id

DISTRICTS = ("Huyện Mường Nhé", "Huyện Điện Biên Đông")


def _cli(app, *args):
    result = app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result


def _current_codes() -> set[str]:
    """Straight from the package, not through the code under test."""
    return {f"{int(w.code):05d}" for w in Ward.iter_by_province(ProvinceCode(11))}


def _period(code: str, scheme_code: str = "dienbien-huyen-2022") -> Period:
    return db.session.scalar(select(Period).where(Period.scheme_code == scheme_code,
                                                  Period.code == code))


def _commune_scheme() -> Scheme:
    return Scheme(code="thu-xa", plugin="dienbien", title="Thử", version=1, kind="points",
                  unit_types=["xa", "phuong"], source={}, max_points=None, rows=[])


def test_a_2022_period_still_lists_the_districts_after_import_current(app, as_user, on_day):
    on_day(date(2026, 12, 2))
    _cli(app, "units", "import-current", "dienbien")
    client = as_user("province_admin", "dienbien")
    page = client.get("/assessments").get_data(as_text=True)
    assert all(name in page for name in DISTRICTS)  # the open 2022 period of the district scheme
    ranking = client.get("/rankings/dienbien-huyen-2022/2022").get_data(as_text=True)
    assert all(name in ranking for name in DISTRICTS)  # listed as not ranked, as before
    with app.app_context(), tenancy.scoped(province_id(app, "dienbien")):
        period = _period("2022")
        districts = units_of_period(_huyen(), period)
        assert len(districts) == 10 and all(u.valid_to == date(2025, 6, 30) for u in districts)
        old = units_of_period(_commune_scheme(), period)  # 2022 communes and wards, no town
        assert len(old) == 124 and all(u.valid_to == date(2025, 6, 30) for u in old)
        # A reused code names the 2022 commune in 2022 (03127: Him Lam then, Điện Biên Phủ now).
        assert unit_in_period("03127", period).name == "Phường Him Lam"


def _huyen() -> Scheme:
    return Scheme(code="thu-huyen", plugin="dienbien", title="Thử", version=1, kind="points",
                  unit_types=["huyen"], source={}, max_points=None, rows=[])


def test_a_2026_period_lists_the_current_communes_and_not_the_districts(app, as_user, on_day):
    on_day(date(2026, 12, 2))
    _cli(app, "units", "import-current", "dienbien")
    _cli(app, "periods", "open", "dienbien-huyen-2022", "2026")
    client = as_user("province_admin", "dienbien")
    page = client.get("/assessments").get_data(as_text=True)
    assert page.count("/assessments/dienbien-huyen-2022/2026/") == 0  # nobody left to assess
    assert page.count("/assessments/dienbien-huyen-2022/2022/") == 10
    ranking = client.get("/rankings/dienbien-huyen-2022/2026").get_data(as_text=True)
    assert not any(name in ranking for name in DISTRICTS)
    # A closed district has no 2026 form: the URL is a 404, not a new empty assessment.
    district = client.get("/assessments/dienbien-huyen-2022/2026/094")
    assert district.status_code == 404
    with app.app_context(), tenancy.scoped(province_id(app, "dienbien")):
        period = _period("2026")
        communes = units_of_period(_commune_scheme(), period)
        assert {u.code for u in communes} == _current_codes()
        assert all(u.valid_from == date(2025, 7, 1) for u in communes)
        assert units_of_period(_huyen(), period) == []
        assert unit_in_period("03127", period).name == "Phường Điện Biên Phủ"
        waiting = not_ranked(_commune_scheme(), period, [])
        assert {n.code for n in waiting} == _current_codes()


def test_the_year_of_the_reorganisation_is_assessed_in_the_structure_it_ends_in(app):
    _cli(app, "units", "import-current", "dienbien")
    with app.app_context(), tenancy.scoped(province_id(app, "dienbien")):
        june, year = Period(code="202506", type="month"), Period(code="2025", type="year")
        assert len(units_of_period(_huyen(), june)) == 10  # districts until 30 June 2025
        assert units_of_period(_huyen(), year) == []
        assert {u.code for u in units_of_period(_commune_scheme(), year)} == _current_codes()


def test_a_closed_units_2022_answers_stay_readable(app, as_user, on_day):
    on_day(date(2022, 12, 1))  # the 2022 period is open for entry
    client = as_user("province_admin", "dienbien")
    form = "/assessments/dienbien-huyen-2022/2022/094"
    saved = client.post(f"{form}/rows/1.2", data={"1.2__self_score": "7,5"},
                        headers={"HX-Request": "true"})
    assert saved.status_code == 200, saved.get_data(as_text=True)[:300]
    _cli(app, "units", "import-current", "dienbien")
    on_day(date(2026, 12, 2))
    after = client.get(form)
    page = after.get_data(as_text=True)
    assert after.status_code == 200 and "Thành phố Điện Biên Phủ" in page and "7,5" in page
    with app.app_context(), tenancy.scoped(province_id(app, "dienbien")):
        assert unit_in_period("094", _period("2022")).valid_to == date(2025, 6, 30)
