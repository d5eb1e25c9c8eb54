"""Locking and re-dating a period ask first, name the scheme, are audited and tell the units."""
from datetime import date

from sqlalchemy import select

from app import tenancy
from app.extensions import db
from app.models import AuditEvent, Notification, Period, User
from tests.conftest import demo, province_id

SCHEME = "dienbien-so-2022"


def period_row(app):
    with app.app_context(), tenancy.scoped(province_id(app, "dienbien")):
        period = db.session.scalar(select(Period).where(Period.scheme_code == SCHEME))
        db.session.expunge(period)
        return period


def trail(app, action):
    with app.app_context(), tenancy.scoped(province_id(app, "dienbien")):
        return [(e.old, e.new, e.reason) for e in db.session.scalars(
            select(AuditEvent).where(AuditEvent.action == action))]


def unit_notices(app):
    with app.app_context(), tenancy.scoped(province_id(app, "dienbien")):
        return db.session.scalars(select(Notification.text).join(
            User, Notification.user_id == User.id).where(
            User.email == demo("unit_user", "dienbien"), Notification.kind == "period")).all()


def test_lock_asks_first_names_the_scheme_is_audited_and_told(app, as_user):
    admin = as_user("province_admin", "dienbien")
    period = period_row(app)
    page = admin.get("/periods").get_data(as_text=True)
    assert 'data-confirm="Khóa kỳ Năm 2022 của Bộ chỉ số CĐS các cơ quan chuyên môn' in page
    assert "Năm 2022 2022" not in page and "Năm 2022 <span" not in page
    done = admin.post(f"/periods/{period.id}/state", data={"state": "locked"},
                      follow_redirects=True).get_data(as_text=True)
    assert "Đã khóa kỳ Năm 2022 của Bộ chỉ số CĐS các cơ quan chuyên môn thuộc UBND tỉnh" in done
    assert period_row(app).state == "locked"
    assert trail(app, "period.lock") == [("open", "locked", f"{SCHEME} 2022")]
    assert any("Đã khóa kỳ Năm 2022" in text for text in unit_notices(app))


def test_a_past_deadline_needs_an_explicit_yes(app, as_user):
    admin = as_user("province_admin", "dienbien")
    period = period_row(app)
    url = f"/periods/{period.id}/deadline"
    warned = admin.post(url, data={"deadline": "2020-01-01"})
    assert warned.status_code == 422
    text = warned.get_data(as_text=True)
    assert "ngày 01/01/2020 đã qua" in text and "Tôi hiểu hạn này đã qua" in text
    assert period_row(app).deadline == period.deadline  # nothing changed yet
    admin.post(url, data={"deadline": "2020-01-01", "past_ok": "y"})
    assert period_row(app).deadline == date(2020, 1, 1)
    assert trail(app, "period.deadline") == [(period.deadline.isoformat(), "2020-01-01",
                                              f"{SCHEME} 2022")]
    assert any("thành 01/01/2020" in text for text in unit_notices(app))
