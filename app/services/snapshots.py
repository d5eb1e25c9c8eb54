"""The result of record: writing a publication's snapshot, reading it back, noticing drift.

A published figure never moves. Publishing stores every ranked unit's scores (leaf by leaf with
their source, main indices, total, maximum, percentage, rank) and the catalogue file's content
with its SHA-256; from then on the ranking, the exports, the public site, the comparison of
provinces and the API read the snapshot (``app.services.rankings`` does the switch), and the
scheme they show is the one published, re-read from the stored content. When a scheme file no
longer matches what a published period used, ``drift`` reports it; the figures stay.
"""
from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from decimal import Decimal
from functools import lru_cache
from pathlib import Path

from sqlalchemy import select

from app import tenancy
from app.catalogue.loader import parse_scheme
from app.catalogue.model import Scheme
from app.extensions import db
from app.models import Period, Province, Publication, PublicationSnapshot, PublishedPlace
from app.scoring import LeafScore, Totals

log = logging.getLogger(__name__)


def of(publication: Publication | None) -> PublicationSnapshot | None:
    if publication is None:
        return None
    return db.session.scalar(select(PublicationSnapshot).where(
        PublicationSnapshot.publication_id == publication.id))


# -- writing --------------------------------------------------------------------------------
def write(publication: Publication, ranking, not_ranked) -> PublicationSnapshot:
    """Keep the ranking (computed with its leaf scores) as the publication's result of record."""
    scheme = ranking.scheme
    # the content the scores were worked out with (as loaded at start-up, not as the file
    # on disk may read now)
    snapshot = PublicationSnapshot(
        publication_id=publication.id, scheme_code=scheme.code, scheme_version=scheme.version,
        catalogue_sha256=scheme.sha256,
        catalogue=scheme.content or Path(scheme.path).read_text(encoding="utf-8"),
        not_ranked=json.dumps([{"unit_id": n.unit_id, "code": n.code, "name": n.name,
                                "state": n.state} for n in not_ranked], ensure_ascii=False))
    position = 0
    for group in ranking.groups:
        for place in group.places:
            snapshot.places.append(PublishedPlace(
                position=position, unit_id=place.unit.id, assessment_id=place.assessment.id,
                unit_code=place.unit.code, unit_name=place.unit.name, group=group.family,
                rank=place.rank, scores=_dump(place.totals)))
            position += 1
    db.session.add(snapshot)
    return snapshot


def discard(publication: Publication) -> None:
    snapshot = of(publication)
    if snapshot is not None:
        db.session.delete(snapshot)


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


def _dump(totals: Totals) -> str:
    return json.dumps({
        "total": _text(totals.total), "max": _text(totals.max),
        "percent": _text(totals.percent),
        "main": {code: [_text(score), _text(top)] for code, (score, top) in totals.main.items()},
        "leaves": {code: [_text(leaf.score), _text(leaf.max), leaf.source]
                   for code, leaf in totals.leaves.items()},
    })


# -- reading --------------------------------------------------------------------------------
def _number(text: str | None) -> Decimal | None:
    return None if text is None else Decimal(text)


@dataclass
class FrozenTotals(Totals):
    """Totals as published: the percentage is the one stored, not worked out again."""
    stored_percent: Decimal | None = None

    @property
    def percent(self) -> Decimal | None:
        return self.stored_percent


def totals(place: PublishedPlace) -> Totals:
    data = json.loads(place.scores)
    return FrozenTotals(
        total=Decimal(data["total"]), max=Decimal(data["max"]),
        main={code: (Decimal(score), Decimal(top)) for code, (score, top) in data["main"].items()},
        leaves={code: LeafScore(code, _number(score), Decimal(top), source)
                for code, (score, top, source) in data["leaves"].items()},
        stored_percent=_number(data["percent"]))


def not_ranked(snapshot: PublicationSnapshot) -> list[dict]:
    return json.loads(snapshot.not_ranked)


def scheme(snapshot: PublicationSnapshot, plugin: str, methods) -> Scheme:
    """The scheme as it was published, from the stored file content."""
    return _parse(snapshot.catalogue, snapshot.scheme_code, plugin, tuple(sorted(methods.items())))


@lru_cache(maxsize=64)
def _parse(content: str, code: str, plugin: str, methods: tuple) -> Scheme:
    # keyed by the content itself: the same text always gives the same scheme
    return parse_scheme(content.encode("utf-8"), f"{code}.toml", plugin, dict(methods),
                        published=True)


def summary(snapshot: PublicationSnapshot, publication: Publication) -> dict:
    """What the API says of a publication's snapshot."""
    return {"published_at": publication.published_at.isoformat() + "Z",
            "scheme_version": snapshot.scheme_version,
            "catalogue_sha256": snapshot.catalogue_sha256}


# -- drift ----------------------------------------------------------------------------------
@dataclass
class Drift:
    province: str
    scheme_code: str
    period: str
    published_sha256: str
    current_sha256: str | None  # None: the scheme is no longer installed


def drift(registry) -> list[Drift]:
    """Published periods whose scheme file no longer has the content they were published with.
    Each is logged; the published figures stay as they were."""
    with tenancy.unscoped():
        rows = db.session.execute(
            select(Province.code, PublicationSnapshot.scheme_code, Period.code,
                   PublicationSnapshot.catalogue_sha256)
            .join(Publication, PublicationSnapshot.publication_id == Publication.id)
            .join(Period, Publication.period_id == Period.id)
            .join(Province, PublicationSnapshot.province_id == Province.id)
            .where(Publication.withdrawn_at.is_(None))
            .order_by(Province.code, PublicationSnapshot.scheme_code, Period.code)).all()
    found = []
    for province, code, period, published in rows:
        current = registry.schemes.get(code)
        current_sha = current.sha256 if current is not None else None
        if current_sha != published:
            found.append(Drift(province, code, period, published, current_sha))
            log.warning("Bộ chỉ số %s đã đổi nội dung sau khi công bố kỳ %s của %s (%s → %s); "
                        "kết quả đã công bố giữ nguyên.", code, period, province,
                        published[:12], (current_sha or "không còn cài")[:12])
    return found
