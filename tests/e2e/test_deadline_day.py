"""Deadline-day friction (issue 14) in a real browser: the bulk «Đồng ý» asks first and says
how many, searches find names typed without accents, and the pages stay axe-clean."""
from __future__ import annotations

from playwright.sync_api import expect

from tests.e2e.conftest import axe_violations, log_in
from tests.e2e.test_journeys import (ADMIN, APPRAISER, FORM, REVIEW, UNIT_USER, csrf_token,
                                     leaves, log_out, post_sections, told)


def submitted(page, app) -> None:
    """The demo unit fills every row (as a browser without JavaScript posts) and submits."""
    log_in(page, UNIT_USER)
    page.goto(FORM)
    post_sections(page, app, leaves(app))
    answer = page.request.post(f"{FORM}/submit", form={"csrf_token": csrf_token(page),
                                                       "confirm": "1"}, max_redirects=0)
    assert answer.status == 302
    log_out(page)


def test_bulk_agree_asks_with_the_count_and_can_be_cancelled(page, app):
    submitted(page, app)
    log_in(page, APPRAISER)
    page.goto(REVIEW)
    total = len(leaves(app))
    button = page.get_by_role("button", name=f"Đồng ý {total} chỉ tiêu còn lại")
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    button.click()
    assert asked and f"Đồng ý điểm tự chấm của {total} chỉ tiêu còn lại" in asked[0]
    expect(page.locator(".summary")).to_contain_text(f"Đã thẩm định 0/{total} chỉ tiêu")
    assert axe_violations(page) == []

    page.once("dialog", lambda dialog: dialog.accept())
    button.click()
    told(page, f"Đã đồng ý điểm tự chấm của {total} chỉ tiêu còn lại.")
    expect(page.locator(".summary")).to_contain_text(f"Đã thẩm định {total}/{total} chỉ tiêu")


def test_searches_find_names_typed_without_accents(page):
    log_in(page, ADMIN)
    page.goto("/units")
    page.fill("#q", "muong nhe")
    expect(page.locator("#results")).to_contain_text("Mường Nhé")
    page.goto("/users")
    page.fill("#user-q", "SO THONG TIN")
    expect(page.locator("#user-rows")).to_contain_text("unit_user.dienbien@demo.chiso.vn")
    expect(page.locator("#user-rows")).not_to_contain_text("appraiser.dienbien@demo.chiso.vn")
    assert axe_violations(page) == []

    # The unit picker of a new account: grouped by kind, narrowed as one types.
    page.goto("/users/new")
    page.fill("#unit-filter", "thanh nua")
    shown = page.locator("#unit option:not([hidden])").all_text_contents()
    assert any("Thanh Nưa" in text for text in shown) and len(shown) < 6, shown
    assert axe_violations(page) == []


def test_admin_pages_touched_on_deadline_day_are_axe_clean(page):
    log_in(page, ADMIN)
    for path in ("/periods", "/dashboards/province?scheme=dienbien-so-2022&period=2022",
                 "/rankings/dienbien-so-2022/2022"):
        page.goto(path)
        assert axe_violations(page) == [], path
    page.goto("/periods")
    page.get_by_role("link", name="Đổi hạn").first.click()
    page.fill("#deadline", "2020-01-01")
    page.get_by_role("button", name="Lưu hạn mới").click()
    expect(page.locator("main")).to_contain_text("đã qua")
    assert axe_violations(page) == []
