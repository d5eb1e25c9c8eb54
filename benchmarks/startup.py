"""Measurement 3: start-up time of create_app with the three province plugins, and its memory,
each in a fresh interpreter; the floor is a bare Flask app built the same way."""
from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys

from benchmarks.load import REPO

_RSS = ("rss = next(int(l.split()[1]) for l in open('/proc/self/status') "
        "if l.startswith('VmRSS:'))")
APP = """
import json, sys, time
started = time.perf_counter()
from app import create_app
app = create_app({"DATABASE_URL": sys.argv[1], "SECRET_KEY": "bench"})
seconds = time.perf_counter() - started
plugins = sorted(r.code for r in app.extensions["chiso"].records.values() if r.ok)
""" + _RSS + """
print(json.dumps({"seconds": seconds, "plugins": plugins, "rss_kb": rss}))
"""
FLOOR = """
import json, time
started = time.perf_counter()
from flask import Flask
app = Flask("floor")
seconds = time.perf_counter() - started
plugins = []
""" + _RSS + """
print(json.dumps({"seconds": seconds, "plugins": plugins, "rss_kb": rss}))
"""


def _once(code: str, *args: str) -> dict:
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHISO_")}
    done = subprocess.run([sys.executable, "-c", code, *args], cwd=REPO, env=env,
                          capture_output=True, text=True, check=True, timeout=120)
    return json.loads(done.stdout.strip().splitlines()[-1])


def measure(database_url: str, runs: int) -> dict:
    """Medians of ``runs`` fresh processes: seconds and RSS of the app and of the floor."""
    app = [_once(APP, database_url) for _ in range(runs)]
    floor = [_once(FLOOR) for _ in range(runs)]
    return {
        "seconds": statistics.median(r["seconds"] for r in app),
        "rss_mb": statistics.median(r["rss_kb"] for r in app) / 1024,
        "plugins": app[-1]["plugins"],
        "floor_seconds": statistics.median(r["seconds"] for r in floor),
        "floor_rss_mb": statistics.median(r["rss_kb"] for r in floor) / 1024,
    }
