"""`flask --app wsgi tokens create-system | list-system | revoke-system`: the tokens of a
province's systems (app.services.system_tokens), commands of the `tokens` group."""
from __future__ import annotations

import click
from sqlalchemy import select

from app import tenancy
from app.cli import fail, tokens_cli
from app.extensions import db
from app.models import Province


def _province(code: str) -> Province:
    with tenancy.unscoped():
        province = db.session.scalar(select(Province).where(Province.code == code))
    if province is None:
        fail(f"Không có tỉnh «{code}».")
    return province


def _when(moment) -> str:
    return moment.strftime("%Y-%m-%d %H:%M") + " UTC" if moment else "-"


@tokens_cli.command("create-system")
@click.argument("name")
@click.option("--province", "province_code", required=True, help="Mã tỉnh, ví dụ dienbien.")
def create_system(name, province_code):
    """Make a token for system NAME (as the catalogue's measured.source names it) of a province
    and print only the token (it is not shown again)."""
    from app.services.system_tokens import create_system as make
    from app.services.tokens import TokenError
    province = _province(province_code)
    try:
        token = make(province, name)
    except TokenError as exc:
        fail(str(exc))
    click.echo(token)


@tokens_cli.command("list-system")
@click.option("--province", "province_code", required=True, help="Mã tỉnh, ví dụ dienbien.")
def list_system(province_code):
    """One line per system token of the province: id, system, state, made, expires, last used."""
    from app.services.system_tokens import of_province, state_label
    for row in of_province(_province(province_code)):
        click.echo("\t".join((str(row.id), row.system_name, state_label(row),
                              _when(row.created_at), _when(row.expires_at),
                              _when(row.last_used_at))))


@tokens_cli.command("revoke-system")
@click.argument("token_id", type=click.IntRange(1, 2**31 - 1))
@click.option("--province", "province_code", required=True, help="Mã tỉnh, ví dụ dienbien.")
def revoke_system(token_id, province_code):
    """Revoke system token TOKEN_ID (its id in `list-system`) of the province."""
    from app.services.system_tokens import revoke_system as revoke
    row = revoke(_province(province_code), token_id)
    if row is None:
        fail(f"Tỉnh {province_code} không có mã truy cập hệ thống số {token_id}.")
    click.echo(f"Đã thu hồi mã truy cập {row.id} của hệ thống «{row.system_name}».")
