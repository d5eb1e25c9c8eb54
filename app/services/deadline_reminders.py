"""Deadline reminders: "the deadline is three days away", one notification per unit user
who still has a form to submit (run by the daily jobs, services/daily.py)."""
from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import select

from app.catalogue.model import Scheme
from app.extensions import db
from app.models import Notification, Period, Province, User
from app.services import assessments as svc
from app.services.notifications import notify
from app.services.period_units import assessed_in
from app.services.provinces import each_province

REMINDER_DAYS = 3  # "the deadline is three days away"


def deadline_reminders(today: date, registry) -> int:
    """One notification per unit user whose assessment in an open period is due in three days
    and not yet submitted. Safe to run several times a day: nothing is sent twice. Returns how
    many were created. Runs over every province (a daily command calls it)."""
    return each_province(lambda province: _remind_province(province, today, registry))


def _remind_province(province: Province, today: date, registry) -> int:
    due = today + timedelta(days=REMINDER_DAYS)
    periods = db.session.scalars(select(Period).where(Period.state == "open",
                                                      Period.deadline == due)).all()
    return tell_unsubmitted(province, periods, registry, "deadline", lambda scheme, period: (
        f"Còn {REMINDER_DAYS} ngày đến hạn nộp {due:%d/%m/%Y}: {scheme.title}, "
        f"kỳ {period.label}."))


def tell_unsubmitted(province: Province, periods, registry, kind: str, text_of) -> int:
    """Notify (``kind``, ``text_of(scheme, period)``) each active unit user with something left
    to submit in these periods, once: the text carries the date, so a notice already written
    for that link and text is not written again. Returns how many were written."""
    if not periods:
        return 0
    users = db.session.scalars(select(User).where(User.role == "unit_user", User.active,
                                                  User.unit_id.is_not(None))).all()
    created = 0
    for period in periods:
        scheme = registry.schemes.get(period.scheme_code)
        if scheme is None or not province.uses_scheme(scheme):
            continue
        text = text_of(scheme, period)
        for user in users:
            link = reminder_link(scheme, period, user)  # None: nothing left to submit
            if link and not _told(user, kind, link, text):
                notify([user], kind, text, link)
                created += 1
    return created


def reminder_link(scheme: Scheme, period: Period, user: User) -> str | None:
    """The form the user still has to submit for this period, or None."""
    unit = svc.assessed_unit(scheme, user.unit)
    writer = user.unit if unit != user.unit else None  # an agency writing the province's KPIs
    if unit is None or not assessed_in(unit, period) or not svc.visible_rows(scheme, period, writer):
        return None  # also a unit closed in 2025, for a period after it
    assessment = svc.get_assessment(scheme, period, unit)
    if assessment is not None and assessment.state != "draft":
        return None
    return f"/assessments/{scheme.code}/{period.code}/{unit.code}"


def _told(user: User, kind: str, link: str, text: str) -> bool:
    return db.session.scalar(select(Notification.id).where(
        Notification.user_id == user.id, Notification.kind == kind,
        Notification.link == link, Notification.text == text)) is not None
