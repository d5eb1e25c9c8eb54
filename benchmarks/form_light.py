"""The light form (issue 15 item 1): HTML bytes and in-process CPU of the assessment form and of
a row save, through Flask's test client on a throwaway SQLite database holding the demo data.

    .venv/bin/python -m benchmarks.form_light [requests]

Prints, per demo form: rows, HTML KB, median CPU ms per GET, median CPU ms per htmx row save.
Not a test: speed stays out of the test suite."""
from __future__ import annotations

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


def main(requests: int = 50) -> None:
    with tempfile.TemporaryDirectory() as folder:
        app = _app(Path(folder))
        print(f"{'form':10} {'rows':>5} {'HTML KB':>8} {'GET CPU ms':>11} {'save CPU ms':>12}")
        for province, (path, code) in FORMS.items():
            client = app.test_client()
            client.post("/login", data={"email": f"unit_user.{province}@demo.chiso.vn",
                                        "password": DEMO_PASSWORD})
            page = client.get(path)
            html = page.get_data()
            rows = html.count(b'class="entry-row')
            get_ms = _cpu_ms(lambda n, client=client, path=path: client.get(path), requests)
            field = f"{code}__value"
            save_ms = _cpu_ms(lambda n, client=client, url=f"{path}/rows/{code}", field=field: client.post(
                url, data={field: str(n % 2)}, headers={"HX-Request": "true"}), requests)
            print(f"{province:10} {rows:5d} {len(html) / 1024:8.1f} {get_ms:11.2f} {save_ms:12.2f}")


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 50)
