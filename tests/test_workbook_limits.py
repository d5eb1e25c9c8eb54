"""An uploaded workbook is checked like an evidence archive before openpyxl opens it: a small
file that unpacks to a huge string, or holds too many parts, is refused with a message and
nothing is read or stored (issue 18, item 4)."""
from __future__ import annotations

import io
import zipfile

import pytest

from app import storage
from tests.test_entry import FORM
from tests.test_exports import FILLED, fill
from tests.test_user_import import upload, xlsx_file
from tests.test_value_import import send, stored

BOMB_SIZE = 3 * 2**20  # 3 MB of one letter packs into a few KB: far above the 100× ratio


def with_inline_string(data: bytes, size: int = BOMB_SIZE) -> bytes:
    """The workbook with one more cell on its first sheet: an inline string of ``size``
    letters, written in chunks so the test itself stays small in memory."""
    source = zipfile.ZipFile(io.BytesIO(data))
    first = "xl/worksheets/sheet1.xml"
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for member in source.infolist():
            if member.filename != first:
                target.writestr(member, source.read(member))
                continue
            head, tail = source.read(first).decode().split("</sheetData>")
            with target.open(first, "w") as sheet:
                sheet.write(head.encode())
                sheet.write(b'<row r="1999"><c r="B1999" t="inlineStr"><is><t>')
                chunk = b"A" * 2**16
                for _ in range(size // len(chunk)):
                    sheet.write(chunk)
                sheet.write(b"</t></is></c></row></sheetData>" + tail.encode())
    return out.getvalue()


def with_many_parts(data: bytes, count: int = 150) -> bytes:
    out = io.BytesIO(data)
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as target:
        for index in range(count):
            target.writestr(f"customXml/item{index}.xml", "<a/>")
    return out.getvalue()


@pytest.mark.parametrize("make, message", [
    (with_inline_string, "nghi là “bom nén”"),
    (with_many_parts, "quá nhiều thành phần"),
])
def test_the_value_import_refuses_an_archive_bomb_before_opening_it(app, as_user, make,
                                                                    message):
    fill(app, FILLED)
    before = stored(app)
    client = as_user("unit_user", "dienbien")
    template = client.get(f"{FORM}/import-template.xlsx").data
    bomb = make(template)
    assert len(bomb) < 200 * 1024
    response = send(client, bomb)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert stored(app) == before


@pytest.mark.parametrize("make, message", [
    (with_inline_string, "nghi là “bom nén”"),
    (with_many_parts, "quá nhiều thành phần"),
])
def test_the_user_import_refuses_an_archive_bomb_before_opening_it(app, as_user, make, message):
    client = as_user("province_admin", "yenbai")
    bomb = make(xlsx_file([["a@example.vn", "Nguyễn Văn A", "Người xem", "", ""]]))
    response = upload(client, bomb, name="nguoi-dung.xlsx")
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)


def test_a_workbook_too_large_once_unpacked_is_refused(app, as_user, monkeypatch):
    monkeypatch.setattr(storage, "WORKBOOK_MAX_TOTAL", 4096)  # a real template is larger
    client = as_user("province_admin", "yenbai")
    response = upload(client, xlsx_file([["a@example.vn", "A", "Người xem", "", ""]]),
                      name="nguoi-dung.xlsx")
    assert response.status_code == 422
    assert "Tệp khi giải nén vượt quá 4 KB" in response.get_data(as_text=True)
