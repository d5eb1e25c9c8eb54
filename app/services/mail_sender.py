"""Sending the outbox (`flask --app wsgi mail send`): claim, send, record — never twice.

A worker first *claims* a batch in its own short transaction (state "sending" and its claim
token; on PostgreSQL the candidate rows are read ``FOR UPDATE SKIP LOCKED`` so two workers
never wait on or take the same rows; on SQLite the database's single writer does the same),
then sends each claimed message and records the outcome. A temporary failure (4xx, server down,
timeout) puts the message back with exponential backoff; a permanent one (5xx) or too many
attempts marks it failed with the reason kept. A message left "sending" by a worker that died
is never retried: the server may have taken it, and sending twice is worse than a visible
failure the admin can see in the outbox.
"""
from __future__ import annotations

import secrets
import smtplib
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.header import Header
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import formataddr, make_msgid, parseaddr

from flask import current_app
from sqlalchemy import select, update

from app import tenancy
from app.extensions import db
from app.models import OutboxMail

BATCH = 50
MAX_ATTEMPTS = 8  # with the backoff below: retried for about four hours
FIRST_RETRY = timedelta(minutes=2)
LONGEST_RETRY = timedelta(hours=2)
STALE_CLAIM = timedelta(hours=1)
TIMEOUT_SECONDS = 20


@dataclass
class Outcome:
    sent: int = 0
    retry: int = 0  # temporary failure: stays pending, tried again later
    failed: int = 0  # given up


class TemporaryFailure(Exception):
    """The server may take it later (4xx, connection refused, timeout)."""


def configured() -> bool:
    return bool(current_app.config.get("MAIL_SERVER"))


def backoff(attempts: int) -> timedelta:
    return min(FIRST_RETRY * 2 ** (attempts - 1), LONGEST_RETRY)


def claim(now: datetime, limit: int = BATCH) -> list[int]:
    """Take up to ``limit`` due messages for this worker, in one UPDATE committed before any
    is sent. On PostgreSQL the inner SELECT skips rows another worker is claiming; on SQLite
    the statement takes the write lock first, so the second worker sees them claimed."""
    token = secrets.token_hex(16)
    due = (select(OutboxMail.id).where(OutboxMail.state == "pending",
                                       OutboxMail.next_attempt_at <= now)
           .order_by(OutboxMail.id).limit(limit).with_for_update(skip_locked=True))
    with tenancy.unscoped():
        # next_attempt_at becomes the claim time: give_up_stale reads it.
        db.session.execute(update(OutboxMail).where(
            OutboxMail.id.in_(due.scalar_subquery()), OutboxMail.state == "pending")
            .values(state="sending", claim=token, next_attempt_at=now),
            execution_options={"synchronize_session": False})
        db.session.commit()
        return db.session.scalars(select(OutboxMail.id).where(OutboxMail.claim == token)
                                  .order_by(OutboxMail.id)).all()


def message_of(row: OutboxMail, sender: str) -> MIMEMultipart:
    """Plain text and HTML. The subject and the sender's name are RFC 2047 words made by
    email.header.Header: the newer EmailMessage folder drops the space where it splits a long
    Vietnamese subject ("Sắp đếnhạn"), Header keeps it inside the encoded words."""
    message = MIMEMultipart("alternative")
    name, address = parseaddr(sender)
    message["From"] = formataddr((name, address), charset="utf-8") if name else address
    message["To"] = row.to_addr
    message["Subject"] = Header(row.subject, "utf-8")
    message["Message-ID"] = make_msgid(idstring=f"outbox-{row.id}")
    message.attach(MIMEText(row.body_text, "plain", "utf-8"))
    message.attach(MIMEText(row.body_html, "html", "utf-8"))
    return message


def _connect() -> smtplib.SMTP:
    config = current_app.config
    try:
        smtp = smtplib.SMTP(config["MAIL_SERVER"], int(config.get("MAIL_PORT") or 25),
                            timeout=TIMEOUT_SECONDS)
        if _flag(config.get("MAIL_USE_TLS")):
            smtp.starttls()
        if config.get("MAIL_USERNAME"):
            smtp.login(config["MAIL_USERNAME"], config.get("MAIL_PASSWORD") or "")
    except smtplib.SMTPResponseException as exc:
        _raise_for(exc.smtp_code, exc.smtp_error)
        raise
    except (OSError, smtplib.SMTPException) as exc:  # refused, timeout, DNS, TLS
        raise TemporaryFailure(f"Không kết nối được máy chủ thư: {exc}") from exc
    return smtp


def _flag(value) -> bool:
    return value is True or str(value).strip().lower() in {"1", "true", "yes", "on"}


def _raise_for(code: int, text) -> None:
    reason = f"{code} {text.decode(errors='replace') if isinstance(text, bytes) else text}"
    if 400 <= code < 500:
        raise TemporaryFailure(reason)
    raise smtplib.SMTPException(reason)


def _send_one(smtp: smtplib.SMTP, row: OutboxMail) -> None:
    try:
        refused = smtp.send_message(message_of(row, current_app.config["MAIL_SENDER"]))
    except smtplib.SMTPRecipientsRefused as exc:
        code, text = next(iter(exc.recipients.values()))
        _raise_for(code, text)
    except smtplib.SMTPResponseException as exc:
        _raise_for(exc.smtp_code, exc.smtp_error)
    except (OSError, smtplib.SMTPServerDisconnected) as exc:
        raise TemporaryFailure(f"Mất kết nối máy chủ thư: {exc}") from exc
    else:
        if refused:
            code, text = next(iter(refused.values()))
            _raise_for(code, text)


def _record(row_id: int, now: datetime, error: Exception | None, outcome: Outcome) -> None:
    with tenancy.unscoped():
        row = db.session.get(OutboxMail, row_id)
        row.attempts += 1
        row.claim = None
        if error is None:
            row.state, row.sent_at, row.last_error = "sent", now, None
            outcome.sent += 1
        elif isinstance(error, TemporaryFailure) and row.attempts < MAX_ATTEMPTS:
            row.state, row.last_error = "pending", str(error)[:1000]
            row.next_attempt_at = now + backoff(row.attempts)
            outcome.retry += 1
        else:
            row.state = "failed"
            row.last_error = (f"Sau {row.attempts} lần gửi: " if row.attempts >= MAX_ATTEMPTS
                              else "") + str(error)[:1000]
            outcome.failed += 1
        db.session.commit()


def give_up_stale(now: datetime) -> int:
    """Messages a dead worker left "sending": failed, never resent (see the module's note)."""
    with tenancy.unscoped():
        result = db.session.execute(update(OutboxMail).where(
            OutboxMail.state == "sending", OutboxMail.next_attempt_at < now - STALE_CLAIM)
            .values(state="failed", claim=None,
                    last_error="Tiến trình gửi dừng giữa chừng: không gửi lại để tránh gửi hai lần."),
            execution_options={"synchronize_session": False})
        db.session.commit()
    return result.rowcount or 0


def send_pending(now: datetime | None = None, limit: int = BATCH) -> Outcome:
    """Send what is due, batch after batch, until nothing is due. When the server cannot be
    reached, the claimed batch goes back with its backoff and the run stops there."""
    outcome = Outcome()
    if not configured():
        return outcome
    now = now or datetime.utcnow()
    give_up_stale(now)
    while True:
        ids = claim(now, limit)
        if not ids:
            return outcome
        try:
            smtp = _connect()
        except (TemporaryFailure, smtplib.SMTPException) as exc:
            for row_id in ids:
                _record(row_id, now, exc, outcome)
            return outcome
        for row_id in ids:
            with tenancy.unscoped():
                row = db.session.get(OutboxMail, row_id)
            error = None
            try:
                smtp = smtp or _connect()
                _send_one(smtp, row)
            except (TemporaryFailure, smtplib.SMTPException) as exc:
                error = exc
                if isinstance(exc, TemporaryFailure):
                    _close(smtp)
                    smtp = None  # a fresh connection for the next one
            _record(row_id, now, error, outcome)
        _close(smtp)


def _close(smtp: smtplib.SMTP | None) -> None:
    if smtp is not None:
        try:
            smtp.quit()
        except (OSError, smtplib.SMTPException):
            pass  # closing a connection that already failed: nothing to keep
