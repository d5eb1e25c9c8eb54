"""`flask --app wsgi jobs daily`: what is due each day, idempotent for the day.

Deadline reminders (three days before), "deadline passed, not submitted" notices, the daily
digests of those who chose them, and removal of import uploads nobody confirmed. Each part
checks what it already did, so running the command twice on a day sends nothing twice.
"""
from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

from flask import current_app
from sqlalchemy import select

from app.extensions import db
from app.models import Notification, Period, Province, User
from app.services.deadline_reminders import deadline_reminders, reminder_link
from app.services.notifications import notify
from app.services.outbox import write_digests
from app.services.provinces import each_province

OVERDUE_LOOKBACK = 7  # a period overdue for longer was told already (or is an old one)
STAGED_FOLDERS = ("imports", "value-imports")  # app.web.user_import / app.web.exports WAITING


@dataclass
class DailyResult:
    reminders: int
    overdue: int
    digests: int
    uploads_removed: int


def run(registry, today: date) -> DailyResult:
    return DailyResult(reminders=deadline_reminders(today, registry),
                       overdue=overdue_notices(today, registry),
                       digests=write_digests(today),
                       uploads_removed=remove_stale_uploads())


def overdue_notices(today: date, registry) -> int:
    """One notice per unit user whose assessment of an open period is past its deadline and
    still not submitted, once per deadline (the text carries the date)."""
    return each_province(lambda province: _overdue_in(province, today, registry))


def _overdue_in(province: Province, today: date, registry) -> int:
    periods = db.session.scalars(select(Period).where(
        Period.state == "open", Period.deadline < today,
        Period.deadline >= today - timedelta(days=OVERDUE_LOOKBACK))).all()
    if not periods:
        return 0
    users = db.session.scalars(select(User).where(User.role == "unit_user", User.active,
                                                  User.unit_id.is_not(None))).all()
    created = 0
    for period in periods:
        scheme = registry.schemes.get(period.scheme_code)
        if scheme is None or not province.plugin_enabled(scheme.plugin):
            continue
        text = (f"Đã quá hạn nộp {period.deadline:%d/%m/%Y} mà hồ sơ chưa nộp: {scheme.title}, "
                f"kỳ {period.label}. Hãy hoàn thành và nộp ngay hoặc liên hệ quản trị tỉnh.")
        for user in users:
            link = reminder_link(scheme, period, user)  # None: nothing left to submit
            if link and not _told(user, link, text):
                notify([user], "overdue", text, link)
                created += 1
    return created


def _told(user: User, link: str, text: str) -> bool:
    return db.session.scalar(select(Notification.id).where(
        Notification.user_id == user.id, Notification.kind == "overdue",
        Notification.link == link, Notification.text == text)) is not None


def remove_stale_uploads(now: float | None = None) -> int:
    """Import uploads left unconfirmed for longer than staged_uploads keeps them (a province
    that never uploads again would otherwise keep them for ever)."""
    from app.web.staged_uploads import KEEP_SECONDS, staged_at
    now = now or time.time()
    removed = 0
    for folder in STAGED_FOLDERS:
        for path in (Path(current_app.config["UPLOAD_DIR"]) / folder).glob("*/*"):
            if path.is_file() and staged_at(path) < now - KEEP_SECONDS:
                path.unlink(missing_ok=True)
                removed += 1
    return removed
