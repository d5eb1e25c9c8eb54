"""Where a form page's time goes: the page through Flask's test client (no server, no network),
timed and then under cProfile, against /healthz through the same client."""
from __future__ import annotations

import cProfile
import statistics
import time

from benchmarks.generate import PASSWORD
from benchmarks.load import form_path
from benchmarks.recompute import format_profile


def logged_in_client(app, user: dict):
    client = app.test_client()
    response = client.post("/login", data={"email": user["email"], "password": PASSWORD})
    if response.status_code != 302:
        raise RuntimeError(f"test-client login of {user['email']} answered {response.status_code}")
    return client


def median_ms(client, path: str, requests: int, post_field: str | None = None):
    """Median wall and CPU milliseconds of ``requests`` GETs of ``path`` (or, with
    ``post_field``, htmx POSTs of a new value for that field each time)."""
    wall, cpu = [], []
    for n in range(requests):
        started, used = time.perf_counter(), time.process_time()
        if post_field:
            response = client.post(path, data={post_field: str(9_000_000 + n)},
                                   headers={"HX-Request": "true"})
        else:
            response = client.get(path)
        wall.append(time.perf_counter() - started)
        cpu.append(time.process_time() - used)
        if response.status_code != 200:
            raise RuntimeError(f"{path} answered {response.status_code}")
    return statistics.median(wall) * 1000, statistics.median(cpu) * 1000


def profile_form(client, user: dict, requests: int, top: int = 18) -> str:
    path = form_path(user)
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(requests):
        client.get(path)
    profiler.disable()
    return format_profile(profiler, top)
