"""What a row's summary on the assessment form says, each thing once (issue 15: a 70-row form
in at most 80 KB): the score box's label gives the maximum, the value's label the unit of
measure; how a row is scored is in its details, except for rows compared with the group; one
live region for the page says each row's save."""
import re

from tests.test_entry import FORM, HX, save

YENDINH_2023 = "/assessments/thanhhoa-huyen-2022/2023/394"


def summary_of(page: str, code: str) -> str:
    """One row's summary as the page draws it (up to the next row, the section's end, or in
    an htmx answer the page's totals that follow it)."""
    row = page.split(f'id="row-{code}"', 1)[1]
    return re.split(r'class="entry-row|</form>|<section id="summary"', row, maxsplit=1)[0]


def scheme_row(app, scheme: str, code: str):
    return app.extensions["chiso"].schemes[scheme].by_code[code]


def test_the_maximum_and_the_method_are_not_repeated_in_the_summary(as_user):
    client = as_user("unit_user", "dienbien")
    row = summary_of(client.get(FORM).get_data(as_text=True), "1.2")  # manual, 15 points
    assert "Điểm tự chấm (0–15)" in row
    assert "15 điểm" not in row  # the tag said what the score box's label says
    assert "Chấm theo tài liệu kiểm chứng" not in row
    # How the row is scored is one click away, in its details.
    details = client.get(f"{FORM}/rows/1.2", headers=HX).get_data(as_text=True)
    assert "Cách chấm: <strong>Chấm theo tài liệu kiểm chứng</strong>" in details


def test_a_row_compared_with_the_group_keeps_its_method_in_the_summary(as_user):
    client = as_user("unit_user", "thanhhoa")
    page = client.get(YENDINH_2023).get_data(as_text=True)
    # 3.11 (the budget, relative to the best unit): the value is judged against other units.
    assert '<span class="tag">So với đơn vị cao nhất</span>' in summary_of(page, "3.11")
    # The 27 ratio rows say how they are scored in their details only: their inputs (two
    # counts) are filled the same whatever the method.
    assert page.count('data-fraction') > 27 * 2 - 1 and "Tỷ lệ × điểm tối đa" not in page


def test_the_unit_of_measure_is_said_where_no_label_says_it(app, as_user, monkeypatch):
    monkeypatch.setattr(scheme_row(app, "dienbien-so-2022", "1.1"), "measure", "văn bản")
    monkeypatch.setattr(scheme_row(app, "dienbien-so-2022", "3.1"), "measure", "%")
    monkeypatch.setattr(scheme_row(app, "thanhhoa-huyen-2022", "5.8"), "measure", "lượt")
    dienbien = as_user("unit_user", "dienbien").get(FORM).get_data(as_text=True)
    # A yes/no row has no value label: its head says the unit.
    assert "Đơn vị tính: văn bản" in summary_of(dienbien, "1.1")
    # A fraction is two counts; its ratio line says «%».
    assert "Đơn vị tính" not in summary_of(dienbien, "3.1")
    thanhhoa = as_user("unit_user", "thanhhoa").get(YENDINH_2023).get_data(as_text=True)
    row = summary_of(thanhhoa, "5.8")
    assert ">Giá trị (lượt)</label>" in row and "Đơn vị tính" not in row


def test_one_live_region_for_the_page_none_inside_the_rows(as_user):
    client = as_user("unit_user", "dienbien")
    page = client.get(FORM).get_data(as_text=True)
    assert page.count('<p id="row-announce" class="sr" role="status" aria-live="polite"></p>') == 1
    rows = page[page.index('<div class="entry-row'):page.rindex("</form>")]
    assert "aria-live" not in rows and rows.count('<p class="status">') > 30
    assert '<section id="summary" class="summary panel">' in page  # replaced on each save too
    # The row drawn again after a save keeps its visible status line, with no region in it.
    saved = save(client, "1.2", self_score="10").get_data(as_text=True)
    row = summary_of(saved, "1.2")
    assert '<p class="status"><span class="saved">Đã lưu lúc' in row and "aria-live" not in row
