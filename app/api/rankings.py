"""Rankings of a scheme's period, and publishing them."""
from __future__ import annotations

from flask import jsonify
from flask_login import current_user

from app.api.convert import number, percent
from app.api.errors import ApiError
from app.api.lookups import registry, scheme_and_period
from app.api.spec import endpoint
from app.services import publication as pub
from app.services import rankings as svc
from app.services import snapshots

PATH = "/rankings/<scheme_code>/<period_code>"


def visible(result):
    """The ranking (the exports' too), or 409 for a unit user or viewer before it is
    published."""
    if not svc.may_see(current_user, result):
        raise ApiError(409, f"Kết quả {result.period.label} chưa được công bố.")
    return result


@endpoint(PATH, summary="Xếp hạng các đơn vị trong một kỳ", action="results.view",
          description="Theo từng nhóm đơn vị (sở, ngành tách khỏi huyện; xã, phường, thị trấn "
                      "cùng nhóm); bằng điểm thì cùng hạng (1, 1, 3). Chỉ hồ sơ đã thẩm định "
                      "được xếp hạng (`rows`); các đơn vị khác ở `not_ranked` với trạng thái "
                      "`none` (chưa có hồ sơ), `draft`, `submitted`, `returned`. Sau khi công "
                      "bố, số liệu đọc từ bản lưu (`snapshot`) và không đổi nữa. Cán bộ đơn vị "
                      "và người xem chỉ thấy sau khi công bố (trước đó: 409).",
          responses={200: ("Xếp hạng", "Ranking"),
                     409: ("Kết quả chưa công bố", "Error")})
def ranking(scheme_code, period_code):
    scheme, period = scheme_and_period(scheme_code, period_code)
    result = visible(svc.ranking(registry(), scheme, period, leaves=False))
    answer = {
        "scheme": scheme.code, "period": period.code, "published": result.published,
        "rows": [{"rank": place.rank, "unit": place.unit.code, "name": place.unit.name,
                  "group": group.family, "total": number(place.totals.total),
                  "max": number(place.totals.max), "percent": percent(place.totals.percent),
                  "change": place.change, "year_rank": place.year_rank}
                 for group in result.groups for place in group.places],
        "not_ranked": [{"unit": n.code, "name": n.name, "state": n.state}
                       for n in result.not_ranked],
    }
    if result.snapshot is not None:
        answer["snapshot"] = snapshots.summary(result.snapshot, result.publication)
    return jsonify(answer)


@endpoint(PATH + "/publish", "POST", summary="Công bố kết quả của kỳ", action="results.publish",
          description="Từ chối (409) khi còn hồ sơ đã nộp hoặc đang giải trình chưa thẩm định "
                      "xong, hoặc kết quả đã công bố. Sau khi công bố, điểm chỉ còn để xem.",
          responses={200: ("Đã công bố", "Publication"),
                     409: ("Còn hồ sơ chưa thẩm định, hoặc đã công bố", "Error")})
def publish(scheme_code, period_code):
    scheme, period = scheme_and_period(scheme_code, period_code)
    try:
        done = pub.publish(scheme, period, current_user)
    except pub.PublicationError as exc:
        raise ApiError(409, str(exc)) from None
    return jsonify({"scheme": scheme.code, "period": period.code, "published": True,
                    "published_at": done.published_at.isoformat() + "Z"})
