"""Command-line interface: `flask --app wsgi <group> <command>`."""
from __future__ import annotations

import json
import sys
from datetime import date

import click
from flask import current_app
from flask.cli import AppGroup, with_appcontext
from sqlalchemy import select

from app import clock, tenancy
from app.extensions import db
from app.models import Province

DEMO_PASSWORD = "chiso-demo-2022"
DEMO_PERIOD = "2022"


def registry():
    return current_app.extensions["chiso"]


def fail(message: str):
    click.echo(message, err=True)
    sys.exit(1)


provinces_cli = AppGroup("provinces", help="Tỉnh (tenant).")
plugins_cli = AppGroup("plugins", help="Plugin của các tỉnh.")
users_cli = AppGroup("users", help="Người dùng.")
catalogue_cli = AppGroup("catalogue", help="Bộ chỉ số.")
periods_cli = AppGroup("periods", help="Kỳ báo cáo.")
units_cli = click.Group("units", help="Đơn vị hành chính.")
tokens_cli = AppGroup("tokens", help="Mã truy cập API.")


@provinces_cli.command("setup")
@click.argument("code")
def provinces_setup(code):
    """Create province CODE, enable its plugin, load its units (idempotent)."""
    from app.services.provinces import SetupError, setup_province
    try:
        province, added = setup_province(registry(), code)
    except SetupError as exc:
        fail(str(exc))
    click.echo(f"{province.code}: {province.name}, {added} đơn vị mới")


@plugins_cli.command("list")
def plugins_list():
    """Print each plugin's code, version and status."""
    for record in sorted(registry().records.values(), key=lambda r: r.code):
        version = record.info.version if record.info else "-"
        status = "ok" if record.ok else f"broken: {record.error}"
        click.echo(f"{record.code}\t{version}\t{status}")
    from app.services.snapshots import drift
    for changed in drift(registry()):  # also logged; the published figures do not move
        click.echo(f"{changed.scheme_code}\tđã đổi sau khi công bố kỳ {changed.period} "
                   f"({changed.province}); kết quả đã công bố giữ nguyên")


@users_cli.command("create")
@click.argument("email")
@click.option("--role", required=True)
@click.option("--province", "province_code", default=None)
@click.option("--unit", "unit_code", default=None)
@click.option("--name", "full_name", default="")
def users_create(email, role, province_code, unit_code, full_name):
    """Create a user; the password is read from standard input."""
    from app.services.users import UserError, create_user
    password = sys.stdin.readline().rstrip("\n")
    province = None
    if province_code:
        with tenancy.unscoped():
            province = db.session.scalar(select(Province).where(Province.code == province_code))
        if province is None:
            fail(f"Không có tỉnh «{province_code}».")
    try:
        with tenancy.scoped(province.id if province else None):
            create_user(email, role, province, unit_code, password, full_name)
            db.session.commit()
    except UserError as exc:
        fail(str(exc))
    click.echo(f"Đã tạo {email} ({role})")


@catalogue_cli.command("list")
def catalogue_list():
    """Print one scheme code per line."""
    for code in sorted(registry().schemes):
        click.echo(code)


@catalogue_cli.command("show")
@click.argument("code")
@click.option("--json", "as_json", is_flag=True, help="JSON list, one object per row.")
def catalogue_show(code, as_json):
    """Print a scheme's rows."""
    scheme = registry().schemes.get(code)
    if scheme is None:
        fail(f"Không có bộ chỉ số «{code}».")
    if as_json:
        click.echo(json.dumps([row.as_json() for row in scheme.rows], ensure_ascii=False, indent=1))
        return
    for row in scheme.rows:
        points = f"  [{row.as_json()['max_points']}]" if row.max_points is not None else ""
        click.echo(f"{'  ' * row.depth}{row.code}  {row.title}{points}")


@periods_cli.command("open")
@click.argument("scheme_code")
@click.argument("period")
def periods_open(scheme_code, period):
    """Open PERIOD (2022, 2022S1, 2022Q1, 202203) of SCHEME_CODE (idempotent)."""
    from app.services.periods import PeriodError, open_period, replaced_deadline_note
    scheme = registry().schemes.get(scheme_code)
    if scheme is None:
        fail(f"Không có bộ chỉ số «{scheme_code}».")
    owner = scheme.owner or scheme.plugin  # an imported scheme's province is its importer
    with tenancy.unscoped():
        province = db.session.scalar(select(Province).where(Province.code == owner))
    if province is None:
        fail(f"Tỉnh «{owner}» chưa được tạo: chạy `provinces setup {owner}`.")
    with tenancy.scoped(province.id):
        try:
            today = clock.today()
            row, created = open_period(registry(), scheme_code, period, today)
        except PeriodError as exc:
            fail(str(exc))
        db.session.commit()
        note = replaced_deadline_note(registry(), row, today)
        click.echo(f"{scheme_code} {row.code}: {'đã mở' if created else 'đang mở'}, "
                   f"{note or f'hạn {row.deadline:%d/%m/%Y}'}")


@tokens_cli.command("create")
@click.argument("email")
@click.option("--name", default="", help="Tên gợi nhớ của mã, ví dụ «Cổng DTI quốc gia».")
def tokens_create(email, name):
    """Make an API token for EMAIL and print only the token (it is not shown again)."""
    from sqlalchemy import func

    from app.models import User
    from app.services.tokens import TokenError, create
    with tenancy.unscoped():
        user = db.session.scalar(select(User).where(func.lower(User.email) == email.strip().lower()))
        if user is None:
            fail(f"Không có người dùng «{email}».")
        try:
            token = create(user, name)
        except TokenError as exc:
            fail(str(exc))
    click.echo(token)


@units_cli.command("import-current")
@click.argument("code")
@click.option("--date", "day_text", default="2025-07-01", show_default=True,
              help="Ngày các đơn vị mới có hiệu lực (YYYY-MM-DD).")
@with_appcontext
def units_import_current(code, day_text):
    """Close CODE's districts and communes, add its current communes and wards (idempotent)."""
    from app.services.divisions import DivisionsError, import_current, package_divisions
    try:
        day = date.fromisoformat(day_text)
    except ValueError:
        fail(f"Ngày «{day_text}» (--date) không hợp lệ: ghi theo dạng 2025-07-01.")
    with tenancy.unscoped():
        province = db.session.scalar(select(Province).where(Province.code == code))
    if province is None:
        fail(f"Không có tỉnh «{code}»: chạy `provinces setup {code}` trước.")
    try:
        current = package_divisions(province)
        result = import_current(province, current, day)
    except DivisionsError as exc:
        db.session.rollback()
        fail(str(exc))
    db.session.commit()
    if result.renamed_to:
        click.echo(f"Lưu ý: mã tỉnh {province.official_code} nay là tỉnh «{result.renamed_to}»; "
                   f"tên «{province.name}» trong hệ thống được giữ nguyên.")
    if not (result.closed or result.added):
        click.echo(f"{code}: không có gì thay đổi ({current.source}).")
        return
    click.echo(f"{code}: {result.closed} huyện, xã cũ có hiệu lực đến "
               f"{result.old_until:%d/%m/%Y}; thêm {result.added} xã, phường từ "
               f"{day:%d/%m/%Y} ({current.source}).")


@click.command("demo")
@with_appcontext
def demo():
    """Demo data for every province whose plugin names a demo unit: units, one user per role,
    an open period per scheme."""
    from app.services.demo import demo_units, load_demo
    for line in load_demo(registry(), demo_units(registry()), DEMO_PERIOD, DEMO_PASSWORD):
        click.echo(line)
    click.echo(f"Mật khẩu của mọi tài khoản demo: {DEMO_PASSWORD}")


def init_app(app) -> None:
    for command in (provinces_cli, plugins_cli, users_cli, catalogue_cli, periods_cli, units_cli,
                    tokens_cli, demo):
        app.cli.add_command(command)
    # cli_catalogue and cli_system_tokens add their commands to catalogue_cli and tokens_cli
    from app import cli_backup, cli_catalogue, cli_mail, cli_system_tokens  # noqa: F401
    cli_backup.init_app(app)
    cli_mail.init_app(app)
