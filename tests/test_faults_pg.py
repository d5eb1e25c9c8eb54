"""A PostgreSQL server stopped and started again under a running app (PostgreSQL pass only):
a server of the test's own (initdb/pg_ctl, as ./manage.sh does), never the shared one.

The readiness check follows the server down and up, the liveness check stays up, and the same
app object serves again after the restart with no worker restart (pool_pre_ping)."""
from __future__ import annotations

import glob
import os
import shutil
import socket
import subprocess
import tempfile

import pytest
from sqlalchemy import text

from app import create_app
from app.extensions import db
from tests.conftest import _config

pytestmark = pytest.mark.postgres_only


def _as_postgres(command: str) -> None:
    if os.getuid() == 0:
        subprocess.run(["su", "postgres", "-s", "/bin/sh", "-c", command], check=True,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    else:
        subprocess.run(["sh", "-c", command], check=True, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)


@pytest.fixture
def private_server():
    binaries = sorted(glob.glob("/usr/lib/postgresql/*/bin"))
    if not binaries:
        pytest.fail("PostgreSQL binaries not found under /usr/lib/postgresql")
    pg = binaries[-1]
    folder = tempfile.mkdtemp(prefix="chiso-pg-fault-")
    if os.getuid() == 0:
        shutil.chown(folder, "postgres")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    _as_postgres(f"{pg}/initdb -D {folder}/data -U postgres -A trust -E UTF8 --no-sync")
    options = (f"-p {port} -k {folder} -c listen_addresses=127.0.0.1 -c fsync=off "
               "-c max_connections=20 -c shared_buffers=8MB")
    start = f"{pg}/pg_ctl -D {folder}/data -l {folder}/log -w -o '{options}' start"
    stop = f"{pg}/pg_ctl -D {folder}/data -w -m fast stop"
    _as_postgres(start)
    try:
        yield {"url": f"postgresql://postgres@127.0.0.1:{port}/postgres",
               "stop": lambda: _as_postgres(stop), "start": lambda: _as_postgres(start)}
    finally:
        _as_postgres(f"{pg}/pg_ctl -D {folder}/data -m immediate stop || true")
        shutil.rmtree(folder, ignore_errors=True)


def test_readiness_follows_a_restart_and_the_app_heals_by_itself(private_server, tmp_path):
    app = create_app(_config(private_server["url"], tmp_path))
    client = app.test_client()
    with app.app_context():
        db.session.execute(text("CREATE TABLE note (body text)"))
        db.session.commit()
    assert client.get("/readyz").status_code == 200
    private_server["stop"]()
    assert client.get("/readyz").status_code == 503
    assert client.get("/healthz").status_code == 200
    private_server["start"]()
    assert client.get("/readyz").status_code == 200  # the same app, no restart
    with app.app_context():
        db.session.execute(text("INSERT INTO note VALUES ('sau khi khởi động lại')"))
        db.session.commit()
        assert db.session.scalar(text("SELECT count(*) FROM note")) == 1
        db.session.remove()
        db.engine.dispose()
