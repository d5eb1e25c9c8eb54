"""`flask --app wsgi catalogue export|import`: the web's download and import, from a shell.

``import`` prints what the web preview shows (the problems by sheet, row and column, or the
differences from the earlier version) and exits 1 on problems; ``--dry-run`` stores nothing.
"""
from __future__ import annotations

from pathlib import Path

import click
from sqlalchemy import select

from app import tenancy
from app.cli import catalogue_cli, fail, registry
from app.extensions import db
from app.models import Province


@catalogue_cli.command("export")
@click.argument("code")
@click.argument("file", type=click.Path(dir_okay=False, writable=True))
def catalogue_export(code, file):
    """Write scheme CODE as the workbook the catalogue page offers (the import's format)."""
    from app.catalogue.excel import scheme_workbook
    scheme = registry().schemes.get(code)
    if scheme is None:
        fail(f"Không có bộ chỉ số «{code}».")
    Path(file).write_bytes(scheme_workbook(scheme, registry().method_labels))
    click.echo(f"{code}: đã ghi {file}")


@catalogue_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False))
@click.option("--province", "province_code", required=True, help="Mã tỉnh nhập bộ chỉ số.")
@click.option("--dry-run", is_flag=True, help="Chỉ kiểm tra và in khác biệt; không lưu gì.")
def catalogue_import(file, province_code, dry_run):
    """Import a scheme from FILE.xlsx for province CODE (all or nothing)."""
    from app.services import imported_schemes as imports
    path = Path(file)
    if path.stat().st_size > imports.MAX_BYTES:
        fail(f"{path.name}: tệp lớn hơn {imports.MAX_BYTES // (1024 * 1024)} MB.")
    data = path.read_bytes()
    with tenancy.unscoped():
        province = db.session.scalar(select(Province).where(Province.code == province_code))
    if province is None:
        fail(f"Không có tỉnh «{province_code}».")
    with tenancy.scoped(province.id):
        result = imports.preview(registry(), province, data, path.name)
        if result.problems:
            for problem in result.problems:  # "" : the file as a whole
                click.echo(str(problem) if problem.sheet else f"{path.name}: {problem.message}",
                           err=True)
            fail(f"{path.name}: {len(result.problems)} vấn đề; chưa lưu gì.")
        for line in summary(result):
            click.echo(line)
        if dry_run:
            click.echo("Chạy thử (--dry-run): chưa lưu gì.")
            return
        try:
            imports.store(registry(), province, None, data, path.name)
            db.session.commit()
        except imports.ImportRefused as exc:  # changed since the preview above
            db.session.rollback()
            fail(str(exc))
        imports.committed(registry())
    click.echo(f"Đã nhập bộ chỉ số «{result.scheme.code}» cho tỉnh {province.code}.")


def summary(result) -> list[str]:
    """The preview, as lines: the scheme, then its differences from the earlier version."""
    scheme = result.scheme
    lines = [f"{scheme.code}: {scheme.title} · họ {scheme.family}, phiên bản {scheme.version}, "
             f"{scheme.years_label} · {len(scheme.leaves)} chỉ tiêu"]
    if result.replaces is not None:
        lines.append(f"Thay bản đã nhập ngày {result.replaces.imported_at:%d/%m/%Y} "
                     f"(chưa công bố kết quả).")
    if result.earlier is None:
        lines.append("Họ mới: không có phiên bản trước để so sánh.")
    elif not result.changes:
        lines.append(f"Không khác phiên bản trước ({result.earlier.code}).")
    else:
        lines.append(f"Khác phiên bản trước ({result.earlier.code}): "
                     f"{len(result.changes)} thay đổi")
        lines.extend(f"  {change.label}" for change in result.changes)
    return lines
