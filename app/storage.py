"""Storage of evidence files (tài liệu kiểm chứng): checked, content-addressed, written atomically.

A pure module (no Flask, no database): views and the API call it and keep the returned
``StoredFile`` in an ``Evidence`` row.

- The type comes from the content only (magic bytes; for DOCX/XLSX/ODT the archive's
  members), never from the client's file name or Content-Type. Accepted: PDF, DOCX, XLSX,
  ODT, PNG, JPEG. Anything else (HTML, SVG, plain ZIP, executables…) is refused.
- ZIP-based files are judged from the central directory before any member is read: too many
  entries, too large once unpacked or an absurd compression ratio (zip bomb) is refused.
- A file lives at ``<root>/<first 2 hex of sha256>/<sha256>``: no part of the client's name
  reaches the file system, and the same bytes uploaded twice are stored once.
- The upload is streamed into ``<root>/tmp/``, fsynced, then ``os.replace``d onto its final
  name, so a reader never sees a partial file; on any error the temporary file is removed.

Every refusal is a ``StorageError`` whose ``str()`` is a Vietnamese message for the user and
whose ``http_status`` is the status the response should carry.
"""
from __future__ import annotations

import errno
import hashlib
import io
import os
import re
import struct
import tempfile
import unicodedata
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import quote

CHUNK = 64 * 1024
MIME_TYPES = {
    "pdf": "application/pdf",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "odt": "application/vnd.oasis.opendocument.text",
    "png": "image/png",
    "jpeg": "image/jpeg",
}
INLINE_KINDS = frozenset({"pdf", "png", "jpeg"})
# Office XML compresses well (10-30×); a member unpacking to more than 100× its packed size
# is a zip bomb. Small members are exempt: their ratio can be high but their size is harmless.
ZIP_MAX_RATIO = 100
ZIP_RATIO_GRACE = 1024 * 1024
# Bytes of central directory allowed per permitted entry: bounds the memory ZipFile spends
# on an archive whose end record lies about its entry count.
ZIP_DIRECTORY_BYTES_PER_ENTRY = 1024

_SHA256 = re.compile(r"[0-9a-f]{64}")
_MAGIC = ((b"%PDF-", "pdf"), (b"\x89PNG\r\n\x1a\n", "png"), (b"\xff\xd8\xff", "jpeg"))
_ZIP_MAGIC = b"PK\x03\x04"
_ODT_MIMETYPE = MIME_TYPES["odt"].encode()


class StorageError(Exception):
    """A file that was not stored; ``str(exc)`` is the message for the user."""
    http_status = 500
    default_message = ("Không lưu được tệp do lỗi máy chủ. "
                       "Vui lòng thử lại sau hoặc báo quản trị hệ thống.")

    def __init__(self, message: str | None = None):
        super().__init__(message or self.default_message)


class FileTooLarge(StorageError):
    http_status = 413

    def __init__(self, max_bytes: int):
        self.max_bytes = max_bytes
        super().__init__(f"Tệp vượt quá giới hạn {_human_size(max_bytes)}.")


class UnsupportedType(StorageError):
    http_status = 415
    default_message = "Loại tệp không được chấp nhận: chỉ nhận PDF, DOCX, XLSX, ODT, PNG, JPEG."


class ArchiveRefused(StorageError):
    """A DOCX/XLSX/ODT whose archive could exhaust the server's memory or disk."""
    http_status = 415


class DiskFull(StorageError):
    http_status = 507
    default_message = ("Máy chủ hết dung lượng lưu trữ, tệp chưa được lưu. "
                       "Vui lòng báo quản trị hệ thống.")


@dataclass(frozen=True)
class StoredFile:
    sha256: str
    size: int
    mime: str
    kind: str  # pdf, docx, xlsx, odt, png or jpeg
    created: bool = field(default=False, compare=False)  # this save wrote the file


class EvidenceStore:
    """Evidence files under ``root``; ``max_bytes`` is the upload limit (CHISO_MAX_UPLOAD_MB)."""

    def __init__(self, root, max_bytes: int, max_zip_entries: int = 1000,
                 max_zip_total: int = 200 * 2**20):
        self.root = Path(root)
        self.max_bytes = max_bytes
        self.max_zip_entries = max_zip_entries
        self.max_zip_total = max_zip_total

    def save(self, stream) -> StoredFile:
        """Store the binary file-like ``stream`` (read in chunks) unless it is refused.

        Raises FileTooLarge, UnsupportedType, ArchiveRefused, DiskFull or StorageError; in every
        case nothing is left on disk. Saving bytes already stored returns the same record.
        """
        tmp_path = None
        try:
            tmp_dir = self.root / "tmp"
            tmp_dir.mkdir(parents=True, exist_ok=True)
            fd, tmp_path = tempfile.mkstemp(dir=tmp_dir, prefix="upload-")
            try:
                digest, size = self._copy(stream, fd)
                kind = self._sniff(tmp_path)
                os.fsync(fd)
            finally:
                os.close(fd)
            final = self.path(digest)
            created = not final.exists()
            if created:
                final.parent.mkdir(exist_ok=True)
                os.replace(tmp_path, final)
                tmp_path = None  # the name may now be reused by another upload: never remove it
                _fsync_directory(final.parent)
            return StoredFile(digest, size, MIME_TYPES[kind], kind, created)
        except OSError as exc:
            disk_full = exc.errno in (errno.ENOSPC, getattr(errno, "EDQUOT", errno.ENOSPC))
            raise (DiskFull() if disk_full else StorageError()) from exc
        finally:
            if tmp_path is not None:
                _remove_quietly(tmp_path)

    def path(self, sha256: str) -> Path:
        """Where the file with this SHA-256 lives; ValueError unless 64 lowercase hex digits."""
        if not isinstance(sha256, str) or not _SHA256.fullmatch(sha256):
            raise ValueError(f"Mã SHA-256 không hợp lệ: {sha256!r}")
        return self.root / sha256[:2] / sha256

    def exists(self, sha256: str) -> bool:
        return self.path(sha256).is_file()

    def open(self, sha256: str):
        """The stored file opened for binary reading (FileNotFoundError if absent)."""
        return open(self.path(sha256), "rb")

    def _copy(self, stream, fd: int) -> tuple[str, int]:
        """Copy ``stream`` into ``fd``, stopping as soon as the size limit is passed."""
        digest = hashlib.sha256()
        size = 0
        while chunk := stream.read(CHUNK):
            size += len(chunk)
            if size > self.max_bytes:
                raise FileTooLarge(self.max_bytes)
            digest.update(chunk)
            _write_all(fd, chunk)
        return digest.hexdigest(), size

    def _sniff(self, path: str) -> str:
        """The kind of the file at ``path``, judged from its content alone."""
        with open(path, "rb") as file:
            head = file.read(8)
            if not head:
                raise UnsupportedType("Tệp rỗng, không có nội dung.")
            for magic, kind in _MAGIC:
                if head.startswith(magic):
                    return kind
            if head.startswith(_ZIP_MAGIC):
                return self._sniff_zip(file)
        raise UnsupportedType()

    def _sniff_zip(self, file) -> str:
        """DOCX, XLSX or ODT from the members' names; refuse dangerous archives first."""
        try:
            with check_archive(file, self.max_zip_entries, self.max_zip_total) as archive:
                return _office_kind(archive, {member.filename for member in archive.infolist()})
        except (zipfile.BadZipFile, EOFError, ValueError, NotImplementedError, RuntimeError,
                OSError):
            # damaged (an offset before the start gives OSError EINVAL), encrypted or using an
            # unknown compression: not a document we can accept
            raise UnsupportedType() from None


def check_archive(file, max_entries: int, max_total: int) -> zipfile.ZipFile:
    """The zip ``file`` opened, once its directory shows no danger: ArchiveRefused for more
    than ``max_entries`` members, more than ``max_total`` bytes unpacked, or a member packed
    more than ZIP_MAX_RATIO times (a zip bomb). Judged from the directory alone, nothing is
    decompressed; the evidence upload and every workbook import pass through it. A damaged
    archive raises what zipfile raises (BadZipFile, OSError…)."""
    entries, directory_size = _declared_directory(file)
    _check_entry_count(entries, directory_size, max_entries)
    file.seek(0)
    archive = zipfile.ZipFile(file)
    try:
        members = archive.infolist()
        _check_entry_count(len(members), 0, max_entries)
        if sum(member.file_size for member in members) > max_total:
            raise ArchiveRefused(f"Tệp khi giải nén vượt quá {_human_size(max_total)}, "
                                 "không được chấp nhận.")
        for member in members:
            if (member.file_size > ZIP_RATIO_GRACE
                    and member.file_size > ZIP_MAX_RATIO * max(member.compress_size, 1)):
                raise ArchiveRefused("Tệp chứa thành phần nén bất thường (nghi là “bom nén”), "
                                     "không được chấp nhận.")
    except BaseException:
        archive.close()
        raise
    return archive


# A workbook to import (values, users) is read by openpyxl, which holds its shared strings in
# memory: its bounds are far below an evidence file's (a real one unpacks to under 1 MB).
WORKBOOK_MAX_ENTRIES = 100
WORKBOOK_MAX_TOTAL = 20 * 2**20


def check_workbook(data: bytes) -> None:
    """ArchiveRefused for an uploaded .xlsx that could exhaust memory once opened; called before
    openpyxl sees it. A damaged file is left for the reader to report."""
    try:
        check_archive(io.BytesIO(data), WORKBOOK_MAX_ENTRIES, WORKBOOK_MAX_TOTAL).close()
    except (zipfile.BadZipFile, EOFError, ValueError, NotImplementedError, RuntimeError, OSError):
        pass


def _check_entry_count(entries: int, directory_size: int, limit: int) -> None:
    if entries > limit or directory_size > limit * ZIP_DIRECTORY_BYTES_PER_ENTRY:
        raise ArchiveRefused(f"Tệp nén có quá nhiều thành phần (tối đa {limit}), "
                             "không được chấp nhận.")


def _declared_directory(file) -> tuple[int, int]:
    """(entry count, central directory size) from the end record, the values ZipFile trusts
    when it reads the directory; checked before ZipFile builds one object per entry."""
    file.seek(0, os.SEEK_END)
    tail_size = min(file.tell(), 22 + 0xFFFF)  # end record + the longest archive comment
    file.seek(-tail_size, os.SEEK_END)
    tail = file.read()
    at = tail.rfind(b"PK\x05\x06")
    if at < 0 or len(tail) - at < 22:
        raise zipfile.BadZipFile("no end of central directory")
    entries, directory_size = struct.unpack_from("<HI", tail, at + 10)
    locator = at - 20
    if locator >= 56 and tail[locator:locator + 4] == b"PK\x06\x07":
        # ZIP64: ZipFile takes the counts from the record just before the locator
        record = tail[locator - 56:locator]
        if record[:4] == b"PK\x06\x06":
            entries, directory_size = struct.unpack_from("<QQ", record, 32)
    return entries, directory_size


def _office_kind(archive: zipfile.ZipFile, names: set[str]) -> str:
    if "mimetype" in names:
        member = archive.getinfo("mimetype")
        if member.file_size <= len(_ODT_MIMETYPE) and archive.read(member) == _ODT_MIMETYPE:
            return "odt"
        raise UnsupportedType()
    if "[Content_Types].xml" in names:
        is_word = any(name.startswith("word/") for name in names)
        is_excel = any(name.startswith("xl/") for name in names)
        if is_word != is_excel:  # exactly one of the two
            return "docx" if is_word else "xlsx"
    raise UnsupportedType()


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view):]


def _fsync_directory(directory: Path) -> None:
    """Make the new name durable too. Best effort: the file's bytes are already synced."""
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def _remove_quietly(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass


def _human_size(size: int) -> str:
    """20 MB, 1,5 MB, 200 KB: the way a Vietnamese reader writes sizes."""
    for unit, factor in (("MB", 2**20), ("KB", 2**10)):
        if size >= factor:
            return f"{round(size / factor, 1):g} {unit}".replace(".", ",")
    return f"{size} byte"


# --- Content-Disposition -------------------------------------------------------------------

MAX_NAME_CHARS = 150
_FALLBACK_UNSAFE = re.compile(r"[^A-Za-z0-9 ._()+,-]")
_DEFAULT_NAME = "tai-lieu"


def inline_allowed(kind: str) -> bool:
    """PDF and images may be shown in the browser; DOCX/XLSX/ODT are downloaded."""
    return kind in INLINE_KINDS


def content_disposition(filename: str, inline: bool) -> str:
    """A safe Content-Disposition value carrying the original (Vietnamese) file name.

    ``filename="…"`` is an ASCII fallback for old clients (diacritics stripped); modern browsers
    use ``filename*=UTF-8''…`` (RFC 6266 / RFC 5987). Neither part can carry a path separator,
    a quote, a control character (no header injection) or more than MAX_NAME_CHARS characters.
    """
    name = _clean_name(filename)
    fallback = _ascii_name(name)
    disposition = "inline" if inline else "attachment"
    return f"{disposition}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def _clean_name(filename: str) -> str:
    name = unicodedata.normalize("NFC", filename or "")  # macOS sends decomposed names
    name = " ".join(name.split())  # tabs, CR, LF… become spaces: no header injection
    name = "".join(char for char in name if not unicodedata.category(char).startswith("C"))
    name = name.replace("/", "_").replace("\\", "_").replace('"', "")
    name = " ".join(name.split()).strip(" .")  # no ".." or hidden-file names
    return _cap(name) or _DEFAULT_NAME


def _ascii_name(name: str) -> str:
    name = name.replace("đ", "d").replace("Đ", "D")  # đ has no decomposition
    name = "".join(char for char in unicodedata.normalize("NFKD", name)
                   if not unicodedata.combining(char))
    name = re.sub(r"_+", "_", _FALLBACK_UNSAFE.sub("_", name))
    return _cap(name.strip(" ._")) or _DEFAULT_NAME  # NFKD may have lengthened it


def _cap(name: str) -> str:
    """At most MAX_NAME_CHARS characters, keeping a short extension."""
    if len(name) <= MAX_NAME_CHARS:
        return name
    stem, dot, extension = name.rpartition(".")
    if dot and stem and len(extension) <= 10:
        return stem[:MAX_NAME_CHARS - len(extension) - 1].rstrip(" .") + "." + extension
    return name[:MAX_NAME_CHARS]
