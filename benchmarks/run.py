"""Chỉ số benchmark at national scale. Numbers for the report, not timed tests.

    python benchmarks/run.py                  # everything: SQLite (+ PostgreSQL if given)
    python benchmarks/run.py --small          # a reduced run, under a minute, same table
    python benchmarks/run.py --pg-start       # also on a private PostgreSQL server on loopback
    python benchmarks/run.py --pg postgresql://postgres@127.0.0.1:5432/postgres
                                              # (or CHISO_BENCH_PG=...): a server you started

Each database gets a fresh national instance (34 provinces, 3,321 communes, 700 departments
and districts, a 70-indicator scheme per province, every answer of a period, evidence), then:
  1. scores and ranking of all units, against one SQL aggregate over the same rows;
  2. the form page and an htmx row save under wrk load (gunicorn on loopback), against
     GET /healthz on the same server; worker memory after the load;
  3. profiles of the recompute and of the form page (printed as they come).
Start-up time of create_app with the three plugins is measured once, in fresh interpreters.
One table at the end has every measurement, its floor, the ratio and whether the goal is met.
"""
from __future__ import annotations

import argparse
import contextlib
import gc
import io
import os
import platform
import sqlite3
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, REPO)

from benchmarks import generate, load, pages, pg, recompute, startup  # noqa: E402
from benchmarks.scheme import install  # noqa: E402

CORES = os.cpu_count() or 1


@dataclass(frozen=True)
class Plan:
    size: generate.Size
    repeats: int  # median of this many runs (recompute, start-up)
    page_requests: int  # test-client requests, timed and then profiled
    seconds: int  # each wrk run
    connections: tuple[int, ...] = (32, 128)
    writers: int = 8  # unit users saving rows at once (28 number rows each)


FULL = Plan(generate.FULL, repeats=5, page_requests=300, seconds=10)
SMALL = Plan(generate.SMALL, repeats=3, page_requests=30, seconds=2)


# -- the table ------------------------------------------------------------------------------
@dataclass
class Line:
    what: str
    db: str
    measured: str
    floor: str = "—"
    ratio: str = "—"
    goal: str = "—"
    met: str = "—"


class Table:
    HEAD = Line("measurement", "db", "measured", "floor", "ratio", "goal", "met")

    def __init__(self):
        self.lines: list[Line] = []

    def add(self, *args, **kwargs) -> None:
        self.lines.append(Line(*args, **kwargs))

    def render(self) -> str:
        rows = [self.HEAD, *self.lines]
        fields = list(Line.__dataclass_fields__)
        widths = {f: max(len(getattr(r, f)) for r in rows) for f in fields}

        def line(r):
            return "| " + " | ".join(getattr(r, f).ljust(widths[f]) for f in fields) + " |"
        rule = "|" + "|".join("-" * (widths[f] + 2) for f in fields) + "|"
        return "\n".join([line(rows[0]), rule, *(line(r) for r in rows[1:])])


def yes(ok: bool) -> str:
    return "yes" if ok else "NO"


_STARTED = time.monotonic()


def say(text: str = "") -> None:
    if text.startswith(("\n==", "\n--")):
        text += f"  [{time.monotonic() - _STARTED:.0f} s]"
    print(text, flush=True)


# -- the databases --------------------------------------------------------------------------
def databases(args, out: str, stack: contextlib.ExitStack) -> list[tuple[str, str]]:
    found = []
    if not args.no_sqlite:
        path = os.path.join(out, "bench.sqlite")
        found.append(("sqlite", f"sqlite:///{path}"))
        if not args.keep:
            for suffix in ("", "-wal", "-shm"):
                stack.callback(_remove, path + suffix)
    server_url = args.pg or os.environ.get("CHISO_BENCH_PG")
    if args.pg_start:
        say("Starting a private PostgreSQL server on loopback…")
        server = pg.Server().start()
        stack.callback(server.stop)
        server_url = server.url
    if server_url:
        url = pg.fresh_database(server_url)
        if not args.keep:
            stack.callback(pg.drop_database, server_url, url)
        found.append(("postgresql", url))
    return found


def _remove(path: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.remove(path)


def make_app(url: str, **extra):
    from app import create_app
    return create_app({"DATABASE_URL": url, "SECRET_KEY": "benchmark", **extra})


# -- 1. generation and recomputation --------------------------------------------------------
def build(db_name: str, url: str, plan: Plan, table: Table) -> generate.Instance:
    say(f"\n== {db_name}: generating {plan.size.provinces} provinces, {plan.size.units:,} units")
    with contextlib.redirect_stderr(io.StringIO()):  # alembic's INFO lines
        instance = generate.generate(make_app(url), plan.size, log=say)
    s = instance.seconds
    table.add("generate instance (bulk insert)", db_name,
              f"{s['total']:.1f} s for {sum(instance.counts.values()):,} rows "
              f"({instance.counts['answer']:,} answers, {instance.counts['evidence']:,} evidence)"
              f"; schema {s['schema']:.1f} s, rows {s['build rows']:.1f} s, "
              f"insert {s['insert']:.1f} s")
    return instance


def measure_recompute(db_name: str, url: str, instance, plan: Plan, table: Table, out: str):
    app = make_app(url)
    registry = app.extensions["chiso"]
    install(registry, instance.provinces)
    with app.app_context():
        gc.collect()
        floor, grouped = recompute.timed(recompute.sql_floor, instance.period_ids,
                                         runs=plan.repeats)
        seconds, ranked = recompute.timed(recompute.scores_and_ranking, registry,
                                          instance.period_ids, runs=plan.repeats)
        leaf_by_leaf, _ = recompute.timed(recompute.scores_leaf_by_leaf, registry,
                                          instance.period_ids, runs=plan.repeats)
        service, _ = recompute.timed(recompute.ranking_service, registry, instance.provinces,
                                     runs=max(1, plan.repeats // 2))
        report = recompute.profile(recompute.scores_and_ranking, registry, instance.period_ids)
        report += "\n" + recompute.gc_time(recompute.scores_and_ranking, registry,
                                            instance.period_ids)
    say(f"\n-- {db_name}: profile of scores and ranking for {ranked:,} units (cProfile)")
    say(report)
    _save(out, f"profile-recompute-{db_name}.txt", report)
    ratio = seconds / floor
    table.add(f"scores + ranking, {ranked:,} units (period totals in SQL + rank)", db_name,
              f"{seconds * 1000:,.0f} ms",
              f"{floor * 1000:,.0f} ms (SUM … GROUP BY, {grouped:,} units)",
              f"{ratio:.1f}×", "≤ 3× floor, < 1 s", yes(ratio <= 3 and seconds < 1))
    table.add(f"scores leaf by leaf in Python + ranking (exports' path)", db_name,
              f"{leaf_by_leaf * 1000:,.0f} ms", f"{floor * 1000:,.0f} ms",
              f"{leaf_by_leaf / floor:.1f}×")
    table.add(f"rankings.ranking() × {len(instance.provinces)} provinces (app's path)", db_name,
              f"{service * 1000:,.0f} ms", f"{floor * 1000:,.0f} ms", f"{service / floor:.1f}×")


def measure_form_in_process(db_name: str, url: str, instance, plan: Plan, table: Table, out: str):
    """The form page and a row save without a server: CPU per request, untouched by the
    other processes of the machine (wall time is)."""
    app = make_app(url, WTF_CSRF_ENABLED=False)
    install(app.extensions["chiso"], instance.provinces)
    reader, writer = instance.unit_users[:2]
    client = pages.logged_in_client(app, reader)
    path = load.form_path(reader)
    pages.median_ms(client, path, 3)  # templates compiled, caches warm
    timed = plan.page_requests // 3
    form = pages.median_ms(client, path, timed)
    floor = pages.median_ms(client, "/healthz", timed)
    save = pages.median_ms(pages.logged_in_client(app, writer),
                           load.form_path(writer) + "/rows/1.3", timed, post_field="1.3__value")
    report = pages.profile_form(client, reader, plan.page_requests)
    say(f"\n-- {db_name}: profile of {plan.page_requests} form pages (test client, cProfile)")
    say(report)
    _save(out, f"profile-form-{db_name}.txt", report)
    for label, (wall, cpu) in (("GET form page", form), ("POST htmx row save", save)):
        table.add(f"{label}, test client (no server)", db_name,
                  f"{wall:.1f} ms wall, {cpu:.1f} ms CPU",
                  f"{floor[0]:.2f} ms wall, {floor[1]:.2f} ms CPU (/healthz)",
                  f"{wall / floor[0]:.0f}× wall, {cpu / max(floor[1], 0.001):.0f}× CPU")


def _save(out: str, name: str, text: str) -> None:
    with open(os.path.join(out, name), "w") as f:
        f.write(text + "\n")


# -- 2. load ------------------------------------------------------------------------------
class Load:
    """One gunicorn server, its logged-in users, and the wrk runs against it."""

    def __init__(self, url: str, instance, plan: Plan, workers: int, out: str):
        self.plan, self.out, self.salt = plan, out, 0
        self.server = load.Server(url, workers, out).start()
        users = _writers(instance, plan.writers + 1)
        self.reader = load.log_in(self.server.port, users[0])
        self.writers = [load.log_in(self.server.port, u) for u in users[1:]]
        self.entries = os.path.join(out, f"entries-{self.server.port}.tsv")
        load.write_entries(self.writers, self.entries)

    def run(self, target: str, connections: int, seconds: int | None = None) -> load.LoadResult:
        seconds = seconds or self.plan.seconds
        threads = min(CORES, connections)
        cpu, started = self.server.cpu_seconds(), time.monotonic()
        if target == "healthz":
            result = load.wrk(self.server.port, target, "/healthz", connections, seconds, threads,
                              log_dir=self.out)
        elif target == "form":
            result = load.wrk(self.server.port, target, self.reader.form_path, connections,
                              seconds, threads, cookie=self.reader.cookie, log_dir=self.out)
        else:  # load.lua sets each POST's path; wrk only takes the host from the URL
            self.salt += 1_000_000  # values never posted before: every save is a change
            result = load.wrk(self.server.port, target, "/", connections, seconds,
                              threads, entries=self.entries, salt=self.salt, log_dir=self.out)
        self.drain()
        # The server also answers each connection's last request after wrk stops (drain).
        cpu = self.server.cpu_seconds() - cpu
        result.cpu_ms = cpu * 1000 / max(1, result.requests + connections)
        result.cores_used = cpu / (time.monotonic() - started)
        return result

    def drain(self, limit: float = 120) -> None:
        """Wait until requests queued by wrk's last connections are served: runs stay apart."""
        deadline, quick = time.monotonic() + limit, 0
        while time.monotonic() < deadline and quick < 3:
            started = time.monotonic()
            load.get(self.server.port, "/healthz")
            quick = quick + 1 if time.monotonic() - started < 0.05 else 0
            time.sleep(0.1)

    def warm(self) -> None:
        """Pages and saves from as many clients as there are workers, so that every worker has
        compiled its templates and opened its database connections before the timing."""
        def visit(n: int) -> None:
            load.get(self.server.port, self.reader.form_path, self.reader.cookie)
            load.save_row(self.server.port, self.writers[n % len(self.writers)], "1.3",
                          8_000_000 + n)
        with ThreadPoolExecutor(self.server.workers) as pool:
            list(pool.map(visit, range(3 * self.server.workers)))

    def stop(self) -> None:
        self.server.stop()


def _writers(instance, count: int) -> list[dict]:
    """Communes spread over the provinces (the first user only reads: the GET target)."""
    communes = [u for u in instance.unit_users if ".xa" in u["unit"]]
    step = max(1, len(communes) // count)
    return communes[::step][:count]


def pick_workers(url, instance, plan: Plan, candidates: list[int], out: str) -> int:
    """The worker count with the best p95 for the form page at the first concurrency."""
    if len(candidates) == 1:
        return candidates[0]
    best = None
    for workers in candidates:
        runner = Load(url, instance, plan, workers, out)
        try:
            runner.warm()
            result = runner.run("form", plan.connections[0], max(3, plan.seconds // 2))
        finally:
            runner.stop()
        say(f"  {workers} workers: form c={plan.connections[0]}: {result.rps:.0f} req/s, "
            f"p95 {result.p95_ms:.0f} ms, {result.errors} errors")
        if best is None or (result.errors, result.p95_ms) < best[0]:
            best = ((result.errors, result.p95_ms), workers)
    return best[1]


def measure_load(db_name: str, url: str, instance, plan: Plan, workers: int, table: Table,
                 out: str, floor_rss_mb: float) -> None:
    say(f"\n-- {db_name}: load with wrk, gunicorn {workers} sync workers, "
        f"{plan.seconds} s per run")
    runner = Load(url, instance, plan, workers, out)
    try:
        runner.warm()
        for connections in plan.connections:
            floor = runner.run("healthz", connections)
            _load_line(table, db_name, "GET /healthz (the floor)", floor, None, connections)
            for target, label in (("form", "GET assessment form page"),
                                  ("post", "POST htmx row save")):
                result = runner.run(target, connections)
                _load_line(table, db_name, label, result, floor, connections)
                say(f"  {label} c={connections}: {result.rps:.0f} req/s, p95 "
                    f"{result.p95_ms:.0f} ms, {result.errors} errors")
        rss = runner.server.worker_rss_mb()
        locked = runner.server.log_count("database is locked")
        other = runner.server.log_count("Lỗi cơ sở dữ liệu")
    finally:
        runner.stop()
    table.add(f"worker RSS after load ({len(rss)} workers)", db_name,
              f"max {max(rss):.0f} MB (min {min(rss):.0f})",
              f"{floor_rss_mb:.0f} MB (bare Flask process)", f"{max(rss) / floor_rss_mb:.1f}×")
    table.add("'database is locked' / DB errors in the log", db_name, f"{locked} / {other}",
              goal="0", met=yes(locked == 0 and other == 0))


def _load_line(table, db_name, label, result, floor, connections) -> None:
    errors = f"{result.errors} err"
    if result.errors:
        detail = [f"{s}×{n}" for s, n in sorted(result.statuses.items()) if not 200 <= s < 300]
        if result.socket_errors:
            detail.append(f"socket×{result.socket_errors}")
        errors += f" ({', '.join(detail)})"
    # wrk's percentiles cover the requests that completed within the run (``done``).
    measured = (f"{result.rps:,.0f} req/s ({result.requests:,} done), p50 {result.p50_ms:.0f} / "
                f"p95 {result.p95_ms:.0f} / p99 {result.p99_ms:.0f} ms, {errors}; server CPU "
                f"{result.cpu_ms:.1f} ms/req, {result.cores_used:.1f} of {CORES} cores")
    if floor is None:
        table.add(f"{label}, c={connections}", db_name, measured)
        return
    goal = "0 errors, p95 < 100 ms" if connections <= 32 else "0 errors"
    met = result.errors == 0 and (connections > 32 or result.p95_ms < 100)
    table.add(f"{label}, c={connections}", db_name, measured,
              f"{floor.rps:,.0f} req/s, p95 {floor.p95_ms:.1f} ms",
              f"p95 {result.p95_ms / max(floor.p95_ms, 0.001):.0f}×, "
              f"req/s {result.rps / max(floor.rps, 1):.3f}×", goal, yes(met))


# -- main -------------------------------------------------------------------------------------
def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--small", action="store_true", help="reduced run, under a minute")
    parser.add_argument("--pg", help="PostgreSQL server URL (default: $CHISO_BENCH_PG)")
    parser.add_argument("--pg-start", action="store_true",
                        help="start a private PostgreSQL server on loopback for the run")
    parser.add_argument("--no-sqlite", action="store_true", help="PostgreSQL only")
    parser.add_argument("--workers", help="gunicorn worker counts to try, e.g. 3,5; the best "
                        "p95 wins (default: cores+1 and 2×cores+1; --small: cores+1)")
    parser.add_argument("--recompute-only", action="store_true",
                        help="generate and measure scores + ranking only (no form, no load)")
    parser.add_argument("--keep", action="store_true",
                        help="keep the benchmark databases (logs and profiles are always kept)")
    args = parser.parse_args(argv)
    plan = SMALL if args.small else FULL
    if args.workers:
        candidates = [int(w) for w in args.workers.split(",")]
    else:
        # The full run measures both; the small one takes cores+1, which did best here.
        candidates = [CORES + 1] if args.small else [CORES + 1, 2 * CORES + 1]
    out = tempfile.mkdtemp(prefix="chiso-bench-", dir="/tmp")
    load.install_wrk()
    say(f"Chỉ số benchmark ({'small' if args.small else 'full'}): {CORES} cores, load average "
        f"{os.getloadavg()[0]:.1f}, Python {platform.python_version()}, SQLite "
        f"{sqlite3.sqlite_version}; logs and profiles in {out}")
    table = Table()
    with contextlib.ExitStack() as stack:
        targets = databases(args, out, stack)
        timing = startup.measure(targets[0][1], plan.repeats)
        for db_name, url in targets:
            instance = build(db_name, url, plan, table)
            measure_recompute(db_name, url, instance, plan, table, out)
            if args.recompute_only:
                continue
            measure_form_in_process(db_name, url, instance, plan, table, out)
            workers = pick_workers(url, instance, plan, candidates, out)
            measure_load(db_name, url, instance, plan, workers, table, out,
                         timing["floor_rss_mb"])
        table.add("create_app start-up with plugins " + ", ".join(timing["plugins"]), "—",
                  f"{timing['seconds'] * 1000:,.0f} ms, RSS {timing['rss_mb']:.0f} MB",
                  f"{timing['floor_seconds'] * 1000:,.0f} ms, RSS "
                  f"{timing['floor_rss_mb']:.0f} MB (bare Flask)",
                  f"{timing['seconds'] / timing['floor_seconds']:.1f}×, RSS "
                  f"{timing['rss_mb'] / timing['floor_rss_mb']:.1f}×",
                  "3 plugins loaded", yes(len(timing["plugins"]) == 3))
    say(f"\n== Results: load average now {os.getloadavg()[0]:.1f} on {CORES} cores")
    say()
    say(table.render())
    _save(out, "results.md", table.render())
    return 0


if __name__ == "__main__":
    sys.exit(main())
