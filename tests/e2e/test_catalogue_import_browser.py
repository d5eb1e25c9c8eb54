"""The scheme import in a real browser: the problems page, the differences, the confirmation,
each checked by axe; screenshots are kept in test-artifacts/ for a person to look at."""
from __future__ import annotations

from tests.catalogue_workbooks import edited, exported
from tests.e2e.conftest import ARTIFACTS, axe_violations, log_in


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"catalogue-import-{name}.png"), full_page=True)


def test_import_preview_problems_differences_and_confirm(page, app, tmp_path):
    path = exported(app, tmp_path, "dienbien-huyen-2022")
    header = {"code": "dienbien-huyen-2026", "version": 2, "first_year": 2026}
    wrong = tmp_path / "sai-tong.xlsx"
    wrong.write_bytes(edited(path, header, {("1", "Điểm tối đa"): 51}))
    good = tmp_path / "bo-chi-so-2026.xlsx"
    good.write_bytes(edited(path, header, {
        ("1.1", "Điểm tối đa"): 4, ("1.2", "Điểm tối đa"): 11,
        ("1.3", "Chỉ số"): "Có chuyên trang chuyển đổi số của huyện"}))

    log_in(page, "province_admin.dienbien@demo.chiso.vn")
    page.goto("/catalogue")
    page.click("text=Nhập bộ chỉ số từ tệp Excel")
    assert "tải bảng năm trước, sửa, tải lên" in page.inner_text("main")
    assert axe_violations(page) == []
    shot(page, "1-form")

    page.set_input_files("#file", str(wrong))
    page.click("text=Tải lên và xem trước")
    page.wait_for_selector(".error-summary")
    assert "khác tổng các chỉ số con" in page.inner_text(".error-summary")
    assert page.locator("table tbody tr.row-error").count() == 1
    assert axe_violations(page) == []
    shot(page, "2-problems")

    page.set_input_files("#file", str(good))
    page.click("text=Tải lên và xem trước")
    page.wait_for_selector("table.differences")
    assert page.locator("table.differences tbody tr").count() == 3
    assert axe_violations(page) == []
    shot(page, "3-differences")

    page.click("text=Xác nhận nhập bộ chỉ số dienbien-huyen-2026")
    page.wait_for_url("**/catalogue/dienbien-huyen-2026")
    assert "Đã nhập bộ chỉ số «dienbien-huyen-2026»" in page.inner_text("body")
    assert "Tỉnh nhập từ tệp Excel ngày" in page.inner_text("main")
    assert axe_violations(page) == []
    shot(page, "4-stored")
    assert page.console_errors == []
