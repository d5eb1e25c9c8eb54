"""End-to-end journeys in a real browser: a unit fills and submits its assessment, an appraiser
reviews it side by side and asks a question, the unit answers, the province publishes, and the
ranking shows. Each step asserts what the user sees on screen."""
from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.e2e.conftest import axe_violations, log_in

SCHEME, PERIOD, UNIT = "dienbien-so-2022", "2022", "dienbien.so-tttt"
UNIT_NAME = "Sở Thông tin và Truyền thông"
FORM = f"/assessments/{SCHEME}/{PERIOD}/{UNIT}"
REVIEW = f"/appraisal/{SCHEME}/{PERIOD}/{UNIT}"
UNIT_USER = "unit_user.dienbien@demo.chiso.vn"
APPRAISER = "appraiser.dienbien@demo.chiso.vn"
ADMIN = "province_admin.dienbien@demo.chiso.vn"
NO_DOCUMENT = "Văn bản đang trình ký"


def tiny_pdf(text: str = "Bien ban hop Ban chi dao chuyen doi so", filler: int = 0) -> bytes:
    """A small valid one-page PDF (with a correct xref table) that shows one line of text;
    ``filler`` bytes of PDF comment make it bigger (for an upload slow enough to watch)."""
    stream = f"BT /F1 18 Tf 40 760 Td ({text}) Tj ET".encode()
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R "
               b"/Resources << /Font << /F1 5 0 R >> >> >>",
               b"<< /Length %d >>\nstream\n" % len(stream) + stream + b"\nendstream",
               b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>"]
    out, offsets = bytearray(b"%PDF-1.4\n"), []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n" % number + body + b"\nendobj\n"
    if filler:
        out += b"%" + b"0" * filler + b"\n"
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\n" % (len(objects) + 1)
    out += b"startxref\n%d\n%%%%EOF\n" % xref
    return bytes(out)


def leaves(app):
    return app.extensions["chiso"].schemes[SCHEME].leaves


def row_fields(row) -> dict:
    """What the unit enters for a row: yes on yes/no rows, 9 of 10 on ratios, 5 points
    elsewhere, and why the document is not attached yet."""
    name = row.code + "__"
    fields = {name + "no_evidence_reason": NO_DOCUMENT}
    if row.input == "boolean":
        fields[name + "value"] = "1"
    elif row.input == "fraction":
        fields.update({name + "numerator": "9", name + "denominator": "10"})
    else:
        fields[name + "self_score"] = "5"
    return fields


def post_sections(page, app, rows) -> None:
    """Save rows the way a browser without JavaScript does: one POST per section form, with the
    form's CSRF field (taken from the page the user is on)."""
    token = csrf_token(page)
    scheme = app.extensions["chiso"].schemes[SCHEME]
    sections: dict[str, dict] = {}
    for row in rows:
        sections.setdefault(scheme.main_of(row.code).code, {"csrf_token": token}).update(
            row_fields(row))
    for main, form in sections.items():
        answer = page.request.post(f"{FORM}/sections/{main}", form=form, max_redirects=0)
        assert answer.status == 302, (main, answer.status, answer.text()[:300])


def focused(page) -> str:
    """The focused control, named by id, else by name (what a keyboard user is on)."""
    return page.evaluate("document.activeElement.id || document.activeElement.name || "
                         "document.activeElement.tagName")


def tab_to(page, element_id: str, limit: int = 80) -> None:
    """Press Tab from the top of the page until the control is focused."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        if focused(page) == element_id:
            return
    raise AssertionError(f"{element_id} not reached with {limit} presses of Tab")


def after_swap(page, action) -> None:
    """Do something that makes htmx redraw part of the page, and wait until it has settled."""
    # Wrapped in an object: evaluate_handle would otherwise wait for the promise itself.
    waiter = page.evaluate_handle("() => ({settled: new Promise(done => document.addEventListener("
                                  "'htmx:afterSettle', () => done(true), {once: true}))})")
    action()
    page.evaluate("waiter => waiter.settled", waiter)


def row(page, code):
    return page.locator("#row-" + code.replace(".", "\\."))


def open_details(page, code: str) -> None:
    """A row's «Chi tiết» (evidence, reasons, history), loaded on demand by the light form."""
    box = row(page, code)
    if not box.locator(".evidence-add, .no-evidence").count():
        box.locator("a.more-link").click()  # app.js turns it into the row's <details>
    expect(box.locator(".more-body .row-foot")).to_have_count(1)


def told(page, text: str) -> None:
    """A message shown at the top of the page after an action (flash)."""
    expect(page.locator(".flash").filter(has_text=text)).to_be_visible()


def log_out(page) -> None:
    page.get_by_role("button", name="Đăng xuất").click()
    told(page, "Bạn đã đăng xuất.")


def csrf_token(page) -> str:
    return page.locator("input[name=csrf_token]").first.input_value()


def upload_slowly(page, code: str, name: str) -> None:
    """Upload a PDF on a row over a throttled connection, so that the progress bar shows."""
    open_details(page, code)
    box = row(page, code)
    box.locator(".evidence-add > summary").click()
    box.locator("input[type=file]").set_input_files(files=[
        {"name": name, "mimeType": "application/pdf", "buffer": tiny_pdf(filler=20_000)}])
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 0,
                                                   "downloadThroughput": -1,
                                                   "uploadThroughput": 25_000})
    box.get_by_role("button", name="Tải lên").click()
    expect(box.locator(".upload-progress")).to_be_visible()
    expect(row(page, code).locator(".ev-list")).to_contain_text(name)
    cdp.send("Network.emulateNetworkConditions", {"offline": False, "latency": 0,
                                                   "downloadThroughput": -1,
                                                   "uploadThroughput": -1})
    cdp.detach()


def open_the_ranking(page) -> None:
    """The period's ranking the way a user reaches it: «Xếp hạng» in the main navigation, then
    the scheme's year."""
    page.get_by_role("navigation", name="Điều hướng chính").get_by_role(
        "link", name="Xếp hạng").click()
    page.locator("tr", has_text=SCHEME).get_by_role("link", name="Năm 2022").click()


def agree_all(page, codes) -> None:
    """The appraiser confirms many scores the way a form without JavaScript posts «Đồng ý»."""
    token = csrf_token(page)
    for code in codes:
        answer = page.request.post(f"{REVIEW}/{code}", form={"csrf_token": token, "agree": "1"},
                                   max_redirects=0)
        assert answer.status == 302, (code, answer.status, answer.text()[:300])


# -- keyboard only ---------------------------------------------------------------------------
def test_keyboard_only_entry_saves_on_leaving_a_field(page):
    log_in(page, UNIT_USER)
    page.goto(FORM)
    tab_to(page, "f-1-2-score")
    page.keyboard.type("12")
    after_swap(page, lambda: page.keyboard.press("Tab"))
    expect(row(page, "1.2").locator(".status")).to_contain_text("Đã lưu lúc")
    expect(page.locator("#summary")).to_contain_text("12 / 500")
    # The row was redrawn under the keyboard: focus stays where Tab moved it, on the row's
    # «Chi tiết»; Enter opens it, with the unit's «Giải trình» and «Không đánh giá» inside.
    assert focused(page) == "f-1-2-more"
    page.keyboard.press("Enter")
    expect(row(page, "1.2").locator("#f-1-2-expl")).to_be_visible()
    tab_to(page, "f-1-2-expl")
    page.keyboard.type("Họp 4 lần trong năm.")
    after_swap(page, lambda: page.keyboard.press("Tab"))
    expect(page.locator("#f-1-2-expl")).to_have_value("Họp 4 lần trong năm.")
    # Redrawn with its details open, focus where Tab moved it: on «Không đánh giá».
    expect(row(page, "1.2").locator("#f-1-2-na-toggle")).to_be_visible()
    assert focused(page) == "f-1-2-na-toggle"
    # «Không đánh giá» needs its reason: the row says it did not save, focus stays on the box.
    after_swap(page, lambda: page.keyboard.press("Space"))
    expect(row(page, "1.2").locator(".status")).to_contain_text("Chưa lưu")
    assert focused(page) == "f-1-2-na-toggle"
    assert page.console_errors == []


# -- the whole round trip, one step per person ----------------------------------------------
def unit_fills_and_submits(page, app) -> None:
    log_in(page, UNIT_USER)
    expect(page).to_have_url(re.compile("/assessments$"))
    page.get_by_role("link", name=UNIT_NAME).click()
    expect(page.locator("h1")).to_have_text(UNIT_NAME)
    expect(page.locator("#summary")).to_contain_text("0 / 500")

    # Rows save on change; the total and the section's subtotal follow.
    after_swap(page, lambda: page.check("#f-1-1-value"))
    expect(row(page, "1.1").locator(".status")).to_contain_text("Đã lưu lúc")
    expect(page.locator("#summary")).to_contain_text("10 / 500")
    page.fill("#f-1-2-score", "12")
    after_swap(page, lambda: page.press("#f-1-2-score", "Tab"))
    expect(row(page, "1.2").locator(".status")).to_contain_text("Đã lưu lúc")
    expect(page.locator("#sub-1")).to_have_text("22 / 50 điểm")
    expect(page.locator("#summary")).to_contain_text("22 / 500")

    # A PDF as evidence: the progress bar, then the file listed; its link opens the PDF.
    upload_slowly(page, "1.1", "bien-ban-hop.pdf")
    with page.context.expect_page() as opened:
        row(page, "1.1").get_by_role("link", name="bien-ban-hop.pdf").click()
    pdf_tab = opened.value
    pdf_tab.wait_for_load_state()
    assert pdf_tab.evaluate("document.contentType") == "application/pdf"
    pdf_tab.close()

    # The same file backs row 1.2, picked on the page of documents already uploaded.
    open_details(page, "1.2")
    row(page, "1.2").locator(".evidence-add > summary").click()
    row(page, "1.2").get_by_role("link", name="Dùng lại tài liệu đã có").click()
    page.get_by_role("button", name="Gắn cho chỉ tiêu 1.2").click()
    told(page, "Đã gắn «bien-ban-hop.pdf» cho chỉ tiêu 1.2.")
    expect(row(page, "1.2").locator(".ev-list")).to_contain_text("bien-ban-hop.pdf")

    # The bulk of the rows as a browser without JavaScript posts them, the last two by hand.
    post_sections(page, app, [r for r in leaves(app)
                              if r.code not in ("1.1", "1.2", "6.13", "6.14")])
    page.reload()
    page.fill("#f-6-13-score", "15")
    after_swap(page, lambda: page.press("#f-6-13-score", "Tab"))
    after_swap(page, lambda: page.check("#f-6-14-value"))
    for code in ("6.13", "6.14"):
        prefix = "#f-" + code.replace(".", "-")
        open_details(page, code)
        page.click(prefix + "-noev-toggle")
        page.fill(prefix + "-noev", NO_DOCUMENT)
        after_swap(page, lambda: page.press(prefix + "-noev", "Tab"))
        expect(row(page, code).locator(".status")).to_contain_text("Đã lưu lúc")
    total = len(leaves(app))
    expect(page.locator("#summary")).to_contain_text(f"Tiến độ: {total}/{total} chỉ tiêu")

    page.get_by_role("link", name="Kiểm tra trước khi nộp").click()
    expect(page.locator("h2")).to_contain_text(["Hồ sơ đã đủ để nộp"])
    page.check("input[name=confirm]")
    page.get_by_role("button", name="Nộp hồ sơ").click()
    told(page, "Đã nộp hồ sơ.")
    expect(page.locator("#summary")).to_contain_text("Đã nộp")
    log_out(page)


def appraiser_adjusts_and_asks(page) -> None:
    log_in(page, APPRAISER)
    page.get_by_role("navigation", name="Điều hướng chính").get_by_role(
        "link", name="Thẩm định").click()
    expect(page.locator("#queue-results")).to_contain_text("Đã nộp")
    page.get_by_role("link", name=UNIT_NAME).click()
    page.get_by_role("link", name="Bắt đầu thẩm định").click()

    # Side by side: the unit's PDF shows inline beside the scores.
    expect(page.locator("h1")).to_contain_text("1.1")
    expect(page.locator("iframe.ev-frame")).to_have_attribute("title", "Tài liệu: bien-ban-hop.pdf")
    # Wait for the frame to hold a document, then ask what it shows.
    expect(page.frame_locator("iframe.ev-frame").locator(":root")).to_be_attached()
    pdf_frame = next(f for f in page.frames if "/evidence/" in f.url)
    pdf_frame.wait_for_load_state()
    assert pdf_frame.evaluate("document.contentType") == "application/pdf"

    # «Đồng ý» saves and moves on to the next indicator still to appraise.
    page.get_by_role("button", name="Đồng ý (10 điểm) và sang 1.2").click()
    expect(page).to_have_url(re.compile(r"/1\.2$"))
    expect(page.locator("#panel")).to_contain_text("Đã lưu điểm thẩm định chỉ tiêu 1.1.")

    # Another score adjusted: without a comment it is refused, with one it is kept.
    page.fill("#ap-1-2-score", "8")
    page.get_by_role("button", name="Lưu điểm thẩm định").click()
    summary = page.locator("#panel .error-summary")
    expect(summary).to_contain_text("Nhận xét: bắt buộc khi điểm thẩm định khác điểm tự chấm (12)")
    expect(summary).to_be_focused()
    expect(page).to_have_title(re.compile("^Lỗi: 1.2 · Thẩm định"))
    expect(page.locator("#ap-1-2-score")).to_have_value("8")
    page.fill("#ap-1-2-comment", "Chỉ có biên bản 3 cuộc họp.")
    page.get_by_role("button", name="Lưu điểm thẩm định").click()
    expect(page.locator("#panel")).to_contain_text("Đã lưu điểm thẩm định chỉ tiêu 1.2.")
    expect(page).to_have_title(re.compile("^1.2 · Thẩm định"))

    # A question on 6.13, then the assessment goes back to the unit.
    page.goto(f"{REVIEW}/6.13")
    page.fill("#ap-6-13-q", "Đề nghị gửi quyết định phân bổ ngân sách.")
    page.get_by_role("button", name="Ghi câu hỏi").click()
    expect(page.locator("#panel")).to_contain_text("Đã ghi câu hỏi ở chỉ tiêu 6.13")
    page.get_by_role("link", name="trang hồ sơ").click()
    expect(page.locator("#cau-hoi-cho-gui")).to_contain_text("Đề nghị gửi quyết định phân bổ")
    page.get_by_role("button", name="Trả lại để giải trình").click()
    told(page, f"Đã trả hồ sơ cho {UNIT_NAME} để giải trình 1 chỉ tiêu.")
    expect(page.locator(".summary")).to_contain_text("Trả lại để giải trình")
    log_out(page)


def unit_answers_and_resubmits(page) -> None:
    log_in(page, UNIT_USER)
    expect(page.locator(".bell-count")).to_have_text("1")
    page.get_by_role("link", name=UNIT_NAME).click()
    panel = page.locator("#giai-trinh")
    expect(panel).to_contain_text("Đề nghị gửi quyết định phân bổ ngân sách.")
    expect(page.locator("#f-1-2-score")).to_be_disabled()  # only the questioned row opens
    page.fill("#f-6-13-score", "18")
    after_swap(page, lambda: page.press("#f-6-13-score", "Tab"))
    expect(row(page, "6.13").locator(".status")).to_contain_text("Đã lưu lúc")
    panel.locator("textarea").fill("Quyết định 15/QĐ-STTTT phân bổ 18 điểm, gửi kèm bản giấy.")
    panel.get_by_role("button", name="Lưu trả lời").click()
    expect(page.locator("#giai-trinh")).to_contain_text("Đã lưu trả lời giải trình chỉ tiêu 6.13.")
    page.get_by_role("button", name="Nộp lại sau giải trình").click()
    told(page, "Đã nộp lại hồ sơ sau giải trình.")
    # Results are not out yet: the ranking says so to the unit.
    page.goto(f"/rankings/{SCHEME}/{PERIOD}")
    expect(page.locator("main")).to_contain_text("chưa được công bố")
    log_out(page)


def appraiser_finishes(page, app) -> None:
    log_in(page, APPRAISER)
    page.goto(REVIEW)
    agree_all(page, [r.code for r in leaves(app) if r.code not in ("1.1", "1.2", "6.13")])
    page.goto(f"{REVIEW}/6.13")
    expect(page.locator("#panel")).to_contain_text("Quyết định 15/QĐ-STTTT")
    page.get_by_role("button", name="Đồng ý (18 điểm)").click()
    expect(page.locator("#panel")).to_contain_text("Hồ sơ đã được thẩm định xong.")
    log_out(page)


def admin_publishes(page) -> None:
    log_in(page, ADMIN)
    open_the_ranking(page)
    ranking = page.locator("table.ranking")
    expect(ranking.locator("tbody tr").first).to_contain_text(UNIT_NAME)
    expect(ranking).to_contain_text("Đã thẩm định")
    page.check("input[name=confirm]")
    page.get_by_role("button", name="Công bố kết quả").click()
    told(page, "Đã công bố kết quả Năm 2022.")
    expect(page.locator("main")).to_contain_text("Đã công bố")
    assert axe_violations(page) == []
    # Withdrawing needs a reason: asked for, nothing withdrawn.
    page.get_by_role("button", name="Hủy công bố").click()
    expect(page.locator(".error-summary")).to_be_focused()
    expect(page.locator(".error-summary")).to_contain_text("Vui lòng ghi lý do hủy công bố")
    expect(page).to_have_title(re.compile("^Lỗi: "))
    assert axe_violations(page) == []
    log_out(page)


def unit_sees_its_rank(page) -> None:
    log_in(page, UNIT_USER)
    open_the_ranking(page)
    mine = page.locator("table.ranking tr.mine")
    expect(mine).to_contain_text(UNIT_NAME)
    expect(mine).to_contain_text("đơn vị của bạn")
    expect(mine.locator("td").first).to_have_text("1")
    assert axe_violations(page) == []


def test_assessment_from_first_row_to_published_ranking(page, app):
    page.on("dialog", lambda dialog: dialog.accept())  # the «are you sure?» of submit buttons
    unit_fills_and_submits(page, app)
    appraiser_adjusts_and_asks(page)
    unit_answers_and_resubmits(page)
    appraiser_finishes(page, app)
    admin_publishes(page)
    unit_sees_its_rank(page)
    assert page.console_errors == []
