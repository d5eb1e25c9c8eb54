"""Measured rows in a real browser: the unit's form shows a measured row read-only with its
source and date, the catalogue labels each row's source, the system token page makes a token;
each page passes axe (WCAG 2.2 A/AA). Screenshots go to test-artifacts/ to be looked at."""
from __future__ import annotations

from datetime import date

from app.catalogue.loader import parse_scheme
from tests.conftest import demo
from tests.e2e.conftest import ARTIFACTS, axe_violations, log_in
from tests.test_measured import CODE, FORM, PORTAL, SCHEME, _cli, _portal_write


def _with_scheme(app, on_day):
    on_day(date(2026, 12, 5))
    registry = app.extensions["chiso"]
    registry.schemes[CODE] = parse_scheme(SCHEME.encode(), f"{CODE}.toml", "dienbien",
                                          registry.scoring_methods)
    _cli(app, "periods", "open", CODE, "2026")


def test_measured_rows_read_only_with_their_source_and_labelled(app, page, on_day):
    _with_scheme(app, on_day)
    token = _cli(app, "tokens", "create-system", PORTAL, "--province", "dienbien")
    assert _portal_write(app, token).status_code == 200
    ARTIFACTS.mkdir(exist_ok=True)

    log_in(page, demo("unit_user", "dienbien"))
    page.goto(FORM)
    row = page.locator("#row-1\\.1")
    assert "Đo tự động từ Cổng dịch vụ công: số liệu ngày 30/11/2026" in row.inner_text()
    assert row.locator("input:not([type=hidden]), textarea").count() == 0
    assert page.locator("#row-1\\.2 input[name='1.2__value']").count() == 2  # declared: inputs
    assert "Chưa nhận số liệu từ Hệ thống quản lý văn bản" in \
        page.locator("#row-1\\.3").inner_text()
    assert axe_violations(page) == []
    page.screenshot(path=str(ARTIFACTS / "measured-form.png"), full_page=True)

    page.goto(f"/catalogue/{CODE}")
    assert page.locator(".tag.measured").count() == 3  # legend and two rows
    assert axe_violations(page) == []
    page.screenshot(path=str(ARTIFACTS / "measured-catalogue.png"), full_page=True)

    page.context.clear_cookies()
    log_in(page, demo("province_admin", "dienbien"))
    page.goto("/users/systems")
    page.fill("#name", PORTAL)
    page.click("form[action='/users/systems'] button")
    assert page.locator(".token-value").input_value().startswith("chiso_")
    assert axe_violations(page) == []
    page.screenshot(path=str(ARTIFACTS / "measured-system-tokens.png"), full_page=True)
