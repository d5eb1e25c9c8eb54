"""Backup and restore: an empty instance restored from an archive holds the same rows and files.

Each test runs on the backend the suite runs on (SQLite, or PostgreSQL with
CHISO_TEST_DATABASE_URL): the empty target is an empty SQLite file or a new, empty database.
"""
import io
import itertools
import json
import os
import re
import tarfile

import pytest
from sqlalchemy import func, inspect, select, table, text

from app import create_app
from app.cli_backup import backup_command, restore_command
from app.extensions import db
from tests.conftest import PG_URL, _config, _pg_admin, _pg_url, demo, login
from tests.test_entry import save
from tests.test_evidence import upload

PDF = b"%PDF-1.4\n% ke hoach chuyen doi so\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
SAMPLED = ("user", "unit", "answer", "audit_event", "evidence")
_names = itertools.count()


@pytest.fixture
def empty_app(tmp_path):
    """An app on an empty database (no tables at all) with its own, empty upload folder."""
    if PG_URL:
        name = f"chiso_r_{os.getpid()}_{next(_names)}"
        with _pg_admin().connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = _pg_url(name)
    else:
        path = tmp_path / "restored" / "chiso.sqlite"
        path.parent.mkdir()
        path.touch()
        url = f"sqlite:///{path}"
    app = create_app(_config(url, tmp_path / "restored"))
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()
    if PG_URL:
        with _pg_admin().connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture
def filled(app, as_user):
    """The demo instance plus two answers and one evidence file (with their audit events)."""
    client = as_user("unit_user", "dienbien")
    assert save(client, "1.1", value="1").status_code == 200
    assert save(client, "3.1", numerator="45", denominator="50").status_code == 200
    assert upload(client, "2.1", PDF, "Kế hoạch CĐS 2021-2025.pdf").status_code == 200
    return app


def run(app, command, *args):
    return app.test_cli_runner().invoke(command, [str(arg) for arg in args])


def make_backup(app, folder):
    folder.mkdir(exist_ok=True)
    result = run(app, backup_command, folder)
    assert result.exit_code == 0, result.output
    path = result.output.strip().splitlines()[-1]
    assert re.fullmatch(r"chiso-\d{8}-\d{6}\.tar\.gz", os.path.basename(path))
    return path


def table_counts(app):
    with app.app_context(), db.engine.connect() as conn:
        return {name: conn.scalar(select(func.count()).select_from(table(name)))
                for name in inspect(conn).get_table_names()}


def sample(app, name):
    with app.app_context(), db.engine.connect() as conn:
        rows = db.metadata.tables[name]
        return [tuple(row) for row in conn.execute(select(rows).order_by(rows.c.id))]


def evidence_files(app):
    root = app.config["UPLOAD_DIR"] + "/evidence"
    return sorted(name for _dir, _subdirs, files in os.walk(root) for name in files)


def evidence_id(app):
    with app.app_context(), db.engine.connect() as conn:
        return conn.scalar(text("SELECT id FROM evidence WHERE kind = 'pdf'"))


def rewrite(archive, target, change):
    """A copy of the archive with change(name, data) applied to each member's bytes."""
    with tarfile.open(archive) as source:
        members = [(m, source.extractfile(m).read()) for m in source.getmembers()]
    with tarfile.open(target, "w:gz") as copy:
        for member, data in members:
            data = change(member.name, data)
            member.size = len(data)
            copy.addfile(member, io.BytesIO(data))
    return target


def test_restore_into_an_empty_instance_brings_back_rows_and_files(filled, empty_app, tmp_path):
    archive = make_backup(filled, tmp_path / "backups")
    result = run(empty_app, restore_command, archive)
    assert result.exit_code == 0, result.output
    assert "Số dòng của mọi bảng khớp với bản sao lưu." in result.output

    counts = table_counts(empty_app)
    assert counts == table_counts(filled)
    assert counts["answer"] and counts["evidence"] == 1 and counts["audit_event"] >= 3
    for name in SAMPLED:
        assert sample(empty_app, name) == sample(filled, name), name
    assert evidence_files(empty_app) == evidence_files(filled) != []

    client = empty_app.test_client()
    login(client, demo("unit_user", "dienbien"))  # the restored password hash works
    response = client.get(f"/evidence/{evidence_id(empty_app)}")
    assert response.status_code == 200 and response.data == PDF


def test_restored_audit_trail_is_still_append_only(filled, empty_app, tmp_path):
    run(empty_app, restore_command, make_backup(filled, tmp_path / "backups"))
    with empty_app.app_context(), db.engine.connect() as conn:
        with pytest.raises(Exception, match="Nhật ký thay đổi không được"):
            conn.execute(text("DELETE FROM audit_event"))


def test_restore_into_a_non_empty_instance_is_refused(filled, tmp_path):
    archive = make_backup(filled, tmp_path / "backups")
    before = table_counts(filled)
    result = run(filled, restore_command, archive)
    assert result.exit_code == 1
    assert "Cơ sở dữ liệu đích đã có dữ liệu" in result.output and "--force" in result.output
    assert table_counts(filled) == before


def test_force_brings_the_instance_back_to_the_backup(filled, tmp_path):
    archive = make_backup(filled, tmp_path / "backups")
    at_backup = table_counts(filled)
    client = filled.test_client()
    login(client, demo("unit_user", "dienbien"))
    assert save(client, "1.2", value="1").status_code == 200  # made after the backup
    assert table_counts(filled)["answer"] == at_backup["answer"] + 1
    result = run(filled, restore_command, "--force", archive)
    assert result.exit_code == 0, result.output
    assert table_counts(filled) == at_backup


def test_tampered_evidence_file_is_refused_naming_it(filled, empty_app, tmp_path):
    archive = make_backup(filled, tmp_path / "backups")
    (stored,) = evidence_files(filled)

    def flip_a_byte(name, data):
        return data[:-2] + b"X" + data[-1:] if name.endswith(stored) else data
    tampered = rewrite(archive, tmp_path / "tampered.tar.gz", flip_a_byte)
    result = run(empty_app, restore_command, tampered)
    assert result.exit_code == 1
    assert f"Tệp evidence/{stored[:2]}/{stored} trong bản sao lưu bị hỏng" in result.output
    assert not any(table_counts(empty_app).values()) and evidence_files(empty_app) == []


def test_archive_of_the_other_database_kind_is_refused(filled, empty_app, tmp_path):
    archive = make_backup(filled, tmp_path / "backups")
    other = "sqlite" if PG_URL else "postgresql"

    def other_dialect(name, data):
        if name != "manifest.json":
            return data
        return json.dumps({**json.loads(data), "dialect": other}).encode()
    relabelled = rewrite(archive, tmp_path / "other.tar.gz", other_dialect)
    result = run(empty_app, restore_command, relabelled)
    assert result.exit_code == 1
    assert "không khôi phục được" in result.output
    assert ("Bản sao lưu là cơ sở dữ liệu SQLite, còn hệ thống đích dùng PostgreSQL" if PG_URL
            else "Bản sao lưu là cơ sở dữ liệu PostgreSQL, còn hệ thống đích dùng SQLite") \
        in result.output


def test_manifest_lists_tables_files_and_revision(filled, tmp_path):
    archive = make_backup(filled, tmp_path / "backups")
    with tarfile.open(archive) as opened:
        manifest = json.load(opened.extractfile("manifest.json"))
        names = opened.getnames()
    assert os.stat(archive).st_mode & 0o077 == 0  # password hashes inside: owner only
    assert manifest["dialect"] == ("postgresql" if PG_URL else "sqlite")
    assert manifest["tables"] == table_counts(filled)
    with filled.app_context(), db.engine.connect() as conn:
        revision = conn.scalar(text("SELECT version_num FROM alembic_version"))
    assert manifest["alembic_revision"] == revision
    (stored,) = evidence_files(filled)
    assert [(f["path"], f["sha256"], f["size"]) for f in manifest["files"]] == \
        [(f"evidence/{stored[:2]}/{stored}", stored, len(PDF))]
    assert set(names) == {manifest["database"]["path"], f"evidence/{stored[:2]}/{stored}",
                          "manifest.json"}


def test_backup_and_restore_name_each_stage_as_they_go(filled, empty_app, tmp_path):
    folder = tmp_path / "backups"
    folder.mkdir()
    made = run(filled, backup_command, folder)
    assert made.exit_code == 0, made.output
    assert "Chụp cơ sở dữ liệu" in made.output and "Đóng gói tệp kiểm chứng" in made.output
    archive = made.output.strip().splitlines()[-1]  # stdout ends with the archive's path
    restored = run(empty_app, restore_command, archive)
    assert restored.exit_code == 0, restored.output
    assert "Kiểm tra bản sao lưu" in restored.output
    assert "Khôi phục cơ sở dữ liệu" in restored.output


def test_files_are_in_place_before_the_database_is_replaced(filled, empty_app, tmp_path,
                                                            monkeypatch):
    # Stopped between the two steps, a restore must not leave rows whose files are missing.
    from app import backup as backups
    archive = make_backup(filled, tmp_path / "backups")
    replace = "_pg_restore" if PG_URL else "_sqlite_restore"
    original, seen = getattr(backups, replace), []

    def replace_database(*args):
        seen.append(evidence_files(empty_app))
        return original(*args)
    monkeypatch.setattr(backups, replace, replace_database)
    assert run(empty_app, restore_command, archive).exit_code == 0
    assert seen == [evidence_files(filled)] != [[]]
