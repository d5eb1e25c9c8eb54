"""API tokens end: a year after creation, and when an admin resets the password or locks the
account (unlocking does not bring them back). The token page says so."""
from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from app import tenancy
from app.extensions import db
from app.models import User
from app.services import tokens
from tests.conftest import demo, login

API = "/api/v1/units"


def _make(app, email, now=None):
    with app.app_context(), tenancy.unscoped():
        user = db.session.scalar(select(User).where(User.email == email))
        return tokens.create(user, "cổng DTI", now=now), user.id


def _reads(client, token):
    return client.get(API, headers={"Authorization": f"Bearer {token}"}).status_code


def test_a_token_expires_a_year_after_it_was_made(app):
    made = datetime(2026, 1, 10, 8, 0)
    token, _ = _make(app, demo("unit_user", "dienbien"), now=made)
    with app.app_context():
        assert tokens.user_for(token, now=made + timedelta(days=364)) is not None
        assert tokens.user_for(token, now=made + timedelta(days=366)) is None
    old, _ = _make(app, demo("unit_user", "dienbien"), now=datetime(2001, 1, 1))
    assert _reads(app.test_client(), old) == 401  # expired in 2002, whatever today is


def test_the_token_page_shows_expiry_and_when_tokens_end(app, as_user):
    client = as_user("unit_user", "dienbien")
    page = client.post("/account/tokens", data={"name": "Cổng"}).get_data(as_text=True)
    assert "Hết hạn" in page and "365 ngày" in page
    assert "khi quản trị đặt lại mật khẩu hoặc khóa tài khoản" in page


def test_an_admin_reset_ends_the_persons_tokens(app, as_user):
    token, user_id = _make(app, demo("unit_user", "dienbien"))
    client = app.test_client()
    assert _reads(client, token) == 200
    admin = as_user("province_admin", "dienbien")
    form = admin.get(f"/users/{user_id}/password").get_data(as_text=True)
    assert "mã truy cập API của tài khoản bị thu hồi" in form
    done = admin.post(f"/users/{user_id}/password", data={"password": "mat-khau-moi-12345"},
                      follow_redirects=True)
    assert "1 mã truy cập API của tài khoản đã bị thu hồi" in done.get_data(as_text=True)
    assert _reads(client, token) == 401


def test_locking_ends_the_tokens_and_unlocking_does_not_revive_them(app, as_user):
    token, user_id = _make(app, demo("unit_user", "dienbien"))
    admin = as_user("province_admin", "dienbien")
    admin.post(f"/users/{user_id}/active", data={"active": "0"})
    admin.post(f"/users/{user_id}/active", data={"active": "1"})
    assert _reads(app.test_client(), token) == 401
    fresh = app.test_client()
    login(fresh, demo("unit_user", "dienbien"))  # the person can log in and make a new one
