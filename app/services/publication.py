"""Publishing a period's results (công bố kết quả), and withdrawing a publication.

Publishing turns the period's appraised assessments to "published" (a draft stays a draft: it
is listed as not ranked, never as official), writes the snapshot that is from then on the
result of record (``app.services.snapshots``), and lets unit users and viewers see the ranking.
It is refused while an assessment submitted or returned for clarification is not yet appraised.
Withdrawing needs a reason; it discards the snapshot and each published assessment goes back
to "appraised". Both are in the audit trail and notified to the units' users.
"""
from __future__ import annotations

from datetime import datetime

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from app.catalogue.model import Scheme
from app.extensions import db
from app.models import Assessment, Period, Publication
from app.services import audit, snapshots
from app.services import rankings as ranks
from app.services.notifications import notify, unit_users
from app.services.rankings import current_publication

UNAPPRAISED = ("submitted", "returned")


class PublicationError(ValueError):
    """A state that forbids the action (409), in Vietnamese."""


class ReasonRequired(ValueError):
    """Withdrawing without a reason (422)."""


def unappraised(period: Period) -> list[Assessment]:
    """Assessments that keep the period from being published."""
    return db.session.scalars(
        select(Assessment).where(Assessment.period_id == period.id,
                                 Assessment.state.in_(UNAPPRAISED))
        .options(joinedload(Assessment.unit))).all()


def publish(scheme: Scheme, period: Period, user, registry=None) -> Publication:
    if current_publication(period) is not None:
        raise PublicationError(f"Kết quả {period.label} của bộ chỉ số đã được công bố.")
    waiting = unappraised(period)
    if waiting:
        names = ", ".join(a.unit.name for a in waiting[:5]) + (" …" if len(waiting) > 5 else "")
        raise PublicationError(
            f"Chưa công bố được: còn {len(waiting)} hồ sơ đã nộp chưa thẩm định xong ({names}).")
    registry = registry or current_app.extensions["chiso"]
    # the ranking of record, leaf by leaf, before anything changes
    result = ranks.ranking(registry, scheme, period, history=False, leaves=True)
    assessments = [place.assessment for group in result.groups for place in group.places]
    for assessment in assessments:
        _set_state(assessment, "published", "assessment.publish", user)
    publication = db.session.scalar(select(Publication).where(Publication.period_id == period.id))
    if publication is None:
        publication = Publication(scheme_code=scheme.code, period_id=period.id)
        db.session.add(publication)
    publication.published_at = datetime.utcnow()
    publication.published_by_id = getattr(user, "id", None)
    publication.withdrawn_at = None
    publication.reason = None
    db.session.flush()
    snapshots.write(publication, result, result.not_ranked)
    _tell_units(assessments, "published",
                f"Đã công bố kết quả {scheme.title} ({period.label}).", scheme, period)
    db.session.commit()
    return publication


def unpublish(scheme: Scheme, period: Period, user, reason: str) -> None:
    reason = (reason or "").strip()
    if not reason:
        raise ReasonRequired("Vui lòng ghi lý do hủy công bố (được lưu vào nhật ký).")
    publication = current_publication(period)
    if publication is None:
        raise PublicationError(f"Kết quả {period.label} chưa được công bố.")
    assessments = [a for a in _assessments(period) if a.state == "published"]
    for assessment in assessments:
        back = "appraised" if assessment.appraised_at is not None else "draft"
        _set_state(assessment, back, "assessment.unpublish", user, reason)
    snapshots.discard(publication)
    publication.withdrawn_at = datetime.utcnow()
    publication.reason = reason
    _tell_units(assessments, "unpublished",
                f"Kết quả {scheme.title} ({period.label}) đã được hủy công bố: {reason}",
                scheme, period)
    db.session.commit()


def _assessments(period: Period) -> list[Assessment]:
    return db.session.scalars(select(Assessment).where(Assessment.period_id == period.id)).all()


def _set_state(assessment: Assessment, state: str, action: str, user, reason=None) -> None:
    if assessment.state == state:
        return
    audit.record(action, assessment=assessment, field="state", old=assessment.state, new=state,
                 reason=reason, user=user)
    assessment.state = state


def _tell_units(assessments, kind: str, text: str, scheme: Scheme, period: Period) -> None:
    link = f"/rankings/{scheme.code}/{period.code}"  # the page of app.web.rankings.show
    notify(unit_users(*{a.unit_id for a in assessments}), kind, text, link)
