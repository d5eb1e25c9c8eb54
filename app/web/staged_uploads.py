"""Files uploaded for an import, waiting between its preview and its confirmation.

A file waits as ``UPLOAD_DIR/<folder>/<province id>/<user id>-<unix time>-<random>.<extension>``:
its age is read from its name, the app's clock, the same on every app server, not from the
file's mtime, which a shared disk stamps with its own clock. One folder
per province: a token from another province is simply not found. Confirm reads the file again
from here, so nothing the browser sends back about its rows is trusted. A person may have
PER_USER uploads waiting in a folder: past that, ``keep`` refuses (QuotaError) rather than let
one account fill the disk with previews nobody confirms.
"""
from __future__ import annotations

import re
import secrets
import time
from pathlib import Path

from flask import current_app
from flask_login import current_user

TOKEN = re.compile(r"[A-Za-z0-9_-]{20,64}")
KEEP_SECONDS = 24 * 3600  # an upload nobody confirmed is removed after a day
PER_USER = 10  # uploads one person may have waiting in one folder of the province


class QuotaError(Exception):
    """Too many of this person's uploads wait for confirmation; the message says what to do."""


def _province_folder(folder: str, province_id: int) -> Path:
    return Path(current_app.config["UPLOAD_DIR"]) / folder / str(province_id)


def keep(folder: str, province_id: int, extension: str, data: bytes) -> str:
    """Store the upload until it is confirmed, and answer the token that finds it again.
    Uploads of the province left unconfirmed for a day are removed on the way."""
    waiting = _province_folder(folder, province_id)
    waiting.mkdir(parents=True, exist_ok=True)
    now = time.time()
    for old in waiting.iterdir():
        if staged_at(old) < now - KEEP_SECONDS:
            old.unlink(missing_ok=True)
    owner = current_user.id
    if sum(1 for _ in waiting.glob(f"{owner}-*")) >= PER_USER:
        raise QuotaError(f"Bạn đã có {PER_USER} tệp tải lên đang chờ xác nhận. Hãy xác nhận "
                         "một tệp đã xem trước; tệp không được xác nhận tự xóa sau 24 giờ.")
    token = f"{owner}-{int(now)}-{secrets.token_urlsafe(24)}"
    (waiting / f"{token}.{extension}").write_bytes(data)
    return token


def staged_at(path: Path) -> float:
    """When an upload was staged: the time in its name, else (a name from before the time was
    written into it) the file's mtime."""
    parts = path.stem.split("-", 2)
    if len(parts) == 3 and parts[1].isdigit():
        return float(parts[1])
    return path.stat().st_mtime


def find(folder: str, province_id: int, token: str, extensions=("xlsx",)) -> Path | None:
    """The upload a token names, or None (a malformed token, another province's, or gone)."""
    if not TOKEN.fullmatch(token):
        return None
    for extension in extensions:
        path = _province_folder(folder, province_id) / f"{token}.{extension}"
        if path.is_file():
            return path
    return None
