"""The bell: unread count on every page, the list, marking read; deadline reminders."""
import re
from datetime import timedelta

from sqlalchemy import select

from app import clock, tenancy
from app.extensions import db
from app.models import Assessment, Notification, Period, Unit, User
from app.services.deadline_reminders import deadline_reminders
from app.services.notifications import notify
from tests.conftest import demo, login, province_id

FORM = "/assessments/dienbien-so-2022/2022/dienbien.so-tttt"


def signed_in(app, role, province="dienbien"):
    client = app.test_client()
    login(client, demo(role, province))
    return client


def send(app, role, text, link=FORM, province="dienbien"):
    with app.app_context(), tenancy.scoped(province_id(app, province)):
        user = db.session.scalar(select(User).where(User.email == demo(role, province)))
        notify([user], "returned", text, link)
        db.session.commit()


def bell(html):
    match = re.search(r'aria-label="Thông báo: (\d+) chưa đọc"', html)
    return int(match.group(1))


def ids(app, province="dienbien"):
    with app.app_context(), tenancy.scoped(province_id(app, province)):
        return db.session.scalars(select(Notification.id).order_by(Notification.id)).all()


def test_bell_counts_unread_and_the_list_marks_them_read(app):
    send(app, "unit_user", "Hồ sơ được trả lại để giải trình chỉ tiêu 2.1")
    send(app, "unit_user", "Chỉ tiêu 1.2 được mở lại")
    send(app, "appraiser", "Đơn vị đã nộp lại")
    unit = signed_in(app, "unit_user")
    assert bell(unit.get(FORM).get_data(as_text=True)) == 2  # on every page, only one's own
    listing = unit.get("/notifications").get_data(as_text=True)
    assert "Hồ sơ được trả lại để giải trình chỉ tiêu 2.1" in listing
    assert "Đơn vị đã nộp lại" not in listing

    first = ids(app)[0]
    opened = unit.post("/notifications/read", data={"id": first, "go": "1"})
    assert opened.status_code == 302 and opened.headers["Location"].endswith(FORM)
    assert bell(unit.get("/notifications").get_data(as_text=True)) == 1
    unit.post("/notifications/read")
    assert bell(unit.get("/notifications").get_data(as_text=True)) == 0
    appraisers = ids(app)[2]
    assert unit.post("/notifications/read", data={"id": appraisers}).status_code == 404
    assert bell(signed_in(app, "appraiser").get("/notifications").get_data(as_text=True)) == 1


def test_a_notification_of_another_province_is_not_there(app):
    send(app, "unit_user", "Thanh Hóa", link="/", province="thanhhoa")
    other = ids(app, "thanhhoa")[0]
    unit = signed_in(app, "unit_user")
    assert unit.post("/notifications/read", data={"id": other}).status_code == 404
    assert "Thanh Hóa" not in unit.get("/notifications").get_data(as_text=True)


def test_a_link_to_another_site_is_not_followed(app):
    send(app, "unit_user", "Lạ", link="//example.com/x")
    unit = signed_in(app, "unit_user")
    response = unit.post("/notifications/read", data={"id": ids(app)[0], "go": "1"})
    assert response.headers["Location"].endswith("/notifications")


def _due_in(app, days):
    with app.app_context(), tenancy.scoped(province_id(app, "dienbien")):
        period = db.session.scalar(select(Period).where(Period.scheme_code == "dienbien-so-2022"))
        period.deadline = clock.today() + timedelta(days=days)
        db.session.commit()


def _remind(app):
    with app.app_context():
        return deadline_reminders(clock.today(), app.extensions["chiso"])


def test_deadline_three_days_away_is_told_once(app):
    _due_in(app, 3)
    assert _remind(app) == 1  # the demo unit user of Điện Biên's department
    assert _remind(app) == 0  # running again the same day sends nothing twice
    unit = signed_in(app, "unit_user")
    listing = unit.get("/notifications").get_data(as_text=True)
    deadline = (clock.today() + timedelta(days=3)).strftime("%d/%m/%Y")
    assert f"Còn 3 ngày đến hạn nộp {deadline}" in listing and "Sắp đến hạn" in listing
    _due_in(app, 4)
    assert _remind(app) == 0


def test_no_reminder_once_submitted(app):
    _due_in(app, 3)
    with app.app_context(), tenancy.scoped(province_id(app, "dienbien")):
        period = db.session.scalar(select(Period).where(Period.scheme_code == "dienbien-so-2022"))
        unit = db.session.scalar(select(Unit).where(Unit.code == "dienbien.so-tttt"))
        db.session.add(Assessment(scheme_code="dienbien-so-2022", scheme_version=1,
                                  period_id=period.id, unit_id=unit.id, state="submitted"))
        db.session.commit()
    assert _remind(app) == 0
