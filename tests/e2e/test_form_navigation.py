"""The long assessment form in a browser: the section index and "next incomplete row", the
filter to what is missing, details loaded on demand, the warning before leaving unsaved typing,
each row's save said in the page's one live region, and axe at desktop and phone widths."""
from __future__ import annotations

import re

import pytest
from playwright.sync_api import Error as PlaywrightError
from playwright.sync_api import expect

from tests.e2e.conftest import axe_violations, log_in

FORM = "/assessments/dienbien-so-2022/2022/dienbien.so-tttt"
UNIT_USER = "unit_user.dienbien@demo.chiso.vn"


def test_next_incomplete_row_and_only_missing(page):
    log_in(page, UNIT_USER)
    page.goto(FORM)
    page.locator("#f-1-1-value").check()  # boolean row 1.1: saves on change
    expect(page.locator("#row-1\\.1 .status")).to_contain_text("Đã lưu")
    page.locator("#f-1-1-value").focus()
    page.click("#next-missing")
    focused_row = page.evaluate("document.activeElement.closest('.entry-row').id")
    assert focused_row != "row-1.1"
    page.locator("#only-missing").check()
    page.click(".section-index summary")
    expect(page.locator(".section-index a").first).to_be_visible()
    # A row's details come with htmx when opened.
    page.click("#f-1-2-more")
    expect(page.locator("#row-1\\.2 .evidence-add")).to_have_count(1)
    assert page.console_errors == []


def test_leaving_with_unsaved_typing_asks_first(page):
    log_in(page, UNIT_USER)
    page.goto(FORM)
    page.locator("#f-1-2-score").fill("7")  # typed, not yet saved (no change event)
    asked = []
    page.on("dialog", lambda dialog: (asked.append(dialog.type), dialog.dismiss()))
    # Staying on the page (the dialog dismissed) aborts the navigation.
    with pytest.raises(PlaywrightError, match="ERR_ABORTED"):
        page.goto("/assessments")
    assert asked == ["beforeunload"]
    assert page.url.endswith(FORM)


def test_form_is_accessible_on_desktop_and_phone(page):
    log_in(page, UNIT_USER)
    for width, height in ((1366, 900), (390, 844)):
        page.set_viewport_size({"width": width, "height": height})
        page.goto(FORM)
        assert axe_violations(page) == []
        sideways = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
        assert sideways <= 0, f"{sideways}px sideways at {width}px"


def test_a_fraction_row_waits_for_its_denominator(page):
    log_in(page, UNIT_USER)
    page.goto(FORM)
    page.fill("#f-3-1-num", "12")
    page.press("#f-3-1-num", "Tab")  # on to the denominator: no complaint yet
    page.wait_for_timeout(300)
    expect(page.locator("#row-3\\.1")).not_to_contain_text("Cần nhập cả tử số và mẫu số")
    page.fill("#f-3-1-den", "20")
    page.press("#f-3-1-den", "Tab")
    expect(page.locator("#row-3\\.1 .status")).to_contain_text("Đã lưu lúc")


def test_each_row_save_is_said_in_the_pages_live_region(page):
    log_in(page, UNIT_USER)
    page.goto(FORM)
    said = page.locator("#row-announce")
    # Every non-empty text the region is given, in order: a screen reader reads each one.
    page.evaluate("""() => { window.said = [];
        new MutationObserver(() => { const text = document.getElementById('row-announce').textContent;
            if (text) { window.said.push(text); } })
          .observe(document.getElementById('row-announce'), {childList: true, characterData: true, subtree: true}); }""")
    page.locator("#f-1-1-value").check()
    # The save, then the form's progress (the totals panel, redrawn with the row, is no
    # live region of its own).
    expect(said).to_have_text(
        re.compile(r"^Chỉ tiêu 1\.1: Đã lưu lúc \d\d:\d\d\. Tiến độ: 1/35 chỉ tiêu\b.*\.$"))
    page.fill("#f-1-2-score", "99")  # above the row's 15 points
    page.press("#f-1-2-score", "Tab")
    expect(page.locator("#row-1\\.2 .status")).to_contain_text("Chưa lưu")
    error = page.locator("#f-1-2-score-err").inner_text()
    expect(said).to_have_text(re.compile(
        "^" + re.escape(f"Chỉ tiêu 1.2: Chưa lưu: hãy sửa lỗi ở trên. {error}".rstrip("."))
        + r"\. Tiến độ: 1/35 chỉ tiêu"))
    page.wait_for_timeout(300)  # past the region's 50 ms refill: nothing more comes
    # Each save said once (htmx settles the row and the totals sent with it: one voice only).
    assert page.evaluate("window.said.length") == 2
    # The rows and the totals, redrawn whole on each save, hold no polite region of their own.
    assert page.locator(".entry-row [aria-live=polite], #summary[aria-live]").count() == 0
    assert page.console_errors == []


def test_an_upload_and_a_lost_connection_are_said_too(page):
    from tests.e2e.test_journeys import open_details, row, tiny_pdf
    log_in(page, UNIT_USER)
    page.goto(FORM)
    said = page.locator("#row-announce")
    # An evidence upload redraws the row: what it did is said, not the row's last save.
    open_details(page, "1.1")
    box = row(page, "1.1")
    box.locator(".evidence-add > summary").click()
    box.locator("input[type=file]").set_input_files(files=[
        {"name": "bien-ban.pdf", "mimeType": "application/pdf", "buffer": tiny_pdf()}])
    box.get_by_role("button", name="Tải lên").click()
    expect(said).to_have_text(re.compile(r"^Chỉ tiêu 1\.1: Đã tải lên «bien-ban\.pdf»\. Tiến độ: "))
    # A save that never reaches the server: the row says so, in red, and so does the region.
    page.route("**/rows/1.2", lambda route: route.abort())
    page.fill("#f-1-2-score", "5")
    page.press("#f-1-2-score", "Tab")
    lost = "Mất kết nối tới máy chủ: chưa lưu. Dữ liệu vẫn còn trên trang, hãy thử lại."
    expect(page.locator("#row-1\\.2 .status.error")).to_have_text(lost)
    expect(said).to_have_text(f"Chỉ tiêu 1.2: {lost}")
    expect(page.locator("#f-1-2-score")).to_have_value("5")  # what was typed stays
