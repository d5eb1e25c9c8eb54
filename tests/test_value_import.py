"""Import of an assessment's values from Excel: the exported workbook comes back unchanged as
«no change», a filled template is previewed row by row and stored only on confirmation, all or
nothing, and every wrong cell is named by line and column with nothing stored."""
from __future__ import annotations

import io
import re
import zipfile
from decimal import Decimal

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select

from app import tenancy
from app.extensions import db
from app.models import Answer, Assessment, AuditEvent, Period
from tests.conftest import province_id
from tests.test_exports import FILLED, FORM, OWN, SCHEME, fill, lines_by_code
from tests.test_rankings import departments

IMPORT = f"{FORM}/import"


def scoped(app):
    return tenancy.scoped(province_id(app, "dienbien"))


def stored(app) -> tuple[int, int]:
    """How many answers and audit events the province has: an import that stores nothing
    leaves both as they were."""
    with app.app_context(), scoped(app):
        return (db.session.scalar(select(func.count()).select_from(Answer)),
                db.session.scalar(select(func.count()).select_from(AuditEvent)))


def answer(app, code: str) -> Answer | None:
    with app.app_context(), scoped(app):
        found = db.session.scalar(select(Answer).where(Answer.code == code))
        if found is not None:
            db.session.expunge(found)
        return found


def edit(data: bytes, cells: dict[tuple[str, str], object], extra_lines=(), sheet_name=None,
         raw: dict[str, object] | None = None) -> bytes:
    """The workbook with cells changed: (indicator code, column heading) → value; extra lines
    appended after the last; ``raw`` sets cells by address on ``sheet_name``."""
    book = load_workbook(io.BytesIO(data))
    sheet = book["Hồ sơ đánh giá"]
    line, column = lines_by_code(sheet), {c.value: c.column_letter for c in sheet[4]}
    for (code, heading), value in cells.items():
        sheet[f"{column[heading]}{line[code]}"] = value
    for values in extra_lines:
        target = sheet.max_row + 2  # below the totals, after a blank line
        for heading, value in values.items():
            sheet[f"{column[heading]}{target}"] = value
    for address, value in (raw or {}).items():
        book[sheet_name or "Hồ sơ đánh giá"][address] = value
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def line_of(data: bytes, code: str) -> int:
    return lines_by_code(load_workbook(io.BytesIO(data))["Hồ sơ đánh giá"])[code]


def send(client, data: bytes, filename="ho-so.xlsx", url=IMPORT):
    return client.post(url, data={"file": (io.BytesIO(data), filename)},
                       content_type="multipart/form-data")


def confirm_form(page: str) -> dict:
    return {name: re.search(rf'name="{name}" value="([^"]*)"', page).group(1)
            for name in ("token", "filename", "digest")}


def test_an_unchanged_export_or_template_imports_as_no_change(app, as_user):
    fill(app, FILLED)
    client = as_user("unit_user", "dienbien")
    before = stored(app)
    for name in ("export.xlsx", "import-template.xlsx"):
        response = send(client, client.get(f"{FORM}/{name}").data, name)
        page = response.get_data(as_text=True)
        assert response.status_code == 200, page[:2000]
        assert "Không có thay đổi nào" in page and "Không có gì để lưu" in page
        forced = client.post(f"{IMPORT}/confirm", data=confirm_form(page))
        assert forced.status_code == 422
    assert stored(app) == before


def test_preview_shows_the_changes_and_confirm_stores_them_all_audited(app, as_user):
    fill(app, FILLED)
    client = as_user("unit_user", "dienbien")
    template = client.get(f"{FORM}/import-template.xlsx").data
    data = edit(template, {("1.2", "Điểm tự chấm"): 14, ("1.3", "Giá trị"): "Có",
                           ("3.2", "Tử số"): 30, ("3.2", "Mẫu số"): 40,
                           ("2.1", "Giải trình"): "Kế hoạch số 12/KH-STTTT"})
    before = stored(app)
    preview = send(client, data, "số liệu 2022.xlsx")
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200, page[:3000]
    assert "<b>3</b> chỉ tiêu mới" in page and "<b>1</b> chỉ tiêu thay đổi" in page
    assert "Điểm tự chấm: 12,5 → <strong>14</strong>" in page
    assert "Giá trị: trống → <strong>Có</strong>" in page  # 1.3, a yes/no row
    assert "Lưu 4 chỉ tiêu" in page
    assert stored(app) == before  # a preview stores nothing

    done = client.post(f"{IMPORT}/confirm", data=confirm_form(page))
    assert done.status_code == 302 and done.headers["Location"].endswith(FORM)
    assert answer(app, "1.2").self_score == 14
    # the value only: its 15 points are worked out from it, never stored as typed
    assert (answer(app, "1.3").value, answer(app, "1.3").self_score) == (1, None)
    three_two = answer(app, "3.2")
    assert (three_two.numerator, three_two.denominator, three_two.self_score) == (30, 40, None)
    assert answer(app, "2.1").explanation == "Kế hoạch số 12/KH-STTTT"
    assert answer(app, "5.7").not_assessed_reason == "Không có kinh phí riêng"  # kept
    with app.app_context(), scoped(app):
        reasons = db.session.scalars(select(AuditEvent.reason).where(
            AuditEvent.code == "1.2", AuditEvent.field == "self_score")).all()
    assert "Nhập từ tệp Excel «số liệu 2022.xlsx»" in reasons
    page = client.get(FORM).get_data(as_text=True)
    assert "Đã nhập 4 chỉ tiêu từ tệp «số liệu 2022.xlsx» (3 mới, 1 thay đổi)" in page
    again = client.post(f"{IMPORT}/confirm", data=confirm_form(preview.get_data(as_text=True)))
    assert again.status_code == 302  # the stored upload is gone: nothing twice
    assert "Không có thay đổi nào" in send(client, data).get_data(as_text=True)


def test_every_wrong_cell_is_named_and_nothing_is_stored(app, as_user):
    fill(app, FILLED)
    client = as_user("unit_user", "dienbien")
    template = client.get(f"{FORM}/import-template.xlsx").data
    data = edit(template, {
        ("2.1", "Điểm tự chấm"): 5,  # a good change, not stored either
        ("1.2", "Điểm tự chấm"): "abc",
        ("1.4", "Điểm tự chấm"): 11,  # the maximum is 10
        ("1.1", "Giá trị"): "Hmm",
        ("3.3", "Giá trị"): "Không đánh giá",  # allowed, but no reason was ever given
        ("3.2", "Giá trị"): 75,  # a fraction: numerator and denominator, not the percentage
        ("2.2", "Điểm tự chấm"): "=1+1",  # a formula nobody computed
        ("1", "Điểm tự chấm"): 40,  # a sum, typed over
    }, extra_lines=[{"Mã": "9.9", "Điểm tự chấm": 1}, {"Điểm tự chấm": 3}])
    before = stored(app)
    response = send(client, data)
    page = response.get_data(as_text=True)
    assert response.status_code == 422

    def at(code, column, message):
        expected = f"Dòng {line_of(data, code)}, cột {column}: {message}"
        assert expected in page, expected

    at("1.2", "Điểm tự chấm", "«abc» không phải là số.")
    at("1.4", "Điểm tự chấm", "điểm tự chấm không được lớn hơn 10.")
    at("1.1", "Giá trị", "«Hmm» không phải «Có» hoặc «Không».")
    at("3.3", "Giá trị", "«Không đánh giá» cần lý do")
    at("3.2", "Giá trị", "chỉ tiêu nhập dạng tỷ lệ: ghi Tử số và Mẫu số")
    at("2.2", "Điểm tự chấm", "ô chứa công thức chưa được tính (=1+1)")
    at("1", "Điểm tự chấm", "«1» là chỉ số tổng hợp")
    assert "cột Mã: không có chỉ tiêu «9.9» trong bộ chỉ số dienbien-so-2022." in page
    assert "cột Mã: dòng có số liệu nhưng thiếu mã chỉ tiêu." in page
    assert "9 lỗi trong tệp: chưa lưu gì" in page
    forced = client.post(f"{IMPORT}/confirm", data=confirm_form(page))
    assert forced.status_code == 422
    assert stored(app) == before and answer(app, "2.1") is None


def damage_first_sheet(data: bytes) -> bytes:
    """The workbook with bytes in the middle of its first sheet's deflate stream flipped."""
    entry = zipfile.ZipFile(io.BytesIO(data)).getinfo("xl/worksheets/sheet1.xml")
    start = entry.header_offset + 30 + len(entry.filename) + len(entry.extra)
    damaged = bytearray(data)
    for at in range(start + 40, start + 120):
        damaged[at] ^= 0x5A
    return bytes(damaged)


def test_a_file_of_another_period_unit_or_version_or_no_template_is_refused(app, as_user,
                                                                            client):
    other = departments(app, 2)[1]
    admin = as_user("province_admin", "dienbien")
    other_unit = admin.get(f"/assessments/{SCHEME}/2022/{other}/import-template.xlsx").data
    users_template = admin.get("/users/import/template.xlsx").data
    client.post("/logout")
    unit = as_user("unit_user", "dienbien")
    own = unit.get(f"{FORM}/import-template.xlsx").data
    before = stored(app)
    cases = [
        (other_unit, "ô B5: tệp là của đơn vị «%s», không phải Sở Thông tin và Truyền thông"
                     % other),
        (edit(own, {}, sheet_name="chiso", raw={"B4": "2021"}),
         "Trang ẩn «chiso», ô B4: tệp là của kỳ «2021», không phải kỳ 2022 (Năm 2022)"),
        (edit(own, {}, sheet_name="chiso", raw={"B3": 2}),
         "ô B3: tệp theo phiên bản 2 của bộ chỉ số, hiện hành là phiên bản 1"),
        (edit(own, {}, sheet_name="chiso", raw={"B2": "dienbien-huyen-2022"}),
         "ô B2: tệp là của bộ chỉ số «dienbien-huyen-2022»"),
        (edit(own, {}, raw={"G4": "Điểm"}),  # a heading renamed
         "Dòng 4 (dòng tiêu đề): thiếu cột «Điểm tự chấm»"),
        (users_template, "không phải tệp Excel của hồ sơ đánh giá"),
        (b"not a zip", "tệp hỏng hoặc không phải tệp Excel .xlsx"),
        # the template itself, its first sheet's compressed data damaged: openpyxl opens the
        # file and only fails (zlib.error) while the rows are read
        (damage_first_sheet(own), "tệp hỏng hoặc không phải tệp Excel .xlsx"),
    ]
    for data, message in cases:
        response = send(unit, data)
        page = response.get_data(as_text=True)
        assert response.status_code == 422 and message in page, (message, page[-3000:])
    csv_file = send(unit, b"a,b\n", "so-lieu.csv")
    assert "không phải tệp Excel (.xlsx)" in csv_file.get_data(as_text=True)
    assert stored(app) == before


def test_a_submitted_assessment_takes_no_import(app, as_user):
    fill(app, FILLED)
    client = as_user("unit_user", "dienbien")
    data = edit(client.get(f"{FORM}/import-template.xlsx").data, {("1.2", "Điểm tự chấm"): 14})
    with app.app_context(), scoped(app):
        db.session.scalar(select(Assessment)).state = "submitted"
        db.session.commit()
    response = send(client, data)
    page = response.get_data(as_text=True)
    assert response.status_code == 409 and "Hồ sơ đã nộp: không sửa được nữa." in page
    client.post(f"{IMPORT}/confirm", data=confirm_form(page))
    assert answer(app, "1.2").self_score == Decimal("12.5")


def test_confirm_stores_only_what_the_preview_showed(app, as_user):
    fill(app, FILLED)
    client = as_user("unit_user", "dienbien")
    data = edit(client.get(f"{FORM}/import-template.xlsx").data, {("1.2", "Điểm tự chấm"): 14})
    page = send(client, data).get_data(as_text=True)
    fill(app, {"1.2": {"self_score": "13"}})  # someone saves the row meanwhile
    response = client.post(f"{IMPORT}/confirm", data=confirm_form(page))
    assert response.status_code == 409
    assert "đã thay đổi từ lúc xem trước" in response.get_data(as_text=True)
    assert "Điểm tự chấm: 13 → <strong>14</strong>" in response.get_data(as_text=True)
    assert answer(app, "1.2").self_score == 13


def test_who_may_import(app, as_user, client):
    other = departments(app, 2)[1]
    unit = as_user("unit_user", "dienbien")
    assert unit.get(IMPORT).status_code == 200
    assert unit.get(f"/assessments/{SCHEME}/2022/{other}/import").status_code == 404
    form = unit.get(FORM).get_data(as_text=True)
    assert form.count(">Nhập từ Excel</a>") == 1 and form.count(">Tải Excel</a>") == 1
    client.post("/logout")
    for role in ("viewer", "appraiser"):
        user = as_user(role, "dienbien")
        assert user.get(IMPORT).status_code == 403
        assert user.get(f"{FORM}/import-template.xlsx").status_code == 403
        client.post("/logout")
    assert as_user("province_admin", "dienbien").get(
        f"/assessments/{SCHEME}/2022/{other}/import").status_code == 200
    assert OWN in IMPORT


def _first_commune(app) -> str:
    from app.models import Unit
    with app.app_context(), tenancy.scoped(province_id(app, "yenbai")):
        return db.session.scalar(select(Unit.code).where(Unit.type == "xa").order_by(Unit.code))


@pytest.mark.parametrize("province, role, path", [
    ("thanhhoa", "unit_user", "thanhhoa-huyen-2022/2023/394"),  # three levels, amounts
    ("yenbai", "unit_user", "yenbai-kpi-2022/202212/15"),  # the agency's own monthly KPIs
    ("yenbai", "province_admin", "yenbai-xa-2022/2022/<commune>"),  # targets, no points
])
def test_round_trip_in_every_provinces_layout(app, as_user, province, role, path):
    url = f"/assessments/{path.replace('<commune>', _first_commune(app))}"
    client = as_user(role, province)
    template = client.get(f"{url}/import-template.xlsx")
    assert template.status_code == 200, template.get_data(as_text=True)[:300]
    unchanged = send(client, template.data, url=f"{url}/import").get_data(as_text=True)
    assert "Không có thay đổi nào" in unchanged
    scheme = app.extensions["chiso"].schemes[path.split("/")[0]]
    listed = lines_by_code(load_workbook(io.BytesIO(template.data))["Hồ sơ đánh giá"])
    code = next(c for c in listed if c in scheme.by_code and scheme.by_code[c].is_leaf
                and scheme.by_code[c].input in ("percent", "number", "amount"))
    data = edit(template.data, {(code, "Giá trị"): "42,5"})
    page = send(client, data, url=f"{url}/import").get_data(as_text=True)
    assert "Lưu 1 chỉ tiêu" in page, page[-3000:]
    done = client.post(f"{url}/import/confirm", data=confirm_form(page))
    assert done.status_code == 302
    with app.app_context(), tenancy.scoped(province_id(app, province)):
        saved = db.session.scalar(select(Answer).join(Assessment).join(Period).where(
            Answer.code == code, Period.code == path.split("/")[1]))
    assert saved.value == Decimal("42.5")
    again = send(client, client.get(f"{url}/export.xlsx").data, url=f"{url}/import")
    assert "Không có thay đổi nào" in again.get_data(as_text=True)


def test_an_agency_changes_only_the_kpis_it_leads(app, as_user, client):
    """Yên Bái: the province is assessed and each agency writes its own KPIs. The admin's
    workbook holds every agency's rows; an agency may upload it, but not change the others'."""
    url = "/assessments/yenbai-kpi-2022/202212/15"
    scheme = app.extensions["chiso"].schemes["yenbai-kpi-2022"]
    theirs = next(r.code for r in scheme.leaves
                  if r.period == "month" and r.lead_unit not in (None, "yenbai.so-tttt"))
    whole = as_user("province_admin", "yenbai").get(f"{url}/import-template.xlsx").data
    client.post("/logout")
    agency = as_user("unit_user", "yenbai")
    assert "Không có thay đổi nào" in send(agency, whole, url=f"{url}/import").get_data(
        as_text=True)
    changed = edit(whole, {(theirs, "Giá trị"): 50})
    page = send(agency, changed, url=f"{url}/import").get_data(as_text=True)
    assert (f"Dòng {line_of(changed, theirs)}, cột Mã: chỉ tiêu {theirs} không thuộc kỳ này "
            "hoặc không do đơn vị của bạn nhập.") in page
