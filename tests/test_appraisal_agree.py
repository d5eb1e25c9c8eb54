""""Đồng ý" made safe and quick: it never silently replaces an adjustment, it moves on to the
next indicator, and "đồng ý các chỉ tiêu còn lại" settles the rows nobody has appraised yet."""
from sqlalchemy import func, select

from app.extensions import db
from app.models import AuditEvent
from tests.test_appraisal import (HX, REVIEW, agree, answer, in_dienbien, leaves, signed_in,
                                  state, submitted)


def test_agreeing_on_an_adjusted_row_needs_an_explicit_replace(app):
    submitted(app)
    appraiser = signed_in(app, "appraiser")
    appraiser.post(f"{REVIEW}/1.2", data={"score": "0,5", "comment": "Thiếu quyết định"},
                   headers=HX)
    page = appraiser.get(f"{REVIEW}/1.2").get_data(as_text=True)
    assert "Bỏ điều chỉnh, dùng điểm tự chấm" in page and "data-confirm=\"Thay điểm thẩm định" in page
    refused = agree(appraiser, "1.2")  # a stale page's "Đồng ý", without the replace flag
    assert refused.status_code == 409
    assert "đã có điểm thẩm định điều chỉnh" in refused.get_data(as_text=True)
    kept = answer(app, "1.2")
    assert kept.appraised_score == 0.5 and kept.appraisal_comment == "Thiếu quyết định"

    replaced = appraiser.post(f"{REVIEW}/1.2", data={"agree": "1", "replace": "1"}, headers=HX)
    assert replaced.status_code == 200
    assert answer(app, "1.2").appraised_score == answer(app, "1.2").self_score


def test_agree_moves_on_to_the_next_indicator(app):
    submitted(app)
    appraiser = signed_in(app, "appraiser")
    page = appraiser.get(f"{REVIEW}/1.1").get_data(as_text=True)
    assert "và sang 1.2" in page
    moved = agree(appraiser, "1.1")
    assert moved.headers["HX-Retarget"] == "#workspace"
    assert moved.headers["HX-Push-Url"].endswith(f"{REVIEW}/1.2")
    body = moved.get_data(as_text=True)
    assert "Đã lưu điểm thẩm định chỉ tiêu 1.1" in body and 'class="code">1.2<' in body
    plain = appraiser.post(f"{REVIEW}/1.2", data={"agree": "1"})  # without JavaScript
    assert plain.status_code == 302 and plain.headers["Location"].endswith(f"{REVIEW}/1.3")


def test_agree_to_the_remaining_rows_in_one_confirmed_step(app):
    submitted(app)
    appraiser = signed_in(app, "appraiser")
    appraiser.post(f"{REVIEW}/1.2", data={"score": "0,5", "comment": "Thiếu quyết định"},
                   headers=HX)
    total = len(leaves(app))
    page = appraiser.get(REVIEW).get_data(as_text=True)
    assert (f'data-confirm="Đồng ý điểm tự chấm của {total - 1} chỉ tiêu còn lại của Sở Thông '
            'tin và Truyền thông?"') in page
    codes = [r.code for r in leaves(app) if r.code != "1.2"]
    done = appraiser.post(f"{REVIEW}/agree-remaining", data={"code": codes},
                          follow_redirects=True).get_data(as_text=True)
    assert f"Đã đồng ý điểm tự chấm của {total - 1} chỉ tiêu còn lại." in done
    assert answer(app, "1.2").appraised_score == 0.5  # the adjustment stays
    assert state(app) == "appraised"
    audited = in_dienbien(app, lambda: db.session.scalar(select(func.count()).where(
        AuditEvent.action == "appraisal.score", AuditEvent.field == "appraised_score")))
    assert audited == total  # one entry per row, as single agreements write

