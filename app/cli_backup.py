"""`flask --app wsgi backup [PATH]` and `flask --app wsgi restore PATH` (logic in app.backup)."""
from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from app import backup as backups
from app.extensions import db


@click.command("backup")
@click.argument("path", required=False, type=click.Path(dir_okay=True, path_type=Path))
@with_appcontext
def backup_command(path):
    """Write the database and the evidence files into one archive (.tar.gz).

    Without PATH: instance/backups/chiso-YYYYmmdd-HHMMSS.tar.gz; a folder as PATH gets that
    name inside it."""
    default = backups.default_path(current_app.instance_path)
    if path is None:
        path = default
    elif path.is_dir():
        path = path / default.name
    try:
        with _Progress() as progress:
            written, manifest = backups.backup(current_app.config["SQLALCHEMY_DATABASE_URI"],
                                               current_app.config["UPLOAD_DIR"], path, progress)
    except backups.BackupError as exc:
        _fail(str(exc))
    rows = sum(manifest["tables"].values())
    click.echo(f"Đã sao lưu {rows} dòng dữ liệu và {len(manifest['files'])} tệp kiểm chứng.")
    click.echo(str(written))


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--force", is_flag=True,
              help="Ghi đè cả khi cơ sở dữ liệu đích đã có dữ liệu (dữ liệu hiện có sẽ mất).")
@with_appcontext
def restore_command(path, force):
    """Bring a backup archive back into this (empty) instance."""
    # No pooled connection of this process may hold the database while it is replaced.
    db.session.remove()
    db.engine.dispose()
    try:
        with _Progress() as progress:
            result = backups.restore(path, current_app.config["SQLALCHEMY_DATABASE_URI"],
                                     current_app.config["UPLOAD_DIR"], force=force,
                                     progress=progress)
    except backups.BackupError as exc:
        _fail(str(exc))
    finally:
        db.engine.dispose()
    manifest = result.manifest
    made = datetime.fromisoformat(manifest["created_at"]).astimezone()
    click.echo(f"Đã khôi phục bản sao lưu lúc {made:%H:%M:%S ngày %d/%m/%Y} "
               f"(phiên bản CSDL {manifest['alembic_revision']}), "
               f"{len(manifest['files'])} tệp kiểm chứng.")
    for name, rows in sorted(result.counts.items()):
        click.echo(f"  {name}: {rows}")
    if result.mismatches:
        for name, (expected, found) in result.mismatches.items():
            click.echo(f"Bảng {name}: bản sao lưu có {expected} dòng, nay có {found}.", err=True)
        _fail("Số dòng sau khi khôi phục không khớp bản sao lưu.")
    click.echo("Số dòng của mọi bảng khớp với bản sao lưu.")


class _Progress:
    """``progress`` for app.backup on stderr: each stage named as it starts, with a bar on a
    terminal (in a log, the name only), so that stdout keeps only the result."""

    def __init__(self):
        self.stage, self.bar = None, None

    def __call__(self, stage: str, done: int, total: int) -> None:
        if stage != self.stage:
            self._finish()
            self.stage = stage
            self.bar = click.progressbar(length=total, label=stage, file=sys.stderr)
            self.bar.render_progress()
        self.bar.update(done - self.bar.pos)

    def _finish(self) -> None:
        if self.bar is not None:
            self.bar.render_finish()
            self.bar = None

    def __enter__(self):
        return self

    def __exit__(self, *_exc):
        self._finish()


def _fail(message: str):
    click.echo(message, err=True)
    sys.exit(1)


def init_app(app) -> None:
    app.cli.add_command(backup_command)
    app.cli.add_command(restore_command)
