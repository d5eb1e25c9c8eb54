"""Results published before the platform existed (a plugin's ``chiso_history``), kept as
published assessments so that forms and dashboards can compare against them."""
from __future__ import annotations

from datetime import datetime
from decimal import Decimal

from sqlalchemy import select

from app import periods as period_ids
from app.extensions import db
from app.models import Answer, Assessment, Period, Publication, Unit
from app.plugins import Registry


def load_history(registry: Registry, plugin_code: str) -> int:
    """Import the plugin's published results; returns how many assessments were added."""
    added = 0
    for item in registry.history(plugin_code):
        scheme = registry.schemes[item["scheme"]]
        period = _locked_period(registry, scheme, item["period"])
        unit = db.session.scalar(select(Unit).where(Unit.code == item["unit"]))
        if unit is None:
            continue
        existing = db.session.scalar(select(Assessment).where(
            Assessment.period_id == period.id, Assessment.unit_id == unit.id))
        if existing is not None:
            if existing.published_rank is None and item.get("rank") is not None:
                # imported before ranks were kept: `provinces setup` again fills them in
                existing.published_rank, existing.published_source = item["rank"], item.get("source")
            continue
        assessment = Assessment(scheme_code=scheme.code, scheme_version=scheme.version,
                                period_id=period.id, unit_id=unit.id, state="published",
                                appraised_at=datetime.utcnow(), published_rank=item.get("rank"),
                                published_source=item.get("source"))
        leaves = {row.code for row in scheme.leaves}
        for code, score in item["scores"].items():
            if code in leaves:
                assessment.answers.append(Answer(code=code, appraised_score=Decimal(str(score)),
                                                 appraisal_comment="Kết quả đã công bố"))
        db.session.add(assessment)
        if not db.session.scalar(select(Publication.id).where(Publication.period_id == period.id)):
            db.session.add(Publication(scheme_code=scheme.code, period_id=period.id,
                                       published_at=datetime.utcnow(),
                                       reason="Kết quả công bố trước khi dùng nền tảng"))
        added += 1
    db.session.flush()
    return added


def _locked_period(registry, scheme, code: str) -> Period:
    period = db.session.scalar(select(Period).where(Period.scheme_code == scheme.code,
                                                    Period.code == code))
    if period is None:
        ident = period_ids.parse(code)
        calendar = registry.calendar(scheme)
        period = Period(scheme_code=scheme.code, code=ident.code, type=ident.type, state="locked",
                        deadline=calendar.deadline(ident))
        db.session.add(period)
        db.session.flush()
    return period
