"""`flask --app wsgi mail send` and `flask --app wsgi jobs daily` (cron / systemd timer)."""
from __future__ import annotations

import sys
from datetime import date

import click
from flask import current_app
from flask.cli import AppGroup

mail_cli = AppGroup("mail", help="Thư điện tử (hộp thư đi).")
jobs_cli = AppGroup("jobs", help="Việc định kỳ.")


@mail_cli.command("send")
def mail_send():
    """Send the outbox's due mail; print how many were sent / failed."""
    from app.services.mail_sender import configured, send_pending
    if not configured():
        click.echo("Chưa cấu hình máy chủ thư (CHISO_MAIL_SERVER): thư vẫn nằm trong hộp thư đi.")
        click.echo("sent 0, failed 0")
        return
    outcome = send_pending()
    click.echo(f"sent {outcome.sent}, failed {outcome.failed}, retry later {outcome.retry}")


@jobs_cli.command("daily")
@click.option("--date", "day_text", default=None, help="Ngày chạy (YYYY-MM-DD); mặc định hôm nay.")
def jobs_daily(day_text):
    """Reminders, overdue notices, digests, clean-up for the day (safe to run twice)."""
    from app.services.daily import run
    try:
        day = date.fromisoformat(day_text) if day_text else date.today()
    except ValueError:
        click.echo(f"Ngày «{day_text}» (--date) không hợp lệ: ghi theo dạng 2027-01-28.", err=True)
        sys.exit(1)
    result = run(current_app.extensions["chiso"], day)
    click.echo(f"{day:%Y-%m-%d}: reminders {result.reminders}, overdue {result.overdue}, "
               f"digests {result.digests}, uploads removed {result.uploads_removed}")


def init_app(app) -> None:
    app.cli.add_command(mail_cli)
    app.cli.add_command(jobs_cli)
