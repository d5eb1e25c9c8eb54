"""Rankings (ties, groups, change, relative rows), their page, and publication rules."""
from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal as D

from sqlalchemy import event, select

from app import tenancy
from app.extensions import db
from app.models import Answer, Assessment, AuditEvent, Notification, Period, Unit, User
from app.scoring import Totals
from app.scoring.ranking import rank
from app.services import publication as pub
from app.services import rankings
from tests.conftest import province_id

SCHEME = "dienbien-so-2022"
PAGE = f"/rankings/{SCHEME}/2022"


# -- helpers --------------------------------------------------------------------------------
def scoped(app, province="dienbien"):
    return tenancy.scoped(province_id(app, province))


def scores_summing(app, total, scheme=SCHEME, skip=()) -> dict[str, D]:
    """Appraised scores, leaf by leaf (each within its maximum), adding up to ``total``."""
    result, left = {}, D(total)
    for leaf in app.extensions["chiso"].schemes[scheme].leaves:
        if leaf.code in skip:
            continue
        result[leaf.code] = min(leaf.max_points, left)
        left -= result[leaf.code]
    return result


def make(app, unit_code, scores: dict, state="appraised", period_code="2022", scheme=SCHEME,
         province="dienbien", values: dict | None = None, not_assessed=()):
    with app.app_context(), scoped(app, province):
        period = db.session.scalar(select(Period).where(Period.scheme_code == scheme,
                                                        Period.code == period_code))
        unit = db.session.scalar(select(Unit).where(Unit.code == unit_code))
        assessment = Assessment(scheme_code=scheme, scheme_version=1, period_id=period.id,
                                unit_id=unit.id, state=state,
                                appraised_at=datetime.utcnow() if state == "appraised" else None)
        for code, score in scores.items():
            assessment.answers.append(Answer(code=code, appraised_score=D(score)))
        for code, value in (values or {}).items():
            assessment.answers.append(Answer(code=code, value=D(value)))
        for code in not_assessed:
            assessment.answers.append(Answer(code=code, not_assessed=True,
                                             not_assessed_reason="Không có"))
        db.session.add(assessment)
        db.session.commit()
        return assessment.id


def departments(app, count=3) -> list[str]:
    with app.app_context(), scoped(app):
        codes = db.session.scalars(select(Unit.code).where(Unit.type == "so")
                                   .order_by(Unit.code)).all()
    others = [c for c in codes if c != "dienbien.so-tttt"]
    return ["dienbien.so-tttt"] + others[:count - 1]


def the_ranking(app, scheme=SCHEME, period_code="2022", province="dienbien"):
    with app.app_context(), scoped(app, province):
        registry = app.extensions["chiso"]
        period = db.session.scalar(select(Period).where(Period.scheme_code == scheme,
                                                        Period.code == period_code))
        result = rankings.ranking(registry, registry.schemes[scheme], period)
        return [(p.unit.code, p.rank, p.totals.total, p.change) for g in result.groups
                for p in g.places]


def publish(app, period_code="2022"):
    with app.app_context(), scoped(app):
        registry = app.extensions["chiso"]
        period = db.session.scalar(select(Period).where(Period.scheme_code == SCHEME,
                                                        Period.code == period_code))
        admin = db.session.scalar(select(User).where(User.role == "province_admin"))
        pub.publish(registry.schemes[SCHEME], period, admin)


# -- ranking --------------------------------------------------------------------------------
def test_equal_scores_share_a_rank_and_the_next_rank_skips():
    def t(total, top=500):
        return Totals(total=D(total), max=D(top))
    standings = rank({"a": t(250), "b": t(300), "c": t(300), "d": t(0, 0)})
    assert [(s.unit, s.rank) for s in standings] == [("b", 1), ("c", 1), ("a", 3), ("d", None)]
    # Điện Biên's index: 380 of 475 (rows not assessed) ties with 400 of 500, both 80%
    assert [s.rank for s in rank({"x": t(380, 475), "y": t(400), "z": t(401)})] == [1, 2, 2]


def test_service_ranks_a_period_with_ties(app):
    a, b, c = departments(app)
    make(app, a, scores_summing(app, 300))
    make(app, b, scores_summing(app, 250))
    make(app, c, scores_summing(app, 300))
    ranked = the_ranking(app)
    assert [r for _code, r, _total, _change in ranked] == [1, 1, 3]
    assert {code: (r, total) for code, r, total, _ in ranked} == \
        {a: (1, 300), c: (1, 300), b: (3, 250)}


def test_rows_not_assessed_rank_by_percentage(app):
    a, b = departments(app, 2)
    make(app, a, scores_summing(app, 380, skip=("5.7", "6.13")), not_assessed=("5.7", "6.13"))
    make(app, b, scores_summing(app, 390))
    ranked = the_ranking(app)
    assert [(code, r) for code, r, *_ in ranked] == [(a, 1), (b, 2)]  # 80.00% beats 78.00%


def test_ranking_reads_a_whole_period_in_a_fixed_number_of_queries(app):
    for code in departments(app, 8):
        make(app, code, scores_summing(app, 200))
    with app.app_context(), scoped(app):
        registry = app.extensions["chiso"]
        period = db.session.scalar(select(Period).where(Period.scheme_code == SCHEME))
        scheme = registry.schemes[SCHEME]  # (the context's one look at the imported schemes)
        statements = []
        listener = lambda *args: statements.append(args[2])  # noqa: E731
        event.listen(db.engine, "before_cursor_execute", listener)
        try:
            result = rankings.ranking(registry, scheme, period, history=False)
        finally:
            event.remove(db.engine, "before_cursor_execute", listener)
    assert sum(len(g.places) for g in result.groups) == 8
    assert len(statements) <= 4, statements


def test_relative_rows_move_when_another_unit_changes(app):
    """Thanh Hóa 3.11 (budget for digital transformation, 10 points) is relative to the best
    district: 40 and 30 give 10 and 7.5; the best rising to 80 brings the other down to 3.75."""
    yen_dinh = make(app, "394", {}, period_code="2023",
                    scheme="thanhhoa-huyen-2022", province="thanhhoa", values={"3.11": 40})
    other = "380"
    make(app, other, {}, period_code="2023", scheme="thanhhoa-huyen-2022",
         province="thanhhoa", values={"3.11": 30})
    before = {code: total for code, _r, total, _c in
              the_ranking(app, "thanhhoa-huyen-2022", "2023", "thanhhoa")}
    assert before == {"394": 10, other: D("7.5")}
    with app.app_context(), scoped(app, "thanhhoa"):
        answer = db.session.scalar(select(Answer).where(Answer.assessment_id == yen_dinh,
                                                        Answer.code == "3.11"))
        answer.value = D(80)
        db.session.commit()
    after = {code: total for code, _r, total, _c in
             the_ranking(app, "thanhhoa-huyen-2022", "2023", "thanhhoa")}
    assert after == {"394": 10, other: D("3.75")}


def test_change_is_against_the_previous_published_period(app):
    a, b = departments(app, 2)
    with app.app_context(), scoped(app):
        db.session.add(Period(scheme_code=SCHEME, code="2021", type="year", state="locked",
                              deadline=date(2021, 12, 31)))
        db.session.commit()
    make(app, a, scores_summing(app, 200), period_code="2021")
    make(app, b, scores_summing(app, 300), period_code="2021")
    publish(app, "2021")
    make(app, a, scores_summing(app, 350))
    make(app, b, scores_summing(app, 300))
    ranked = {code: (r, change) for code, r, _t, change in the_ranking(app)}
    assert ranked == {a: (1, 1), b: (2, -1)}


# -- the page -------------------------------------------------------------------------------
def test_admin_sees_the_unpublished_ranking_marked_as_such(app, as_user):
    a, b, _ = departments(app)
    make(app, a, scores_summing(app, 300))
    make(app, b, scores_summing(app, 250), state="draft")
    page = as_user("province_admin", "dienbien").get(PAGE).get_data(as_text=True)
    assert "Chưa công bố" in page and "Sở, ban, ngành" in page
    assert "Sở Thông tin và Truyền thông" in page and "300" in page and "60" in page  # 60%
    assert "Công bố kết quả" in page


def test_unit_users_see_their_rank_only_after_publication(app, as_user):
    a, b, _ = departments(app)
    make(app, a, scores_summing(app, 250))
    make(app, b, scores_summing(app, 300))
    client = as_user("unit_user", "dienbien")
    before = client.get(PAGE).get_data(as_text=True)
    assert "chưa được công bố" in before and "250" not in before
    publish(app)
    after = client.get(PAGE).get_data(as_text=True)
    assert "Đã công bố" in after and 'class="mine"' in after and "đơn vị của bạn" in after
    assert "Công bố kết quả" not in after  # no admin buttons for a unit user


# -- publication ----------------------------------------------------------------------------
def test_publication_is_refused_while_a_submitted_assessment_is_not_appraised(app, as_user):
    a, b, _ = departments(app)
    make(app, a, scores_summing(app, 300))
    make(app, b, {}, state="submitted")
    client = as_user("province_admin", "dienbien")
    page = client.post(f"{PAGE}/publish", data={"confirm": "1"}, follow_redirects=True)
    html = page.get_data(as_text=True)
    assert "Chưa công bố được: còn 1 hồ sơ đã nộp chưa thẩm định xong" in html
    with app.app_context(), scoped(app):
        assert set(db.session.scalars(select(Assessment.state))) == {"appraised", "submitted"}


def test_publication_needs_the_confirmation_box(app, as_user):
    make(app, departments(app, 1)[0], scores_summing(app, 300))
    client = as_user("province_admin", "dienbien")
    page = client.post(f"{PAGE}/publish", data={}, follow_redirects=True).get_data(as_text=True)
    assert "Hãy đánh dấu ô xác nhận trước khi công bố." in page
    with app.app_context(), scoped(app):
        assert db.session.scalar(select(Assessment.state)) == "appraised"


def test_publishing_locks_scores_notifies_units_and_is_audited(app, as_user):
    own, other, _ = departments(app)
    make(app, own, scores_summing(app, 300))
    make(app, other, {}, state="draft")
    admin = as_user("province_admin", "dienbien")
    response = admin.post(f"{PAGE}/publish", data={"confirm": "1"}, follow_redirects=True)
    assert "Đã công bố kết quả Năm 2022" in response.get_data(as_text=True)
    with app.app_context(), scoped(app):
        # a draft is never published as official: it stays a draft, listed as not ranked
        assert sorted(db.session.scalars(select(Assessment.state))) == ["draft", "published"]
        events = db.session.scalars(select(AuditEvent).where(
            AuditEvent.action == "assessment.publish")).all()
        assert sorted((e.old, e.new) for e in events) == [("appraised", "published")]
        told = db.session.scalars(select(Notification).where(Notification.kind == "published"))
        assert [n.link for n in told] == [PAGE]  # the one unit user (Sở TT&TT)
    admin.post("/logout")
    unit = as_user("unit_user", "dienbien")
    saved = unit.post(f"/assessments/{SCHEME}/2022/{own}/rows/1.2",
                      data={"1.2__self_score": "3"}, headers={"HX-Request": "true"})
    assert saved.status_code == 409 and "không sửa được nữa" in saved.get_data(as_text=True)


def test_no_new_assessment_starts_in_a_published_period(app, as_user):
    make(app, departments(app, 2)[1], scores_summing(app, 300))
    publish(app)
    admin = as_user("province_admin", "dienbien")  # the Sở TT&TT had no assessment
    saved = admin.post(f"/assessments/{SCHEME}/2022/dienbien.so-tttt/rows/1.2",
                       data={"1.2__self_score": "3"}, headers={"HX-Request": "true"})
    assert saved.status_code == 409
    assert "Kết quả kỳ này đã công bố" in saved.get_data(as_text=True)
    with app.app_context(), scoped(app):
        assert set(db.session.scalars(select(Assessment.state))) == {"published"}


def test_unpublishing_needs_a_reason_and_restores_the_states(app, as_user):
    own, other, _ = departments(app)
    make(app, own, scores_summing(app, 300))
    make(app, other, {}, state="draft")
    publish(app)
    admin = as_user("province_admin", "dienbien")
    refused = admin.post(f"{PAGE}/unpublish", data={"reason": "  "})
    assert refused.status_code == 422
    assert "Vui lòng ghi lý do hủy công bố" in refused.get_data(as_text=True)
    admin.post(f"{PAGE}/unpublish", data={"reason": "Sai số liệu 6.3 của Sở Y tế"})
    with app.app_context(), scoped(app):
        states = dict(db.session.execute(select(Unit.code, Assessment.state).join(Unit)).all())
        assert states == {own: "appraised", other: "draft"}
        reasons = set(db.session.scalars(select(AuditEvent.reason).where(
            AuditEvent.action == "assessment.unpublish")))
        assert reasons == {"Sai số liệu 6.3 của Sở Y tế"}
        told = db.session.scalars(select(Notification.kind).where(
            Notification.text.contains("hủy công bố"))).all()
        assert told and set(told) == {"unpublished"}  # not labelled «Đã công bố kết quả»
    page = admin.get(PAGE).get_data(as_text=True)
    assert "Chưa công bố" in page


def test_form_totals_with_relative_rows_match_the_ranking(app):
    """The form reads only what one unit's score needs; it must score as the ranking does."""
    from app.extensions import db as _db
    from app.models import Assessment, Period
    from app.services.rankings import period_scores, unit_totals
    from app import tenancy as _tenancy
    from tests.conftest import demo as _demo, login as _login, province_id as _pid
    admin = app.test_client()
    _login(admin, _demo("province_admin", "thanhhoa"))
    scheme = app.extensions["chiso"].schemes["thanhhoa-huyen-2022"]
    relative = [r for r in scheme.leaves if r.method == "relative"][:2]
    for unit, value in (("394", "40"), ("380", "80"), ("381", "20")):
        for row in relative:
            admin.post(f"/assessments/thanhhoa-huyen-2022/2023/{unit}/rows/{row.code}",
                       data={f"{row.code}__value": value}, headers={"HX-Request": "true"})
    with app.app_context(), _tenancy.scoped(_pid(app, "thanhhoa")):
        period = _db.session.scalar(select(Period).where(Period.code == "2023"))
        assessments, everyone = period_scores(app.extensions["chiso"], scheme, period)
        for assessment in _db.session.scalars(select(Assessment).where(Assessment.period_id == period.id)):
            one = unit_totals(app.extensions["chiso"], scheme, period, assessment)
            assert one.total == everyone[assessment.id].total, assessment.unit.code
            assert one.total > 0
