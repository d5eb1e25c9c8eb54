"""The light form (issue 15 item 1): HTML bytes and in-process CPU of the assessment form and of
a row save, through Flask's test client on a throwaway SQLite database holding the demo data.

    .venv/bin/python -m benchmarks.form_light [requests] [--bench]

Prints, per demo form: rows, HTML KB, median CPU ms and SQL statements per GET and per htmx
row save (sent from the form's page, as a browser sends it); with ``--bench``, also the
70-row form of benchmarks/run.py's national instance (its small size, generated here). Then
the floors on the same client: /healthz and an authenticated page with next to nothing on it.
Not a test: speed stays out of the test suite."""
from __future__ import annotations

import contextlib
import io
import statistics
import sys
import tempfile
import time
from pathlib import Path

from app import create_app
from app.cli import DEMO_PASSWORD, DEMO_PERIOD
from app.extensions import db

FORMS = {  # demo unit user → (form path, a row to save with a value field)
    # Yên Định's 2022 results are published (seed 004): the benchmark fills 2023, opened below.
    "thanhhoa": ("/assessments/thanhhoa-huyen-2022/2023/394", "1.1"),
    "dienbien": ("/assessments/dienbien-so-2022/2022/dienbien.so-tttt", "1.1"),
}


def _app(folder: Path):
    from flask_migrate import upgrade

    from app.services.demo import demo_units, load_demo
    app = create_app({"DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite'}", "SECRET_KEY": "bench",
                      "WTF_CSRF_ENABLED": False, "UPLOAD_DIR": str(folder / "uploads")})
    with app.app_context():
        upgrade()
        registry = app.extensions["chiso"]
        list(load_demo(registry, demo_units(registry), DEMO_PERIOD, DEMO_PASSWORD))
        _open_yendinh_2023(app)
        db.session.remove()
    return app


def _open_yendinh_2023(app) -> None:
    """A period Yên Định can still fill, holding its 2022 answers (values, scores, a link each)."""
    from sqlalchemy import select

    from app import clock, tenancy
    from app.models import Answer, Assessment, Province, Unit
    from app.services.periods import open_period
    registry = app.extensions["chiso"]
    with tenancy.unscoped():
        province = db.session.scalar(select(Province).where(Province.code == "thanhhoa"))
    with tenancy.scoped(province.id):
        period, _ = open_period(registry, "thanhhoa-huyen-2022", "2023", clock.today())
        unit = db.session.scalar(select(Unit).where(Unit.code == "394"))
        old = db.session.scalar(select(Assessment).where(Assessment.unit_id == unit.id,
                                                         Assessment.period_id != period.id))
        new = Assessment(scheme_code=old.scheme_code, scheme_version=old.scheme_version,
                         period_id=period.id, unit_id=unit.id, state="draft")
        db.session.add(new)
        for answer in old.answers:
            db.session.add(Answer(assessment=new, code=answer.code, value=answer.value,
                                  numerator=answer.numerator, denominator=answer.denominator,
                                  self_score=answer.self_score,
                                  explanation="Giải trình mẫu cho chỉ tiêu " + answer.code))
        db.session.commit()


def _cpu_ms(call, requests: int) -> float:
    used = []
    for n in range(requests):
        start = time.process_time()
        response = call(n)
        used.append(time.process_time() - start)
        if response.status_code != 200:
            raise RuntimeError(f"answered {response.status_code}: {response.get_data(as_text=True)[:3000]}")
    return statistics.median(used) * 1000


class _Statements:
    """SQL statements sent while counting (one request at a time)."""

    def __init__(self, app):
        from sqlalchemy import event
        self.count = 0
        with app.app_context():
            event.listen(db.engine, "before_cursor_execute", self._seen)

    def _seen(self, *_args) -> None:
        self.count += 1

    def of(self, call) -> int:
        self.count = 0
        call(0)
        return self.count


def _bench_forms(folder: Path):
    """The 70-row form of benchmarks/run.py (its small national instance): the app, and the
    (user, form path) of a reader and of a writer."""
    from benchmarks import generate
    from benchmarks.run import SMALL
    from benchmarks.scheme import install
    url = f"sqlite:///{folder / 'national.sqlite'}"
    with contextlib.redirect_stderr(io.StringIO()):  # alembic's INFO lines
        instance = generate.generate(create_app({"DATABASE_URL": url, "SECRET_KEY": "bench"}),
                                     SMALL.size, log=lambda *_: None)
    app = create_app({"DATABASE_URL": url, "SECRET_KEY": "bench", "WTF_CSRF_ENABLED": False})
    install(app.extensions["chiso"], instance.provinces)
    return app, [(user["email"], generate.PASSWORD,
                  f"/assessments/{user['scheme']}/{user['period']}/{user['unit']}", "1.3")
                 for user in instance.unit_users[:2]]


def _client(app, email: str, password: str):
    client = app.test_client()
    client.post("/login", data={"email": email, "password": password})
    return client


def _measure(app, label, reader, writer, value, requests, statements):
    """One form: ``reader`` (email, password, form path, row code) views it, ``writer`` saves
    ``value(n)`` into its row, from its form's page as a browser does (HX-Current-URL)."""
    client = _client(app, *reader[:2])
    html = client.get(reader[2]).get_data()
    get = lambda n: client.get(reader[2])
    get_ms, get_sql = _cpu_ms(get, requests), statements.of(get)
    saver, (_, _, path, code) = _client(app, *writer[:2]), writer
    headers = {"HX-Request": "true", "HX-Current-URL": f"http://localhost{path}"}
    save = lambda n: saver.post(f"{path}/rows/{code}",
                                data={f"{code}__value": value(n)}, headers=headers)
    save_ms, save_sql = _cpu_ms(save, requests), statements.of(save)
    rows = html.count(b'class="entry-row')
    print(f"{label:10} {rows:5d} {len(html) / 1024:8.1f} {get_ms:11.2f} {get_sql:8d} "
          f"{save_ms:12.2f} {save_sql:9d}")
    return client


def main(requests: int = 50, bench: bool = False) -> None:
    with tempfile.TemporaryDirectory() as folder:
        app = _app(Path(folder))
        statements = _Statements(app)
        print(f"{'form':10} {'rows':>5} {'HTML KB':>8} {'GET CPU ms':>11} {'GET SQL':>8} "
              f"{'save CPU ms':>12} {'save SQL':>9}")
        for province, (path, code) in FORMS.items():
            user = (f"unit_user.{province}@demo.chiso.vn", DEMO_PASSWORD, path, code)
            client = _measure(app, province, user, user, lambda n: str(n % 2), requests,
                              statements)
        if bench:
            national, (reader, writer) = _bench_forms(Path(folder))
            # The first unit user reads its form, the second saves in its own (1.3: a row
            # compared with the group), as benchmarks/run.py measures them.
            _measure(national, "national", reader, writer, lambda n: str(100 + n % 50),
                     requests, _Statements(national))
        for path in ("/healthz", "/account/password"):  # the floors, on the same client
            ms = _cpu_ms(lambda n, path=path: client.get(path), requests)
            print(f"  floor {path:18} {ms:6.2f} ms CPU")


if __name__ == "__main__":
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    main(int(args[0]) if args else 50, "--bench" in sys.argv)
