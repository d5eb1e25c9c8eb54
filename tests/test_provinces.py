"""Province setup from a plugin: units with their official codes, idempotent; demo twice."""
from sqlalchemy import func, select

from app import tenancy
from app.extensions import db
from app.models import Province, Unit, User
from tests.conftest import province_id

COUNTS = {"yenbai": (9, 173), "dienbien": (10, 129), "thanhhoa": (27, 559)}


def _counts(app, code):
    with app.app_context(), tenancy.scoped(province_id(app, code)):
        rows = dict(db.session.execute(select(Unit.type, func.count()).group_by(Unit.type)).all())
    return rows.get("huyen", 0), sum(rows.get(t, 0) for t in ("xa", "phuong", "thi_tran")), rows


def test_units_of_2022_with_official_codes(app):
    for code, expected in COUNTS.items():
        districts, communes, _ = _counts(app, code)
        assert (districts, communes) == expected
    with app.app_context(), tenancy.scoped(province_id(app, "thanhhoa")):
        yen_dinh = db.session.scalar(select(Unit).where(Unit.code == "394"))
        assert yen_dinh.name == "Huyện Yên Định" and yen_dinh.official
        assert yen_dinh.parent.code == "38"
    with app.app_context(), tenancy.scoped(province_id(app, "dienbien")):
        tttt = db.session.scalar(select(Unit).where(Unit.code == "dienbien.so-tttt"))
        assert tttt.name == "Sở Thông tin và Truyền thông" and tttt.type == "so"


def test_setup_twice_changes_nothing(app):
    runner = app.test_cli_runner()
    before = _counts(app, "yenbai")[2]
    result = runner.invoke(args=["provinces", "setup", "yenbai"])
    assert result.exit_code == 0 and "0 đơn vị mới" in result.output
    assert _counts(app, "yenbai")[2] == before


def test_setup_unknown_plugin_fails_clearly(app):
    result = app.test_cli_runner().invoke(args=["provinces", "setup", "hanoi"])
    assert result.exit_code != 0 and "Không có plugin «hanoi»" in result.output


def test_demo_twice_has_no_duplicates(app):
    runner = app.test_cli_runner()
    counts = []
    for _ in range(2):  # the test database holds the demo already: this is its second and third
        assert runner.invoke(args=["demo"]).exit_code == 0
        with app.app_context(), tenancy.unscoped():
            counts.append((db.session.scalar(select(func.count()).select_from(Province)),
                           db.session.scalar(select(func.count()).select_from(User))))
    # 13 accounts of the 2022 demo, and the commune user of the 2025 structure's demo
    assert counts == [(3, 14), (3, 14)]


def test_users_create_reads_the_password_from_stdin(app):
    runner = app.test_cli_runner()
    result = runner.invoke(args=["users", "create", "can.bo@muongnhe.gov.vn", "--role", "unit_user",
                                 "--province", "dienbien", "--unit", "dienbien.so-tttt"],
                           input="mot-mat-khau-dai\n")
    assert result.exit_code == 0, result.output
    from tests.conftest import login
    login(app.test_client(), "can.bo@muongnhe.gov.vn", "mot-mat-khau-dai")
    missing_unit = runner.invoke(args=["users", "create", "x@y.vn", "--role", "unit_user",
                                       "--province", "dienbien"], input="mot-mat-khau-dai\n")
    assert missing_unit.exit_code != 0 and "gắn với một đơn vị" in missing_unit.output


def test_superadmin_creates_nothing_twice_from_the_ui(as_user):
    client = as_user("superadmin")
    page = client.post("/admin/provinces", data={"plugin": "dienbien"}, follow_redirects=True)
    assert "Đã tạo tỉnh Điện Biên và nạp 0 đơn vị." in page.get_data(as_text=True)


def test_province_admin_disables_and_enables_a_plugin(as_user):
    client = as_user("province_admin", "yenbai")
    client.post("/province/plugins", data={"plugin": "yenbai", "enabled": "0"})
    assert client.get("/catalogue/yenbai-xa-2022").status_code == 404
    client.post("/province/plugins", data={"plugin": "yenbai", "enabled": "1"})
    assert client.get("/catalogue/yenbai-xa-2022").status_code == 200


def test_every_yenbai_kpi_lead_agency_is_a_unit_of_the_province(app):
    scheme = app.extensions["chiso"].schemes["yenbai-kpi-2022"]
    with app.app_context(), tenancy.scoped(province_id(app, "yenbai")):
        agencies = {u.code: u.type for u in db.session.scalars(
            select(Unit).where(Unit.type.in_(["so", "co_quan"])))}
    leads = {row.lead_unit for row in scheme.leaves}
    assert leads and leads <= set(agencies)
    assert len(scheme.leaves) == 40


def test_demo_values_give_every_page_something_and_leave_the_demo_units_empty(app):
    from app.models import Assessment, Participation
    runner = app.test_cli_runner()
    first = runner.invoke(args=["demo"])
    assert first.exit_code == 0 and "hồ sơ mẫu" in first.output
    with app.app_context(), tenancy.unscoped():
        states = dict(db.session.execute(select(Assessment.state, func.count())
                                         .group_by(Assessment.state)).all())
        demo_units = db.session.scalars(select(Unit.id).where(
            Unit.code.in_(["dienbien.so-tttt", "394"]))).all()
        touched = db.session.scalars(select(Assessment.id).where(
            Assessment.unit_id.in_(demo_units), Assessment.state != "published")).all()
        participants = db.session.scalar(select(func.count()).select_from(Participation))
    assert {"draft", "submitted", "appraised"} <= set(states)
    assert touched == [] and participants > 0
    again = runner.invoke(args=["demo"])
    with app.app_context(), tenancy.unscoped():
        assert dict(db.session.execute(select(Assessment.state, func.count())
                                       .group_by(Assessment.state)).all()) == states
    assert "hồ sơ mẫu" not in again.output


def test_a_province_admin_enables_only_their_own_or_a_shared_plugin(database_url, tmp_path):
    """Another province's plugin would bring its catalogue and calendar into this province;
    a plugin declaring itself shared (national) may be enabled anywhere."""
    from app import create_app, hookimpl
    from app.plugins import PluginInfo
    from tests.conftest import _config, demo, login

    class National:
        @hookimpl
        def chiso_plugin(self):
            return PluginInfo(code="quocgia", province="Toàn quốc", official_code="00",
                              version="1", shared=True)
    app = create_app({**_config(database_url, tmp_path), "EXTRA_PLUGINS": [National()]})
    client = app.test_client()
    login(client, demo("province_admin", "dienbien"))
    page = client.get("/province/plugins").get_data(as_text=True)
    assert "quocgia" in page and "thanhhoa" not in page
    refused = client.post("/province/plugins", data={"plugin": "thanhhoa", "enabled": "1"},
                          follow_redirects=True)
    assert "là của tỉnh khác, không bật được" in refused.get_data(as_text=True)
    client.post("/province/plugins", data={"plugin": "quocgia", "enabled": "1"})
    with app.app_context(), tenancy.unscoped():
        from app.models import Province
        dienbien = db.session.scalar(select(Province).where(Province.code == "dienbien"))
        assert not dienbien.plugin_enabled("thanhhoa") and dienbien.plugin_enabled("quocgia")
