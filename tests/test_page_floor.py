"""What every logged-in page costs (issue 15): the user, its province and unit in one query; the
navigation kept per kind of user and page; the open assessments' progress from plain columns.
Each keeps what the page shows."""
from __future__ import annotations

import re

from sqlalchemy import event, select

from app import tenancy
from app.extensions import db
from tests.conftest import demo, login


def _statements(app, client, path):
    statements = []

    def listener(_conn, _cursor, statement, *_args):
        statements.append(statement)
    with app.app_context():
        engine = db.engine
    event.listen(engine, "before_cursor_execute", listener)
    try:
        response = client.get(path)
    finally:
        event.remove(engine, "before_cursor_execute", listener)
    assert response.status_code == 200
    return statements


def test_user_province_unit_and_bell_come_in_one_query(app, as_user):
    """A near-empty page reads the user with its province, the province's plugins, the unit
    and the bell's count: one statement, where lazy loads and the bell made four."""
    client = as_user("unit_user", "dienbien")
    client.get("/account/password")  # the imported schemes' first look is not the point here
    statements = _statements(app, client, "/account/password")
    assert len(statements) == 1, statements
    assert "JOIN province" in statements[0] and "JOIN unit" in statements[0]
    assert "province_plugin" in statements[0] and "notification" in statements[0]
    html = client.get("/dashboards").get_data(as_text=True)
    assert "Bảng điều khiển của đơn vị" in html  # the unit, read from the joined row


def _nav(html: str) -> str:
    return re.search(r"<nav class=\"wrap nav\".*?</nav>", html, re.S).group(0)


def test_navigation_follows_role_and_page_when_kept(app, client):
    """The nav is kept per role and page: a unit user's never shows to an admin on the same
    page, and the current page is marked on each."""
    login(client, demo("unit_user", "dienbien"))
    unit_nav = _nav(client.get("/rankings").get_data(as_text=True))
    assert "Người dùng" not in unit_nav and "Hồ sơ đánh giá" in unit_nav
    assert re.search(r'href="/rankings" aria-current="page"', unit_nav)
    client.post("/logout")
    login(client, demo("province_admin", "dienbien"))
    admin_nav = _nav(client.get("/rankings").get_data(as_text=True))
    assert "Người dùng" in admin_nav and "Plugin của tỉnh" in admin_nav
    assert re.search(r'href="/rankings" aria-current="page"', admin_nav)
    units_nav = _nav(client.get("/units").get_data(as_text=True))
    assert re.search(r'href="/units" aria-current="page"', units_nav)
    assert 'href="/rankings" aria-current' not in units_nav
    client.post("/logout")
    login(client, demo("superadmin"))
    super_nav = _nav(client.get("/admin/provinces").get_data(as_text=True))
    assert "Các tỉnh" in super_nav and "Xếp hạng" not in super_nav  # no province picked


def test_list_counts_answered_rows_as_the_form_does(app):
    """The open assessments' list counts answered rows from a few columns, without evidence;
    the form and submission from whole answers: the counts must agree for every demo
    assessment (and the list must not read the evidence links)."""
    from app.models import Assessment
    from app.services import assessments as svc
    from app.services.assessment_list import answer_columns, answered_progress
    registry = app.extensions["chiso"]
    checked = 0
    with app.app_context(), tenancy.unscoped():
        # The demo's one assessment holds appraised scores only: give some rows each way of
        # being answered, or not (a value, a reason for not assessing, an empty reason, a text).
        answers = sorted(db.session.scalars(select(Assessment)).first().answers,
                         key=lambda a: a.code)
        answers[0].value = 1
        answers[1].not_assessed, answers[1].not_assessed_reason = True, "Không có số liệu"
        answers[2].not_assessed, answers[2].not_assessed_reason = True, ""
        answers[3].text = "Có"
        answers[4].self_score = 2
        db.session.commit()
        for assessment in db.session.scalars(select(Assessment)).all():
            scheme = registry.schemes.get(assessment.scheme_code)
            if scheme is None:
                continue
            with tenancy.scoped(assessment.province_id):
                rows = svc.visible_rows(scheme, assessment.period)
                whole = svc.progress(rows, svc.answers_by_code(assessment),
                                     svc.evidence_by_code(assessment))
                light = answered_progress(rows, answer_columns([assessment]).get(assessment.id, {}))
            assert (light.answered, light.required) == (whole.answered, whole.required)
            checked += whole.answered
    assert checked == 4


def test_assessment_list_reads_no_answer_objects_nor_evidence(app, as_user):
    """The list counts the rows a unit answered from a few answer columns: with answers saved
    (one with an explanation and a link), it shows the count without reading either."""
    client = as_user("unit_user", "dienbien")
    form = "/assessments/dienbien-so-2022/2022/dienbien.so-tttt"
    for code, fields in (("1.1", {"value": "1", "explanation": "Có quyết định"}),
                         ("1.2", {"self_score": "5"})):
        saved = client.post(f"{form}/rows/{code}", headers={"HX-Request": "true"},
                            data={f"{code}__{k}": v for k, v in fields.items()})
        assert saved.status_code == 200, saved.get_data(as_text=True)[:500]
    html = client.get("/assessments").get_data(as_text=True)
    assert re.search(r'<span class="muted">2/\d+</span>', html), html
    statements = _statements(app, client, "/assessments")
    assert any("FROM answer" in s for s in statements), statements  # it did count them
    assert not any("evidence_link" in s for s in statements), statements
    assert not any("answer.explanation" in s for s in statements), statements


def _bell(html: str) -> int:
    found = re.search(r'aria-label="Thông báo: (\d+) chưa đọc"', html)
    return int(found.group(1))


def test_bell_read_with_the_user_is_the_count_of_the_moment(app, as_user):
    """The count read with the user on a page request is the user's unread count in its
    province; a request that writes (a POST drawing a page) counts again after its changes."""
    from app.models import Notification, User
    from tests.conftest import province_id
    client = as_user("unit_user", "dienbien")
    with app.app_context(), tenancy.unscoped():
        user = db.session.scalar(select(User).where(User.email == demo("unit_user", "dienbien")))
        before = db.session.query(Notification).filter_by(user_id=user.id, read_at=None).count()
        db.session.add(Notification(user_id=user.id, province_id=user.province_id, kind="period",
                                    text="Kỳ mới"))
        other = province_id(app, "thanhhoa")  # another province's notification never counts
        db.session.add(Notification(user_id=user.id, province_id=other, kind="period", text="x"))
        db.session.commit()
    assert _bell(client.get("/account/password").get_data(as_text=True)) == before + 1
    refused = client.post("/account/password", data={"current": "sai", "new": "x", "confirm": "y"})
    assert _bell(refused.get_data(as_text=True)) == before + 1
    client.post("/notifications/read")
    assert _bell(client.get("/account/password").get_data(as_text=True)) == 0


def test_province_admin_list_reads_assessments_in_one_query_per_period(app, as_user):
    """A province admin's list has a line per unit: a query per unit (its assessment, then its
    answers) made it ~0.9 s CPU for 120 units; now one of each per open period."""
    client = as_user("province_admin", "dienbien")
    html = client.get("/assessments").get_data(as_text=True)
    lines = html.count("<progress")
    statements = _statements(app, client, "/assessments")
    assessment_reads = [s for s in statements if s.startswith("SELECT assessment.")]
    answer_reads = [s for s in statements if "FROM answer" in s]
    assert lines > 10, lines
    assert len(assessment_reads) <= 2 and len(answer_reads) <= 2, statements
