"""Public results pages on publication day: nginx and browsers may keep an anonymous copy and
revalidate it, and a withdrawal or a new publication is never hidden behind an old copy."""
from __future__ import annotations

from sqlalchemy import select

from app.extensions import db
from app.models import Period, User
from app.services import publication as pub
from tests.test_dashboards import SO, departments, make, publish, registry, scoped, \
    scores_summing
from tests.test_public import turn_on, unit_name

DIEN_BIEN = "/cong-khai/dienbien"


def _published(app):
    a, b = departments(app, 2)
    make(app, a, scores_summing(app, 400))
    make(app, b, scores_summing(app, 300))
    publish(app)
    turn_on(app, "dienbien")
    return a


def test_an_anonymous_copy_is_public_and_revalidates_without_the_page(app, client):
    a = _published(app)
    for path in (DIEN_BIEN, f"{DIEN_BIEN}/{SO}/2022/{a}"):
        first = client.get(path)
        assert first.status_code == 200
        assert first.headers["Cache-Control"].startswith("public, max-age=")
        assert "Cookie" in first.headers["Vary"]
        assert "Set-Cookie" not in first.headers  # a shared copy must carry no one's session
        assert first.headers["Last-Modified"]
        again = client.get(path, headers={"If-None-Match": first.headers["ETag"]})
        assert again.status_code == 304 and again.get_data() == b""
        since = client.get(path, headers={"If-Modified-Since": first.headers["Last-Modified"]})
        assert since.status_code == 304


def test_a_withdrawal_answers_the_new_page_to_an_old_copy(app, client):
    a = _published(app)
    name = unit_name(app, a, "dienbien")
    first = client.get(DIEN_BIEN)
    assert name in first.get_data(as_text=True)
    with app.app_context(), scoped(app):
        period = db.session.scalar(select(Period).where(Period.scheme_code == SO))
        admin = db.session.scalar(select(User).where(User.role == "province_admin"))
        pub.unpublish(registry(app).schemes[SO], period, admin, "Sửa điểm chỉ tiêu 1.1")
    again = client.get(DIEN_BIEN, headers={"If-None-Match": first.headers["ETag"]})
    assert again.status_code == 200 and name not in again.get_data(as_text=True)
    assert again.headers["ETag"] != first.headers["ETag"]


def test_a_logged_in_readers_page_is_never_shared(app, as_user):
    _published(app)
    client = as_user("viewer", "thanhhoa")
    response = client.get(DIEN_BIEN)
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-cache"


def test_a_shared_copy_carries_no_form_token_and_sets_no_cookie(app, client):
    _published(app)
    shared = client.get(DIEN_BIEN)
    assert "csrf" not in shared.get_data(as_text=True).lower()
    assert "Set-Cookie" not in shared.headers
