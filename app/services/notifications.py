"""In-app notifications (the bell): written in the same transaction as the change they tell of."""
from __future__ import annotations

from sqlalchemy import and_, func, select

from app.extensions import db
from app.models import Notification, User
from app.services.outbox import queue_notification

KINDS = {
    "returned": "Trả lại để giải trình",
    "resubmitted": "Đã nộp lại",
    "submitted": "Hồ sơ mới nộp",
    "appraised": "Đã thẩm định",
    "published": "Đã công bố kết quả",
    "unpublished": "Hủy công bố kết quả",
    "deadline": "Sắp đến hạn",
    "overdue": "Đã quá hạn nộp",
    "reopened": "Mở lại chỉ tiêu để sửa",
    "period": "Kỳ báo cáo",
}


def notify(users, kind: str, text: str, link: str | None = None,
           details: list[str] | None = None) -> None:
    """Queue one notification per user (objects or ids), and its e-mail in the outbox; the
    caller commits both in one transaction. ``details``: extra lines for the e-mail only."""
    users = [db.session.get(User, user) if isinstance(user, int) else user for user in users]
    users = [user for user in users if user is not None]
    for user in users:
        db.session.add(Notification(user_id=user.id, kind=kind, text=text, link=link))
    queue_notification(users, kind, text, link, details)


def unit_users(*unit_ids: int) -> list[User]:
    """The active users of these units, in one query (a publication tells every unit)."""
    return db.session.scalars(select(User).where(User.unit_id.in_(unit_ids), User.active)).all()


def role_users(role: str) -> list[User]:
    return db.session.scalars(select(User).where(User.role == role, User.active)).all()


def _unread(user_id):
    """A notification the user has not read (the province: the tenancy scope's, or the
    caller's own condition)."""
    return and_(Notification.user_id == user_id, Notification.read_at.is_(None))


def unread_count(user) -> int:
    return db.session.scalar(select(func.count()).select_from(Notification).where(
        _unread(user.id))) or 0


def unread_column():
    """``unread_count`` in the user's own province, as a column of the query that loads the
    user (app/web/auth.py load_user): the bell's own query cost as much as loading the user."""
    return (select(func.count()).where(_unread(User.id),
                                       Notification.province_id == User.province_id)
            .correlate(User).scalar_subquery())
