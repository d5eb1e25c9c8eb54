"""The province admin's page of system tokens (/users/systems): a token made there is shown once
and works on the measured route, is listed with its state, and is revoked after a confirmation;
another province's token is not found; only the province admin manages them."""
from __future__ import annotations

import re

from sqlalchemy import select

from app import tenancy
from app.extensions import db
from app.models import ApiToken
from tests.conftest import demo, login
from tests.test_measured import PORTAL, _cli, _portal_write, scheme_app  # noqa: F401

PAGE = "/users/systems"


def _made_token(page: str) -> str:
    return re.search(r'class="token-value" readonly value="(chiso_[^"]+)"', page).group(1)


def test_the_admin_makes_lists_and_revokes_a_system_token(scheme_app, client):  # noqa: F811
    login(client, demo("province_admin", "dienbien"))
    page = client.get(PAGE).get_data(as_text=True)
    assert f"<strong>{PORTAL}</strong> (1 chỉ tiêu)" in page  # the sources the schemes name
    assert "Chưa có mã truy cập hệ thống nào." in page

    made = client.post(PAGE, data={"name": f"  {PORTAL} "})
    assert made.status_code == 200
    text = made.get_data(as_text=True)
    token = _made_token(text)
    assert f"Mã mới của hệ thống «{PORTAL}»" in text and "Đang dùng" in text
    assert token not in client.get(PAGE).get_data(as_text=True)  # shown once
    assert _portal_write(scheme_app, token).status_code == 200

    with scheme_app.app_context(), tenancy.unscoped():
        token_id = db.session.scalar(select(ApiToken.id).where(ApiToken.system_name == PORTAL))
    listed = client.get(PAGE).get_data(as_text=True)
    assert f"data-confirm=\"Thu hồi mã của hệ thống «{PORTAL}»?" in listed
    revoked = client.post(f"{PAGE}/revoke", data={"token_id": str(token_id)},
                          follow_redirects=True).get_data(as_text=True)
    assert f"Đã thu hồi mã truy cập của hệ thống «{PORTAL}»." in revoked
    assert _portal_write(scheme_app, token).status_code == 401


def test_an_empty_name_is_refused_by_the_field(scheme_app, client):  # noqa: F811
    login(client, demo("province_admin", "dienbien"))
    response = client.post(PAGE, data={"name": "   "})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Thiếu tên hệ thống" in page and "token-value" not in page


def test_another_province_s_system_token_is_not_found(scheme_app, client):  # noqa: F811
    _cli(scheme_app, "tokens", "create-system", PORTAL, "--province", "thanhhoa")
    with scheme_app.app_context(), tenancy.unscoped():
        other = db.session.scalar(select(ApiToken.id).where(ApiToken.system_name == PORTAL))
    login(client, demo("province_admin", "dienbien"))
    assert PORTAL + "</td>" not in client.get(PAGE).get_data(as_text=True)
    page = client.post(f"{PAGE}/revoke", data={"token_id": str(other)},
                       follow_redirects=True).get_data(as_text=True)
    assert "Không tìm thấy mã truy cập hệ thống này trong tỉnh." in page
    with scheme_app.app_context(), tenancy.unscoped():
        assert db.session.get(ApiToken, other).revoked_at is None


def test_only_the_province_admin_manages_system_tokens(scheme_app, client):  # noqa: F811
    for role in ("unit_user", "appraiser", "viewer"):
        client.get("/logout")
        login(client, demo(role, "dienbien"))
        assert client.get(PAGE).status_code == 403
        assert client.post(PAGE, data={"name": PORTAL}).status_code == 403
