"""Locust user for benchmarks/load_mix.py: one logged-in official of a generated province.

Open loop: each simulated user sends one request every CHISO_MIX_PACING seconds whatever the
answer time (constant_pacing), so U users make U / pacing requests a second however slow the
server gets (up to answers as long as the pacing itself). Sessions come from
CHISO_MIX_SESSIONS (a JSON file load_mix.py writes after logging everyone in), one per
simulated user in turn: thousands of distinct accounts, units and sessions of several
provinces. The mix is the deadline-day one of issue 15: 80 % page views, 20 % row saves.

Each user starts at a random moment within its first pacing interval, then keeps to its own
schedule (start + k × pacing). Locust starts users in batches, once a second, and its
constant_pacing counts from that start: every batch then sent its requests at the same
instant, a burst each second that no office makes (measured at 20 req/s: p50 220 ms with the
bursts, 29 ms with the same requests spread evenly).
"""
from __future__ import annotations

import itertools
import json
import os
import random
import time

import gevent
from locust import task
from locust.contrib.fasthttp import FastHttpUser

with open(os.environ["CHISO_MIX_SESSIONS"], encoding="utf-8") as f:
    SESSIONS = json.load(f)
_next_session = itertools.count()


class Official(FastHttpUser):
    pacing = float(os.environ.get("CHISO_MIX_PACING", "10"))

    def wait_time(self) -> float:
        """Until this user's next turn on its own schedule, whatever the last answer took."""
        self.next_turn += self.pacing
        return max(0.0, self.next_turn - time.perf_counter())

    def on_start(self):
        self.session = SESSIONS[next(_next_session) % len(SESSIONS)]
        self.headers = {"Cookie": self.session["cookie"]}
        self.rng = random.Random()
        gevent.sleep(self.rng.uniform(0, self.pacing))  # spread the arrivals: see above
        self.next_turn = time.perf_counter()

    def _get(self, path: str, name: str) -> None:
        with self.client.get(path, name=name, headers=self.headers, allow_redirects=False,
                             catch_response=True) as response:
            if response.status_code != 200:  # a 302 to the login page is an error here too
                response.failure(f"{response.status_code}")

    @task(35)
    def form(self):
        self._get(self.session["form"], "form page")

    @task(15)
    def assessments(self):
        self._get("/assessments", "assessment list")

    @task(15)
    def dashboard(self):
        self._get("/dashboards", "dashboard")

    @task(15)
    def rankings(self):
        self._get("/rankings", "rankings")

    @task(20)
    def save(self):
        code = self.rng.choice(self.session["rows"])
        value = self.rng.randint(1, 10_000_000)  # a new value: every save is a real change
        with self.client.post(
                f"{self.session['form']}/rows/{code}", name="row save",
                data=f"{code}__value={value}",
                headers={**self.headers, "X-CSRFToken": self.session["token"],
                         "HX-Request": "true",
                         "Content-Type": "application/x-www-form-urlencoded"},
                allow_redirects=False, catch_response=True) as response:
            if response.status_code != 200:
                response.failure(f"{response.status_code}")
