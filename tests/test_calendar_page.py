"""The reporting calendar opens on the year with open periods, and unit users find it."""
from datetime import date
from types import SimpleNamespace

from app import periods
from app.web.reporting_calendar import _calendar_year


def period(code, state="open"):
    return SimpleNamespace(ident=periods.parse(code), state=state)


def test_calendar_year_prefers_the_year_with_open_periods():
    open_2022 = [period("202203"), period("2022"), period("2021", "locked")]
    assert _calendar_year(open_2022, date(2026, 12, 2)) == 2022
    assert _calendar_year(open_2022 + [period("2026")], date(2026, 12, 2)) == 2026
    assert _calendar_year([period("2022", "locked")], date(2026, 12, 2)) == 2026


def test_yenbai_calendar_opens_on_2022_and_units_have_a_link(as_user):
    client = as_user("unit_user", "yenbai")
    home = client.get("/assessments").get_data(as_text=True)
    assert 'href="/calendar/yenbai-kpi-2022"' in home
    assert "<h1>Lịch báo cáo 2022</h1>" in client.get("/calendar/yenbai-kpi-2022").get_data(
        as_text=True)
