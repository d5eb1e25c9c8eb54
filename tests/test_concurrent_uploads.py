"""Twelve identical uploads at once to one row make one evidence record and one link; the
others are told the file is already there (issue 18, item 7). The API answers 201 to the one
that stored it and 200 with that same record to the others."""
from __future__ import annotations

import io
import threading

from sqlalchemy import func, select

from app import tenancy
from app.extensions import db
from app.models import Evidence, EvidenceLink, Period, Unit
from app.services import assessments as svc
from tests.conftest import demo, login, province_id
from tests.test_api import token
from tests.test_evidence import FORM, HX, PDF

SCHEME, UNIT = "dienbien-so-2022", "dienbien.so-tttt"
API = f"/api/v1/assessments/{SCHEME}/2022/{UNIT}/evidence"
TIMES = 12


def existing_assessment(app) -> None:
    """The assessment exists already: two first writes at once are another matter (item
    «Faults» of the same issue)."""
    with app.app_context(), tenancy.scoped(province_id(app, "dienbien")):
        period = db.session.scalar(select(Period).where(Period.scheme_code == SCHEME,
                                                        Period.code == "2022"))
        unit = db.session.scalar(select(Unit).where(Unit.code == UNIT))
        svc.get_assessment(app.extensions["chiso"].schemes[SCHEME], period, unit, create=True)
        db.session.commit()


def at_once(send) -> list:
    """``send()`` from TIMES threads released together; their responses."""
    start, results = threading.Barrier(TIMES), [None] * TIMES

    def run(index):
        start.wait()
        results[index] = send(index)
    threads = [threading.Thread(target=run, args=(i,)) for i in range(TIMES)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def records(app) -> tuple[int, int]:
    with app.app_context(), tenancy.scoped(province_id(app, "dienbien")):
        return (db.session.scalar(select(func.count()).select_from(Evidence)),
                db.session.scalar(select(func.count()).select_from(EvidenceLink)))


def test_parallel_api_uploads_make_one_record(app):
    existing_assessment(app)
    bearer = {"Authorization": f"Bearer {token(app, 'unit_user')}"}
    clients = [app.test_client() for _ in range(TIMES)]

    def send(index):
        response = clients[index].post(API, headers=bearer, content_type="multipart/form-data",
                                       data={"indicator": "2.1",
                                             "file": (io.BytesIO(PDF), "ke-hoach.pdf")})
        return response.status_code, (response.get_json() or {}).get("id")

    results = at_once(send)
    assert records(app) == (1, 1)
    statuses = sorted(status for status, _id in results)
    assert statuses == [200] * (TIMES - 1) + [201], statuses
    assert len({found for _status, found in results}) == 1  # every answer names the one record


def test_parallel_web_uploads_make_one_record(app):
    existing_assessment(app)
    clients = [app.test_client() for _ in range(TIMES)]
    for client in clients:
        login(client, demo("unit_user", "dienbien"))

    def send(index):
        response = clients[index].post(f"{FORM}/rows/2.1/evidence", headers=HX,
                                       content_type="multipart/form-data",
                                       data={"2.1__ev_file": (io.BytesIO(PDF), "ke-hoach.pdf")})
        return response.status_code, response.get_data(as_text=True)

    results = at_once(send)
    assert records(app) == (1, 1)
    assert [status for status, _page in results] == [200] * TIMES
    told = sum("Tệp này đã có" in page for _status, page in results)
    assert told == TIMES - 1


def test_the_migration_merges_duplicates_made_before(tmp_path):
    """Records duplicated by earlier races become one, its links kept (one per row)."""
    from flask_migrate import upgrade
    from sqlalchemy import text

    from tests.test_migrations import _fresh_app
    app = _fresh_app(tmp_path)
    with app.app_context():
        upgrade(revision="5c1e7a0b9d23")
        with db.engine.begin() as conn:
            run = conn.execute
            run(text("INSERT INTO province (id, code, name, official_code, public_results) "
                     "VALUES (1, 'dienbien', 'Điện Biên', '11', false)"))
            run(text("INSERT INTO unit (id, province_id, code, official, name, type) "
                     "VALUES (1, 1, 'so', true, 'Sở', 'so')"))
            run(text("INSERT INTO period (id, province_id, scheme_code, code, type, state, "
                     "deadline, opened_at) VALUES (1, 1, 's', '2022', 'year', 'open', "
                     "'2023-01-31', '2022-01-01')"))
            run(text("INSERT INTO assessment (id, province_id, scheme_code, scheme_version, "
                     "period_id, unit_id, state, created_at) "
                     "VALUES (1, 1, 's', 1, 1, 1, 'draft', '2022-01-01')"))
            for evidence in (1, 2, 3):
                run(text("INSERT INTO evidence (id, province_id, unit_id, sha256, kind, "
                         "uploaded_at) VALUES (:id, 1, 1, :sha, 'pdf', '2022-01-01')"),
                    {"id": evidence, "sha": "a" * 64})
            for link, evidence, code in ((1, 1, "2.1"), (2, 2, "2.1"), (3, 3, "2.2")):
                run(text("INSERT INTO evidence_link (id, province_id, evidence_id, "
                         "assessment_id, code, created_at) VALUES (:id, 1, :ev, 1, :code, "
                         "'2022-01-01')"), {"id": link, "ev": evidence, "code": code})
        upgrade()
        with db.engine.connect() as conn:
            kept = conn.execute(text("SELECT id FROM evidence")).scalars().all()
            links = conn.execute(text("SELECT evidence_id, code FROM evidence_link "
                                      "ORDER BY code")).all()
        db.engine.dispose()
    assert kept == [1]
    assert [tuple(link) for link in links] == [(1, "2.1"), (1, "2.2")]
