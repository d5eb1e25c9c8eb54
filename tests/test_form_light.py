"""The assessment form (issue 14 «Forms», issue 15 light form): rows load their details on
demand, never-saved rows are guarded like saved ones, the read-only summary after submission,
nested parents as headings, one office however it is spelled."""
import re
from urllib.parse import urljoin

from sqlalchemy import select

from app import tenancy
from app.extensions import db
from app.models import Answer, Assessment
from tests.conftest import demo, login, province_id
from tests.test_entry import FORM, HX, answer, save

YENDINH = "/assessments/thanhhoa-huyen-2022/2022/394"
PAGE_URL = "http://localhost" + FORM


def more_link(page: str, code: str) -> str:
    """The address of a row's «Chi tiết» link (relative to the form's page)."""
    anchor = "f-" + code.replace(".", "-") + "-more"
    return re.search(rf'<a class="more-link" id="{anchor}" href="([^"]+)"', page).group(1)


def test_a_never_saved_row_saved_from_two_tabs_gives_the_second_a_409(app):
    first, second = app.test_client(), app.test_client()
    login(first, demo("unit_user", "dienbien"))
    login(second, demo("unit_user", "dienbien"))
    page = first.get(FORM).get_data(as_text=True)
    assert 'name="1.2__version" value="0"' in page  # an empty row still carries its version
    assert save(first, "1.2", self_score="10", version="0").status_code == 200
    late = save(second, "1.2", self_score="12", version="0")
    assert late.status_code == 409
    assert "Người khác đã lưu chỉ tiêu này" in late.get_data(as_text=True)
    assert answer(app, "1.2").self_score == 10


def test_rows_show_a_summary_and_load_details_on_demand(as_user):
    client = as_user("unit_user", "dienbien")
    page = client.get(FORM).get_data(as_text=True)
    # The evidence panel is not in the page; each row links to its details.
    assert 'class="evidence-add"' not in page
    assert urljoin(PAGE_URL, more_link(page, "1.1")) == f"{PAGE_URL}/rows/1.1#row-1.1"
    assert "Tài liệu kiểm chứng:" in page  # the count stays in the summary
    fragment = client.get(f"{FORM}/rows/1.1", headers=HX).get_data(as_text=True)
    assert "Thêm tài liệu" in fragment and "<html" not in fragment
    # Without JavaScript the same address shows the form with that row drawn whole.
    whole = client.get(f"{FORM}/rows/1.1").get_data(as_text=True)
    assert "<html" in whole and whole.count("Thêm tài liệu") == 1


def test_a_save_without_the_details_panel_keeps_the_stored_detail_fields(app, as_user):
    client = as_user("unit_user", "dienbien")
    save(client, "1.1", value="1", no_evidence_reason="Chưa ban hành", details="1")
    save(client, "1.1", value="0")  # the panel was never opened on this page
    assert answer(app, "1.1").no_evidence_reason == "Chưa ban hành"


def test_the_explanation_is_in_the_details_and_a_light_save_keeps_it(app, as_user):
    client = as_user("unit_user", "dienbien")
    save(client, "1.2", self_score="10", explanation="Đã họp 4 lần", details="1")
    page = client.get(FORM).get_data(as_text=True)
    assert 'name="1.2__explanation"' not in page  # not in the row's summary
    details = client.get(f"{FORM}/rows/1.2", headers=HX).get_data(as_text=True)
    assert 'name="1.2__explanation"' in details and "Đã họp 4 lần</textarea>" in details
    save(client, "1.2", self_score="12", version="1")  # from the summary: no explanation sent
    assert answer(app, "1.2").explanation == "Đã họp 4 lần"
    # With the details open, the explanation posted is the one stored, an empty one too.
    save(client, "1.2", self_score="12", explanation="", version="2", details="1")
    assert answer(app, "1.2").explanation is None


def _submit_all(app, province="dienbien"):
    with app.app_context(), tenancy.scoped(province_id(app, province)):
        assessment = db.session.scalar(select(Assessment))
        assessment.state = "appraised"
        row = db.session.scalar(select(Answer).where(Answer.code == "1.1"))
        row.appraised_score, row.appraisal_comment = 5, "Thiếu quyết định thành lập"
        db.session.commit()


def test_after_submission_the_unit_reads_a_summary_with_appraisal_comments(app, as_user):
    client = as_user("unit_user", "dienbien")
    save(client, "1.1", value="1")
    _submit_all(app)
    page = client.get(FORM).get_data(as_text=True)
    assert "Tóm tắt hồ sơ đã nộp" in page and "Thiếu quyết định thành lập" in page
    assert 'name="1.1__value"' not in page  # no greyed form
    assert "Kiểm tra trước khi nộp" not in page and "Nhập từ Excel" not in page
    assert "flash flash-success" in page


def test_published_assessments_are_not_listed_as_open(app, as_user):
    client = as_user("unit_user", "dienbien")
    save(client, "1.1", value="1")
    assert FORM + '"' in client.get("/assessments").get_data(as_text=True)
    with app.app_context(), tenancy.scoped(province_id(app, "dienbien")):
        db.session.scalar(select(Assessment)).state = "published"
        db.session.commit()
    page = client.get("/assessments").get_data(as_text=True)
    open_part, _, published_part = page.partition("Hồ sơ đã công bố kết quả")
    assert FORM + '"' not in open_part and FORM + '"' in published_part


def test_nested_parent_is_a_heading_and_offices_are_unified(as_user):
    client = as_user("unit_user", "thanhhoa")
    page = client.get(YENDINH.replace("2022/394", "2023/394")).get_data(as_text=True)
    assert 'class="parent-head" id="row-1.2"' in page  # 1.2.1 and 1.2.2 have their parent
    offices = client.get(f"{YENDINH}/offices").get_data(as_text=True).split("<tbody>", 1)[1]
    assert "Chưa phân công" not in offices  # 1.2.1, 1.2.2 led by 1.2's office
    # One line for the office that seed 004 spells two ways.
    assert offices.count("<strong>Phòng Văn hóa") == 1


def test_an_upload_says_it_was_uploaded_and_removing_asks_first(as_user):
    from tests.test_evidence import PDF, upload
    client = as_user("unit_user", "dienbien")
    html = upload(client, "1.1", PDF, "bien-ban.pdf").get_data(as_text=True)
    assert "Đã tải lên «bien-ban.pdf»." in html
    assert 'hx-confirm="Gỡ «bien-ban.pdf» khỏi chỉ tiêu 1.1?' in html


def test_fraction_inputs_say_what_to_count(as_user):
    page = as_user("unit_user", "dienbien").get(FORM).get_data(as_text=True)
    # 3.1 «Tỷ lệ …»: the numerator counts what the title names, the denominator the whole.
    assert 'id="f-3-1-num-hint">Đếm: số ' in page and 'id="f-3-1-den-hint">Đếm: tổng số' in page


def row_post(page: str, code: str) -> str:
    return re.search(rf'id="row-{re.escape(code)}"[^>]*? hx-post="([^"]+)"', page).group(1)


def test_row_addresses_are_relative_only_where_they_resolve_to_the_rows(as_user):
    client = as_user("unit_user", "dienbien")
    page = client.get(FORM).get_data(as_text=True)
    assert not row_post(page, "1.2").startswith("/")  # short: two per row on the form
    assert urljoin(PAGE_URL, row_post(page, "1.2")) == f"{PAGE_URL}/rows/1.2"
    # The same rows drawn on another address (details without JavaScript) say it in full.
    whole = client.get(f"{FORM}/rows/1.1").get_data(as_text=True)
    assert row_post(whole, "1.2") == f"{FORM}/rows/1.2"
    assert more_link(whole, "1.2") == f"{FORM}/rows/1.2#row-1.2"
    # An htmx answer is swapped into the page it was sent from: relative only for the form.
    from_form = save(client, "1.2", headers={**HX, "HX-Current-URL": PAGE_URL}, self_score="10")
    assert urljoin(PAGE_URL, row_post(from_form.get_data(as_text=True), "1.2")) == \
        f"{PAGE_URL}/rows/1.2"
    from_details = save(client, "1.2", headers={**HX, "HX-Current-URL": f"{PAGE_URL}/rows/1.1"},
                        self_score="11", version="1")
    assert row_post(from_details.get_data(as_text=True), "1.2") == f"{FORM}/rows/1.2"


def test_every_score_box_points_to_the_hint_said_once_above_the_sections(as_user):
    page = as_user("unit_user", "thanhhoa").get(YENDINH.replace("2022/394", "2023/394")) \
        .get_data(as_text=True)
    assert page.count('id="score-blank"') == 1 and page.count("để trống") == 1
    described = re.findall(r'name="[^"]+__self_score"[^>]*aria-describedby="([^"]+)"', page)
    assert described and all("score-blank" in ids.split() for ids in described)
    # Rows compared with the group (relative, inverse) also point to the note that says so.
    assert page.count('id="score-compared"') == 1
    assert any("score-compared" in ids.split() for ids in described)
    assert not all("score-compared" in ids.split() for ids in described)


def test_only_rows_drawn_whole_carry_their_history_and_evidence_links(as_user):
    from tests.test_evidence import PDF, upload
    client = as_user("unit_user", "dienbien")
    upload(client, "1.1", PDF, "bien-ban.pdf")
    save(client, "1.2", self_score="10")
    page = client.get(FORM).get_data(as_text=True)
    assert "bien-ban.pdf" not in page and "Nhật ký chỉ tiêu" not in page
    row_1_1 = page.split('id="row-1.1"', 1)[1].split('class="entry-row', 1)[0]
    assert '<span class="tag">1 tài liệu</span>' in row_1_1  # the count, from one aggregate
    check = client.get(f"{FORM}/check").get_data(as_text=True)
    assert 'bien-ban.pdf' not in check
    # A save made with the row's details open answers the row whole: history, evidence.
    whole = save(client, "1.2", self_score="12", version="1", details="1").get_data(as_text=True)
    assert "Nhật ký chỉ tiêu (2)" in whole and 'class="row-more" open' in whole
    opened = client.get(f"{FORM}/rows/1.1", headers=HX).get_data(as_text=True)
    assert "bien-ban.pdf" in opened and "Nhật ký chỉ tiêu" in opened


def test_the_form_is_sent_without_its_templates_indentation(app, as_user):
    from app.web.compact import MARKER
    page = as_user("unit_user", "dienbien").get(FORM).get_data(as_text=True)
    rows = page[page.index('<div class="entry-row'):page.rindex("</form>")]
    assert "\n " not in rows  # entry/form.html is marked: its lines lose their indentation
    env = app.jinja_env
    source = "<p>\n    <b>{{ x }}</b>\n    <i>y</i>\n</p>\n<div>z</div>"
    marked = env.from_string(MARKER + source).render(x="a < b")
    plain = env.from_string(source).render(x="a < b")
    # The break between two inline elements stays (a space on screen); a break before a
    # block's start or end tag, drawn as nothing, goes.
    assert marked == "<p>\n<b>a &lt; b</b>\n<i>y</i></p><div>z</div>"
    assert plain == "<p>\n    <b>a &lt; b</b>\n    <i>y</i>\n</p>\n<div>z</div>"
