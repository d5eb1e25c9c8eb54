"""`jobs daily`: reminders three days before, overdue notices, digests and clean-up, run twice on
one date (passed in with --date): nothing is sent twice."""
import os
import time
from datetime import date, timedelta

from sqlalchemy import select

from app import clock, tenancy
from app.extensions import db
from app.models import Period
from tests.conftest import demo, province_id
from tests.mail_server import Server, point_at
from tests.test_appraisal import FORM, signed_in

UNIT_USER = demo("unit_user", "dienbien")


def set_deadline(app, day):
    with app.app_context(), tenancy.scoped(province_id(app, "dienbien")):
        period = db.session.scalar(select(Period).where(Period.scheme_code == "dienbien-so-2022"))
        period.deadline = day
        db.session.commit()


def daily(app, day):
    return app.test_cli_runner().invoke(args=["jobs", "daily", "--date", day]).output


def about_our_form(messages):
    return [m for m in messages if "http://127.0.0.1:5000" + FORM in m.get_body(("plain",))
            .get_content()]


def test_twice_on_one_date_sends_each_reminder_and_overdue_notice_once(app):
    set_deadline(app, date(2027, 1, 28))
    first = daily(app, "2027-01-25")
    assert "reminders 1" in first
    assert "reminders 0" in daily(app, "2027-01-25")
    daily(app, "2027-01-29")
    assert "overdue 0" in daily(app, "2027-01-29")
    with Server() as server:
        point_at(app, server.port)
        app.test_cli_runner().invoke(args=["mail", "send"])
        app.test_cli_runner().invoke(args=["mail", "send"])
    mails = about_our_form(server.inbox.to(UNIT_USER))
    subjects = " | ".join(str(m["Subject"]) for m in mails)
    assert len(mails) == 2
    assert "Sắp đến hạn" in subjects and "Đã quá hạn nộp" in subjects
    bodies = " ".join(m.get_body(("plain",)).get_content() for m in mails)
    assert "Còn 3 ngày đến hạn nộp 28/01/2027" in bodies
    assert "Đã quá hạn nộp 28/01/2027" in bodies


def test_a_digest_gathers_the_days_mail_once(app):
    # A digest gathers the mail held until the end of its day, so the job runs on the day the
    # clock reads, as cron runs it (a fixed past date would miss mail written today).
    today = clock.today()
    deadline = today + timedelta(days=3)
    unit = signed_in(app, "unit_user")
    unit.post("/account/mail", data={"deadline": "digest"})
    set_deadline(app, deadline)
    assert "digests 1" in daily(app, today.isoformat())
    assert "digests 0" in daily(app, today.isoformat())
    with Server() as server:
        point_at(app, server.port)
        app.test_cli_runner().invoke(args=["mail", "send"])
    [digest] = server.inbox.to(UNIT_USER)
    assert f"Tổng hợp thông báo ngày {today:%d/%m/%Y}" in str(digest["Subject"])
    assert f"Còn 3 ngày đến hạn nộp {deadline:%d/%m/%Y}" in \
        digest.get_body(("plain",)).get_content()


def test_unconfirmed_import_uploads_are_removed_after_a_day(app):
    waiting = os.path.join(app.config["UPLOAD_DIR"], "imports", "1")
    os.makedirs(waiting)
    # Named as staged_uploads names them: owner, the time it was staged, a random part.
    new = f"7-{int(time.time())}-abcdefghijklmnopqrstuvwx.xlsx"
    old = f"7-{int(time.time()) - 2 * 86400}-abcdefghijklmnopqrstuvwx.xlsx"
    for name in (old, new):
        open(os.path.join(waiting, name), "wb").close()
    assert "uploads removed 1" in daily(app, "2027-01-25")
    assert os.listdir(waiting) == [new]
