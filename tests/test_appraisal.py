"""Appraisal (thẩm định): scores, questions and the unit's replies, re-opening one indicator,
scopes, tenancy, the audit trail and the history page, through the web UI."""
import io
from datetime import date, timedelta

from sqlalchemy import select

from app import clock, tenancy
from app.extensions import db
from app.models import (Answer, AppraiserScope, Assessment, AuditEvent, Evidence, Notification,
                        Period, Question, User)
from tests.conftest import demo, login, province_id

FORM = "/assessments/dienbien-so-2022/2022/dienbien.so-tttt"
REVIEW = "/appraisal/dienbien-so-2022/2022/dienbien.so-tttt"
HX = {"HX-Request": "true"}
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


def signed_in(app, role, province="dienbien"):
    client = app.test_client()
    login(client, demo(role, province))
    return client


def in_dienbien(app, read):
    with app.app_context(), tenancy.scoped(province_id(app, "dienbien")):
        return read()


def save(client, code, **fields):
    return client.post(f"{FORM}/rows/{code}", data={f"{code}__{k}": v for k, v in fields.items()},
                       headers=HX)


def leaves(app):
    return app.extensions["chiso"].schemes["dienbien-so-2022"].leaves


def submitted(app, before_submit=None):
    """The demo unit fills every row through the entry form and submits; returns its client."""
    unit = signed_in(app, "unit_user")
    for row in leaves(app):
        save(unit, row.code, self_score="1" if row.input == "score" else "",
             value="1" if row.input == "boolean" else "",
             numerator="1" if row.input == "fraction" else "",
             denominator="2" if row.input == "fraction" else "",
             no_evidence_reason="Đang chờ văn bản")
    if before_submit:
        before_submit(unit)
    unit.post(f"{FORM}/submit", data={"confirm": "1"})
    assert state(app) == "submitted"
    return unit


def state(app):
    return in_dienbien(app, lambda: db.session.scalar(select(Assessment.state)))


def answer(app, code):
    return in_dienbien(app, lambda: db.session.scalar(select(Answer).where(Answer.code == code)))


def notices(app, role, kind):
    def read():
        return db.session.scalars(select(Notification.text).join(
            User, Notification.user_id == User.id).where(
            User.email == demo(role, "dienbien"), Notification.kind == kind)).all()
    return in_dienbien(app, read)


def agree(client, code):
    return client.post(f"{REVIEW}/{code}", data={"agree": "1"}, headers=HX)


def set_deadline(app, day):
    def write():
        period = db.session.scalar(select(Period).where(Period.scheme_code == "dienbien-so-2022"))
        period.deadline = day
        db.session.commit()
    in_dienbien(app, write)


def test_round_trip_with_a_clarification_request(app):
    unit = submitted(app)
    appraiser = signed_in(app, "appraiser")
    queue = appraiser.get("/appraisal").get_data(as_text=True)
    assert "Sở Thông tin và Truyền thông" in queue and "0/35 chỉ tiêu" in queue

    confirmed = agree(appraiser, "1.1")
    assert confirmed.status_code == 200
    assert "Đã lưu điểm thẩm định chỉ tiêu 1.1" in confirmed.get_data(as_text=True)
    adjusted = appraiser.post(f"{REVIEW}/1.2", data={"score": "0,5", "comment": "Thiếu quyết định"},
                              headers=HX)
    assert adjusted.status_code == 200
    assert answer(app, "1.1").appraised_score == 10 and answer(app, "1.2").appraised_score == 0.5
    assert in_dienbien(app, lambda: db.session.scalar(select(Assessment.appraisal_started_at)))

    for code in ("2.1", "2.2"):
        asked = appraiser.post(f"{REVIEW}/{code}/question", headers=HX,
                               data={"question": f"Bổ sung kế hoạch cho {code}"})
        assert asked.status_code == 200
    assert save(unit, "2.1", self_score="8").status_code == 409  # not yet returned
    appraiser.post(f"{REVIEW}/return")
    assert state(app) == "returned"
    assert any("2.1, 2.2" in text for text in notices(app, "unit_user", "returned"))

    set_deadline(app, clock.today() - timedelta(days=1))  # the answer-by date rules, not this
    assert save(unit, "2.1", self_score="8", no_evidence_reason="Đang chờ").status_code == 200
    other = save(unit, "1.3", value="0")
    assert other.status_code == 409
    assert "Chỉ tiêu 1.3 không nằm trong yêu cầu giải trình" in other.get_data(as_text=True)
    form = unit.get(FORM).get_data(as_text=True)
    assert "Bổ sung kế hoạch cho 2.1" in form and "Nộp lại sau giải trình" in form

    unit.post(f"{FORM}/rows/2.1/reply", data={"reply": "Đã bổ sung Kế hoạch số 12/KH"})
    early = unit.post(f"{FORM}/resubmit", follow_redirects=True).get_data(as_text=True)
    assert "Chỉ tiêu 2.2: chưa trả lời câu hỏi giải trình." in early and state(app) == "returned"
    empty = unit.post(f"{FORM}/rows/2.2/reply", data={"reply": " "}, headers=HX)
    assert empty.status_code == 422
    assert "Trả lời giải trình chỉ tiêu 2.2: vui lòng ghi nội dung." in empty.get_data(as_text=True)
    unit.post(f"{FORM}/rows/2.2/reply", data={"reply": "Đã có văn bản"})
    unit.post(f"{FORM}/resubmit")
    assert state(app) == "submitted"
    assert notices(app, "appraiser", "resubmitted")

    view = appraiser.get(f"{REVIEW}/2.1").get_data(as_text=True)
    assert "Đã bổ sung Kế hoạch số 12/KH" in view  # the answer is visible to the appraiser
    for row in leaves(app):
        if row.code not in ("1.1", "1.2"):
            assert agree(appraiser, row.code).status_code == 200, row.code
    assert state(app) == "appraised"
    assert answer(app, "2.1").appraised_score == 8
    assert notices(app, "unit_user", "appraised")
    assert "Đã bổ sung Kế hoạch số 12/KH" in unit.get(FORM).get_data(as_text=True)  # history stays


def test_questioned_rows_close_after_the_answer_by_date(app):
    unit = submitted(app)
    appraiser = signed_in(app, "appraiser")
    appraiser.post(f"{REVIEW}/2.1/question", data={"question": "Thiếu tài liệu",
                                                   "answer_by": clock.today().isoformat()})
    appraiser.post(f"{REVIEW}/return")

    def expire():
        db.session.scalar(select(Question)).answer_by = clock.today() - timedelta(days=1)
        db.session.commit()
    in_dienbien(app, expire)
    assert save(unit, "2.1", self_score="3").status_code == 409
    assert answer(app, "2.1").self_score == 1


def test_question_needs_text_and_a_date_not_in_the_past(app):
    submitted(app)
    appraiser = signed_in(app, "appraiser")
    response = appraiser.post(f"{REVIEW}/2.1/question", headers=HX, data={
        "question": "", "answer_by": (clock.today() - timedelta(days=1)).isoformat()})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Câu hỏi giải trình: vui lòng ghi" in html
    assert "Hạn trả lời phải từ hôm nay trở đi." in html
    refused = appraiser.post(f"{REVIEW}/return", follow_redirects=True).get_data(as_text=True)
    assert "Chưa có câu hỏi giải trình nào" in refused and state(app) == "submitted"
    huge_year = appraiser.post(f"{REVIEW}/2.1/question", headers=HX, data={
        "question": "Vì sao?", "answer_by": "1/1/99999999999999999999"})  # was a 500
    assert huge_year.status_code == 422
    assert "Hạn trả lời không hợp lệ: dùng dạng 31/12/2022." in huge_year.get_data(as_text=True)


def test_reopening_a_late_assessment_names_the_date_field(app):
    admin = signed_in(app, "province_admin")
    typed = admin.post(f"{FORM}/reopen", data={"reason": "Mất điện", "until": "31/02/2022"})
    html = typed.get_data(as_text=True)
    assert typed.status_code == 422
    assert "Cho phép sửa đến hết ngày: ngày không hợp lệ, dùng dạng 31/12/2022." in html
    past = admin.post(f"{FORM}/reopen", data={"reason": "Mất điện", "until": "1/1/2020"})
    assert "Cho phép sửa đến hết ngày: phải từ hôm nay trở đi." in past.get_data(as_text=True)
    later = (clock.today() + timedelta(days=3)).strftime("%d/%m/%Y")  # as typed without a picker
    assert admin.post(f"{FORM}/reopen", data={"reason": "Mất điện", "until": later}).status_code \
        == 302


def test_comment_is_required_when_the_score_differs(app):
    submitted(app)
    appraiser = signed_in(app, "appraiser")
    response = appraiser.post(f"{REVIEW}/1.2", data={"score": "0,5"}, headers=HX)
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Nhận xét: bắt buộc khi điểm thẩm định khác điểm tự chấm (1)." in html
    assert 'value="0,5"' in html  # what was typed stays
    assert "<html" not in html  # htmx gets the panel alone
    assert answer(app, "1.2").appraised_score is None
    plain = appraiser.post(f"{REVIEW}/1.2", data={"score": "0,5"})  # without JavaScript
    assert plain.status_code == 422 and "Nhận xét: bắt buộc" in plain.get_data(as_text=True)
    same = appraiser.post(f"{REVIEW}/1.2", data={"score": "1"}, headers=HX)
    assert same.status_code == 200  # equal to the self-score: no comment needed
    ok = appraiser.post(f"{REVIEW}/1.2", data={"score": "0,5", "comment": "Thiếu văn bản"})
    assert ok.status_code == 302 and answer(app, "1.2").appraised_score == 0.5


def test_score_outside_zero_to_max_is_refused(app):
    submitted(app)
    appraiser = signed_in(app, "appraiser")
    for typed, message in (("16", "Điểm thẩm định không được lớn hơn 15."),
                           ("-1", "Điểm thẩm định không được nhỏ hơn 0."),
                           ("mười", "Điểm thẩm định: «mười» không phải là số.")):
        response = appraiser.post(f"{REVIEW}/1.2", data={"score": typed, "comment": "x"},
                                  headers=HX)
        assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert answer(app, "1.2").appraised_score is None


def test_appraiser_out_of_scope_gets_403(app):
    submitted(app)

    def assign():
        user = db.session.scalar(select(User).where(User.email == demo("appraiser", "dienbien")))
        db.session.add(AppraiserScope(user_id=user.id, scheme_code="dienbien-so-2022",
                                      main_code="1"))
        db.session.commit()
    in_dienbien(app, assign)
    appraiser = signed_in(app, "appraiser")
    assert agree(appraiser, "2.1").status_code == 403
    assert appraiser.post(f"{REVIEW}/2.1/question", data={"question": "?"}).status_code == 403
    assert agree(appraiser, "1.1").status_code == 200
    assert answer(app, "2.1").appraised_score is None
    mine = appraiser.get("/appraisal?mine=1").get_data(as_text=True)
    assert "1/4 chỉ tiêu" in mine  # main index 1 has four indicators
    page = appraiser.get(f"{REVIEW}/2.1").get_data(as_text=True)
    assert "không được phân công cho bạn" in page and "Lưu điểm thẩm định" not in page


def test_another_provinces_assessment_is_404(app):
    submitted(app)
    outsider = signed_in(app, "appraiser", "thanhhoa")
    assert outsider.get(REVIEW).status_code == 404
    assert outsider.get(f"{REVIEW}/1.1").status_code == 404
    assert agree(outsider, "1.1").status_code == 404
    assert "Sở Thông tin và Truyền thông" not in outsider.get("/appraisal").get_data(as_text=True)
    assert answer(app, "1.1").appraised_score is None


def test_province_admin_views_the_queue_but_does_not_score(app):
    submitted(app)
    admin = signed_in(app, "province_admin")
    assert "Sở Thông tin và Truyền thông" in admin.get("/appraisal").get_data(as_text=True)
    page = admin.get(f"{REVIEW}/1.1")
    assert page.status_code == 200 and "Lưu điểm thẩm định" not in page.get_data(as_text=True)
    assert agree(admin, "1.1").status_code == 403


def test_withdraw_is_refused_once_appraisal_started(app):
    unit = submitted(app)
    agree(signed_in(app, "appraiser"), "1.1")
    page = unit.post(f"{FORM}/withdraw", follow_redirects=True).get_data(as_text=True)
    assert "Thẩm định viên đã bắt đầu thẩm định hồ sơ: không rút lại được nữa." in page
    assert state(app) == "submitted"


def test_reopening_one_indicator_shows_what_changed(app):
    unit = submitted(app)
    appraiser = signed_in(app, "appraiser")
    for row in leaves(app):
        agree(appraiser, row.code)
    assert state(app) == "appraised"
    admin = signed_in(app, "province_admin")
    no_reason = admin.post(f"{REVIEW}/1.2/reopen", data={"reason": ""}, headers=HX)
    assert no_reason.status_code == 422
    assert "Lý do mở lại: bắt buộc" in no_reason.get_data(as_text=True)
    admin.post(f"{REVIEW}/1.2/reopen", data={"reason": "Đơn vị có quyết định mới"})
    assert state(app) == "returned"
    assert answer(app, "1.2").reopen_reason == "Đơn vị có quyết định mới"
    assert any("1.2" in text for text in notices(app, "unit_user", "reopened"))

    edited = save(unit, "1.2", self_score="5", no_evidence_reason="Đang chờ văn bản")
    assert edited.status_code == 200
    assert save(unit, "1.4", self_score="5").status_code == 409  # only the re-opened row
    unit.post(f"{FORM}/resubmit")
    assert state(app) == "submitted"
    view = appraiser.get(f"{REVIEW}/1.2").get_data(as_text=True)
    assert "Thay đổi từ lần thẩm định trước" in view and "Đơn vị đã sửa sau thẩm định" not in view
    changes = view.split("Thay đổi từ lần thẩm định trước")[1].split("</table>")[0]
    assert "Điểm tự chấm" in changes and "5</strong>" in changes and "Giải trình" not in changes
    assert agree(appraiser, "1.2").status_code == 200
    assert state(app) == "appraised" and answer(app, "1.2").appraised_score == 5
    assert answer(app, "1.2").reopened_at is None


def test_every_appraisal_change_is_audited_and_the_history_page_shows_it(app):
    unit = submitted(app)
    appraiser = signed_in(app, "appraiser")
    appraiser.post(f"{REVIEW}/1.2", data={"score": "0,5", "comment": "Thiếu văn bản"})
    appraiser.post(f"{REVIEW}/1.2", data={"agree": "1", "replace": "1"})
    appraiser.post(f"{REVIEW}/2.1/question", data={"question": "Bổ sung"})
    appraiser.post(f"{REVIEW}/return")

    def events():
        return [(e.action, e.code, e.field, e.old, e.new, e.user.email) for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.action.not_in(("answer.save",)))
            .order_by(AuditEvent.id))]
    trail = in_dienbien(app, events)
    who = demo("appraiser", "dienbien")
    assert ("appraisal.score", "1.2", "appraised_score", None, "0.5", who) in trail
    assert ("appraisal.score", "1.2", "appraised_score", "0.5", "1", who) in trail
    assert ("appraisal.score", "1.2", "appraisal_comment", "Thiếu văn bản", None, who) in trail
    assert ("question.ask", "2.1", "question", None, "Bổ sung", who) in trail
    assert ("appraisal.return", None, "state", "submitted", "returned", who) in trail

    page = unit.get(f"{FORM}/history")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Điểm thẩm định" in html and "0,5" in html and who in html
    assert "Đã nộp</span> → <strong>Trả lại để giải trình" in html
    one = unit.get(f"{FORM}/history?code=2.1").get_data(as_text=True)
    assert "Câu hỏi giải trình" in one and "Điểm thẩm định" not in one
    assert signed_in(app, "viewer").get(f"{FORM}/history").status_code == 404
    assert signed_in(app, "unit_user", "thanhhoa").get(f"{FORM}/history").status_code == 404


def test_side_by_side_shows_evidence_and_moves_between_indicators(app):
    def attach(unit):
        unit.post(f"{FORM}/rows/2.1/evidence", content_type="multipart/form-data", headers=HX,
                  data={"2.1__ev_file": (io.BytesIO(PDF), "ke-hoach.pdf")})
        unit.post(f"{FORM}/rows/2.1/evidence", headers=HX,
                  data={"2.1__ev_url": "https://stttt.dienbien.gov.vn/cds"})
    submitted(app, attach)
    appraiser = signed_in(app, "appraiser")
    html = appraiser.get(f"{REVIEW}/2.1").get_data(as_text=True)
    evidence_id = in_dienbien(app, lambda: db.session.scalar(
        select(Evidence.id).where(Evidence.kind == "pdf")))
    assert f'<iframe class="ev-frame" src="/evidence/{evidence_id}"' in html
    assert 'href="https://stttt.dienbien.gov.vn/cds" target="_blank" rel="noopener"' in html
    assert f'href="{REVIEW}/2.2" data-nav="next"' in html
    assert f'href="{REVIEW}/1.4" data-nav="prev"' in html
    framed = appraiser.get(f"/evidence/{evidence_id}")
    assert "frame-ancestors 'self'" in framed.headers["Content-Security-Policy"]
    attachment = appraiser.get(f"/evidence/{evidence_id}?download=1")
    assert "frame-ancestors 'none'" in attachment.headers["Content-Security-Policy"]
    fragment = appraiser.get(f"{REVIEW}/2.2", headers=HX).get_data(as_text=True)
    assert fragment.lstrip().startswith('<div id="workspace"') and "<html" not in fragment
