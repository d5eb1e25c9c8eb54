"""Login, logout for real, password change, deactivation, CSRF on forms and htmx requests."""
import re

from sqlalchemy import select

from app import create_app, tenancy
from app.extensions import db
from app.models import User
from tests.conftest import demo, login


def test_wrong_password_gives_a_vietnamese_message(client):
    response = client.post("/login", data={"email": demo("viewer", "yenbai"), "password": "sai"})
    assert response.status_code == 422
    assert "Thư điện tử hoặc mật khẩu không đúng." in response.get_data(as_text=True)


def test_empty_login_names_the_fields(client):
    page = client.post("/login", data={}).get_data(as_text=True)
    assert "Vui lòng nhập thư điện tử." in page and "Vui lòng nhập mật khẩu." in page
    assert "<title>Lỗi: " in page


def test_password_is_stored_as_argon2(ctx):
    with tenancy.unscoped():
        user = db.session.scalar(select(User).where(User.email == demo("viewer", "yenbai")))
    assert user.password_hash.startswith("$argon2")


def test_cookie_copied_before_logout_is_refused_after(client):
    login(client, demo("viewer", "dienbien"))
    cookie = client.get_cookie("session").value
    assert client.get("/").status_code == 200
    client.post("/logout")
    client.set_cookie("session", cookie)  # replay the old cookie
    response = client.get("/")
    assert response.status_code == 302 and "/login" in response.headers["Location"]


def test_deactivation_ends_the_session(app):
    user_client, admin_client = app.test_client(), app.test_client()
    login(user_client, demo("viewer", "dienbien"))
    login(admin_client, demo("province_admin", "dienbien"))
    with app.app_context(), tenancy.unscoped():
        viewer = db.session.scalar(select(User.id).where(User.email == demo("viewer", "dienbien")))
    admin_client.post(f"/users/{viewer}/active", data={"active": "0"})
    assert user_client.get("/").status_code == 302
    response = user_client.post("/login", data={"email": demo("viewer", "dienbien"),
                                                "password": "chiso-demo-2022"})
    assert "Tài khoản đã bị khóa" in response.get_data(as_text=True)


def test_change_password_ends_other_sessions(app):
    first, second = app.test_client(), app.test_client()
    login(first, demo("appraiser", "yenbai"))
    login(second, demo("appraiser", "yenbai"))
    response = first.post("/account/password", data={
        "current": "chiso-demo-2022", "new": "mat-khau-moi-2026", "confirm": "mat-khau-moi-2026"})
    assert response.status_code == 302
    assert first.get("/").status_code == 200  # this session goes on
    assert second.get("/").status_code == 302  # the other one is over
    login(app.test_client(), demo("appraiser", "yenbai"), "mat-khau-moi-2026")


def test_admin_resets_a_password(app, as_user):
    client = as_user("province_admin", "thanhhoa")
    with app.app_context(), tenancy.unscoped():
        viewer = db.session.scalar(select(User.id).where(User.email == demo("viewer", "thanhhoa")))
    short = client.post(f"/users/{viewer}/password", data={"password": "ngan"})
    assert "Mật khẩu cần ít nhất 10 ký tự." in short.get_data(as_text=True)
    client.post(f"/users/{viewer}/password", data={"password": "mat-khau-cap-lai"})
    login(app.test_client(), demo("viewer", "thanhhoa"), "mat-khau-cap-lai")


def _csrf_app(database_url, tmp_path):
    return create_app({"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "t",
                       "WTF_CSRF_ENABLED": True, "UPLOAD_DIR": str(tmp_path)})


def test_form_post_without_csrf_token_is_refused(database_url, tmp_path):
    client = _csrf_app(database_url, tmp_path).test_client()
    response = client.post("/login", data={"email": demo("viewer", "yenbai"),
                                           "password": "chiso-demo-2022"})
    assert response.status_code == 400
    assert "CSRF" in response.get_data(as_text=True)


def test_htmx_request_carries_the_token_in_a_header(database_url, tmp_path):
    client = _csrf_app(database_url, tmp_path).test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post("/login", data={"email": demo("province_admin", "yenbai"),
                                "password": "chiso-demo-2022", "csrf_token": token})
    home = client.get("/").get_data(as_text=True)
    header_token = re.search(r'"X-CSRFToken": "([^"]+)"', home).group(1)
    headers = {"HX-Request": "true"}
    refused = client.post("/periods", data={"scheme": "yenbai-xa-2022", "code": "2023"}, headers=headers)
    assert refused.status_code == 400
    accepted = client.post("/periods", data={"scheme": "yenbai-xa-2022", "code": "2023"},
                           headers={**headers, "X-CSRFToken": header_token})
    assert accepted.status_code == 302


def test_open_redirect_is_ignored(client):
    response = client.post("/login?next=//evil.example/x", data={
        "email": demo("viewer", "yenbai"), "password": "chiso-demo-2022"})
    assert response.headers["Location"] == "/"


def test_no_half_translated_english_switch(client, as_user):
    # The switch translated a few labels and left every page's content in Vietnamese: gone.
    as_user("viewer", "yenbai")
    page = client.get("/").get_data(as_text=True)
    assert "Tổng quan" in page and '<html lang="vi">' in page and ">English<" not in page
    assert client.post("/language", data={"lang": "en"}).status_code == 404


def test_htmx_save_after_the_session_ended_gets_401_not_the_login_page(client):
    response = client.post("/assessments/dienbien-so-2022/2022/dienbien.so-tttt/rows/1.1",
                           data={"1.1__value": "1"}, headers={"HX-Request": "true"})
    assert response.status_code == 401 and "Phiên đăng nhập đã hết" in response.get_data(as_text=True)
    page = client.get("/assessments")
    assert page.status_code == 302 and "next=/assessments" in page.headers["Location"]


def test_open_form_can_save_after_logging_in_again(database_url, tmp_path):
    """After a new login the open page fetches its new CSRF token and the typed values save."""
    client = _csrf_app(database_url, tmp_path).test_client()

    def log_in():
        page = client.get("/login").get_data(as_text=True)
        token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
        client.post("/login", data={"email": demo("unit_user", "dienbien"),
                                    "password": "chiso-demo-2022", "csrf_token": token})
    log_in()
    client.get("/assessments/dienbien-so-2022/2022/dienbien.so-tttt")
    client.delete_cookie("session")  # the session expires; the page stays open
    url = "/assessments/dienbien-so-2022/2022/dienbien.so-tttt/rows/1.1"
    assert client.post(url, data={"1.1__value": "1"}, headers={"HX-Request": "true"}).status_code == 401
    log_in()  # in another tab
    fresh = client.get("/csrf-token").get_json()["token"]
    saved = client.post(url, data={"1.1__value": "1"},
                        headers={"HX-Request": "true", "X-CSRFToken": fresh})
    assert saved.status_code == 200 and "Đã lưu lúc" in saved.get_data(as_text=True)
