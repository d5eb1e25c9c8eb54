"""axe-core (WCAG 2.2 A/AA) on every main page, in its empty, error and filled states and after
htmx swaps; forms follow the GOV.UK error-summary pattern (title «Lỗi: », summary at the top with
links to the fields, focus moved to it, also after an htmx swap).

The login page and the assessment form's empty and row-error states are checked in
test_smoke_browser, the published ranking and its withdrawal in test_journeys.
"""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from tests.e2e.conftest import axe_violations, log_in
from tests.e2e.test_journeys import (ADMIN, APPRAISER, FORM, PERIOD, REVIEW, SCHEME, UNIT_USER,
                                     after_swap, csrf_token, leaves, post_sections, tiny_pdf,
                                     told)

RANKING = f"/rankings/{SCHEME}/{PERIOD}"
# Every main page on a desktop and on a phone (390 px): officials fill forms on both.
WIDTHS = pytest.mark.parametrize("page", [1280, 390], indirect=True, ids=["desktop", "phone"])


class Sweep:
    """Runs axe on page after page and keeps every violation, so one run reports them all."""

    def __init__(self, page):
        self.page, self.found = page, {}

    def check(self, state: str) -> None:
        violations = axe_violations(self.page)
        if violations:
            self.found[state] = violations

    def visit(self, *paths: str) -> None:
        for path in paths:
            answer = self.page.goto(path)
            assert answer.ok, f"{path}: {answer.status}"
            self.check(path)

    def assert_clean(self) -> None:
        assert self.found == {}, "\n".join(f"{state}: {v}" for state, v in self.found.items())


def switch_user(page, email: str) -> None:
    page.context.clear_cookies()
    log_in(page, email)


def assert_error_summary(page, *messages: str) -> None:
    """GOV.UK: the title starts «Lỗi: », the summary has focus, names each problem, and its
    links lead to fields further down the page."""
    expect(page).to_have_title(re.compile("^Lỗi: "))
    summary = page.locator(".error-summary")
    expect(summary).to_be_focused()
    for message in messages:
        expect(summary).to_contain_text(message)
    targets = summary.locator("a").evaluate_all("links => links.map(a => a.hash.slice(1))")
    for target in targets:
        below = page.evaluate("""id => {
            const field = document.getElementById(decodeURIComponent(id));
            const summary = document.querySelector('.error-summary');
            const after = summary.compareDocumentPosition(field || summary);
            return !!field && !!(after & Node.DOCUMENT_POSITION_FOLLOWING);
        }""", target)
        assert below, f"the summary's link #{target} leads to no field below it"


# -- a unit user: empty pages, failed submits, the filled form ------------------------------
@WIDTHS
def test_unit_user_pages(page, app):
    sweep = Sweep(page)
    log_in(page, UNIT_USER)
    sweep.visit("/assessments", FORM + "/check", FORM + "/rows/1.1/evidence", "/catalogue",
                "/periods", "/notifications", "/account/tokens", "/rankings", "/dashboards",
                FORM + "/import")  # dashboards and the Excel import: other features' pages

    page.goto(FORM + "/rows/1.1/evidence")  # the page without JavaScript: nothing chosen
    page.get_by_role("button", name="Tải lên").click()
    assert_error_summary(page, "Hãy chọn một tệp hoặc nhập đường dẫn.")
    sweep.check("evidence page, nothing chosen")

    page.goto("/account/password")
    page.get_by_role("button", name="Đổi mật khẩu").click()
    assert_error_summary(page, "Mật khẩu hiện tại")
    sweep.check("password change, empty")

    page.goto("/account/tokens")
    page.get_by_role("button", name="Tạo mã truy cập").click()
    expect(page.locator(".token-value")).to_be_visible()
    sweep.check("new API token shown")
    page.evaluate("document.getElementById('name').removeAttribute('maxlength')")  # old browser
    page.fill("#name", "x" * 101)
    page.get_by_role("button", name="Tạo mã truy cập").click()
    assert_error_summary(page, "Tên mã truy cập dài quá 100 ký tự.")
    sweep.check("API token, name too long")

    page.goto(f"/catalogue/{SCHEME}")
    pillar = "An toàn thông tin mạng"
    page.select_option("#pillar", label=pillar)
    expect(page.locator("#catalogue-rows")).to_contain_text(f"thuộc trụ cột «{pillar}»")
    sweep.check("catalogue filtered by pillar (htmx)")

    page.goto("/units")
    sweep.check("units tree")
    page.fill("#q", "Mường Nhé")
    expect(page.locator("#results")).to_contain_text("kết quả cho «Mường Nhé»")
    sweep.check("units search results (htmx)")

    page.goto(FORM)
    post_sections(page, app, leaves(app))
    sweep.visit(FORM, FORM + "/check")
    expect(page.locator("main")).to_contain_text("Hồ sơ đã đủ để nộp")
    sweep.assert_clean()


def test_without_javascript_a_section_lists_what_did_not_save(browser, live_server):
    """The form still works without JavaScript, a section at a time: a refused row comes back
    with the summary at the top (focus cannot move without a script), the typing kept and the
    other rows saved."""
    context = browser.new_context(base_url=live_server, locale="vi-VN", java_script_enabled=False)
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        log_in(page, UNIT_USER)
        page.goto(FORM)
        page.fill("#f-1-2-score", "99")
        page.fill("#f-1-3-score", "5")
        page.get_by_role("button", name="Lưu mục 1").click()
        expect(page).to_have_title(re.compile("^Lỗi: "))
        summary = page.locator(".error-summary")
        expect(summary).to_contain_text("1.2: Điểm tự chấm không được lớn hơn 15.")
        expect(summary.get_by_role("link")).to_have_attribute("href", "#f-1-2-score")
        expect(page.locator("#f-1-2-score")).to_have_value("99")
        expect(page.locator("#row-1\\.3 .status")).to_contain_text("Lưu lần cuối")  # saved
        expect(page.locator("#f-1-2-score")).to_have_attribute("aria-invalid", "true")
        # (axe itself needs JavaScript: the same summary markup is checked on the other pages.)
    finally:
        context.close()


# -- the province admin: lists, htmx filters, every form's error state ----------------------
@WIDTHS
def test_admin_pages(page):
    sweep = Sweep(page)
    log_in(page, ADMIN)
    sweep.visit("/", "/assessments", "/users", "/users/import", "/province/plugins", RANKING,
                "/dashboards/province")

    page.goto("/users")
    page.select_option("#role", "appraiser")
    expect(page.locator("#user-rows")).to_contain_text("1 tài khoản.")
    sweep.check("users filtered by role (htmx)")

    page.goto("/users/new")
    page.get_by_role("button", name="Tạo tài khoản").click()
    assert_error_summary(page, "Thư điện tử")
    sweep.check("new user, empty")

    page.goto("/users")
    page.get_by_role("link", name="Đặt lại mật khẩu").first.click()
    page.get_by_role("button", name="Đặt lại mật khẩu").click()
    assert_error_summary(page, "Mật khẩu mới")
    sweep.check("password reset, empty")

    page.goto("/users/import")
    page.get_by_role("button", name="Tải lên và xem trước").click()
    assert_error_summary(page, "Hãy chọn tệp Excel (.xlsx) hoặc CSV để tải lên.")
    sweep.check("user import, no file")
    csv = "Thư điện tử,Họ và tên,Vai trò,Mã đơn vị\nkhong-phai-thu,Nguyễn Văn A,unit_user,\n"
    page.set_input_files("#file", files=[{"name": "nguoi-dung.csv", "mimeType": "text/csv",
                                          "buffer": csv.encode()}])
    page.get_by_role("button", name="Tải lên và xem trước").click()
    assert_error_summary(page, "chưa tạo tài khoản nào")
    sweep.check("user import, preview with bad rows")

    page.goto("/units")
    page.get_by_role("link", name="Sở Thông tin và Truyền thông").click()
    page.fill("#name", "")
    page.get_by_role("button", name="Lưu").click()
    assert_error_summary(page, "Tên đơn vị")
    sweep.check("unit edit, name cleared")

    page.goto("/periods")
    page.fill("#code", "")
    page.get_by_role("button", name="Mở kỳ").click()
    assert_error_summary(page, "Kỳ báo cáo")
    sweep.check("open a period, empty")
    page.locator("tr", has_text=SCHEME).get_by_role("link", name="Đổi hạn").click()
    page.fill("#deadline", "")
    page.get_by_role("button", name="Lưu hạn mới").click()
    assert_error_summary(page, "Vui lòng chọn hạn nộp.")
    sweep.check("deadline, empty")
    sweep.assert_clean()


# -- appraisal, questions and answers ---------------------------------------------------------
def submit_everything(page, app) -> None:
    """The unit posts a PDF, every row and its submission as forms without JavaScript do."""
    page.goto(FORM)
    token = csrf_token(page)
    answer = page.request.post(f"{FORM}/rows/1.1/evidence", max_redirects=0, multipart={
        "csrf_token": token,
        "file": {"name": "bien-ban.pdf", "mimeType": "application/pdf", "buffer": tiny_pdf()}})
    assert answer.status == 302, answer.text()[:300]
    post_sections(page, app, leaves(app))
    answer = page.request.post(f"{FORM}/submit", form={"csrf_token": token, "confirm": "1"},
                               max_redirects=0)
    assert answer.status == 302


@WIDTHS
def test_appraisal_pages(page, app):
    page.on("dialog", lambda dialog: dialog.accept())
    sweep = Sweep(page)
    log_in(page, UNIT_USER)
    submit_everything(page, app)

    switch_user(page, APPRAISER)
    sweep.visit("/", "/appraisal", REVIEW, REVIEW + "/1.1", RANKING)
    page.goto("/appraisal")
    page.select_option("#f-state", "returned")
    expect(page.locator("#queue-results")).to_contain_text("Không có hồ sơ nào khớp bộ lọc.")
    sweep.check("queue filtered (htmx)")

    page.goto(REVIEW + "/1.2")
    page.fill("#ap-1-2-score", "1")
    page.get_by_role("button", name="Lưu điểm thẩm định").click()
    assert_error_summary(page, "Nhận xét: bắt buộc khi điểm thẩm định khác điểm tự chấm")
    sweep.check("score without comment (htmx)")
    page.get_by_role("button", name="Ghi câu hỏi").click()
    assert_error_summary(page, "Câu hỏi giải trình: vui lòng ghi điều cần đơn vị giải trình.")
    sweep.check("empty question (htmx)")
    page.fill("#ap-1-2-q", "Đề nghị gửi biên bản các cuộc họp.")
    after_swap(page, lambda: page.get_by_role("button", name="Ghi câu hỏi").click())
    expect(page).not_to_have_title(re.compile("^Lỗi: "))  # the errors are gone, so is «Lỗi: »
    page.goto(REVIEW)
    sweep.check("assessment with a question waiting")
    page.get_by_role("button", name="Trả lại để giải trình").click()
    told(page, "để giải trình 1 chỉ tiêu")
    sweep.visit(FORM + "/history")

    switch_user(page, UNIT_USER)
    sweep.visit("/notifications")
    page.goto(FORM)  # returned: the questions panel above the rows
    page.locator("#giai-trinh").get_by_role("button", name="Lưu trả lời").click()
    assert_error_summary(page, "Trả lời giải trình chỉ tiêu 1.2: vui lòng ghi nội dung.")
    sweep.check("returned assessment, empty reply (htmx)")
    sweep.assert_clean()


@WIDTHS
def test_failed_action_after_redirect_is_an_error_too(page):
    """Publishing without ticking the box comes back with an error message: it gets the focus
    and the title says «Lỗi: »."""
    log_in(page, ADMIN)
    page.goto(RANKING)
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Công bố kết quả").click()
    message = page.locator(".flash-error")
    expect(message).to_have_text("Hãy đánh dấu ô xác nhận trước khi công bố.")
    expect(message).to_be_focused()
    expect(page).to_have_title(re.compile("^Lỗi: Xếp hạng"))
    assert axe_violations(page) == []


# -- the national administrator; a province with communes -----------------------------------
@WIDTHS
def test_superadmin_and_commune_pages(page):
    sweep = Sweep(page)
    log_in(page, "superadmin@demo.chiso.vn")
    sweep.visit("/admin/provinces", "/admin/plugins", "/dashboards/compare")
    switch_user(page, "province_admin.yenbai@demo.chiso.vn")
    sweep.visit("/", "/communes/yenbai-xa-2022/2022", "/communes/yenbai-xa-2022/2022/participants",
                "/calendar/yenbai-kpi-2022")
    switch_user(page, "viewer.dienbien@demo.chiso.vn")
    sweep.visit("/", "/rankings")
    sweep.assert_clean()
