"""A national-scale instance in a fresh database, written with bulk inserts.

The schema comes from the migrations (as tests/conftest.py builds it); every row after that is
inserted with executemany through SQLAlchemy Core, primary keys chosen here, so that 300,000
answers take seconds rather than the minutes one ORM object at a time would.
"""
from __future__ import annotations

import hashlib
import random
import secrets
import time
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import Decimal

from sqlalchemy import func, select, text

from app.extensions import db
from app.models import (Answer, Assessment, Evidence, EvidenceLink, Period, Province,
                        ProvincePlugin, Unit, User)
from benchmarks.scheme import YEAR, build_scheme, province_code

PASSWORD = "bench-password-2024"
CHUNK = 20_000  # rows per executemany: bounded memory, few round trips


@dataclass(frozen=True)
class Size:
    provinces: int
    communes: int
    offices: int  # departments (sở, ban, ngành) and districts together

    @property
    def units(self) -> int:
        return self.communes + self.offices


FULL = Size(provinces=34, communes=3321, offices=700)
SMALL = Size(provinces=4, communes=400, offices=80)


@dataclass
class Instance:
    """What the measurements need to know about the generated data."""
    url: str
    provinces: list[str]
    period_ids: list[int]
    counts: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    unit_users: list[dict] = field(default_factory=list)  # email, scheme, period, unit code


def _spread(total: int, parts: int) -> list[int]:
    """total split into parts as evenly as possible (the first ones one larger)."""
    return [total // parts + (1 if i < total % parts else 0) for i in range(parts)]


class _Ids:
    """Primary keys, counted here so that children can point at parents without a round trip."""

    def __init__(self):
        self._next: dict[str, int] = {}

    def next(self, table: str) -> int:
        self._next[table] = self._next.get(table, 0) + 1
        return self._next[table]


def generate(app, size: Size, log=print) -> Instance:
    """Migrate the empty database of ``app`` and fill it; returns what was made."""
    from flask_migrate import upgrade
    rng = random.Random(2024)
    ids = _Ids()
    instance = Instance(url=app.config["SQLALCHEMY_DATABASE_URI"], provinces=[], period_ids=[])
    started = time.perf_counter()
    with app.app_context():
        upgrade()
        instance.seconds["schema"] = time.perf_counter() - started
        password_hash = _password_hash()
        tables = _Tables()
        for number, (communes, offices) in enumerate(
                zip(_spread(size.communes, size.provinces), _spread(size.offices, size.provinces)),
                start=1):
            _province(tables, ids, rng, instance, province_code(number), communes, offices,
                      password_hash)
        instance.seconds["build rows"] = time.perf_counter() - started - instance.seconds["schema"]
        inserting = time.perf_counter()
        with db.engine.begin() as conn:
            for model, rows in tables.in_order():
                for start in range(0, len(rows), CHUNK):
                    conn.execute(model.__table__.insert(), rows[start:start + CHUNK])
                instance.counts[model.__tablename__] = len(rows)
            if conn.dialect.name == "postgresql":
                _advance_sequences(conn, tables)
        instance.seconds["insert"] = time.perf_counter() - inserting
        if db.engine.dialect.name == "postgresql":
            # What autovacuum would have done by the time anyone logs in.
            with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.execute(text("ANALYZE"))
        db.session.remove()
        db.engine.dispose()
    instance.seconds["total"] = time.perf_counter() - started
    log(f"  generated {sum(instance.counts.values()):,} rows in {instance.seconds['total']:.1f} s "
        f"({', '.join(f'{k} {v:,}' for k, v in instance.counts.items())})")
    return instance


def _password_hash() -> str:
    user = User(email="x", role="unit_user")
    user.set_password(PASSWORD)  # one argon2 hash shared by every generated account
    return user.password_hash


class _Tables:
    def __init__(self):
        self.rows = {model: [] for model in (Province, ProvincePlugin, Unit, User, Period,
                                             Assessment, Answer, Evidence, EvidenceLink)}

    def add(self, model, **values) -> None:
        self.rows[model].append(values)

    def in_order(self):
        return self.rows.items()  # parents before children


def _province(tables, ids, rng, instance, code, communes, offices, password_hash) -> None:
    now = datetime.utcnow()
    province_id = ids.next("province")
    tables.add(Province, id=province_id, code=code, name=f"Tỉnh thử nghiệm {code[-2:]}",
               official_code=code[-2:], public_results=False)
    tables.add(ProvincePlugin, id=ids.next("province_plugin"), province_id=province_id,
               plugin_code=code, enabled=True)
    scheme = build_scheme(code)
    period_id = ids.next("period")
    tables.add(Period, id=period_id, province_id=province_id, scheme_code=scheme.code, code=YEAR,
               type="year", state="open", deadline=date.today() + timedelta(days=365),
               opened_at=now)
    instance.provinces.append(code)
    instance.period_ids.append(period_id)
    top = _unit(tables, ids, province_id, f"{code}.tinh", "Tỉnh", "tinh", None)
    admin = dict(email=f"admin.{code}@bench.chiso.vn", role="province_admin", unit_id=None)
    _user(tables, ids, province_id, password_hash, now, **admin)
    departments = offices // 2
    districts = [_unit(tables, ids, province_id, f"{code}.huyen{i:03d}", f"Huyện {i}", "huyen",
                       top) for i in range(1, offices - departments + 1)]
    assessed = [(uid, f"{code}.huyen{i:03d}") for i, uid in enumerate(districts, start=1)]
    for i in range(1, departments + 1):
        kind = "so" if i % 5 else "co_quan"
        unit_code = f"{code}.so{i:03d}"
        assessed.append((_unit(tables, ids, province_id, unit_code, f"Sở {i}", kind, top),
                         unit_code))
    for i in range(1, communes + 1):
        kind = ("xa", "xa", "xa", "phuong", "thi_tran")[i % 5]
        unit_code = f"{code}.xa{i:04d}"
        parent = districts[i % len(districts)] if districts else top
        assessed.append((_unit(tables, ids, province_id, unit_code, f"Xã {i}", kind, parent),
                         unit_code))
    for unit_id, unit_code in assessed:
        email = f"{unit_code}@bench.chiso.vn"
        _user(tables, ids, province_id, password_hash, now, email=email, role="unit_user",
              unit_id=unit_id)
        instance.unit_users.append({"email": email, "scheme": scheme.code, "period": YEAR,
                                    "unit": unit_code})
        _assessment(tables, ids, rng, scheme, province_id, period_id, unit_id, now)


def _unit(tables, ids, province_id, code, name, kind, parent_id) -> int:
    unit_id = ids.next("unit")
    tables.add(Unit, id=unit_id, province_id=province_id, code=code, official=False, name=name,
               type=kind, parent_id=parent_id, valid_from=None, valid_to=None)
    return unit_id


def _user(tables, ids, province_id, password_hash, now, *, email, role, unit_id) -> None:
    tables.add(User, id=ids.next("user"), email=email, full_name=email.split("@")[0],
               password_hash=password_hash, role=role, province_id=province_id, unit_id=unit_id,
               active=True, session_token=secrets.token_hex(16), created_at=now)


def _assessment(tables, ids, rng, scheme, province_id, period_id, unit_id, now) -> None:
    """A draft with every row answered as a unit would, and evidence on the rows needing it."""
    assessment_id = ids.next("assessment")
    tables.add(Assessment, id=assessment_id, province_id=province_id, scheme_code=scheme.code,
               scheme_version=scheme.version, period_id=period_id, unit_id=unit_id,
               state="draft", created_at=now)
    for row in scheme.leaves:
        values = _answer_values(row, rng)
        tables.add(Answer, id=ids.next("answer"), province_id=province_id,
                   assessment_id=assessment_id, code=row.code, text=None, not_assessed=False,
                   version=1, updated_at=now, updated_by_id=None, **values)
        if row.evidence_required:
            evidence_id = ids.next("evidence")
            digest = hashlib.sha256(f"{assessment_id}/{row.code}".encode()).hexdigest()
            tables.add(Evidence, id=evidence_id, province_id=province_id, unit_id=unit_id,
                       sha256=digest, kind="pdf", filename=f"kiem-chung-{row.code}.pdf",
                       size=rng.randint(50_000, 5_000_000), url=None,
                       title=f"Tài liệu kiểm chứng chỉ số {row.code}",
                       doc_number=f"{rng.randint(1, 999)}/KH-UBND", doc_date=date(2024, 3, 1),
                       issuer="Ủy ban nhân dân", uploaded_by_id=None, uploaded_at=now)
            tables.add(EvidenceLink, id=ids.next("evidence_link"), province_id=province_id,
                       evidence_id=evidence_id, assessment_id=assessment_id, code=row.code,
                       created_at=now)


def _answer_values(row, rng) -> dict:
    """What the entry form stores for one row: the value, and the self-score it proposes (none
    for relative and inverse rows, which only the group can score)."""
    values = {"value": None, "numerator": None, "denominator": None, "self_score": None}
    if row.method == "ratio":
        denominator = rng.randint(10, 200)
        values["numerator"] = Decimal(rng.randint(0, denominator))
        values["denominator"] = Decimal(denominator)
    elif row.method == "boolean":
        values["value"] = Decimal(rng.random() < 0.7)
    elif row.method == "relative":
        values["value"] = Decimal(rng.randint(0, 1000))
    elif row.method == "inverse":
        values["value"] = Decimal(rng.randint(0, 50))
    elif row.method == "manual":
        values["self_score"] = Decimal(rng.randint(0, int(row.max_points) * 4)) / 4
        return values
    # No self-score: the method's proposal is worked out from the value (never stored as typed).
    return values


def _advance_sequences(conn, tables) -> None:
    """Keys were chosen here: move PostgreSQL's sequences past them for the app's own inserts."""
    for model in dict(tables.in_order()):
        table = model.__table__
        last = conn.execute(select(func.max(table.c.id))).scalar()
        if last:
            conn.execute(text("SELECT setval(pg_get_serial_sequence(:table, 'id'), :last)"),
                         {"table": f'"{table.name}"', "last": last})
