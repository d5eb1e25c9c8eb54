"""Writing e-mail into the outbox: a notification's mail, a password-reset link, the daily digest.

Nothing here talks to a mail server: rows are added to the caller's session and committed with
the change they tell of, so a slow or failed server never slows or breaks a save. `mail send`
(app.services.mail_sender) sends them later.
"""
from __future__ import annotations

import re
from datetime import date, datetime, time, timedelta

from flask import current_app
from sqlalchemy import select

from app import tenancy
from app.extensions import db
from app.models import MailPreference, OutboxMail, Unit, User

# The notifications that also go out by e-mail (the others stay in the bell).
MAIL_KINDS = ("returned", "resubmitted", "appraised", "published", "deadline", "overdue",
              "reopened")
MODES = {"now": "Gửi ngay", "digest": "Gộp vào thư tổng hợp hằng ngày", "off": "Không gửi thư"}
# /assessments/<scheme>/<period>/<unit> and /appraisal/…: the unit a notification is about.
_UNIT_IN_LINK = re.compile(r"^/(?:assessments|appraisal)/[^/]+/[^/]+/([^/#?]+)")


def absolute(link: str | None) -> str:
    base = current_app.config["BASE_URL"].rstrip("/")
    return base + (link or "/")


def _render(name: str, **context) -> str:
    # The app's environment without request context processors: jobs render mail too.
    return current_app.jinja_env.get_template(name).render(**context)


def modes_of(user_id: int) -> dict[str, str]:
    rows = db.session.scalars(select(MailPreference).where(MailPreference.user_id == user_id))
    return {row.kind: row.mode for row in rows}


def set_modes(user: User, modes: dict[str, str]) -> None:
    """Keep a row only for a kind that is not the default "now"; the caller commits."""
    current = {row.kind: row for row in db.session.scalars(
        select(MailPreference).where(MailPreference.user_id == user.id))}
    for kind in MAIL_KINDS:
        mode = modes.get(kind, "now")
        row = current.get(kind)
        if mode == "now":
            if row is not None:
                db.session.delete(row)
        elif row is None:
            db.session.add(MailPreference(user_id=user.id, kind=kind, mode=mode,
                                          province_id=user.province_id))
        else:
            row.mode = mode


def _unit_named(link: str | None, user: User) -> Unit | None:
    match = _UNIT_IN_LINK.match(link or "")
    if match:
        unit = db.session.scalar(select(Unit).where(Unit.code == match.group(1),
                                                    Unit.province_id == user.province_id))
        if unit is not None:
            return unit
    return user.unit


def queue_notification(users: list[User], kind: str, text: str, link: str | None,
                       details: list[str] | None = None) -> None:
    """The e-mail of a notification, one per user who wants it (now, or held for the digest).
    Added to the session: the caller's commit writes it with the notification."""
    from app.services.notifications import KINDS
    if kind not in MAIL_KINDS:
        return
    label = KINDS.get(kind, kind)
    # One query for everyone told (a publication tells every unit's users at once).
    chosen = dict(db.session.execute(select(MailPreference.user_id, MailPreference.mode).where(
        MailPreference.kind == kind, MailPreference.user_id.in_([u.id for u in users]))).all())
    for user in users:
        if not user.active or not user.email or user.province_id is None:
            continue  # a superadmin has no province and no bell
        mode = chosen.get(user.id, "now")
        if mode == "off":
            continue
        unit = _unit_named(link, user)
        province = user.province.name if user.province else ""
        context = {"user": user, "label": label, "text": text, "details": details or [],
                   "url": absolute(link), "province": province,
                   "unit": unit.name if unit else ""}
        subject = f"[Chỉ số · {province}] {label}" + (f": {unit.name}" if unit else "")
        db.session.add(OutboxMail(
            province_id=user.province_id, user_id=user.id, kind=kind, to_addr=user.email,
            subject=subject[:300], summary=text, link=link,
            body_text=_render("mail/notification.txt", **context),
            body_html=_render("mail/notification.html", **context),
            state="held" if mode == "digest" else "pending"))


def queue_password_reset(user: User, link: str, valid_minutes: int) -> None:
    context = {"user": user, "url": absolute(link), "minutes": valid_minutes,
               "province": user.province.name if user.province else ""}
    db.session.add(OutboxMail(
        province_id=user.province_id, user_id=user.id, kind="password_reset",
        to_addr=user.email, subject="[Chỉ số] Đặt lại mật khẩu", link=link,
        body_text=_render("mail/password_reset.txt", **context),
        body_html=_render("mail/password_reset.html", **context)))


def write_digests(day: date) -> int:
    """One digest per user of the mail held for it until the end of ``day``. Running it again
    the same day writes nothing: the held rows are marked digested in the digest's transaction
    and the digest carries the key "digest:<user>:<day>". Returns how many digests were written."""
    until = datetime.combine(day + timedelta(days=1), time())
    written = 0
    with tenancy.unscoped():
        user_ids = db.session.scalars(select(OutboxMail.user_id).where(
            OutboxMail.state == "held", OutboxMail.created_at < until).distinct()).all()
        for user_id in user_ids:
            key = f"digest:{user_id}:{day.isoformat()}"
            if db.session.scalar(select(OutboxMail.id).where(OutboxMail.dedupe_key == key)):
                continue
            items = db.session.scalars(select(OutboxMail).where(
                OutboxMail.user_id == user_id, OutboxMail.state == "held",
                OutboxMail.created_at < until).order_by(OutboxMail.created_at, OutboxMail.id)).all()
            user = db.session.get(User, user_id)
            province = user.province.name if user.province else ""
            context = {"user": user, "day": day, "province": province, "unit": user.unit,
                       "items": [{"subject": i.subject, "text": i.summary or i.subject,
                                  "url": absolute(i.link)} for i in items],
                       "url": absolute("/notifications")}
            db.session.add(OutboxMail(
                province_id=user.province_id, user_id=user.id, kind="digest", to_addr=user.email,
                subject=f"[Chỉ số · {province}] Tổng hợp thông báo ngày {day:%d/%m/%Y} "
                        f"({len(items)})",
                body_text=_render("mail/digest.txt", **context),
                body_html=_render("mail/digest.html", **context), dedupe_key=key,
                link="/notifications"))
            for item in items:
                item.state = "digested"
            db.session.commit()
            written += 1
    return written
