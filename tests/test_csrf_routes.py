"""Every state-changing route, enumerated from the URL map, refuses a request without a CSRF
token; no GET route changes state (the API, which uses bearer tokens, is exempt by design)."""
import re

from app import create_app
from tests.conftest import demo


def _logged_in(database_url, tmp_path):
    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "t",
                      "WTF_CSRF_ENABLED": True, "UPLOAD_DIR": str(tmp_path)})
    client = app.test_client()
    page = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page).group(1)
    client.post("/login", data={"email": demo("province_admin", "dienbien"),
                                "password": "chiso-demo-2022", "csrf_token": token})
    return app, client


def _fill(rule):
    path = rule.rule
    for name in rule.arguments:
        path = re.sub(rf"<(?:\w+:)?{name}>", "1", path)
    return path


def test_state_changing_routes_refuse_a_request_without_token(database_url, tmp_path):
    app, client = _logged_in(database_url, tmp_path)
    checked = 0
    for rule in app.url_map.iter_rules():
        if rule.rule.startswith("/api/"):
            continue
        for method in rule.methods & {"POST", "PUT", "PATCH", "DELETE"}:
            response = client.open(_fill(rule), method=method, data={"x": "1"})
            assert response.status_code == 400, (method, rule.rule, response.status_code)
            assert "CSRF" in response.get_data(as_text=True)
            checked += 1
    assert checked >= 25


def test_get_routes_change_nothing(app, as_user):
    """A GET of every page leaves the audit trail and the data as they were."""
    from sqlalchemy import func, select

    from app import tenancy
    from app.extensions import db
    from app.models import Answer, AuditEvent, User
    client = as_user("province_admin", "dienbien")

    def counts():
        with app.app_context(), tenancy.unscoped():
            return [db.session.scalar(select(func.count()).select_from(m))
                    for m in (AuditEvent, Answer, User)]
    before = counts()
    for rule in app.url_map.iter_rules():
        if "GET" in rule.methods and not rule.arguments and not rule.rule.startswith("/api/") \
                and rule.endpoint not in ("auth.logout",):
            client.get(rule.rule)
    assert counts() == before
