"""Words a user reads: nobody is told of a unit or a province they do not have."""


def test_anonymous_404_does_not_mention_a_province(client, as_user):
    page = client.get("/khong-co-trang-nay").get_data(as_text=True)
    assert "Trang hoặc dữ liệu bạn tìm không có." in page and "tỉnh của bạn" not in page
    signed = as_user("viewer", "dienbien").get("/khong-co-trang-nay").get_data(as_text=True)
    assert "không thuộc tỉnh của bạn" in signed


def test_a_viewer_is_not_told_of_their_unit(as_user):
    page = as_user("viewer", "dienbien").get("/rankings/dienbien-so-2022/2022").get_data(
        as_text=True)
    assert "chưa được công bố" in page and "đơn vị bạn" not in page


def test_check_page_says_co_for_a_yes_no_row(app):
    from tests.test_appraisal import FORM, leaves, submitted
    seen = {}
    submitted(app, before_submit=lambda unit: seen.update(
        page=unit.get(f"{FORM}/check").get_data(as_text=True)))
    boolean = next(r for r in leaves(app) if r.input == "boolean")
    row = seen["page"].split(f'<td class="code">{boolean.code}</td>')[1].split("</tr>")[0]
    assert "<td>Có</td>" in row
