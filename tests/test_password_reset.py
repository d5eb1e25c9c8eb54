"""«Quên mật khẩu?»: the same answer for any address, a single-use link valid an hour that ends
the account's other sessions and API tokens, throttled asking; the mail through real SMTP."""
import re
from datetime import datetime, timedelta

from sqlalchemy import select

from app import tenancy
from app.extensions import db
from app.models import OutboxMail, PasswordReset, User
from app.services import password_reset, tokens
from tests.conftest import DEMO_PASSWORD, demo, login
from tests.mail_server import Server, point_at

UNIT_USER = demo("unit_user", "dienbien")
NEW = "mat-khau-moi-2027"


def reset_link(text: str) -> str:
    return re.search(r"http://127\.0\.0\.1:5000(/reset-password/\S+)", text).group(1)


def answer_text(response) -> str:
    return re.sub(r'name="csrf_token"[^>]*', "", response.get_data(as_text=True))


def test_the_link_arrives_works_once_and_ends_other_sessions_and_tokens(app):
    assert "Quên mật khẩu?" in app.test_client().get("/login").get_data(as_text=True)
    elsewhere = app.test_client()
    login(elsewhere, UNIT_USER)
    with app.app_context(), tenancy.unscoped():
        api_token = tokens.create(db.session.scalar(select(User).where(User.email == UNIT_USER)))

    client = app.test_client()
    known = client.post("/forgot-password", data={"email": UNIT_USER.upper()})
    unknown = client.post("/forgot-password", data={"email": "khong-co@demo.chiso.vn"})
    assert known.status_code == unknown.status_code == 200
    assert answer_text(known) == answer_text(unknown)  # no account enumeration
    with Server() as server:
        point_at(app, server.port)
        assert "sent 1, failed 0" in app.test_cli_runner().invoke(args=["mail", "send"]).output
    [message] = server.inbox.to(UNIT_USER)
    link = reset_link(message.get_body(("plain",)).get_content())
    with app.app_context(), tenancy.unscoped():
        stored = db.session.scalars(select(PasswordReset.token_hash)).all()
    assert len(stored) == 1 and link.rsplit("/", 1)[1] not in stored[0]  # only a hash

    assert client.get(link).status_code == 200
    short = client.post(link, data={"password": "ngan", "confirm": "ngan"})
    assert short.status_code == 422 and "ít nhất 10 ký tự" in short.get_data(as_text=True)
    done = client.post(link, data={"password": NEW, "confirm": NEW})
    assert done.status_code == 302 and done.headers["Location"].endswith("/login")

    assert elsewhere.get("/").status_code == 302  # the other session has ended
    with app.app_context():
        assert tokens.user_for(api_token) is None  # and the API token is revoked
    assert client.post("/login", data={"email": UNIT_USER, "password": DEMO_PASSWORD}) \
        .status_code == 422
    login(app.test_client(), UNIT_USER, NEW)
    again = client.post(link, data={"password": "lan-thu-hai-2027", "confirm": "lan-thu-hai-2027"})
    assert again.status_code == 410 and "không còn hiệu lực" in again.get_data(as_text=True)
    login(app.test_client(), UNIT_USER, NEW)  # the second use changed nothing


def test_the_link_expires_after_an_hour(app):
    asked_at = datetime.utcnow() - timedelta(minutes=61)
    with app.app_context():
        assert password_reset.ask(UNIT_USER, "10.0.0.1", now=asked_at)
        with tenancy.unscoped():
            body = db.session.scalar(select(OutboxMail.body_text))
    link = reset_link(body)
    token = link.rsplit("/", 1)[1]
    with app.app_context():
        assert password_reset.valid(token, now=asked_at + timedelta(minutes=59)) is not None
    client = app.test_client()
    assert client.get(link).status_code == 410
    assert client.post(link, data={"password": NEW, "confirm": NEW}).status_code == 410
    login(app.test_client(), UNIT_USER)  # the old password still works


def test_asking_is_throttled_the_same_for_any_address(app):
    client = app.test_client()
    for email in (UNIT_USER, "khong-co@demo.chiso.vn"):
        statuses = [client.post("/forgot-password", data={"email": email}).status_code
                    for _ in range(password_reset.ACCOUNT_ASKS + 1)]
        assert statuses == [200] * password_reset.ACCOUNT_ASKS + [429]
    with app.app_context(), tenancy.unscoped():
        assert len(db.session.scalars(select(OutboxMail)).all()) == password_reset.ACCOUNT_ASKS
