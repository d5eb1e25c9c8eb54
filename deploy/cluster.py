"""nginx in front of N gunicorn app servers: render the configuration, or run the whole layout.

    # the configuration for a production host (upstreams already running elsewhere)
    python -m deploy.cluster render --listen 80 --upstream 10.0.0.11:8000 \\
        --upstream 10.0.0.12:8000 --upload-dir /var/lib/chiso/uploads --run-dir /var/lib/nginx/chiso

    # everything on this machine, under a temp dir (what the tests and benchmarks/load_mix.py do)
    python -m deploy.cluster run --servers 2 --port 8080 \\
        --database-url postgresql://chiso@127.0.0.1/chiso --upload-dir /srv/chiso/uploads

Each app server is its own gunicorn with its own port and instance folder; all share the
database, the upload directory and the secret key, so any server can answer any request.
"""
from __future__ import annotations

import argparse
import os
import pwd
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from dataclasses import dataclass, field

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
TEMPLATE = os.path.join(REPO, "deploy", "nginx.conf.template")
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"
HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def render(*, listen: str, upstreams: list[str], upload_dir: str, run_dir: str,
           max_upload_mb: int = 20, static_dir: str = os.path.join(REPO, "static"),
           worker_processes: str = "auto", access_log: str = "off",
           user: str | None = None) -> str:
    """nginx.conf for these upstreams (host:port each). ``user`` is whom nginx's workers run
    as when it is started by root (www-data on a Debian host); run_dir holds its pid, logs,
    temp files and cache."""
    if user is None:  # a run on this machine: workers as whoever started it
        user = pwd.getpwuid(os.geteuid()).pw_name if os.geteuid() == 0 else "-"
    values = dict(
        USER=user, WORKER_PROCESSES=worker_processes, RUN_DIR=run_dir, ACCESS_LOG=access_log,
        BODY_LIMIT_MB=int(max_upload_mb) + 1, MAX_UPLOAD_MB=int(max_upload_mb), LISTEN=listen,
        STATIC_DIR=static_dir, UPLOAD_DIR=os.path.abspath(upload_dir),
        UPSTREAM_SERVERS="\n".join(f"        server {u} max_fails=0;" for u in upstreams))
    # Only ${UPPER_CASE} is ours: nginx's own variables ($host, $cookie_session) stay.
    text = re.sub(r"\$\{([A-Z_]+)\}", lambda m: str(values[m.group(1)]),
                  open(TEMPLATE, encoding="utf-8").read())
    if os.geteuid() != 0:  # only root may switch users; nginx would warn at every start
        text = "".join(line for line in text.splitlines(keepends=True)
                       if not line.startswith("user "))
    return text


def _wait(url: str, process: subprocess.Popen, log: str, limit: float = 90) -> None:
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"{process.args[0]} stopped; see {log}")
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise RuntimeError(f"{url} did not answer in time; see {log}")


def _stop(process: subprocess.Popen | None, sig=signal.SIGTERM) -> None:
    if process is not None and process.poll() is None:
        process.send_signal(sig)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


@dataclass
class AppServer:
    """One gunicorn: its own port and instance folder."""
    port: int
    instance_dir: str
    log: str
    process: subprocess.Popen | None = None

    def start(self, env: dict, workers: int, app_module: str) -> AppServer:
        env = dict(env, CHISO_INSTANCE_PATH=self.instance_dir)
        command = [sys.executable, "-m", "gunicorn", "--workers", str(workers),
                   "--bind", f"{HOST}:{self.port}", "--chdir", REPO, "--timeout", "120",
                   "--log-level", "warning", app_module]
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(command, env=env, stdout=log, stderr=log)
        _wait(f"http://{HOST}:{self.port}/healthz", self.process, self.log)
        return self

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def pids(self) -> list[int]:
        """The master and its workers (from /proc), for CPU accounting."""
        found = [self.process.pid]
        for entry in os.listdir("/proc"):
            if entry.isdigit():
                try:
                    with open(f"/proc/{entry}/stat") as f:
                        if int(f.read().rsplit(")", 1)[1].split()[1]) == self.process.pid:
                            found.append(int(entry))
                except OSError:
                    continue
        return found


@dataclass
class Cluster:
    """``servers`` gunicorns (``workers`` each) behind one nginx, all under ``base_dir``
    (a new temp dir when None) except the database and the shared ``upload_dir``."""
    database_url: str
    upload_dir: str
    servers: int = 2
    workers: int = 1
    port: int | None = None
    base_dir: str | None = None
    app_module: str = "wsgi:app"
    max_upload_mb: int = 20
    nginx_workers: str = "1"
    env: dict = field(default_factory=dict)
    app_servers: list[AppServer] = field(default_factory=list)
    nginx: subprocess.Popen | None = None

    def start(self) -> Cluster:
        self.base_dir = self.base_dir or tempfile.mkdtemp(prefix="chiso-cluster-")
        self.port = self.port or free_port()
        env = dict(os.environ, CHISO_DATABASE_URL=self.database_url,
                   CHISO_UPLOAD_DIR=os.path.abspath(self.upload_dir),
                   CHISO_MAX_UPLOAD_MB=str(self.max_upload_mb),
                   CHISO_SECRET_KEY=os.environ.get("CHISO_SECRET_KEY",
                                                   "cluster-" + os.urandom(16).hex()),
                   CHISO_PROXIES="1", CHISO_ACCEL_REDIRECT="1")
        env.update(self.env)
        os.makedirs(self.upload_dir, exist_ok=True)
        try:
            for n in range(1, self.servers + 1):
                instance = os.path.join(self.base_dir, f"instance-{n}")
                os.makedirs(instance, exist_ok=True)
                server = AppServer(free_port(), instance,
                                   os.path.join(self.base_dir, f"gunicorn-{n}.log"))
                self.app_servers.append(server)
                server.start(env, self.workers, self.app_module)
            self._start_nginx()
        except BaseException:
            self.stop()
            raise
        return self

    def _start_nginx(self) -> None:
        run_dir = os.path.join(self.base_dir, "nginx")
        os.makedirs(run_dir, exist_ok=True)
        conf = os.path.join(run_dir, "nginx.conf")
        with open(conf, "w", encoding="utf-8") as f:
            f.write(render(listen=f"{HOST}:{self.port}", run_dir=run_dir,
                           upstreams=[f"{HOST}:{s.port}" for s in self.app_servers],
                           upload_dir=self.upload_dir, max_upload_mb=self.max_upload_mb,
                           worker_processes=self.nginx_workers))
        log = os.path.join(run_dir, "error.log")
        self.nginx = subprocess.Popen([NGINX, "-p", run_dir, "-c", conf, "-e", log,
                                       "-g", "daemon off;"], stderr=open(log, "ab"))
        _wait(f"{self.url}/healthz", self.nginx, log)

    @property
    def url(self) -> str:
        return f"http://{HOST}:{self.port}"

    def stop(self) -> None:
        _stop(self.nginx, signal.SIGQUIT)  # graceful: finishes what it is sending
        for server in self.app_servers:
            _stop(server.process)

    def __enter__(self) -> Cluster:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    r = commands.add_parser("render", help="print nginx.conf")
    r.add_argument("--listen", default="80")
    r.add_argument("--upstream", action="append", required=True, help="host:port, repeatable")
    r.add_argument("--upload-dir", required=True)
    r.add_argument("--run-dir", required=True, help="pid, logs, temp files, cache")
    r.add_argument("--max-upload-mb", type=int,
                   default=int(os.environ.get("CHISO_MAX_UPLOAD_MB", 20)))
    r.add_argument("--user", default="www-data")
    r.add_argument("--access-log", default="/var/log/nginx/chiso.access.log")
    s = commands.add_parser("run", help="start N gunicorns and nginx here, until Ctrl+C")
    s.add_argument("--servers", type=int, default=2)
    s.add_argument("--workers", type=int, default=1, help="gunicorn workers per server")
    s.add_argument("--port", type=int, default=8080)
    s.add_argument("--database-url", default=os.environ.get("CHISO_DATABASE_URL"), required=False)
    s.add_argument("--upload-dir", required=True)
    s.add_argument("--dir", help="instance folders, logs, nginx files (default: a temp dir)")
    args = parser.parse_args(argv)
    if args.command == "render":
        print(render(listen=args.listen, upstreams=args.upstream, upload_dir=args.upload_dir,
                     run_dir=args.run_dir, max_upload_mb=args.max_upload_mb, user=args.user,
                     access_log=args.access_log), end="")
        return 0
    if not args.database_url:
        parser.error("--database-url or CHISO_DATABASE_URL is needed")
    with Cluster(args.database_url, args.upload_dir, args.servers, args.workers, args.port,
                 args.dir, nginx_workers="auto") as cluster:
        print(f"{cluster.url} → " + ", ".join(s.url for s in cluster.app_servers)
              + f" (files in {cluster.base_dir})", flush=True)
        try:
            signal.pause()
        except KeyboardInterrupt:
            pass
    return 0


if __name__ == "__main__":
    sys.exit(main())
