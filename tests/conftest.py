"""Test fixtures: an app per test on a copy of a migrated database holding the demo data.

The database is SQLite by default. With CHISO_TEST_DATABASE_URL set to a PostgreSQL server URL
(e.g. postgresql://postgres@127.0.0.1:5433/postgres), the same tests run on PostgreSQL: the
template is built once and each test gets `CREATE DATABASE … TEMPLATE …`.
"""
from __future__ import annotations

import itertools
import os
import shutil

import pytest
from sqlalchemy import create_engine, text

from app import create_app, tenancy
from app.cli import DEMO_PASSWORD, DEMO_PERIOD
from app.extensions import db

PG_URL = os.environ.get("CHISO_TEST_DATABASE_URL", "").replace("postgresql://", "postgresql+psycopg://", 1) or None
_counter = itertools.count()
# The plugins the core's tests run with, named rather than read from the installed entry points,
# so that installing a fourth province's plugin does not change what they see.
SHIPPED_PLUGINS = ("dienbien", "thanhhoa", "yenbai")


def shipped_registry(*more: str):
    """The shipped plugins' registry, plus the installed test plugins named in ``more``."""
    from app.plugins import Registry
    return Registry().discover(names=SHIPPED_PLUGINS + more)


def _config(url: str, tmp_path) -> dict:
    return {
        "TESTING": True,
        "DATABASE_URL": url,
        "SECRET_KEY": "test",
        "WTF_CSRF_ENABLED": False,
        "UPLOAD_DIR": str(tmp_path / "uploads"),
        "PLUGINS": SHIPPED_PLUGINS,
    }


def _build(app) -> None:
    from flask_migrate import upgrade

    from app.services.demo import demo_units, load_demo
    with app.app_context():
        upgrade()
        # Users, units and open periods only: tests start from empty forms and the 2022
        # structure (demo values and the demo's 2025 communes have their own tests).
        registry = app.extensions["chiso"]
        list(load_demo(registry, demo_units(registry), DEMO_PERIOD, DEMO_PASSWORD,
                       values=False, communes=False))
        db.session.remove()
        db.engine.dispose()


def _pg_admin():
    return create_engine(PG_URL, isolation_level="AUTOCOMMIT")


def _pg_url(name: str) -> str:
    return PG_URL.rsplit("/", 1)[0] + "/" + name


def _compile_translations() -> None:
    """The .mo files are build output (./manage.sh setup makes them); tests make their own."""
    import pathlib

    from babel.messages.mofile import write_mo
    from babel.messages.pofile import read_po
    for po in (pathlib.Path(__file__).parent.parent / "app" / "translations").glob("*/*/*.po"):
        with open(po, "rb") as source, open(po.with_suffix(".mo"), "wb") as target:
            write_mo(target, read_po(source))


@pytest.fixture(scope="session")
def template_db(tmp_path_factory):
    _compile_translations()
    base = tmp_path_factory.mktemp("template")
    if PG_URL:
        name = f"chiso_tpl_{os.getpid()}"
        with _pg_admin().connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        _build(create_app(_config(_pg_url(name), base)))
        yield name
        with _pg_admin().connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    else:
        path = base / "template.sqlite"
        _build(create_app(_config(f"sqlite:///{path}", base)))
        yield path


@pytest.fixture
def database_url(template_db, tmp_path):
    if PG_URL:
        name = f"chiso_t_{os.getpid()}_{next(_counter)}"
        with _pg_admin().connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}" TEMPLATE "{template_db}"'))
        yield _pg_url(name)
        with _pg_admin().connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    else:
        path = tmp_path / "test.sqlite"
        shutil.copy(template_db, path)
        yield f"sqlite:///{path}"


@pytest.fixture
def app(database_url, tmp_path):
    app = create_app(_config(database_url, tmp_path))
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture
def ctx(app):
    """An app context with no province bound: tests say which one they read."""
    with app.app_context():
        yield app


def login(client, email: str, password: str = DEMO_PASSWORD):
    response = client.post("/login", data={"email": email, "password": password})
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return response


def demo(role: str, province: str | None = None) -> str:
    return f"{role}.{province}@demo.chiso.vn" if province else f"{role}@demo.chiso.vn"


@pytest.fixture
def as_user(client):
    """`as_user("province_admin", "dienbien")` logs the test client in as that demo user."""
    def _login(role, province=None):
        login(client, demo(role, province))
        return client
    return _login


def province_id(app, code: str) -> int:
    from sqlalchemy import select

    from app.models import Province
    with app.app_context(), tenancy.unscoped():
        return db.session.scalar(select(Province.id).where(Province.code == code))


@pytest.fixture
def on_day(monkeypatch):
    """`on_day(date(2026, 11, 10))`: the product's clock (app.clock) reads that day, so a test
    states the day it is about instead of depending on the day it runs."""
    from app import clock

    def _move(day):
        monkeypatch.setattr(clock, "today", lambda: day)
        return day
    return _move


def pytest_configure(config):
    config.addinivalue_line("markers", "postgres_only: runs in the PostgreSQL pass only (it needs "
                                       "PostgreSQL's locking, or a PostgreSQL server of its own)")


def pytest_collection_modifyitems(config, items):
    """The SQLite pass leaves out tests that need a PostgreSQL server: deselected, not skipped
    (a skipped test fails CI). What users see of them has SQLite equivalents (tests/test_faults.py,
    the two-senders test of tests/test_mail.py)."""
    if PG_URL:
        return
    dropped = [item for item in items if item.get_closest_marker("postgres_only")]
    if dropped:
        config.hook.pytest_deselected(items=dropped)
        items[:] = [item for item in items if item not in dropped]
