#!/usr/bin/env bash
# Chỉ số on a fresh machine. `./manage.sh run` sets up and serves the app with demo data;
# `./manage.sh test` runs the whole test suite, on SQLite and then on PostgreSQL.
set -euo pipefail
cd "$(dirname "$0")"
VENV=.venv
PY=$VENV/bin/python
export FLASK_APP=wsgi

setup() {
  [ -x "$PY" ] || python3 -m venv "$VENV"
  "$PY" -m pip install -q --disable-pip-version-check -e '.[test]'
  # Front-end packages come from the npm registry, pinned, checksums verified by npm ci.
  npm ci --no-audit --no-fund --silent
  mkdir -p static/vendor
  cp node_modules/htmx.org/dist/htmx.min.js static/vendor/htmx.min.js
}

run() {
  setup
  "$VENV/bin/flask" db upgrade
  "$VENV/bin/flask" demo
  echo "Mở http://127.0.0.1:5000 (Ctrl+C để dừng)"
  exec "$VENV/bin/flask" run --host 127.0.0.1 --port 5000
}

serve() {
  # Production: gunicorn, one worker per core plus one (benchmarks/run.py: a better p95 than two
  # per core, whose extra workers only queue for the same cores); settings from CHISO_* (README).
  setup
  : "${CHISO_SECRET_KEY:?CHISO_SECRET_KEY chưa đặt}"
  export CHISO_ENV=production
  "$VENV/bin/flask" db upgrade
  local workers=$(( $(nproc) + 1 ))
  exec "$VENV/bin/gunicorn" --workers "${CHISO_WORKERS:-$workers}" --bind "${CHISO_BIND:-0.0.0.0:8000}" \
    --timeout 120 --access-logfile - wsgi:app
}

as_postgres() {
  if [ "$(id -u)" = 0 ]; then su postgres -s /bin/sh -c "$*"; else sh -c "$*"; fi
}

start_postgres() {
  # A private PostgreSQL server on loopback for the tests, installed from Debian if missing.
  if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql
  fi
  PGBIN=$(ls -d /usr/lib/postgresql/*/bin | sort -V | tail -n 1)
  PGTMP=$(mktemp -d /tmp/chiso-pg.XXXXXX)
  [ "$(id -u)" = 0 ] && chown postgres "$PGTMP"
  PGPORT=${CHISO_TEST_PG_PORT:-$(python3 -c "import socket; s=socket.socket(); s.bind(('127.0.0.1', 0)); print(s.getsockname()[1])")}
  as_postgres "$PGBIN/initdb -D $PGTMP/data -U postgres -A trust -E UTF8 --locale=C.UTF-8 --no-sync" >/dev/null
  as_postgres "$PGBIN/pg_ctl -D $PGTMP/data -l $PGTMP/log -w -o '-p $PGPORT -k $PGTMP -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off' start" >/dev/null
  trap 'as_postgres "$PGBIN/pg_ctl -D $PGTMP/data -m immediate stop" >/dev/null 2>&1; rm -rf "$PGTMP"' EXIT
  export CHISO_TEST_DATABASE_URL="postgresql://postgres@127.0.0.1:$PGPORT/postgres"
}

ensure_chromium() {
  # The browser tests drive Debian's Chromium; Playwright never downloads a browser of its own.
  if [ ! -x /usr/bin/chromium ]; then
    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium
  fi
}

ensure_nginx() {
  # tests/test_two_servers.py runs two app servers behind Debian's nginx (deploy/).
  if [ ! -x /usr/sbin/nginx ]; then
    apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q nginx
  fi
}

run_tests() {
  setup
  ensure_chromium
  ensure_nginx
  echo "== Tests on SQLite"
  "$PY" -m pytest "$@"
  start_postgres
  echo "== Tests on PostgreSQL"
  "$PY" -m pytest "$@"
}

case "${1:-}" in
  setup) setup ;;
  run) run ;;
  serve) serve ;;
  test) shift; run_tests "$@" ;;
  *) echo "Dùng: ./manage.sh run | test | setup | serve" >&2; exit 2 ;;
esac
