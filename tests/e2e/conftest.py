"""Real-browser tests: the app served on loopback, driven by Playwright in Debian's Chromium.

Chromium comes from Debian (/usr/bin/chromium, installed by ./manage.sh test when missing);
Playwright only drives it. A failing test leaves a screenshot in test-artifacts/.
"""
from __future__ import annotations

import os
import pathlib
import threading

import pytest
from playwright.sync_api import sync_playwright
from werkzeug.serving import make_server

from app import create_app

ROOT = pathlib.Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts"
CHROMIUM = os.environ.get("CHISO_CHROMIUM", "/usr/bin/chromium")
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
AXE_SOURCE = (ROOT / "node_modules" / "axe-core" / "axe.min.js").read_text(encoding="utf-8")
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "call":
        item.failed_in_call = report.failed


@pytest.fixture
def app(database_url, tmp_path):
    """The real configuration: CSRF on, as in production."""
    app = create_app({"TESTING": True, "DATABASE_URL": database_url, "SECRET_KEY": "e2e",
                      "UPLOAD_DIR": str(tmp_path / "uploads")})
    yield app
    from app.extensions import db
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def live_server(app):
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(5)


@pytest.fixture(scope="session")
def browser():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield browser
        browser.close()


@pytest.fixture
def page(browser, live_server, request):
    """A fresh page, 1280 px wide unless a test asks for another width (``indirect``: 390 is a
    phone, checked by the accessibility sweep as well as the desktop)."""
    width = getattr(request, "param", 1280)
    context = browser.new_context(base_url=live_server, locale="vi-VN",
                                  viewport={"width": width, "height": 900 if width > 600 else 844},
                                  has_touch=width <= 600)
    context.set_default_timeout(10_000)
    page = context.new_page()
    page.console_errors = []
    # JavaScript errors only: Chromium also logs every 4xx answer, which the tests expect.
    page.on("console", lambda m: m.type == "error" and not m.text.startswith("Failed to load")
            and page.console_errors.append(m.text))
    page.on("pageerror", lambda e: page.console_errors.append(str(e)))
    yield page
    if getattr(request.node, "failed_in_call", False):
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / f"{request.node.name}.png"), full_page=True)
    context.close()


def log_in(page, email: str, password: str = "chiso-demo-2022") -> None:
    page.goto("/login")
    page.fill("#email", email)
    page.fill("#password", password)
    page.click("button.button")
    page.wait_for_url(lambda url: "/login" not in url)


def axe_violations(page) -> list[dict]:
    """WCAG 2.2 A/AA violations on the current page (axe-core, pinned in package.json), once
    the page is still: htmx loads (the bell's count, a row's details) change the layout that
    target-size measures, and on a busy machine they may land during the measurement."""
    page.wait_for_load_state("networkidle")
    page.evaluate(AXE_SOURCE)
    result = page.evaluate("tags => axe.run(document, {runOnly: {type: 'tag', values: tags}})",
                           AXE_TAGS)
    return [{"id": v["id"], "help": v["help"], "nodes": [n["target"] for n in v["nodes"]][:5]}
            for v in result["violations"]]
