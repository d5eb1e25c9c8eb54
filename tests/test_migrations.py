"""Migrations build the schema from empty and upgrade an existing database keeping its data."""
import os

from flask_migrate import downgrade, upgrade
from sqlalchemy import inspect, text

from app import create_app
from app.extensions import db
from tests.conftest import PG_URL, _pg_admin, _pg_url

FIRST = "113d02244c34"  # core: provinces, plugins, units, users, periods


def _fresh_app(tmp_path):
    if PG_URL:
        name = f"chiso_mig_{os.getpid()}"
        with _pg_admin().connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(text(f'CREATE DATABASE "{name}"'))
        url = _pg_url(name)
    else:
        url = f"sqlite:///{tmp_path / 'migrate.sqlite'}"
    return create_app({"TESTING": True, "DATABASE_URL": url, "SECRET_KEY": "t"})


def test_upgrade_from_an_older_schema_keeps_the_data(tmp_path):
    app = _fresh_app(tmp_path)
    with app.app_context():
        upgrade(revision=FIRST)
        with db.engine.begin() as conn:
            conn.execute(text("INSERT INTO province (code, name, official_code, public_results) "
                              "VALUES ('dienbien', 'Điện Biên', '11', false)"))
            conn.execute(text("INSERT INTO unit (province_id, code, official, name, type) "
                              "SELECT id, '094', true, 'Thành phố Điện Biên Phủ', 'huyen' "
                              "FROM province"))
        upgrade()  # to head, as `flask --app wsgi db upgrade` does on a live instance
        tables = set(inspect(db.engine).get_table_names())
        with db.engine.connect() as conn:
            names = conn.execute(text("SELECT name FROM unit")).scalars().all()
        db.engine.dispose()
    assert names == ["Thành phố Điện Biên Phủ"]
    assert {"assessment", "answer", "evidence", "audit_event", "question", "login_attempt"} <= tables


def test_every_migration_downgrades_to_empty(tmp_path):
    app = _fresh_app(tmp_path)
    with app.app_context():
        upgrade()
        downgrade(revision="base")
        left = set(inspect(db.engine).get_table_names()) - {"alembic_version"}
        db.engine.dispose()
    assert left == set()
