"""Backup and restore of one instance: the database and the evidence files, in one archive.

An archive (``chiso-YYYYmmdd-HHMMSS.tar.gz``) holds:

- ``database.sqlite`` (SQLite, made with the online backup API: a consistent copy even while
  the app writes) or ``database.pgdump`` (``pg_dump --format=custom --no-owner``);
- ``evidence/<2 hex>/<sha256>``: every stored evidence file;
- ``manifest.json``: format version, creation time, dialect, alembic revision, rows per table,
  and the SHA-256 and size of the database snapshot and of every file.

A restore checks everything it can before touching anything: the manifest, the dialect, that
the target is empty (unless ``force``), and the SHA-256 of the snapshot and of every file. Only
then does it move the files into place and, last, replace the database (SQLite: page by page
through the backup API; PostgreSQL: ``pg_restore --clean`` in one transaction). It never updates
or deletes a row, so the append-only audit trail's triggers are never in the way.

Both take ``progress(stage, done, total)``, called as each step of a stage ends, so that the
command line can show how far a long backup or restore has come.

Pure logic: the command-line wrapper is ``app.cli_backup``. Every refusal is a ``BackupError``
whose ``str()`` is a Vietnamese message for the operator.
"""
from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

from sqlalchemy import create_engine, func, inspect, select, table, text
from sqlalchemy.engine import make_url

FORMAT_VERSION = 1
MANIFEST = "manifest.json"
DB_MEMBER = {"sqlite": "database.sqlite", "postgresql": "database.pgdump"}
DIALECT_LABELS = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}
# Migrations bookkeeping: a freshly migrated instance has one row here and is still "empty".
NOT_DATA = frozenset({"alembic_version"})
CHUNK = 1024 * 1024
_EVIDENCE_PATH = re.compile(r"evidence/([0-9a-f]{2})/(\1[0-9a-f]{62})")
# Stages reported to ``progress``, in the operator's words.
STAGE_SNAPSHOT = "Chụp cơ sở dữ liệu"
STAGE_PACK = "Đóng gói tệp kiểm chứng"
STAGE_VERIFY = "Kiểm tra bản sao lưu (mã SHA-256 từng tệp)"
STAGE_DATABASE = "Khôi phục cơ sở dữ liệu"


class BackupError(Exception):
    """A backup or restore that did not happen; ``str(exc)`` says why, in Vietnamese."""


def _silent(_stage: str, _done: int, _total: int) -> None:
    """The default ``progress``: report nothing."""


@dataclass
class RestoreResult:
    manifest: dict
    counts: dict[str, int]
    # table -> (rows in the manifest, rows now); empty when everything matches
    mismatches: dict[str, tuple[int, int]] = field(default_factory=dict)


# --- backup -------------------------------------------------------------------------------

def default_path(instance_path: str, now: datetime | None = None) -> Path:
    stamp = (now or datetime.now()).strftime("%Y%m%d-%H%M%S")
    return Path(instance_path) / "backups" / f"chiso-{stamp}.tar.gz"


def backup(database_url: str, upload_dir: str, archive_path,
           progress=_silent) -> tuple[Path, dict]:
    """Write the archive at ``archive_path`` (atomically); return its path and its manifest."""
    archive_path = Path(archive_path)
    if archive_path.exists():
        raise BackupError(f"Tệp {archive_path} đã có: chọn tên khác, không ghi đè bản sao lưu cũ.")
    archive_path.parent.mkdir(parents=True, exist_ok=True)
    dialect = _dialect(database_url)
    with tempfile.TemporaryDirectory(dir=archive_path.parent, prefix=".chiso-backup-") as work:
        snapshot = Path(work) / DB_MEMBER[dialect]
        progress(STAGE_SNAPSHOT, 0, 1)
        if dialect == "sqlite":
            _sqlite_snapshot(database_url, snapshot)
            tables, revision = _describe(f"sqlite:///{snapshot}")
        else:
            tables, revision = _pg_snapshot(database_url, snapshot)
        progress(STAGE_SNAPSHOT, 1, 1)
        manifest = {
            "format": FORMAT_VERSION,
            "created_at": datetime.now(timezone.utc).isoformat(timespec="seconds"),
            "dialect": dialect,
            "alembic_revision": revision,
            "tables": tables,
            "database": {"path": snapshot.name, **_digest(snapshot)},
            "files": [],
        }
        # Files are listed after the database snapshot: evidence files are written before their
        # row commits and are never deleted, so every file the snapshot refers to is here.
        files = list(_evidence_files(Path(upload_dir) / "evidence"))
        _write_archive(archive_path, Path(work), snapshot, files, manifest, progress)
    return archive_path, manifest


def _sqlite_snapshot(database_url: str, target: Path) -> None:
    source_path = _sqlite_path(database_url)
    if not source_path.is_file():
        raise BackupError(f"Không thấy tệp cơ sở dữ liệu {source_path}.")
    source = sqlite3.connect(source_path, timeout=30)
    copy = sqlite3.connect(target)
    try:
        source.backup(copy)  # all pages in one step, under one read lock: a consistent copy
    finally:
        copy.close()
        source.close()


def _pg_snapshot(database_url: str, target: Path) -> tuple[dict, str | None]:
    """pg_dump and the row counts from one exported snapshot, so the manifest matches the dump."""
    engine = create_engine(database_url)
    try:
        with engine.connect().execution_options(isolation_level="REPEATABLE READ") as conn:
            with conn.begin():
                snapshot_id = conn.scalar(text("SELECT pg_export_snapshot()"))
                tables, revision = _describe_connection(conn)
                pg_dump = _pg_program("pg_dump", _server_major(conn))
                _run([pg_dump, "--format=custom", "--no-owner", f"--snapshot={snapshot_id}",
                      f"--file={target}", "--dbname", _libpq_url(database_url)],
                     database_url, "pg_dump")
    finally:
        engine.dispose()
    return tables, revision


def _write_archive(archive_path: Path, work: Path, snapshot: Path, files: list[tuple[Path, str]],
                   manifest: dict, progress) -> None:
    partial = work / "archive.tar.gz"
    with tarfile.open(partial, "w:gz") as archive:
        archive.add(snapshot, arcname=snapshot.name)
        for done, (path, name) in enumerate(files, 1):
            manifest["files"].append({"path": name, **_add_hashed(archive, path, name)})
            progress(STAGE_PACK, done, len(files))
        data = json.dumps(manifest, ensure_ascii=False, indent=1).encode()
        info = tarfile.TarInfo(MANIFEST)
        info.size, info.mtime = len(data), int(datetime.now().timestamp())
        archive.addfile(info, _BytesReader(data))
    os.chmod(partial, 0o600)  # password hashes and officials' documents: for the operator only
    with open(partial, "rb") as written:
        os.fsync(written.fileno())
    os.replace(partial, archive_path)


def _evidence_files(root: Path):
    """(path, name in the archive) of each stored file; upload leftovers in tmp/ are skipped."""
    if not root.is_dir():
        return
    for directory in sorted(root.iterdir()):
        if not directory.is_dir() or directory.name == "tmp":
            continue
        for path in sorted(directory.iterdir()):
            name = f"evidence/{directory.name}/{path.name}"
            if path.is_file() and _EVIDENCE_PATH.fullmatch(name):
                yield path, name


def _add_hashed(archive: tarfile.TarFile, path: Path, name: str) -> dict:
    """Add the file and return the SHA-256 and size of exactly the bytes that went in."""
    with open(path, "rb") as source:
        info = archive.gettarinfo(fileobj=source, arcname=name)
        reader = _HashingReader(source)
        archive.addfile(info, reader)
    return {"sha256": reader.digest.hexdigest(), "size": reader.size}


class _HashingReader:
    def __init__(self, source):
        self.source, self.digest, self.size = source, hashlib.sha256(), 0

    def read(self, size=-1):
        chunk = self.source.read(size)
        self.digest.update(chunk)
        self.size += len(chunk)
        return chunk


class _BytesReader:
    def __init__(self, data: bytes):
        self.data, self.at = data, 0

    def read(self, size=-1):
        end = len(self.data) if size is None or size < 0 else self.at + size
        chunk, self.at = self.data[self.at:end], min(end, len(self.data))
        return chunk


# --- restore ------------------------------------------------------------------------------

def restore(archive_path, database_url: str, upload_dir: str, force: bool = False,
            progress=_silent) -> RestoreResult:
    """Bring the archive back into the instance at ``database_url`` / ``upload_dir``."""
    archive_path = Path(archive_path)
    dialect = _dialect(database_url)
    staging_parent = Path(upload_dir)
    staging_parent.mkdir(parents=True, exist_ok=True)
    with _open_archive(archive_path) as archive, \
            tempfile.TemporaryDirectory(dir=staging_parent, prefix=".restore-") as work:
        manifest = _read_manifest(archive, archive_path)
        _check_dialect(manifest, dialect)
        if not force:
            _check_empty(database_url)
        members = {member.name: member for member in archive.getmembers() if member.isreg()}
        entries = [manifest["database"], *manifest["files"]]
        staged = []
        for done, entry in enumerate(entries, 1):
            staged.append(_extract_verified(archive, members, entry, Path(work)))
            progress(STAGE_VERIFY, done, len(entries))
        snapshot, *files = staged
        # Everything is verified: only now is the target touched. The files go first, as the app
        # writes them before their rows: stopped half-way, no restored row lacks its file.
        evidence_root = Path(upload_dir) / "evidence"
        for path, entry in zip(files, manifest["files"]):
            _move_into_place(path, evidence_root / entry["path"].removeprefix("evidence/"))
        progress(STAGE_DATABASE, 0, 1)
        if dialect == "sqlite":
            _sqlite_restore(snapshot, database_url)
        else:
            _pg_restore(snapshot, database_url)
        progress(STAGE_DATABASE, 1, 1)
    counts, _revision = _describe(database_url)
    expected = manifest["tables"]
    mismatches = {name: (expected.get(name, 0), counts.get(name, 0))
                  for name in sorted(set(expected) | set(counts))
                  if expected.get(name, 0) != counts.get(name, 0)}
    return RestoreResult(manifest, counts, mismatches)


def _open_archive(path: Path) -> tarfile.TarFile:
    try:
        return tarfile.open(path, "r:gz")
    except (OSError, tarfile.TarError) as exc:
        raise BackupError(f"Không đọc được tệp sao lưu {path}: {exc}") from exc


def _read_manifest(archive: tarfile.TarFile, path: Path) -> dict:
    try:
        manifest = json.load(archive.extractfile(MANIFEST))
    except (KeyError, AttributeError, ValueError, tarfile.TarError, OSError, EOFError):
        raise BackupError(f"Tệp {path} không phải bản sao lưu của Chỉ số "
                          f"(thiếu hoặc hỏng {MANIFEST}).") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT_VERSION:
        found = manifest.get("format") if isinstance(manifest, dict) else None
        raise BackupError(f"Bản sao lưu có định dạng {found!r}, phiên bản này "
                          f"chỉ đọc định dạng {FORMAT_VERSION}.")
    shapes = (("database", dict), ("tables", dict), ("files", list))
    if not all(isinstance(manifest.get(key), kind) for key, kind in shapes):
        raise BackupError(f"{MANIFEST} trong {path} thiếu mục database, tables hoặc files.")
    return manifest


def _check_dialect(manifest: dict, dialect: str) -> None:
    if manifest.get("dialect") != dialect:
        source = DIALECT_LABELS.get(manifest.get("dialect"), manifest.get("dialect"))
        raise BackupError(f"Bản sao lưu là cơ sở dữ liệu {source}, còn hệ thống đích dùng "
                          f"{DIALECT_LABELS[dialect]}: không khôi phục được. Hãy đặt "
                          "CHISO_DATABASE_URL trỏ tới một cơ sở dữ liệu cùng loại.")


def _check_empty(database_url: str) -> None:
    counts, _revision = _describe(database_url)
    filled = {name: rows for name, rows in counts.items() if rows and name not in NOT_DATA}
    if filled:
        shown = ", ".join(f"{name}: {rows} dòng" for name, rows in sorted(filled.items())[:5])
        raise BackupError(f"Cơ sở dữ liệu đích đã có dữ liệu ({shown}…). Chỉ khôi phục vào một "
                          "hệ thống trống; thêm --force nếu thật sự muốn ghi đè toàn bộ.")


def _extract_verified(archive: tarfile.TarFile, members: dict, entry: dict, staged: Path) -> Path:
    """Copy one member to the staging folder, checking its SHA-256 and size on the way.

    ``members`` are the archive's regular files by name: ``archive.extractfile(name)`` would
    search the whole member list for each file, minutes for a province's evidence. The member
    name is never used as a path: the database keeps a fixed name and evidence files are named
    by their checked SHA-256."""
    name = entry.get("path", "")
    if name in DB_MEMBER.values():
        target = staged / name
    elif match := _EVIDENCE_PATH.fullmatch(name):
        target = staged / "evidence" / match.group(2)
    else:
        raise BackupError(f"Bản sao lưu liệt kê một tệp lạ: {name!r}. Không khôi phục gì.")
    source = archive.extractfile(members[name]) if name in members else None
    if source is None:
        raise BackupError(f"Bản sao lưu thiếu tệp {name}. Không khôi phục gì.")
    target.parent.mkdir(exist_ok=True)
    digest, size = hashlib.sha256(), 0
    with source, open(target, "wb") as out:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
            out.write(chunk)
    if digest.hexdigest() != entry.get("sha256") or size != entry.get("size"):
        raise BackupError(f"Tệp {name} trong bản sao lưu bị hỏng hoặc đã bị sửa (mã SHA-256 "
                          "không khớp manifest). Không khôi phục gì.")
    return target


def _sqlite_restore(snapshot: Path, database_url: str) -> None:
    """Write the snapshot's pages into the target through the backup API: unlike copying the
    file over, this takes SQLite's locks and leaves no stale -wal file to be replayed on top."""
    target_path = _sqlite_path(database_url)
    target_path.parent.mkdir(parents=True, exist_ok=True)
    source = sqlite3.connect(snapshot)
    target = sqlite3.connect(target_path, timeout=30)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()


def _pg_restore(snapshot: Path, database_url: str) -> None:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            major = _server_major(conn)
    finally:
        engine.dispose()
    # --clean drops and recreates each table (with its triggers): no row is updated or deleted.
    _run([_pg_program("pg_restore", major), "--no-owner", "--clean", "--if-exists",
          "--single-transaction", "--dbname", _libpq_url(database_url), str(snapshot)],
         database_url, "pg_restore")


def _move_into_place(staged: Path, final: Path) -> None:
    if final.exists():
        return  # content-addressed: the same name holds the same bytes
    final.parent.mkdir(parents=True, exist_ok=True)
    os.replace(staged, final)


# --- shared -------------------------------------------------------------------------------

def _dialect(database_url: str) -> str:
    name = make_url(database_url).get_backend_name()
    if name not in DB_MEMBER:
        raise BackupError(f"Không hỗ trợ sao lưu cơ sở dữ liệu loại «{name}».")
    return name


def _sqlite_path(database_url: str) -> Path:
    database = make_url(database_url).database
    if not database or database == ":memory:":
        raise BackupError("Cơ sở dữ liệu SQLite trong bộ nhớ không sao lưu, khôi phục được.")
    return Path(database)


def _describe(database_url: str) -> tuple[dict[str, int], str | None]:
    engine = create_engine(database_url)
    try:
        with engine.connect() as conn:
            return _describe_connection(conn)
    finally:
        engine.dispose()


def _describe_connection(conn) -> tuple[dict[str, int], str | None]:
    """Rows per table and the alembic revision, read through ``conn``."""
    names = sorted(inspect(conn).get_table_names())
    counts = {name: conn.scalar(select(func.count()).select_from(table(name))) for name in names}
    revision = None
    if "alembic_version" in names:
        revision = conn.scalar(text("SELECT version_num FROM alembic_version"))
    return counts, revision


def _digest(path: Path) -> dict:
    digest = hashlib.sha256()
    with open(path, "rb") as source:
        while chunk := source.read(CHUNK):
            digest.update(chunk)
    return {"sha256": digest.hexdigest(), "size": path.stat().st_size}


def _libpq_url(database_url: str) -> str:
    """SQLAlchemy's postgresql+psycopg://… as the postgresql://… libpq understands, without
    the password (it goes through PGPASSWORD, not the process list)."""
    url = make_url(database_url).set(drivername="postgresql", password=None)
    return url.render_as_string(hide_password=False)


def _run(command: list[str], database_url: str, label: str) -> None:
    env = dict(os.environ)
    password = make_url(database_url).password
    if password:
        env["PGPASSWORD"] = password
    result = subprocess.run(command, env=env, capture_output=True, text=True)
    if result.returncode != 0:
        raise BackupError(f"{label} thất bại (mã {result.returncode}): "
                          f"{result.stderr.strip() or result.stdout.strip()}")


def _server_major(conn) -> int:
    return int(conn.scalar(text("SHOW server_version_num"))) // 10000


def _pg_program(name: str, server_major: int) -> str:
    """The client tool of the server's major version if installed, else the newest on PATH;
    pg_dump refuses a server newer than itself."""
    matching = Path(f"/usr/lib/postgresql/{server_major}/bin/{name}")
    if matching.is_file():
        return str(matching)
    found = shutil.which(name)
    if found is None or _client_major(found) < server_major:
        raise BackupError(f"Cần {name} phiên bản {server_major} trở lên (máy chủ PostgreSQL "
                          f"{server_major}): cài gói postgresql-client-{server_major}.")
    return found


def _client_major(program: str) -> int:
    output = subprocess.run([program, "--version"], capture_output=True, text=True).stdout
    match = re.search(r"(\d+)(?:\.\d+)*", output)
    return int(match.group(1)) if match else 0
