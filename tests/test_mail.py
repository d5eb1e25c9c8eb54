"""E-mail through the outbox, against a real SMTP server on loopback (aiosmtpd): what arrives,
a refusing or absent server, once-only delivery, the admin's outbox, preferences."""
import re
from datetime import datetime, timedelta
from email.header import decode_header, make_header

import pytest
from sqlalchemy import select

from app import tenancy
from app.extensions import db
from app.models import OutboxMail, User
from app.services.mail_sender import MAX_ATTEMPTS, send_pending
from app.services.notifications import notify
from tests.conftest import demo, province_id
from tests.mail_server import Server, free_port, point_at
from tests.test_appraisal import FORM, REVIEW, signed_in, submitted

UNIT_USER = demo("unit_user", "dienbien")
LINK = "http://127.0.0.1:5000" + FORM


def mail_send(app):
    return app.test_cli_runner().invoke(args=["mail", "send"]).output


def outbox(app, province="dienbien"):
    with app.app_context(), tenancy.scoped(province_id(app, province)):
        rows = db.session.scalars(select(OutboxMail).order_by(OutboxMail.id)).all()
        return [(r.to_addr, r.kind, r.state, r.attempts, r.last_error) for r in rows]


def returned_with_question(app):
    """The appraiser asks about 2.1 (answer by 31/12/2099) and returns the assessment."""
    unit = submitted(app)
    appraiser = signed_in(app, "appraiser")
    appraiser.post(f"{REVIEW}/2.1/question", headers={"HX-Request": "true"},
                   data={"question": "Bổ sung Kế hoạch số 12/KH", "answer_by": "31/12/2099"})
    saved = appraiser.post(f"{REVIEW}/return")
    assert saved.status_code == 302
    return unit


def test_returned_assessment_arrives_in_vietnamese_with_the_questions_and_the_link(app):
    returned_with_question(app)
    with Server() as server:
        point_at(app, server.port)
        assert "sent 1, failed 0" in mail_send(app)
        assert "sent 0, failed 0" in mail_send(app)  # nothing twice
    [raw] = server.inbox.raw_to(UNIT_USER)
    subject_line = re.search(rb"^Subject: (.*(?:\r?\n[ \t].*)*)", raw, re.MULTILINE).group(1).decode()
    assert subject_line.startswith("=?utf-8?")  # RFC 2047: the header itself is ASCII
    [message] = server.inbox.to(UNIT_USER)
    subject = str(make_header(decode_header(message["Subject"])))
    assert "Trả lại để giải trình" in subject and "Điện Biên" in subject
    assert "Sở Thông tin và Truyền thông" in subject
    assert str(make_header(decode_header(message["From"]))) == "Chỉ số <chiso@localhost>"
    text = message.get_body(("plain",)).get_content()
    html = message.get_body(("html",)).get_content()
    for body in (text, html):
        assert "Bổ sung Kế hoạch số 12/KH" in body and "31/12/2099" in body
        assert LINK in body and "Điện Biên" in body


def test_a_refusing_or_absent_server_leaves_mail_pending_and_the_save_succeeds(app):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=free_port())  # nobody listens there
    returned_with_question(app)  # the save: the return to the unit went through
    assert "sent 0, failed 0" in mail_send(app)
    [(to, kind, state, attempts, error)] = outbox(app)
    assert (to, kind, state, attempts) == (UNIT_USER, "returned", "pending", 1)
    assert "Không kết nối được máy chủ thư" in error

    with Server("451 4.3.0 Hộp thư tạm thời bận") as busy:
        point_at(app, busy.port)
        with app.app_context():
            assert send_pending(datetime.utcnow()).sent == 0  # not due yet: backoff
            later = send_pending(datetime.utcnow() + timedelta(hours=3))
    assert (later.sent, later.retry) == (0, 1) and busy.inbox.envelopes == []
    [(_to, _kind, state, attempts, error)] = outbox(app)
    assert (state, attempts) == ("pending", 2) and error.startswith("451")

    with Server() as server:
        point_at(app, server.port)
        with app.app_context():
            assert send_pending(datetime.utcnow() + timedelta(hours=6)).sent == 1
            assert send_pending(datetime.utcnow() + timedelta(days=1)).sent == 0
    assert len(server.inbox.to(UNIT_USER)) == 1 and outbox(app)[0][2] == "sent"


def test_a_permanent_refusal_or_too_many_attempts_gives_up_keeping_the_reason(app):
    tell(app, "appraiser", "Hồ sơ đã nộp lại")
    tell(app, "unit_user", "Hồ sơ đã thẩm định xong")
    with Server("550 5.1.1 Không có hộp thư này") as refusing:
        point_at(app, refusing.port)
        assert "sent 0, failed 2" in mail_send(app)
    assert [(s, e[:3]) for _t, _k, s, _a, e in outbox(app)] == [("failed", "550")] * 2

    tell(app, "unit_user", "Hồ sơ đã thẩm định lần nữa")
    point_at(app, free_port())
    with app.app_context():
        for attempt in range(MAX_ATTEMPTS):
            send_pending(datetime.utcnow() + timedelta(days=attempt + 1))
    state, attempts, error = outbox(app)[-1][2:]
    assert (state, attempts) == ("failed", MAX_ATTEMPTS)
    assert error.startswith(f"Sau {MAX_ATTEMPTS} lần gửi") and "kết nối" in error


def tell(app, role, text, count=1, kind="appraised", province="dienbien"):
    with app.app_context(), tenancy.scoped(province_id(app, province)):
        user = db.session.scalar(select(User).where(User.email == demo(role, province)))
        for number in range(count):
            notify([user], kind, f"{text} {number}" if count > 1 else text, FORM)
        db.session.commit()


def test_two_senders_at_once_send_each_message_once(app):
    """Two workers, each its own connection (PostgreSQL: FOR UPDATE SKIP LOCKED; SQLite: the
    claiming UPDATE takes the write lock), start together on the same 60 messages."""
    import threading
    tell(app, "unit_user", "Thông báo", count=60)
    outcomes, errors = [], []
    start = threading.Barrier(2)

    def worker():
        try:
            with app.app_context():
                start.wait()
                outcomes.append(send_pending(limit=5))
                db.session.remove()
        except Exception as exc:  # noqa: BLE001 - reported by the assertion below
            errors.append(exc)

    with Server() as server:
        point_at(app, server.port)
        threads = [threading.Thread(target=worker) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    assert errors == []
    subjects = [str(m["Message-ID"]) for m in server.inbox.to(UNIT_USER)]
    assert len(subjects) == 60 == len(set(subjects))
    assert sum(o.sent for o in outcomes) == 60
    assert {state for _t, _k, state, _a, _e in outbox(app)} == {"sent"}


@pytest.mark.postgres_only
def test_postgresql_a_sender_skips_rows_another_is_claiming_without_waiting(app):
    """Another worker's claim holds the first ten rows locked: this one takes the others at
    once (a plain FOR UPDATE would wait for it) and never touches those ten. PostgreSQL only:
    the SQLite pass deselects it (tests/conftest.py)."""
    from sqlalchemy import create_engine, text
    tell(app, "unit_user", "Thông báo", count=30)
    other = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    with other.connect() as holder, Server() as server:
        locked = holder.execute(text("SELECT id FROM outbox_mail ORDER BY id LIMIT 10 "
                                     "FOR UPDATE")).scalars().all()
        point_at(app, server.port)
        with app.app_context():
            db.session.execute(text("SET lock_timeout = '10s'"))  # a wait would fail, not hang
            assert send_pending().sent == 20
        holder.rollback()
    other.dispose()
    states = {row_id: state for row_id, state in outbox_ids(app)}
    assert all(states[row_id] == "pending" for row_id in locked)
    assert len(server.inbox.to(UNIT_USER)) == 20


def outbox_ids(app):
    with app.app_context(), tenancy.unscoped():
        return db.session.execute(select(OutboxMail.id, OutboxMail.state)).all()


def test_the_admin_sees_the_provinces_outbox_and_that_mail_is_not_configured(app):
    tell(app, "unit_user", "Điện Biên: đã thẩm định")
    tell(app, "unit_user", "Yên Bái: đã thẩm định", province="yenbai")
    admin = signed_in(app, "province_admin")
    page = admin.get("/admin/outbox").get_data(as_text=True)
    assert "Chưa cấu hình máy chủ thư" in page
    assert UNIT_USER in page and demo("unit_user", "yenbai") not in page
    assert "Chờ gửi (1)" in page
    assert "sent 0, failed 0" in mail_send(app) and outbox(app)[0][2] == "pending"
    assert signed_in(app, "unit_user").get("/admin/outbox").status_code == 403


def test_each_user_chooses_per_kind_now_digest_or_off(app):
    unit = signed_in(app, "unit_user")
    saved = unit.post("/account/mail", data={"appraised": "off", "returned": "digest"})
    assert saved.status_code == 302
    assert 'value="off" checked' in unit.get("/account/mail").get_data(as_text=True)
    tell(app, "unit_user", "Đã thẩm định")  # off: the bell only
    tell(app, "unit_user", "Trả lại", kind="returned")  # held for the digest
    tell(app, "unit_user", "Đã công bố", kind="published")  # now
    assert [(k, s) for _t, k, s, _a, _e in outbox(app)] == [("returned", "held"),
                                                            ("published", "pending")]


def test_appraised_then_one_indicator_reopened_each_mail_the_unit_with_their_own_kind(app):
    from tests.test_appraisal import agree, leaves
    submitted(app)
    appraiser = signed_in(app, "appraiser")
    for row in leaves(app):
        agree(appraiser, row.code)
    signed_in(app, "province_admin").post(f"{REVIEW}/1.2/reopen",
                                          data={"reason": "Đơn vị có quyết định mới"})
    with Server() as server:
        point_at(app, server.port)
        mail_send(app)
    mails = {str(make_header(decode_header(m["Subject"]))): m.get_body(("plain",)).get_content()
             for m in server.inbox.to(UNIT_USER)}
    [appraised] = [body for subject, body in mails.items() if "Đã thẩm định" in subject]
    [reopened] = [body for subject, body in mails.items() if "Mở lại chỉ tiêu" in subject]
    assert "đã được thẩm định xong" in appraised and LINK in appraised
    assert "Chỉ tiêu 1.2" in reopened and "Đơn vị có quyết định mới" in reopened
    assert LINK + "#row-1.2" in reopened


def test_a_resubmission_mails_the_appraisers_with_the_review_page(app):
    unit = returned_with_question(app)
    unit.post(f"{FORM}/rows/2.1/reply", data={"reply": "Đã bổ sung Kế hoạch số 12/KH"})
    assert unit.post(f"{FORM}/resubmit").status_code == 302
    with Server() as server:
        point_at(app, server.port)
        mail_send(app)
    [message] = server.inbox.to(demo("appraiser", "dienbien"))
    assert "Đã nộp lại" in str(make_header(decode_header(message["Subject"])))
    body = message.get_body(("plain",)).get_content()
    assert "đã giải trình và nộp lại" in body and "http://127.0.0.1:5000" + REVIEW in body
