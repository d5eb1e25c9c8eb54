"""Bulk import of users: upload → preview with per-row errors → confirm, all or nothing."""
import csv
import io
import re
from pathlib import Path

import pytest
from argon2 import PasswordHasher
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from app import tenancy
from app.extensions import db
from app.models import Province, Unit, User
from app.models import user as user_model
from app.services.users import create_user
from tests.conftest import demo, login, province_id

HEADER = ["Thư điện tử", "Họ và tên", "Vai trò", "Mã đơn vị", "Mật khẩu"]


@pytest.fixture
def fast_hashing(monkeypatch):
    """Hundreds of real Argon2 hashes take ~30 s; the import, not the hash, is under test."""
    monkeypatch.setattr(user_model, "_hasher", PasswordHasher(time_cost=1, memory_cost=8,
                                                              parallelism=1))


def communes(app, province="yenbai"):
    with app.app_context(), tenancy.scoped(province_id(app, province)):
        return db.session.scalars(select(Unit.code).where(
            Unit.type.in_(("xa", "phuong", "thi_tran")), Unit.valid_to.is_(None))).all()


def many_rows(app, count):
    codes = communes(app)
    return [[f"canbo{i}@xa.yenbai.gov.vn", f"Cán bộ {i}", "Cán bộ đơn vị",
             codes[i % len(codes)], ""]
            if i % 10 else [f"xem{i}@yenbai.gov.vn", f"Người xem {i}", "viewer", "", ""]
            for i in range(count)]


def csv_file(rows, header=HEADER, delimiter=",", bom=False):
    out = io.StringIO()
    csv.writer(out, delimiter=delimiter).writerows([header, *rows])
    return (b"\xef\xbb\xbf" if bom else b"") + out.getvalue().encode()


def xlsx_file(rows, header=HEADER):
    book = Workbook()
    for line in [header, *rows]:
        book.active.append(line)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, data, name="nguoi-dung.csv", **headers):
    return client.post("/users/import", data={"file": (io.BytesIO(data), name)},
                       content_type="multipart/form-data", headers=headers)


def confirm(client, page):
    token = re.search(r'name="token" value="([^"]+)"', page).group(1)
    return client.post("/users/import/confirm", data={"token": token})


def count_users(app, emails):
    with app.app_context(), tenancy.unscoped():
        return db.session.scalar(select(func.count()).select_from(User).where(
            func.lower(User.email).in_([e.lower() for e in emails])))


def stored_uploads(app):
    folder = Path(app.config["UPLOAD_DIR"]) / "imports"
    return [p for p in folder.rglob("*") if p.is_file()] if folder.exists() else []


@pytest.mark.parametrize("make, name", [(csv_file, "xa.csv"), (xlsx_file, "xa.xlsx")])
def test_300_rows_are_created_only_after_confirm(app, client, as_user, fast_hashing, make, name):
    as_user("province_admin", "yenbai")
    rows = many_rows(app, 300)
    emails = [row[0] for row in rows]
    preview = upload(client, make(rows), name)
    page = preview.get_data(as_text=True)
    assert preview.status_code == 200
    assert "Tạo 300 tài khoản" in page and page.count("sẽ tạo</span>") == 300
    assert count_users(app, emails) == 0  # the preview stores nothing

    done = confirm(client, page)
    assert done.status_code == 200 and "Đã tạo 300 tài khoản" in done.get_data(as_text=True)
    assert count_users(app, emails) == 300
    with app.app_context(), tenancy.unscoped():
        user = db.session.scalar(select(User).where(User.email == emails[1]))
        assert user.province.code == "yenbai" and user.role == "unit_user"
        assert user.unit.code == rows[1][3]
    # Confirming the same upload again (a refreshed result page) creates nothing more.
    again = confirm(client, page)
    assert again.status_code == 302 and count_users(app, emails) == 300


def test_one_bad_row_is_named_and_nothing_is_stored(app, client, as_user):
    as_user("province_admin", "yenbai")
    rows = many_rows(app, 8)
    rows[5][3] = "04250"  # sheet row 7: the header is row 1
    page = upload(client, csv_file(rows)).get_data(as_text=True)
    assert "Dòng 7, cột Mã đơn vị: không có đơn vị mã «04250» trong tỉnh." in page
    assert "1 dòng có lỗi" in page and page.count("sẽ tạo</span>") == 7
    assert re.search(r"<button class=\"button\" disabled[^>]*>Tạo tài khoản", page)

    forced = confirm(client, page)  # the disabled button bypassed
    assert forced.status_code == 422 and "Dòng 7, cột Mã đơn vị" in forced.get_data(as_text=True)
    assert count_users(app, [row[0] for row in rows]) == 0


def test_duplicates_in_the_file_and_existing_accounts(app, client, as_user):
    as_user("province_admin", "yenbai")
    rows = [["a@yenbai.gov.vn", "A", "viewer", "", ""],
            ["B@yenbai.gov.vn", "B", "viewer", "", ""],
            ["b@yenbai.gov.vn", "B lần hai", "viewer", "", ""],
            [demo("viewer", "dienbien"), "Đã có ở Điện Biên", "viewer", "", ""]]
    page = upload(client, csv_file(rows)).get_data(as_text=True)
    assert "Dòng 4, cột Thư điện tử: «b@yenbai.gov.vn» trùng với dòng 3 trong tệp." in page
    taken = demo("viewer", "dienbien")
    assert f"Dòng 5, cột Thư điện tử: thư điện tử «{taken}» đã có tài khoản." in page
    assert "2 dòng có lỗi" in page


def test_missing_cells_unknown_role_and_unit_rules(app, client, as_user):
    as_user("province_admin", "yenbai")
    rows = [["", "Không có thư", "viewer", "", ""],
            ["c@yenbai.gov.vn", "", "Giám đốc", "", ""],
            ["d@yenbai.gov.vn", "D", "unit_user", "", ""],
            ["e@yenbai.gov.vn", "E", "superadmin", "", ""],
            ["f@yenbai.gov.vn", "F", "viewer", communes(app)[0], ""],
            ["g@yenbai.gov.vn", "G", "viewer", "", "ngan"]]
    page = upload(client, csv_file(rows)).get_data(as_text=True)
    for message in ("Dòng 2, cột Thư điện tử: ô này bắt buộc, đang để trống.",
                    "Dòng 3, cột Họ và tên: ô này bắt buộc, đang để trống.",
                    "Dòng 3, cột Vai trò: không có vai trò «Giám đốc»",
                    "Dòng 4, cột Mã đơn vị: cán bộ đơn vị cần gắn với một đơn vị.",
                    "Dòng 5, cột Vai trò: không có vai trò «superadmin»",
                    "Dòng 6, cột Mã đơn vị: chỉ cán bộ đơn vị mới gắn với đơn vị",
                    "Dòng 7, cột Mật khẩu: mật khẩu cần ít nhất 10 ký tự."):
        assert message in page


def test_commune_of_another_province_is_refused(app, client, as_user):
    as_user("province_admin", "yenbai")
    thanhhoa_commune = communes(app, "thanhhoa")[0]
    rows = [["x@yenbai.gov.vn", "X", "Cán bộ đơn vị", thanhhoa_commune, ""]]
    page = upload(client, csv_file(rows)).get_data(as_text=True)
    assert f"Dòng 2, cột Mã đơn vị: không có đơn vị mã «{thanhhoa_commune}» trong tỉnh." in page


def test_semicolon_csv_with_bom_and_loose_headers(app, client, as_user):
    as_user("province_admin", "yenbai")
    code = communes(app)[0]
    header = ["THƯ ĐIỆN TỬ", "ho va ten", "vai tro", "Ma don vi", "Ghi chú"]
    rows = [["h@yenbai.gov.vn", "Hoàng Thị Hạnh", "cán bộ đơn vị", code.lstrip("0"), "x"]]
    page = upload(client, csv_file(rows, header, ";", bom=True)).get_data(as_text=True)
    assert "Tạo 1 tài khoản" in page  # the leading zero Excel dropped is restored
    assert "Bỏ qua các cột không dùng: Ghi chú." in page


@pytest.mark.parametrize("name, data, message", [
    ("danh-sach.pdf", b"%PDF-1.4", "không phải tệp Excel (.xlsx) hoặc CSV"),
    ("trong.csv", b"", "rỗng"),
    ("hong.xlsx", b"khong phai zip", "tệp hỏng hoặc không phải tệp Excel .xlsx"),
    ("thieu.csv", "Thư điện tử,Mã đơn vị\na@b.vn,04249\n".encode(),
     "thiếu cột: Họ và tên, Vai trò"),
    ("tieu-de.csv", "Thư điện tử,Họ và tên,Vai trò\n".encode(), "chỉ có dòng tiêu đề"),
    ("ansi.csv", "email,full_name,role\na@b.vn,Văn A,viewer\n".encode("cp1258"),
     "không dùng mã UTF-8"),
])
def test_unusable_files_give_a_clear_error_and_store_nothing(app, client, as_user, name, data,
                                                             message):
    as_user("province_admin", "yenbai")
    response = upload(client, data, name)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert stored_uploads(app) == []


def test_no_file_chosen(client, as_user):
    as_user("province_admin", "yenbai")
    response = client.post("/users/import", data={}, content_type="multipart/form-data")
    assert response.status_code == 422
    assert "Hãy chọn tệp Excel (.xlsx) hoặc CSV" in response.get_data(as_text=True)


def test_confirm_checks_again_and_creates_nothing_if_an_email_was_taken_meanwhile(
        app, client, as_user):
    as_user("province_admin", "yenbai")
    rows = [["m@yenbai.gov.vn", "M", "viewer", "", ""], ["n@yenbai.gov.vn", "N", "viewer", "", ""]]
    page = upload(client, csv_file(rows)).get_data(as_text=True)
    with app.app_context(), tenancy.scoped(province_id(app, "yenbai")):  # another admin, meanwhile
        yenbai = db.session.get(Province, province_id(app, "yenbai"))
        create_user("n@yenbai.gov.vn", "viewer", yenbai, None, "mat-khau-du-dai")
        db.session.commit()
    response = confirm(client, page)
    assert response.status_code == 422
    assert "Dòng 3, cột Thư điện tử: thư điện tử «n@yenbai.gov.vn» đã có tài khoản." in \
        response.get_data(as_text=True)
    assert count_users(app, ["m@yenbai.gov.vn"]) == 0


def test_upload_of_another_province_cannot_be_confirmed(app):
    dienbien, yenbai = app.test_client(), app.test_client()
    login(dienbien, demo("province_admin", "dienbien"))
    login(yenbai, demo("province_admin", "yenbai"))
    page = upload(dienbien, csv_file([["p@dienbien.gov.vn", "P", "viewer", "", ""]]))
    response = confirm(yenbai, page.get_data(as_text=True))
    assert response.status_code == 302 and count_users(app, ["p@dienbien.gov.vn"]) == 0


def test_generated_passwords_let_the_new_users_log_in(app, client, as_user):
    as_user("province_admin", "yenbai")
    code = communes(app)[0]
    rows = [["q@yenbai.gov.vn", "Quách Văn Q", "unit_user", code, ""],
            ["r@yenbai.gov.vn", "R", "appraiser", "", "mat-khau-cua-r-2026"]]
    page = confirm(client, upload(client, xlsx_file(rows), "a.xlsx").get_data(as_text=True))
    result = page.get_data(as_text=True)
    assert page.headers["Cache-Control"] == "no-store"
    shown = re.findall(r"<span class=\"code\" data-password>([^<]+)</span>", result)
    assert len(shown) == 1  # only the generated one; R's own password is not echoed

    hidden = r'type="hidden" name="(email|full_name|unit|password)" value="([^"]*)"'
    fields = dict(re.findall(hidden, result))
    download = client.post("/users/import/passwords.csv", data=fields)
    lines = list(csv.reader(io.StringIO(download.get_data(as_text=True).lstrip("\ufeff"))))
    assert lines[1][0] == "q@yenbai.gov.vn" and lines[1][3] == shown[0] and code in lines[1][2]

    client.post("/logout")
    login(client, "q@yenbai.gov.vn", shown[0])
    client.post("/logout")
    login(client, "r@yenbai.gov.vn", "mat-khau-cua-r-2026")


def test_template_has_the_header_and_an_example_the_import_accepts(app, client, as_user):
    as_user("province_admin", "yenbai")
    response = client.get("/users/import/template.xlsx")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).worksheets[0]
    assert [c.value for c in sheet[1]] == HEADER
    assert sheet["D2"].value in communes(app)
    page = upload(client, response.data, "mau.xlsx").get_data(as_text=True)
    assert "Tạo 1 tài khoản" in page


def test_preview_is_a_fragment_for_htmx(client, as_user):
    as_user("province_admin", "yenbai")
    response = upload(client, csv_file([["s@yenbai.gov.vn", "S", "viewer", "", ""]]),
                      **{"HX-Request": "true"})
    page = response.get_data(as_text=True)
    assert "Tạo 1 tài khoản" in page and "<html" not in page


@pytest.mark.parametrize("method, url", [("get", "/users/import"),
                                         ("get", "/users/import/template.xlsx"),
                                         ("post", "/users/import/confirm"),
                                         ("post", "/users/import/passwords.csv")])
def test_appraiser_is_refused(client, as_user, method, url):
    as_user("appraiser", "yenbai")
    assert getattr(client, method)(url).status_code == 403


def test_appraiser_upload_is_refused(app, client, as_user):
    as_user("appraiser", "yenbai")
    response = upload(client, csv_file([["t@yenbai.gov.vn", "T", "viewer", "", ""]]))
    assert response.status_code == 403 and stored_uploads(app) == []


def test_staged_uploads_are_capped_per_person(app, client, as_user, monkeypatch):
    """Previews nobody confirms are kept a day: one account cannot stack them without end."""
    from app.web import staged_uploads
    monkeypatch.setattr(staged_uploads, "PER_USER", 2)
    as_user("province_admin", "yenbai")
    data = csv_file([["a@yenbai.gov.vn", "A", "viewer", "", ""]])
    assert upload(client, data).status_code == 200
    second = upload(client, data)
    assert second.status_code == 200
    third = upload(client, data)
    assert third.status_code == 422
    assert "Bạn đã có 2 tệp tải lên đang chờ xác nhận" in third.get_data(as_text=True)
    assert len(stored_uploads(app)) == 2
    confirm(client, second.get_data(as_text=True))  # a confirmed upload frees its place
    assert upload(client, data).status_code == 200
