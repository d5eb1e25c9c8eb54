"""Deadline-day load, open loop, through the production layout (issue 15). Numbers, not tests.

    python benchmarks/load_mix.py --small          # a short run: 4 provinces, a few s per step
    python benchmarks/load_mix.py                  # the full run (national instance)
    python benchmarks/load_mix.py --pg postgresql://postgres@127.0.0.1:5432/postgres

A generated instance (benchmarks/generate.py) on PostgreSQL (a private server on loopback
unless --pg names one), served by deploy/cluster.py: nginx in front of N gunicorn servers.
Thousands of unit users of every province but one are logged in first; then Locust
(benchmarks/locust_mix.py) sends the 80 % pages / 20 % saves mix at fixed arrival rates
(each user on its own schedule: a slow answer does not slow the arrivals), step after step,
until p95 passes 300 ms or errors appear. Each step reports the rate achieved, p50/p95/p99,
errors and the CPU of the app servers, the database, nginx and Locust itself (all on the same cores).
Each layout (servers × workers) gets its own steps. Then a publication-day burst (wrk) on the
last province's public results page, through nginx's cache and straight from an app server,
against /healthz through nginx.
"""
from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import os
import re
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import psutil
import requests
from sqlalchemy import create_engine, text

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from benchmarks import generate, load, pg  # noqa: E402
from benchmarks.generate import PASSWORD  # noqa: E402
from benchmarks.run import Table, make_app, say, yes  # noqa: E402
from benchmarks.scheme import build_scheme  # noqa: E402
from deploy.cluster import Cluster  # noqa: E402

CORES = os.cpu_count() or 1
LOCUSTFILE = os.path.join(REPO, "benchmarks", "locust_mix.py")
P95_LIMIT_MS = 300


@dataclass(frozen=True)
class Plan:
    size: generate.Size
    sessions: int  # distinct logged-in officials
    rates: tuple[int, ...]
    pacing: float  # seconds between two requests of one simulated user
    seconds: int  # measured part of each step, after one pacing interval of ramp
    burst_seconds: int
    layouts: tuple[tuple[int, int], ...]  # (servers, gunicorn workers each)


FULL = Plan(generate.FULL, sessions=3000, rates=(25, 50, 75, 100, 200, 400, 800), pacing=10,
            seconds=30, burst_seconds=10,
            layouts=((1, CORES + 1), (1, 2 * CORES), (2, CORES)))
SMALL = Plan(generate.SMALL, sessions=80, rates=(20, 40, 60, 80), pacing=2, seconds=4,
             burst_seconds=3, layouts=((2, CORES),))


# -- the instance ---------------------------------------------------------------------------
def publish_last_province(url: str, province: str) -> None:
    """Publication day for one province: its period's results published and public. Set in
    SQL, as the demo's history is: the benchmark measures reading them, not publishing."""
    engine = create_engine(url.replace("postgresql://", "postgresql+psycopg://", 1))
    with engine.begin() as conn:
        province_id, period_id, scheme = conn.execute(text(
            "SELECT p.id, pe.id, pe.scheme_code FROM province p JOIN period pe "
            "ON pe.province_id = p.id WHERE p.code = :code"), {"code": province}).one()
        conn.execute(text("UPDATE assessment SET state = 'published' WHERE period_id = :id"),
                     {"id": period_id})
        conn.execute(text("INSERT INTO publication (province_id, scheme_code, period_id, "
                          "published_at) VALUES (:p, :s, :id, now())"),
                     {"p": province_id, "s": scheme, "id": period_id})
        conn.execute(text("UPDATE province SET public_results = true WHERE id = :p"),
                     {"p": province_id})
    engine.dispose()


def log_in_all(base_url: str, users: list[dict], out: str) -> str:
    """Log every official in (through nginx), keep cookie, CSRF token, form and number rows."""
    number_rows: dict[str, list[str]] = {}

    def one(user: dict) -> dict:
        browser = requests.Session()
        page = browser.get(f"{base_url}/login").text
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        done = browser.post(f"{base_url}/login", allow_redirects=False, data={
            "email": user["email"], "password": PASSWORD, "csrf_token": token})
        if done.status_code != 302:
            raise RuntimeError(f"login of {user['email']}: {done.status_code}")
        form = load.form_path(user)
        page = browser.get(f"{base_url}{form}").text
        province = user["unit"].split(".")[0]
        if province not in number_rows:
            number_rows[province] = [r.code for r in build_scheme(province).leaves
                                     if r.method in ("relative", "inverse")]
        return {"cookie": "; ".join(f"{k}={v}" for k, v in browser.cookies.items()),
                "token": re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1),
                "form": form, "rows": number_rows[province]}

    with ThreadPoolExecutor(2 * CORES) as pool:
        sessions = list(pool.map(one, users))
    path = os.path.join(out, "sessions.json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(sessions, f)
    return path


def spread(users: list[dict], count: int) -> list[dict]:
    """``count`` unit users taken evenly over the list: every province, every kind of unit."""
    step = max(1, len(users) // count)
    return users[::step][:count]


def warm(cluster: Cluster, sessions_path: str, workers: int) -> None:
    """Every page kind a few times per worker, so that each worker has compiled its templates
    and opened its database connections before the first measured step."""
    with open(sessions_path, encoding="utf-8") as f:
        sessions = json.load(f)

    def visit(n: int) -> None:
        session = sessions[n % len(sessions)]
        for path in (session["form"], "/assessments", "/dashboards", "/rankings"):
            requests.get(cluster.url + path, headers={"Cookie": session["cookie"]},
                         allow_redirects=False)

    with ThreadPoolExecutor(workers) as pool:
        list(pool.map(visit, range(3 * workers)))


# -- CPU ------------------------------------------------------------------------------------
def _cpu(pids: list[int]) -> float:
    total = 0.0
    for pid in pids:
        with contextlib.suppress(psutil.Error):
            t = psutil.Process(pid).cpu_times()
            total += t.user + t.system
    return total


def _tree(pid: int | None) -> list[int]:
    if pid is None:
        return []
    with contextlib.suppress(psutil.Error):
        return [pid, *(c.pid for c in psutil.Process(pid).children(recursive=True))]
    return []


def postmaster_pid(server_url: str, private: pg.Server | None) -> int | None:
    """The PostgreSQL server's main process: from its pid file when we started it, else the
    process listening on its port (when visible: CPU of a shared server includes others')."""
    if private is not None:
        with open(os.path.join(private.dir, "data", "postmaster.pid")) as f:
            return int(f.readline())
    port = int(re.search(r":(\d+)/", server_url).group(1))
    with contextlib.suppress(psutil.Error):
        for conn in psutil.net_connections("tcp"):
            if conn.status == "LISTEN" and conn.laddr.port == port and conn.pid:
                return conn.pid
    return None


class Meters:
    """CPU seconds of each party, read before and after a step."""

    def __init__(self, cluster: Cluster, db_pid: int | None):
        self.cluster, self.db_pid = cluster, db_pid

    def read(self) -> dict[str, float]:
        return {"app": _cpu([p for s in self.cluster.app_servers for p in s.pids()]),
                "db": _cpu(_tree(self.db_pid)) if self.db_pid else float("nan"),
                "nginx": _cpu(_tree(self.cluster.nginx.pid))}


# -- one step -------------------------------------------------------------------------------
@dataclass
class Step:
    rate: int
    achieved: float
    requests: int
    failures: int
    p50: float
    p95: float
    p99: float
    cores: dict[str, float]
    by_name: list[dict]

    @property
    def ok(self) -> bool:
        return self.failures == 0 and self.p95 <= P95_LIMIT_MS and self.requests > 0


def run_step(cluster: Cluster, meters: Meters, sessions: str, plan: Plan, rate: int,
             out: str, label: str) -> Step:
    users = max(1, round(rate * plan.pacing))
    prefix = os.path.join(out, f"locust-{label}-{rate}")
    command = [sys.executable, "-m", "locust", "-f", LOCUSTFILE, "--headless",
               "--host", cluster.url, "-u", str(users),
               "-r", f"{users / plan.pacing:.3f}",  # the ramp takes one pacing: even arrivals
               "--run-time", f"{plan.pacing + plan.seconds:.0f}s", "--reset-stats",
               "--stop-timeout", str(int(plan.pacing)), "--csv", prefix, "--only-summary",
               "--loglevel", "WARNING"]
    env = dict(os.environ, CHISO_MIX_SESSIONS=sessions, CHISO_MIX_PACING=str(plan.pacing))
    before, started = meters.read(), time.monotonic()
    with open(prefix + ".log", "wb") as log:
        process = subprocess.Popen(command, env=env, stdout=log, stderr=log)
        _pid, _status, usage = os.wait4(process.pid, 0)
        process.returncode = 0
    wall = time.monotonic() - started
    after = meters.read()
    cores = {k: (after[k] - before[k]) / wall for k in after}
    cores["locust"] = (usage.ru_utime + usage.ru_stime) / wall
    with open(prefix + "_stats.csv", encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    total = next(r for r in rows if r["Name"] == "Aggregated")
    number = lambda r, k: float(r[k]) if r[k] not in ("", "N/A") else 0.0  # noqa: E731
    return Step(rate=rate, achieved=number(total, "Requests/s"),
                requests=int(total["Request Count"]), failures=int(total["Failure Count"]),
                p50=number(total, "50%"), p95=number(total, "95%"), p99=number(total, "99%"),
                cores=cores, by_name=[r for r in rows if r["Name"] != "Aggregated"])


def describe(step: Step) -> str:
    c = step.cores
    return (f"{step.achieved:,.0f} req/s achieved; p50 {step.p50:,.0f} / p95 {step.p95:,.0f} / "
            f"p99 {step.p99:,.0f} ms; {step.failures} errors of {step.requests:,}; cores: app "
            f"{c['app']:.2f}, db {c['db']:.2f}, nginx {c['nginx']:.2f}, locust {c['locust']:.2f}")


def steps(cluster, meters, sessions, plan, out, label, table) -> Step | None:
    """Rates one after another until one misses; the best rate that met the goal."""
    best = None
    for rate in plan.rates:
        step = run_step(cluster, meters, sessions, plan, rate, out, label)
        say(f"  {label} at {rate} req/s: {describe(step)}")
        for r in step.by_name:
            say(f"    {r['Name']:<16} {int(r['Request Count']):>7,} requests, p95 {r['95%']} ms, "
                f"{r['Failure Count']} errors")
        table.add(f"mix {rate} req/s offered, {label}", "postgresql", describe(step),
                  goal=f"p95 < {P95_LIMIT_MS} ms, 0 errors", met=yes(step.ok))
        if not step.ok:
            break
        best = step
        time.sleep(2)  # the step's last requests finish before the next step starts
    return best


# -- publication day ------------------------------------------------------------------------
def burst(cluster: Cluster, province: str, plan: Plan, out: str, table: Table) -> None:
    page = f"/cong-khai/{province}"
    status = requests.get(cluster.url + page)
    if status.status_code != 200:
        raise RuntimeError(f"{page}: {status.status_code}")
    app_port = cluster.app_servers[0].port
    results = {}
    for label, port, path in (("/healthz through nginx", cluster.port, "/healthz"),
                              ("public page, nginx cache", cluster.port, page),
                              ("public page, app server alone", app_port, page)):
        results[label] = r = load.wrk(port, label, path, 64, plan.burst_seconds, CORES,
                                      log_dir=out)
        say(f"  burst {label}: {r.rps:,.0f} req/s, p95 {r.p95_ms:,.1f} ms, {r.errors} errors")
    floor = results["/healthz through nginx"]
    for label in ("public page, nginx cache", "public page, app server alone"):
        r = results[label]
        table.add(f"publication-day burst, {label} (64 connections)", "postgresql",
                  f"{r.rps:,.0f} req/s, p95 {r.p95_ms:,.1f} ms, {r.errors} errors",
                  f"/healthz via nginx {floor.rps:,.0f} req/s", f"{r.rps / floor.rps:.0%}",
                  "≥ 50 % of /healthz", yes(r.rps >= floor.rps / 2 and r.errors == 0)
                  if "cache" in label else "—")


# -- main -----------------------------------------------------------------------------------
def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="a short run, a few s per step")
    parser.add_argument("--pg", help="a PostgreSQL server URL (default: a private one)")
    parser.add_argument("--rates", help="offered rates, e.g. 50,100,200,400")
    parser.add_argument("--layouts", help="servers×workers, e.g. 1x3,2x2")
    parser.add_argument("--seconds", type=int, help="measured seconds per step")
    args = parser.parse_args(argv)
    plan = SMALL if args.small else FULL
    if args.rates or args.layouts or args.seconds:
        plan = Plan(plan.size, plan.sessions,
                    tuple(int(r) for r in args.rates.split(",")) if args.rates else plan.rates,
                    plan.pacing, args.seconds or plan.seconds, plan.burst_seconds,
                    tuple(tuple(int(n) for n in x.split("x")) for x in args.layouts.split(","))
                    if args.layouts else plan.layouts)
    out = tempfile.mkdtemp(prefix="chiso-mix-", dir="/tmp")
    load.install_wrk()
    say(f"Deadline-day mix ({'small' if args.small else 'full'}): {CORES} cores, load average "
        f"{os.getloadavg()[0]:.1f}; logs in {out}")
    table = Table()
    with contextlib.ExitStack() as stack:
        private = None
        server_url = args.pg or os.environ.get("CHISO_BENCH_PG")
        if not server_url:
            private = pg.Server().start()
            stack.callback(private.stop)
            server_url = private.url
        url = pg.fresh_database(server_url)
        stack.callback(pg.drop_database, server_url, url)
        say(f"\n== generating {plan.size.provinces} provinces, {plan.size.units:,} units")
        with contextlib.redirect_stderr(io.StringIO()):
            instance = generate.generate(make_app(url), plan.size, log=say)
        public = instance.provinces[-1]
        publish_last_province(url, public)
        writers = [u for u in instance.unit_users if not u["unit"].startswith(public + ".")]
        users = spread(writers, plan.sessions)
        db_pid = postmaster_pid(server_url, private)
        sessions = None
        best = {}
        for servers, workers in plan.layouts:
            label = f"{servers} server{'s' if servers > 1 else ''} × {workers} workers"
            say(f"\n== {label} behind nginx")
            cluster = Cluster(url, os.path.join(out, "uploads"), servers, workers,
                              base_dir=tempfile.mkdtemp(prefix="layout-", dir=out),
                              app_module="benchmarks.wsgi:app", nginx_workers=str(CORES),
                              env={"CHISO_SECRET_KEY": "load-mix-not-for-production"}).start()
            stack.callback(cluster.stop)
            if sessions is None:  # the same secret: sessions made once serve every layout
                started = time.monotonic()
                sessions = log_in_all(cluster.url, users, out)
                say(f"  {len(users):,} officials of {plan.size.provinces - 1} provinces logged "
                    f"in ({time.monotonic() - started:.0f} s)")
            warm(cluster, sessions, servers * workers)
            best[(servers, workers)] = steps(cluster, Meters(cluster, db_pid), sessions, plan,
                                             out, label, table)
            if (servers, workers) == plan.layouts[-1]:
                say("\n== publication day")
                burst(cluster, public, plan, out, table)
            cluster.stop()
        _summary(best, table)
    say(f"\n== Results: load average now {os.getloadavg()[0]:.1f} on {CORES} cores\n")
    say(table.render())
    with open(os.path.join(out, "results.md"), "w", encoding="utf-8") as f:
        f.write(table.render() + "\n")
    return 0


def _summary(best: dict[tuple[int, int], Step | None], table: Table) -> None:
    """The highest rate each layout met the goal at; two servers against one server with the
    same number of workers (the same 2 cores either way)."""
    rates = {layout: step.achieved if step else 0.0 for layout, step in best.items()}
    for (servers, workers), rate in rates.items():
        table.add(f"national mix, highest rate at p95 < {P95_LIMIT_MS} ms, {servers} × {workers}",
                  "postgresql", f"{rate:,.0f} req/s", goal="≥ 400 req/s, 0 errors",
                  met=yes(rate >= 400))
    for (servers, workers), rate in rates.items():
        alone = rates.get((1, servers * workers))
        if servers > 1 and alone is not None:
            table.add(f"{servers} servers × {workers} against 1 × {servers * workers}",
                      "postgresql", f"{rate:,.0f} req/s", f"{alone:,.0f} req/s",
                      f"{rate / alone:.0%}" if alone else "—", "within 10 %",
                      yes(bool(alone) and abs(rate - alone) <= 0.1 * alone))


if __name__ == "__main__":
    sys.exit(main())
