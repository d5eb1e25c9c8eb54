"""The role × action table decides every protected route, and the README prints the table."""
import pathlib

from sqlalchemy import select

from app import tenancy
from app.extensions import db
from app.models import Evidence, EvidenceLink, Period, Unit, User
from app.permissions import PERMISSIONS, table_markdown
from tests.conftest import province_id

ROLES = ["superadmin", "province_admin", "appraiser", "unit_user", "viewer"]


def _protected_rules(app):
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        action = getattr(view, "required_action", None)
        if action:
            yield rule, action


def _url(app, rule):
    with app.app_context(), tenancy.scoped(province_id(app, "dienbien")):
        ids = {
            "unit_id": db.session.scalar(select(Unit.id)),
            "user_id": _spare_user(),
            "period_id": db.session.scalar(select(Period.id)),
            "code": "dienbien-so-2022",
            "scheme_code": "dienbien-so-2022", "period_code": "2022",
            "unit_code": "dienbien.so-tttt", "main_code": "1",
            "link_id": db.session.scalar(select(EvidenceLink.id)),
            "evidence_id": db.session.scalar(select(Evidence.id)),
        }
        if "scheme_code" in rule.arguments:
            ids["code"] = "1.1"  # an indicator of the scheme
    return rule.rule.replace("<int:", "<").format(**{}) if not rule.arguments else \
        _fill(rule.rule, ids)


def _ensure_evidence_link(app) -> None:
    from tests.conftest import demo, login
    other = app.test_client()
    login(other, demo("unit_user", "dienbien"))
    other.post("/assessments/dienbien-so-2022/2022/dienbien.so-tttt/rows/1.1/evidence",
               data={"1.1__ev_url": "https://stttt.dienbien.gov.vn"}, headers={"HX-Request": "true"})


def _spare_user() -> int:
    """A user the sweep may lock or reset without locking out the demo accounts it logs in with."""
    user = db.session.scalar(select(User).where(User.email == "spare@dienbien.test"))
    if user is None:
        user = User(email="spare@dienbien.test", role="viewer", password_hash="x")
        db.session.add(user)
        db.session.commit()
    return user.id


def _fill(path, ids):
    for name, value in ids.items():
        path = path.replace(f"<int:{name}>", str(value)).replace(f"<{name}>", str(value))
    return path


def test_every_admin_route_checks_the_role(app, client):
    from tests.conftest import demo, login
    rules = list(_protected_rules(app))
    assert len(rules) >= 10
    for role in ROLES:
        _ensure_evidence_link(app)  # an allowed role's sweep may have removed it
        client.get("/")  # fresh session per role
        login(client, demo(role, None if role == "superadmin" else "dienbien"))
        if role == "superadmin":
            client.post("/admin/provinces/dienbien/enter")
        for rule, action in rules:
            allowed = role in PERMISSIONS[action][1]
            url = _url(app, rule)
            method = "GET" if "GET" in rule.methods else "POST"
            status = client.open(url, method=method).status_code
            if allowed:
                assert status != 403, (role, url, action)
            else:
                assert status == 403, (role, url, action, status)
        client.post("/logout")


def test_readme_prints_the_permission_table():
    readme = (pathlib.Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    assert table_markdown() in readme, "README's role table differs from app/permissions.py"


def test_superadmin_is_read_only_in_a_province(app, client):
    from tests.conftest import demo, login
    login(client, demo("superadmin"))
    client.post("/admin/provinces/dienbien/enter")
    assert client.get("/units").status_code == 200
    assert client.post("/units/new", data={"name": "X", "code": "x", "type": "so"}).status_code == 403
    assert client.post("/periods", data={"scheme": "dienbien-so-2022", "code": "2023"}).status_code == 403


def test_no_role_is_tested_outside_the_table():
    """Who may do what is decided by app/permissions.py alone: views, services and templates ask
    it (``can``), they do not compare role names of their own."""
    import re
    app_dir = pathlib.Path(__file__).parent.parent / "app"
    check = re.compile(r"current_user\.role\b|\buser\.role\s*(==|!=|in\b)|EARLY_ROLES|sees_early"
                       r"|[\"']role[\"'], None\)")
    found = [f"{path.relative_to(app_dir)}:{number}: {line.strip()}"
             for path in sorted(app_dir.rglob("*")) if path.suffix in (".py", ".html")
             and path.name != "permissions.py"
             for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
             if check.search(line)]
    assert found == []


def test_publishing_and_early_results_are_actions_of_their_own():
    """Publishing is not «Mở, khóa kỳ báo cáo»: the table names it, and seeing results before
    publication, so the README shows who may."""
    assert PERMISSIONS["results.publish"][1] == {"province_admin"}
    assert PERMISSIONS["results.early"][1] == {"superadmin", "province_admin", "appraiser"}
    readme = (pathlib.Path(__file__).parent.parent / "README.md").read_text(encoding="utf-8")
    assert "`results.publish`" in readme and "`results.early`" in readme


def test_the_demo_units_come_from_the_plugins(app):
    """The core names no province's demo unit: each plugin's chiso_demo does."""
    from app.services.demo import demo_units
    assert demo_units(app.extensions["chiso"]) == {
        "dienbien": "dienbien.so-tttt", "thanhhoa": "394", "yenbai": "yenbai.so-tttt"}
