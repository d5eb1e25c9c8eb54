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
from app.models import Period, Province
from app.services.deadline_reminders import deadline_reminders, tell_unsubmitted
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
    return tell_unsubmitted(province, periods, registry, "overdue", lambda scheme, period: (
        f"Đã quá hạn nộp {period.deadline:%d/%m/%Y} mà hồ sơ chưa nộp: {scheme.title}, "
        f"kỳ {period.label}. Hãy hoàn thành và nộp ngay hoặc liên hệ quản trị tỉnh."))


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
