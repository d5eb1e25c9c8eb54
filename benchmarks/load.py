"""Measurement 2: pages under load. gunicorn serves the app on loopback; wrk drives it.

Three targets on the same server: GET /healthz (the floor: no session, no database), the
assessment form page of a logged-in unit user, and the htmx save of one row (POST with the
session cookie and the CSRF header taken from the page, as the browser sends them).
"""
from __future__ import annotations

import http.client
import json
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from urllib.parse import urlencode

from benchmarks.generate import PASSWORD
from benchmarks.scheme import build_scheme

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
LUA = os.path.join(REPO, "benchmarks", "load.lua")
HOST = "127.0.0.1"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


class Server:
    """gunicorn with ``workers`` sync workers, stopped by stop() (SIGTERM to its master only)."""

    def __init__(self, database_url: str, workers: int, log_dir: str):
        self.port = _free_port()
        self.workers = workers
        self.log = os.path.join(log_dir, f"gunicorn-{self.port}.log")
        self.upload_dir = tempfile.mkdtemp(prefix="uploads-", dir=log_dir)
        self.env = dict(os.environ, CHISO_DATABASE_URL=database_url,
                        CHISO_SECRET_KEY="benchmark-secret-not-for-production",
                        CHISO_UPLOAD_DIR=self.upload_dir)
        self.process: subprocess.Popen | None = None

    def start(self) -> Server:
        command = [sys.executable, "-m", "gunicorn", "--workers", str(self.workers),
                   "--bind", f"{HOST}:{self.port}", "--chdir", REPO, "--timeout", "120",
                   "--log-level", "warning", "benchmarks.wsgi:app"]
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(command, env=self.env, stdout=log, stderr=log)
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"gunicorn stopped; see {self.log}")
            try:
                if get(self.port, "/healthz")[0] == 200 and len(self.worker_pids()) == self.workers:
                    return self
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"gunicorn did not answer in time; see {self.log}")

    def worker_pids(self) -> list[int]:
        """The master's children, from /proc."""
        pids = []
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat") as f:
                        ppid = int(f.read().rsplit(")", 1)[1].split()[1])
                except OSError:
                    continue
                if ppid == self.process.pid:
                    pids.append(int(entry))
        return sorted(pids)

    def cpu_seconds(self) -> float:
        """CPU time the workers have used so far (user + system, from /proc)."""
        total = 0
        for pid in self.worker_pids():
            try:
                with open(f"/proc/{pid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime
        return total / os.sysconf("SC_CLK_TCK")

    def worker_rss_mb(self) -> list[float]:
        return [rss_kb(pid) / 1024 for pid in self.worker_pids()]

    def log_count(self, text: str) -> int:
        with open(self.log, encoding="utf-8", errors="replace") as f:
            return f.read().count(text)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def rss_kb(pid: int | str = "self") -> int:
    with open(f"/proc/{pid}/status") as f:
        return next(int(line.split()[1]) for line in f if line.startswith("VmRSS:"))


# -- a logged-in unit user, as a browser would be ---------------------------------------------
def get(port: int, path: str, cookie: str | None = None):
    return _request(port, "GET", path, cookie=cookie)


def _request(port, method, path, body=None, cookie=None, headers=None):
    conn = http.client.HTTPConnection(HOST, port, timeout=60)
    try:
        all_headers = dict(headers or {})
        if cookie:
            all_headers["Cookie"] = cookie
        conn.request(method, path, body=body, headers=all_headers)
        response = conn.getresponse()
        text = response.read().decode("utf-8", errors="replace")
        set_cookie = response.getheader("Set-Cookie") or ""
        new_cookie = set_cookie.split(";", 1)[0] if set_cookie.startswith("session=") else None
        return response.status, text, new_cookie
    finally:
        conn.close()


@dataclass
class Browser:
    """What the page gives the browser: the session cookie and the CSRF token for htmx."""
    form_path: str
    cookie: str
    token: str


def form_path(user: dict) -> str:
    return f"/assessments/{user['scheme']}/{user['period']}/{user['unit']}"


def log_in(port: int, user: dict) -> Browser:
    status, page, cookie = get(port, "/login")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    body = urlencode({"email": user["email"], "password": PASSWORD, "csrf_token": token})
    status, page, cookie = _request(port, "POST", "/login", body, cookie,
                                    {"Content-Type": "application/x-www-form-urlencoded"})
    if status != 302 or not cookie:
        raise RuntimeError(f"login of {user['email']} failed: {status} {page[:300]}")
    path = form_path(user)
    status, page, new_cookie = get(port, path, cookie)
    if status != 200:
        raise RuntimeError(f"{path} answered {status}")
    # The page's hx-headers carry the token; the cookie that came with it holds its pair.
    token = re.search(r'"X-CSRFToken": "([^"]+)"', page).group(1)
    return Browser(path, new_cookie or cookie, token)


def save_row(port: int, browser: Browser, code: str, value) -> int:
    """One htmx save of a number row, as the page sends it; the status."""
    status, _text, _cookie = _request(
        port, "POST", f"{browser.form_path}/rows/{code}", f"{code}__value={value}",
        browser.cookie, {"X-CSRFToken": browser.token, "HX-Request": "true",
                         "Content-Type": "application/x-www-form-urlencoded"})
    return status


def write_entries(browsers: list[Browser], path: str) -> int:
    """The POST targets: every number row (relative and inverse) of every writing user. The
    provinces' schemes have the same rows, so any one of them gives the codes."""
    codes = [row.code for row in build_scheme("any").leaves if row.input == "number"]
    lines = ["\t".join((f"{browser.form_path}/rows/{code}", browser.cookie, browser.token,
                        f"{code}__value"))
             for browser in browsers for code in codes]
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return len(lines)


# -- wrk ---------------------------------------------------------------------------------------
@dataclass
class LoadResult:
    target: str
    connections: int
    requests: int
    seconds: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    non_2xx: int
    socket_errors: int
    statuses: dict
    cpu_ms: float = 0.0  # the workers' CPU per request served
    cores_used: float = 0.0  # the workers' CPU over the run's wall time: what they were given

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0

    @property
    def errors(self) -> int:
        return self.non_2xx + self.socket_errors


def wrk(port: int, target: str, path: str, connections: int, seconds: int, threads: int,
        cookie: str | None = None, entries: str | None = None, salt: int = 0,
        log_dir: str | None = None) -> LoadResult:
    command = ["wrk", "-t", str(threads), "-c", str(connections), "-d", f"{seconds}s",
               "--timeout", "10s", "--latency", "-s", LUA, f"http://{HOST}:{port}{path}"]
    if cookie:
        command[1:1] = ["-H", f"Cookie: {cookie}"]
    env = dict(os.environ, BENCH_THREADS=str(threads), BENCH_SALT=str(salt))
    if entries:
        env["BENCH_ENTRIES"] = entries
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=True,
                          timeout=seconds + 60)
    if log_dir:
        with open(os.path.join(log_dir, "wrk.log"), "a") as f:
            f.write(f"$ {target} c={connections}\n{done.stdout}\n")
    line = next(l for l in done.stdout.splitlines() if l.startswith("BENCH_JSON "))
    data = json.loads(line[len("BENCH_JSON "):])
    statuses = {int(k): v for k, v in data["statuses"].items()}
    return LoadResult(
        target=target, connections=connections, requests=data["requests"],
        seconds=data["duration_us"] / 1e6, p50_ms=data["p50_us"] / 1000,
        p95_ms=data["p95_us"] / 1000, p99_ms=data["p99_us"] / 1000,
        non_2xx=sum(n for s, n in statuses.items() if not 200 <= s < 300),
        socket_errors=sum(data[k] for k in ("connect", "read", "write", "timeout")),
        statuses=statuses)


def install_wrk() -> None:
    if subprocess.run(["sh", "-c", "command -v wrk"], capture_output=True).returncode == 0:
        return
    env = dict(os.environ, DEBIAN_FRONTEND="noninteractive")
    if subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], env=env).returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], env=env, check=True)
        subprocess.run(["apt-get", "install", "-y", "-q", "wrk"], env=env, check=True)
