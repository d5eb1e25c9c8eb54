"""Evidence on the form: type from content, size limit, same file once, who may download."""
import io
import zipfile

from sqlalchemy import func, select

from app import tenancy
from app.extensions import db
from app.models import AuditEvent, Evidence, EvidenceLink
from tests.conftest import demo, login, province_id

FORM = "/assessments/dienbien-so-2022/2022/dienbien.so-tttt"
PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
HX = {"HX-Request": "true"}


def upload(client, code, data: bytes, name: str, headers=HX, **meta):
    fields = {f"{code}__ev_{k}": v for k, v in meta.items()}
    fields[f"{code}__ev_file"] = (io.BytesIO(data), name)
    return client.post(f"{FORM}/rows/{code}/evidence", data=fields, headers=headers,
                       content_type="multipart/form-data")


def evidence_count(app):
    with app.app_context(), tenancy.scoped(province_id(app, "dienbien")):
        return db.session.scalar(select(func.count()).select_from(Evidence))


def stored_files(app):
    root = app.config["UPLOAD_DIR"] + "/evidence"
    import os
    return [f for d, _, files in os.walk(root) for f in files]


def test_pdf_upload_shows_in_the_row_with_its_document_details(app, as_user):
    client = as_user("unit_user", "dienbien")
    response = upload(client, "2.1", PDF, "Kế hoạch CĐS 2021-2025.pdf", doc_number="12/KH-STTTT",
                      doc_date="15/03/2021", issuer="Sở Thông tin và Truyền thông")
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "Kế hoạch CĐS 2021-2025.pdf" in html and "số 12/KH-STTTT" in html
    assert "ngày 15/03/2021" in html
    with app.app_context(), tenancy.scoped(province_id(app, "dienbien")):
        assert db.session.scalar(select(AuditEvent.action).where(AuditEvent.code == "2.1")) == "evidence.add"


def test_type_comes_from_the_content_not_the_name(app, as_user):
    client = as_user("unit_user", "dienbien")
    html_as_pdf = upload(client, "2.1", b"<!doctype html><html><script>x</script></html>", "bao-cao.pdf")
    assert html_as_pdf.status_code == 415
    assert "Loại tệp không được chấp nhận" in html_as_pdf.get_data(as_text=True)
    svg = upload(client, "2.1", b'<svg xmlns="http://www.w3.org/2000/svg"></svg>', "anh.png")
    assert svg.status_code == 415
    assert evidence_count(app) == 0 and stored_files(app) == []
    pdf_as_docx = upload(client, "2.1", PDF, "ke-hoach.docx")
    assert pdf_as_docx.status_code == 200
    with app.app_context(), tenancy.scoped(province_id(app, "dienbien")):
        assert db.session.scalar(select(Evidence.kind)) == "pdf"


def test_too_large_is_refused_with_a_clear_message_and_leaves_nothing(database_url, tmp_path):
    from app import create_app
    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "WTF_CSRF_ENABLED": False,
                      "UPLOAD_DIR": str(tmp_path / "up"), "MAX_UPLOAD_MB": 1})
    client = app.test_client()
    login(client, demo("unit_user", "dienbien"))
    big = PDF + b"0" * (1024 * 1024)
    response = upload(client, "2.1", big, "lon.pdf")
    assert response.status_code == 413
    assert "Tệp vượt quá giới hạn 1 MB." in response.get_data(as_text=True)
    assert evidence_count(app) == 0 and stored_files(app) == []


def test_same_file_twice_is_stored_once_and_backs_two_indicators(app, as_user):
    client = as_user("unit_user", "dienbien")
    upload(client, "2.1", PDF, "ke-hoach.pdf")
    again = upload(client, "2.2", PDF, "ke-hoach (1).pdf")
    assert again.status_code == 200
    assert "Tệp này đã có (cùng nội dung)" in again.get_data(as_text=True)
    assert evidence_count(app) == 1 and len(stored_files(app)) == 1
    with app.app_context(), tenancy.scoped(province_id(app, "dienbien")):
        assert sorted(db.session.scalars(select(EvidenceLink.code))) == ["2.1", "2.2"]


def test_archive_with_too_many_entries_is_refused(app, as_user):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "<w/>")
        for i in range(1001):
            archive.writestr(f"word/media/{i}.txt", "x")
    response = upload(as_user("unit_user", "dienbien"), "2.1", buffer.getvalue(), "bao-cao.docx")
    assert response.status_code == 415 and evidence_count(app) == 0


def test_link_evidence_and_bad_links(as_user):
    client = as_user("unit_user", "dienbien")
    bad = client.post(f"{FORM}/rows/1.3/evidence", data={"1.3__ev_url": "javascript:alert(1)"},
                      headers=HX)
    assert bad.status_code == 422 and "http:// hoặc https://" in bad.get_data(as_text=True)
    ok = client.post(f"{FORM}/rows/1.3/evidence",
                     data={"1.3__ev_url": "https://stttt.dienbien.gov.vn/chuyen-doi-so"}, headers=HX)
    assert ok.status_code == 200 and "Trang web" in ok.get_data(as_text=True)


def _evidence_id(app):
    with app.app_context(), tenancy.scoped(province_id(app, "dienbien")):
        return db.session.scalar(select(Evidence.id))


def test_download_with_vietnamese_name_and_nosniff(app, as_user):
    client = as_user("unit_user", "dienbien")
    upload(client, "2.1", PDF, "Kế hoạch CĐS.pdf")
    response = client.get(f"/evidence/{_evidence_id(app)}")
    assert response.status_code == 200 and response.data == PDF
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.mimetype == "application/pdf"
    disposition = response.headers["Content-Disposition"]
    assert disposition.startswith("inline;") and "filename*=UTF-8''K%E1%BA%BF" in disposition


def test_download_refused_to_another_unit_and_another_province(app, as_user):
    client = as_user("unit_user", "dienbien")
    upload(client, "2.1", PDF, "ke-hoach.pdf")
    evidence_id = _evidence_id(app)
    for role, province in (("unit_user", "thanhhoa"), ("province_admin", "yenbai"),
                           ("viewer", "dienbien")):
        other = app.test_client()
        login(other, demo(role, province))
        assert other.get(f"/evidence/{evidence_id}").status_code == 404, (role, province)
    admin = app.test_client()
    login(admin, demo("province_admin", "dienbien"))
    assert admin.get(f"/evidence/{evidence_id}").status_code == 200


def test_another_unit_user_of_the_same_province_gets_404(app, as_user):
    upload(as_user("unit_user", "dienbien"), "2.1", PDF, "ke-hoach.pdf")
    evidence_id = _evidence_id(app)
    runner = app.test_cli_runner()
    runner.invoke(args=["users", "create", "yte@dienbien.test", "--role", "unit_user",
                        "--province", "dienbien", "--unit", "dienbien.so-y-te"],
                  input="mat-khau-so-y-te\n")
    other = app.test_client()
    login(other, "yte@dienbien.test", "mat-khau-so-y-te")
    assert other.get(f"/evidence/{evidence_id}").status_code == 404


def test_removal_is_recorded_and_refused_after_submission(app, as_user):
    client = as_user("unit_user", "dienbien")
    upload(client, "2.1", PDF, "ke-hoach.pdf")
    with app.app_context(), tenancy.scoped(province_id(app, "dienbien")):
        link_id = db.session.scalar(select(EvidenceLink.id))
    removed = client.post(f"{FORM}/rows/2.1/evidence/{link_id}/remove", headers=HX)
    assert removed.status_code == 200 and "chưa có" in removed.get_data(as_text=True)
    with app.app_context(), tenancy.scoped(province_id(app, "dienbien")):
        assert db.session.scalar(select(AuditEvent.action).where(
            AuditEvent.action == "evidence.remove")) == "evidence.remove"
        assert db.session.scalar(select(func.count()).select_from(Evidence)) == 1  # file kept


def test_evidence_of_an_earlier_upload_can_be_reused(app, as_user):
    client = as_user("unit_user", "dienbien")
    upload(client, "2.1", PDF, "ke-hoach-5-nam.pdf")
    evidence_id = _evidence_id(app)
    page = client.get(f"{FORM}/rows/2.2/evidence").get_data(as_text=True)
    assert "ke-hoach-5-nam.pdf" in page
    client.post(f"{FORM}/rows/2.2/evidence/reuse", data={"evidence_id": evidence_id})
    with app.app_context(), tenancy.scoped(province_id(app, "dienbien")):
        assert sorted(db.session.scalars(select(EvidenceLink.code))) == ["2.1", "2.2"]


def test_full_disk_answers_507_and_keeps_nothing(app, as_user, monkeypatch):
    import errno
    import os

    def full(*_args, **_kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(os, "write", full)
    response = upload(as_user("unit_user", "dienbien"), "2.1", PDF, "ke-hoach.pdf")
    monkeypatch.undo()
    assert response.status_code == 507
    assert "Máy chủ hết dung lượng lưu trữ" in response.get_data(as_text=True)
    assert evidence_count(app) == 0 and stored_files(app) == []


def test_an_absurd_document_date_is_a_field_error_not_a_crash(as_user):
    response = as_user("unit_user", "dienbien").post(
        f"{FORM}/rows/1.3/evidence", headers=HX,
        data={"1.3__ev_url": "https://stttt.dienbien.gov.vn", "1.3__ev_doc_date": "1/1/99999999999999999999"})
    assert response.status_code == 422
    assert "Ngày ban hành không hợp lệ" in response.get_data(as_text=True)


def test_a_refused_upload_keeps_what_was_typed_and_names_every_wrong_field(as_user):
    """The row comes back with the typed link and document details in their fields, and one
    answer lists every field to correct (a too long summary had no message in the row)."""
    title = "Kế hoạch chuyển đổi số " * 30  # over 500 characters
    response = as_user("unit_user", "dienbien").post(
        f"{FORM}/rows/1.3/evidence", headers=HX,
        data={"1.3__ev_url": "stttt.dienbien.gov.vn", "1.3__ev_doc_number": "12/KH-UBND",
              "1.3__ev_issuer": "UBND tỉnh Điện Biên", "1.3__ev_title": title})
    html = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Trích yếu dài quá 500 ký tự." in html
    assert "Đường dẫn phải bắt đầu bằng http:// hoặc https://" in html
    assert 'value="stttt.dienbien.gov.vn"' in html and 'value="12/KH-UBND"' in html
    assert 'value="UBND tỉnh Điện Biên"' in html and f'value="{title}"' in html
    assert 'id="f-1-3-ti" name="1.3__ev_title"' in html and 'aria-describedby="f-1-3-ti-err"' in html


def test_a_stored_upload_empties_the_fields(as_user):
    response = as_user("unit_user", "dienbien").post(
        f"{FORM}/rows/1.3/evidence", headers=HX,
        data={"1.3__ev_url": "https://stttt.dienbien.gov.vn", "1.3__ev_doc_number": "12/KH-UBND"})
    html = response.get_data(as_text=True)
    assert response.status_code == 200 and "số 12/KH-UBND" in html
    assert 'value="https://stttt.dienbien.gov.vn"' not in html and 'value="12/KH-UBND"' not in html


def test_a_link_opens_on_a_page_naming_the_address_not_a_redirect(app, as_user):
    client = as_user("unit_user", "dienbien")
    url = "https://stttt.dienbien.gov.vn.example.com/x?a=<b>&c=1"
    client.post(f"{FORM}/rows/1.3/evidence", data={"1.3__ev_url": url}, headers=HX)
    response = client.get(f"/evidence/{_evidence_id(app)}")
    assert response.status_code == 200 and "Location" not in response.headers
    page = response.get_data(as_text=True)
    assert "Bạn sắp mở một trang bên ngoài" in page
    assert "https://stttt.dienbien.gov.vn.example.com/x?a=&lt;b&gt;&amp;c=1" in page
    assert "Mở trang stttt.dienbien.gov.vn.example.com" in page


def test_a_file_name_keeps_its_slash_and_loses_bidi_controls(app, as_user):
    """«Kế hoạch </2022>.pdf» was cut to «2022>.pdf»; a right-to-left override made
    «hồ-sơ\u202efdp.exe» read as «hồ-sơexe.pdf». A client's whole path still loses its folders."""
    client = as_user("unit_user", "dienbien")
    html = upload(client, "2.1", PDF, "Kế hoạch </2022>.pdf").get_data(as_text=True)
    assert "Kế hoạch &lt;/2022&gt;.pdf" in html
    upload(client, "2.2", PDF + b" ", "ho-so\u202efdp.exe")
    upload(client, "2.3", PDF + b"  ", "/home/canbo/bao-cao.pdf")
    with app.app_context(), tenancy.scoped(province_id(app, "dienbien")):
        names = set(db.session.scalars(select(Evidence.filename)))
    assert names == {"Kế hoạch </2022>.pdf", "ho-sofdp.exe", "bao-cao.pdf"}
