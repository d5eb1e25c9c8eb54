"""In-app notifications (the bell): written in the same transaction as the change they tell of."""
from __future__ import annotations

from sqlalchemy import func, select

from app.extensions import db
from app.models import Notification, User

KINDS = {
    "returned": "Trả lại để giải trình",
    "resubmitted": "Đã nộp lại",
    "submitted": "Hồ sơ mới nộp",
    "appraised": "Đã thẩm định",
    "published": "Đã công bố kết quả",
    "unpublished": "Hủy công bố kết quả",
    "deadline": "Sắp đến hạn",
    "period": "Kỳ báo cáo",
}


def notify(users, kind: str, text: str, link: str | None = None) -> None:
    """Queue one notification per user (objects or ids); the caller commits."""
    for user in users:
        user_id = user if isinstance(user, int) else user.id
        db.session.add(Notification(user_id=user_id, kind=kind, text=text, link=link))


def unit_users(*unit_ids: int) -> list[User]:
    """The active users of these units, in one query (a publication tells every unit)."""
    return db.session.scalars(select(User).where(User.unit_id.in_(unit_ids), User.active)).all()


def role_users(role: str) -> list[User]:
    return db.session.scalars(select(User).where(User.role == role, User.active)).all()


def unread_count(user) -> int:
    return db.session.scalar(select(func.count()).select_from(Notification).where(
        Notification.user_id == user.id, Notification.read_at.is_(None))) or 0
