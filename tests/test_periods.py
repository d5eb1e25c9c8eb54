"""Period identifiers (DHIS2), deadlines from each plugin's calendar, opening late periods."""
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from app import periods, tenancy
from app.extensions import db
from app.models import Period
from app.services.periods import PeriodError, calendar_deadline, open_period
from tests.conftest import province_id


@pytest.mark.parametrize("code, kind, start, end", [
    ("2022", "year", date(2022, 1, 1), date(2022, 12, 31)),
    ("2022S2", "half_year", date(2022, 7, 1), date(2022, 12, 31)),
    ("2022Q1", "quarter", date(2022, 1, 1), date(2022, 3, 31)),
    ("202202", "month", date(2022, 2, 1), date(2022, 2, 28)),
])
def test_identifiers(code, kind, start, end):
    ident = periods.parse(code)
    assert (ident.type, ident.start, ident.end, ident.code) == (kind, start, end, code)


@pytest.mark.parametrize("bad", ["2022Q5", "202213", "22", "2022-03", "", "2022S3"])
def test_bad_identifiers_are_refused_in_vietnamese(bad):
    with pytest.raises(periods.PeriodError, match="không hợp lệ"):
        periods.parse(bad)


@pytest.mark.parametrize("scheme, code, due", [
    ("yenbai-kpi-2022", "202203", date(2022, 3, 25)),
    ("yenbai-kpi-2022", "2022Q2", date(2022, 6, 25)),
    ("yenbai-kpi-2022", "2022S1", date(2022, 6, 25)),
    ("yenbai-kpi-2022", "2022", date(2022, 12, 25)),
    ("yenbai-xa-2022", "2022", date(2022, 11, 30)),
    ("dienbien-so-2022", "2022", date(2023, 1, 30)),
    ("dienbien-huyen-2022", "2022", date(2023, 1, 30)),
    ("thanhhoa-huyen-2022", "2022", date(2022, 12, 15)),
])
def test_calendar_deadlines(ctx, scheme, code, due):
    assert calendar_deadline(ctx.extensions["chiso"], scheme, code) == due


def test_period_type_the_scheme_does_not_use_is_refused(ctx):
    with pytest.raises(PeriodError, match="năm"):
        calendar_deadline(ctx.extensions["chiso"], "dienbien-so-2022", "2022Q1")


def test_late_opening_gets_thirty_days_or_the_admins_date(ctx):
    registry, today = ctx.extensions["chiso"], date(2026, 11, 23)
    with tenancy.scoped(province_id(ctx, "dienbien")):
        period, created = open_period(registry, "dienbien-so-2022", "2023", today)
        assert created and period.deadline == today + timedelta(days=30)
        chosen = date(2026, 12, 5)
        other, _ = open_period(registry, "dienbien-huyen-2022", "2023", today, chosen)
        assert other.deadline == chosen
        on_time, _ = open_period(registry, "dienbien-so-2022", "2026", today)
        assert on_time.deadline == date(2027, 1, 30)


def _open(app, scheme, code):
    return app.test_cli_runner().invoke(args=["periods", "open", scheme, code])


def _periods(app, province, code):
    with app.app_context(), tenancy.scoped(province_id(app, province)):
        return db.session.scalars(select(Period).where(Period.code == code)).all()


def test_periods_open_command_is_idempotent_and_keeps_the_calendar_deadline_ahead(app, on_day):
    on_day(date(2026, 11, 10))
    first, again = _open(app, "yenbai-kpi-2022", "202611"), _open(app, "yenbai-kpi-2022", "202611")
    assert first.exit_code == 0 and "đã mở, hạn 25/11/2026" in first.output
    assert again.exit_code == 0 and "đang mở, hạn 25/11/2026" in again.output
    rows = _periods(app, "yenbai", "202611")
    assert len(rows) == 1 and rows[0].deadline == date(2026, 11, 25)


def test_periods_open_command_says_when_the_calendar_deadline_has_passed(app, on_day):
    on_day(date(2026, 12, 2))
    result = _open(app, "yenbai-kpi-2022", "202611")
    assert result.exit_code == 0
    assert "hạn theo lịch 25/11/2026 đã qua; hạn mới 01/01/2027" in result.output
    assert _periods(app, "yenbai", "202611")[0].deadline == date(2027, 1, 1)


def test_admin_opens_a_period_in_the_ui(as_user, on_day):
    on_day(date(2026, 11, 20))
    client = as_user("province_admin", "thanhhoa")
    bad = client.post("/periods", data={"scheme": "thanhhoa-huyen-2022", "code": "2023Q7"})
    assert bad.status_code == 422
    assert "Mã kỳ báo cáo «2023Q7» không hợp lệ" in bad.get_data(as_text=True)
    ok = client.post("/periods", data={"scheme": "thanhhoa-huyen-2022", "code": "2026"},
                     follow_redirects=True)
    assert "Đã mở kỳ Năm 2026" in ok.get_data(as_text=True)
    assert "hạn nộp 15/12/2026" in ok.get_data(as_text=True)


def test_admin_opening_late_in_the_ui_is_told_the_new_deadline(as_user, on_day):
    on_day(date(2027, 1, 1))
    client = as_user("province_admin", "thanhhoa")
    ok = client.post("/periods", data={"scheme": "thanhhoa-huyen-2022", "code": "2026"},
                     follow_redirects=True)
    assert "hạn theo lịch 15/12/2026 đã qua; hạn mới 31/01/2027" in ok.get_data(as_text=True)


@pytest.mark.parametrize("code, label", [("2022", "Năm 2022"), ("2022S2", "6 tháng cuối năm 2022"),
                                         ("2022Q4", "Quý IV/2022"), ("202212", "Tháng 12/2022")])
def test_labels(code, label):
    assert periods.parse(code).label == label


def _import_for(app, province_code: str, data: bytes, filename: str) -> None:
    from app.models import Province
    from app.services import imported_schemes
    registry = app.extensions["chiso"]
    with app.app_context(), tenancy.scoped(province_id(app, province_code)):
        province = db.session.scalar(select(Province).where(Province.code == province_code))
        imported_schemes.store(registry, province, None, data, filename)
        db.session.commit()
        imported_schemes.committed(registry)


def test_another_provinces_imported_scheme_previews_as_one_that_does_not_exist(app, as_user,
                                                                               tmp_path):
    """Tenant rule: Thanh Hóa's admin learns nothing of Điện Biên's imported scheme (its
    deadline, years or versions) from the deadline preview."""
    from tests.test_catalogue_import import next_version
    _import_for(app, "dienbien", next_version(app, tmp_path), "v2.xlsx")
    client = as_user("province_admin", "thanhhoa")

    def preview(scheme: str, code: str) -> str:
        response = client.get("/periods/deadline-preview", headers={"HX-Request": "true"},
                              query_string={"scheme": scheme, "code": code})
        assert response.status_code == 200
        return response.get_data(as_text=True).replace(scheme, "«mã»")

    for code in ("2026", "2022", "2026Q1"):
        assert preview("dienbien-huyen-2026", code) == preview("khong-co-bo-nay", code)
        assert "Không có bộ chỉ số" in preview("dienbien-huyen-2026", code)
    # Điện Biên's own admin still gets its deadline
    own = as_user("province_admin", "dienbien").get(
        "/periods/deadline-preview", headers={"HX-Request": "true"},
        query_string={"scheme": "dienbien-huyen-2026", "code": "2026"}).get_data(as_text=True)
    assert "Không có bộ chỉ số" not in own and "/20" in own
