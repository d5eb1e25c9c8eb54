"""A unit user fills rows in a real browser: htmx saves, totals move, no accessibility errors."""
from playwright.sync_api import expect

from tests.e2e.conftest import axe_violations, log_in

FORM = "/assessments/dienbien-so-2022/2022/dienbien.so-tttt"


def test_login_page_is_accessible(page):
    page.goto("/login")
    assert axe_violations(page) == []


def test_login_errors_follow_the_error_summary_pattern(page):
    page.goto("/login")
    page.click("button.button")
    assert page.title().startswith("Lỗi: ")
    summary = page.locator(".error-summary")
    assert summary.is_visible() and "Vui lòng nhập thư điện tử." in summary.inner_text()
    expect(summary).to_be_focused()  # app.js moves focus there once the page has loaded
    assert axe_violations(page) == []


def test_unit_user_fills_rows_and_sees_totals_update(page):
    log_in(page, "unit_user.dienbien@demo.chiso.vn")
    page.goto(FORM)
    assert axe_violations(page) == []
    page.check("#row-1\\.1 input[value='1']")
    page.locator("#row-1\\.1 .saved").wait_for()
    assert "10 / 500" in page.inner_text("#summary")
    page.fill("#f-1-2-score", "99")
    page.press("#f-1-2-score", "Tab")
    page.locator("#row-1\\.2 .field-error").wait_for()
    assert "không được lớn hơn 15" in page.inner_text("#row-1\\.2")
    assert page.input_value("#f-1-2-score") == "99"  # the typing stays
    assert axe_violations(page) == []  # error state, after an htmx swap
    page.fill("#f-1-2-score", "12,5")
    page.press("#f-1-2-score", "Tab")
    page.locator("#row-1\\.2 .saved").wait_for()
    assert "22,5 / 500" in page.inner_text("#summary")
    assert "22,5 / 50 điểm" in page.inner_text("#sub-1")
    assert page.console_errors == []
