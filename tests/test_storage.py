"""Evidence file storage: type from content, zip-bomb checks, size limit, atomic writes."""
from __future__ import annotations

import errno
import hashlib
import io
import os
import struct
import zipfile
import zlib
from functools import lru_cache
from urllib.parse import unquote

import pytest
from werkzeug.datastructures import FileStorage

from app import storage
from app.storage import (ArchiveRefused, DiskFull, EvidenceStore, FileTooLarge, StorageError,
                         UnsupportedType, content_disposition, inline_allowed)

MB = 2**20
DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


# --- sample files, built from scratch ------------------------------------------------------

def make_pdf(filler: bytes = b"") -> bytes:
    """A one-page PDF with a correct cross-reference table."""
    objects = [b"<< /Type /Catalog /Pages 2 0 R >>",
               b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
               b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 200 200] >>"]
    out = bytearray(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(len(out))
        out += b"%d 0 obj\n%s\nendobj\n" % (number, body)
    out += b"%" + filler + b"\n"  # a comment line, to make the file as big as a test needs
    xref = len(out)
    out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
    out += b"".join(b"%010d 00000 n \n" % offset for offset in offsets)
    out += b"trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref)
    return bytes(out)


def make_png() -> bytes:
    """A 1×1 white pixel."""
    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))
    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)  # 8-bit RGB
    pixels = zlib.compress(b"\x00\xff\xff\xff")  # filter byte + one pixel
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", pixels) + chunk(b"IEND", b"")


def make_jpeg() -> bytes:
    app0 = b"\xff\xe0" + struct.pack(">H", 16) + b"JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00"
    return b"\xff\xd8" + app0 + b"\xff\xd9"


def make_zip(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


CONTENT_TYPES = (b'<?xml version="1.0"?>'
                 b'<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>')


def make_docx(extra: dict[str, bytes] | None = None) -> bytes:
    return make_zip({"[Content_Types].xml": CONTENT_TYPES, "_rels/.rels": b"<Relationships/>",
                     "word/document.xml": b"<w:document><w:body>Xin chao</w:body></w:document>",
                     **(extra or {})})


def make_xlsx() -> bytes:
    return make_zip({"[Content_Types].xml": CONTENT_TYPES, "_rels/.rels": b"<Relationships/>",
                     "xl/workbook.xml": b"<workbook/>", "xl/worksheets/sheet1.xml": b"<worksheet/>"})


def make_odt(mimetype: bytes = b"application/vnd.oasis.opendocument.text") -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", mimetype)  # first and stored, as the ODF spec asks
        archive.writestr("content.xml", b"<office:document-content/>", zipfile.ZIP_DEFLATED)
        archive.writestr("META-INF/manifest.xml", b"<manifest:manifest/>", zipfile.ZIP_DEFLATED)
    return buffer.getvalue()


def make_docx_with_entries(count: int) -> bytes:
    return make_docx({f"word/media/image{number}.xml": b"" for number in range(count - 3)})


@lru_cache
def make_docx_bomb() -> bytes:
    """A DOCX whose document.xml unpacks to 50 MB of zeros (about 50 KB packed)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", CONTENT_TYPES)
        with archive.open("word/document.xml", "w") as member:
            for _ in range(50):
                member.write(bytes(MB))
    return buffer.getvalue()


def files_in(root) -> list[str]:
    """Every file under root (temporary ones included), relative to it."""
    return sorted(str(path.relative_to(root)) for path in root.rglob("*") if path.is_file())


@pytest.fixture
def store(tmp_path):
    return EvidenceStore(tmp_path / "evidence", max_bytes=20 * MB)


# --- accepted types -------------------------------------------------------------------------

@pytest.mark.parametrize("kind, make, mime", [
    ("pdf", make_pdf, "application/pdf"),
    ("docx", make_docx, DOCX_MIME),
    ("xlsx", make_xlsx, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"),
    ("odt", make_odt, "application/vnd.oasis.opendocument.text"),
    ("png", make_png, "image/png"),
    ("jpeg", make_jpeg, "image/jpeg"),
])
def test_each_accepted_type_is_stored_under_its_sha256(store, kind, make, mime):
    data = make()
    stored = store.save(io.BytesIO(data))
    sha256 = hashlib.sha256(data).hexdigest()
    assert (stored.kind, stored.mime, stored.size, stored.sha256) == (kind, mime, len(data), sha256)
    assert files_in(store.root) == [f"{sha256[:2]}/{sha256}"]  # no extension, no client name
    with store.open(sha256) as file:
        assert file.read() == data


def test_type_comes_from_content_not_from_the_name_or_content_type(store):
    pdf_as_docx = FileStorage(io.BytesIO(make_pdf()), filename="Báo cáo.docx", content_type=DOCX_MIME)
    png_as_pdf = FileStorage(io.BytesIO(make_png()), filename="scan.pdf", content_type="application/pdf")
    assert store.save(pdf_as_docx).kind == "pdf"
    assert store.save(png_as_pdf).kind == "png"


# --- refused types --------------------------------------------------------------------------

@pytest.mark.parametrize("data", [
    pytest.param(b"<!DOCTYPE html><html><script>alert(1)</script></html>", id="html"),
    pytest.param(b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>', id="svg"),
    pytest.param(b'<?xml version="1.0" encoding="UTF-8"?>\n<svg xmlns="http://www.w3.org/2000/svg"/>',
                 id="svg-with-prolog"),
    pytest.param(make_zip({"readme.txt": b"hello", "word.txt": b"x"}), id="plain-zip"),
    pytest.param(make_zip({"[Content_Types].xml": CONTENT_TYPES, "ppt/presentation.xml": b"<p/>"}),
                 id="pptx"),
    pytest.param(make_odt(b"application/vnd.oasis.opendocument.spreadsheet"), id="ods"),
    pytest.param(b"MZ\x90\x00\x03\x00\x00\x00" + bytes(200), id="exe"),
    pytest.param(b"PK\x03\x04 not really a zip", id="broken-zip"),
    pytest.param(b"", id="empty"),
])
def test_other_content_is_refused_whatever_its_name(store, data):
    upload = FileStorage(io.BytesIO(data), filename="ke-hoach.pdf", content_type="application/pdf")
    with pytest.raises(UnsupportedType) as refused:
        store.save(upload)
    assert refused.value.http_status == 415
    assert "PDF, DOCX, XLSX, ODT, PNG, JPEG" in str(refused.value) or "rỗng" in str(refused.value)
    assert files_in(store.root) == []


# --- archives -------------------------------------------------------------------------------

def test_archive_with_1000_entries_is_accepted_1001_refused(store):
    assert store.save(io.BytesIO(make_docx_with_entries(1000))).kind == "docx"
    with pytest.raises(ArchiveRefused) as refused:
        store.save(io.BytesIO(make_docx_with_entries(1001)))
    assert refused.value.http_status == 415
    assert "quá nhiều thành phần (tối đa 1000)" in str(refused.value)
    assert len(files_in(store.root)) == 1  # only the accepted one


def test_archive_whose_end_record_understates_its_entries_is_refused(store):
    data = bytearray(make_docx_with_entries(1001))
    end = data.rfind(b"PK\x05\x06")
    struct.pack_into("<HH", data, end + 8, 5, 5)  # "5 entries" on this disk and in total
    with pytest.raises(ArchiveRefused):
        store.save(io.BytesIO(bytes(data)))


@pytest.fixture
def docx_bomb(monkeypatch):
    """The bomb's bytes; from then on, decompressing any member fails the test."""
    data = make_docx_bomb()

    def refuse(*args, **kwargs):
        raise AssertionError("a member was decompressed")
    monkeypatch.setattr(zipfile.ZipFile, "open", refuse)
    return data


def test_zip_bomb_over_the_unpacked_total_is_refused_unread(tmp_path, docx_bomb):
    store = EvidenceStore(tmp_path, max_bytes=20 * MB, max_zip_total=10 * MB)
    with pytest.raises(ArchiveRefused) as refused:
        store.save(io.BytesIO(docx_bomb))
    assert "vượt quá 10 MB" in str(refused.value)
    assert files_in(tmp_path) == []


def test_zip_bomb_with_absurd_ratio_is_refused_under_default_limits(store, docx_bomb):
    with pytest.raises(ArchiveRefused) as refused:
        store.save(io.BytesIO(docx_bomb))
    assert "bom nén" in str(refused.value)
    assert files_in(store.root) == []


# --- size limit -----------------------------------------------------------------------------

class EndlessPdf(io.RawIOBase):
    """A PDF header followed by zeros for ever; counts what has been read from it."""

    def __init__(self):
        self.served = 0

    def readable(self):
        return True

    def readinto(self, buffer):
        data = (b"%PDF-1.4\n" + bytes(len(buffer)))[:len(buffer)] if self.served == 0 else bytes(len(buffer))
        buffer[:len(data)] = data
        self.served += len(data)
        return len(data)


def test_too_large_upload_is_refused_without_reading_it_all(store):
    upload = EndlessPdf()
    with pytest.raises(FileTooLarge) as refused:
        store.save(upload)
    assert refused.value.http_status == 413
    assert str(refused.value) == "Tệp vượt quá giới hạn 20 MB."
    assert upload.served <= 20 * MB + storage.CHUNK
    assert files_in(store.root) == []  # neither a stored nor a temporary file


def test_file_exactly_at_the_limit_is_accepted(tmp_path):
    data = make_pdf()
    assert EvidenceStore(tmp_path, max_bytes=len(data)).save(io.BytesIO(data)).size == len(data)
    with pytest.raises(FileTooLarge):
        EvidenceStore(tmp_path, max_bytes=len(data) - 1).save(io.BytesIO(data))


# --- content addressing, atomicity ----------------------------------------------------------

def test_same_bytes_twice_are_stored_once(store):
    data = make_pdf()
    first = store.save(io.BytesIO(data))
    inode = store.path(first.sha256).stat().st_ino
    second = store.save(FileStorage(io.BytesIO(data), filename="ban-sao.pdf"))
    assert first == second
    assert store.path(first.sha256).stat().st_ino == inode  # found, not written again
    assert files_in(store.root) == [f"{first.sha256[:2]}/{first.sha256}"]


@pytest.fixture
def failing(monkeypatch):
    """failing("write", errno.ENOSPC): os.write works once (a partial file exists), then fails."""
    def install(name: str, code: int):
        real = getattr(os, name)
        calls = []

        def fail(*args):
            calls.append(args)
            if name == "write" and len(calls) == 1:
                return real(*args)
            raise OSError(code, os.strerror(code))
        monkeypatch.setattr(os, name, fail)
        return calls
    install.undo = monkeypatch.undo
    return install


@pytest.mark.parametrize("step", ["write", "fsync", "replace"])
def test_disk_full_leaves_no_partial_file_and_a_retry_works(store, failing, step):
    data = make_pdf(b"x" * (3 * storage.CHUNK))  # several chunks
    calls = failing(step, errno.ENOSPC)
    with pytest.raises(DiskFull) as refused:
        store.save(io.BytesIO(data))
    assert calls, f"os.{step} was never called"
    assert refused.value.http_status == 507
    assert "hết dung lượng" in str(refused.value)
    assert files_in(store.root) == []
    failing.undo()
    assert store.exists(store.save(io.BytesIO(data)).sha256)


def test_other_os_error_is_a_storage_error_not_disk_full(store, failing):
    failing("fsync", errno.EIO)
    with pytest.raises(StorageError) as refused:
        store.save(io.BytesIO(make_pdf()))
    assert type(refused.value) is StorageError and refused.value.http_status == 500
    assert files_in(store.root) == []


# --- reading back ---------------------------------------------------------------------------

@pytest.mark.parametrize("bad", ["../etc/passwd", "../" * 21 + "etc/passwd", "A" * 64, "a" * 63,
                                 "a" * 64 + "\n", ""])
def test_open_refuses_anything_but_a_lowercase_sha256(store, bad):
    with pytest.raises(ValueError):
        store.open(bad)
    with pytest.raises(ValueError):
        store.exists(bad)


def test_exists_only_for_stored_files(store):
    stored = store.save(io.BytesIO(make_jpeg()))
    assert store.exists(stored.sha256)
    assert not store.exists(hashlib.sha256(b"chua luu").hexdigest())


# --- Content-Disposition --------------------------------------------------------------------

def parse_disposition(header: str) -> tuple[str, str, str]:
    disposition, fallback, encoded = header.split("; ")
    assert fallback.startswith('filename="') and fallback.endswith('"')
    assert encoded.startswith("filename*=UTF-8''")
    return disposition, fallback[len('filename="'):-1], unquote(encoded[len("filename*=UTF-8''"):])


def test_content_disposition_keeps_the_vietnamese_name_safely():
    header = content_disposition('Kế hoạch CĐS 2022/bản "cuối".pdf', inline=False)
    disposition, fallback, name = parse_disposition(header)
    assert disposition == "attachment"
    assert fallback == "Ke hoach CDS 2022_ban cuoi.pdf"
    assert name == "Kế hoạch CĐS 2022_bản cuối.pdf"
    assert "/" not in header and '"' not in fallback
    assert header.isascii()


def test_content_disposition_inline_and_hostile_names():
    disposition, fallback, name = parse_disposition(
        content_disposition("..\\..\\a\r\nSet-Cookie: x=1;\x00.pdf", inline=True))
    assert disposition == "inline"
    assert not any(char in fallback + name for char in "\r\n\x00\\/\"")
    assert ";" not in fallback
    assert parse_disposition(content_disposition("", inline=False))[1:] == ("tai-lieu", "tai-lieu")


def test_content_disposition_normalises_and_caps_long_names():
    decomposed = "Quyết định".replace("ế", "e\u0302\u0301") + ".docx"  # as macOS sends it
    assert parse_disposition(content_disposition(decomposed, inline=False))[2] == "Quyết định.docx"
    _, fallback, name = parse_disposition(content_disposition("Báo cáo " * 100 + ".xlsx", inline=False))
    assert len(name) <= storage.MAX_NAME_CHARS and name.endswith(".xlsx")
    assert len(fallback) <= storage.MAX_NAME_CHARS and fallback.endswith(".xlsx")


def test_only_pdf_and_images_are_shown_inline():
    assert [kind for kind in storage.MIME_TYPES if inline_allowed(kind)] == ["pdf", "png", "jpeg"]
