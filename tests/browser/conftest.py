"""A real server with the demo data, and a real Chromium driven by Playwright.

The server runs in a subprocess against a scratch database of the suite's own kind (PostgreSQL in
CI), loaded with ``ccehub demo --no-server`` as a user would (on a database already migrated: the
empty-database path is ``tests/cli/test_demo_cli.py``'s).
"""

from __future__ import annotations

import os
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.scratch import CCEHUB, ROOT, free_port, run_ccehub, scratch_database, wait_for_port

CHROMIUM = "/usr/bin/chromium"
DEMO_PASSWORD = "ccehub-demo-2026"


@pytest.fixture(scope="session")
def live_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    tmp = tmp_path_factory.mktemp("live")
    with scratch_database(tmp, migrated=True) as url:
        loaded = run_ccehub(["demo", "--no-server"], url)
        assert loaded.returncode == 0, loaded.stderr
        port = free_port()
        env = {**os.environ, "DATABASE_URL": url, "CCEHUB_DATA_DIR": str(tmp)}
        log = open(tmp / "server.log", "w")  # noqa: SIM115 - closed below
        server = subprocess.Popen(
            [CCEHUB, "serve", "--port", str(port)], env=env, cwd=ROOT, stdout=log, stderr=log
        )
        try:
            wait_for_port(port)
            yield {"url": f"http://127.0.0.1:{port}", "database_url": url, "log": str(tmp / "server.log")}
        finally:
            server.terminate()
            server.wait(timeout=20)
            log.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: install Debian's chromium (apt-get install chromium)")
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
                "--disable-quic",
            ],
        )
        yield browser
        browser.close()


@pytest.fixture
def page(browser) -> Iterator[object]:
    context = browser.new_context(viewport={"width": 1280, "height": 900})
    page = context.new_page()
    yield page
    context.close()


def sign_in(page, base_url: str, username: str) -> None:
    page.goto(f"{base_url}/accounts/login/")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(rf"^{re.escape(base_url)}/(\?.*)?$"))


def assert_accessible(page) -> None:
    """axe-core finds no WCAG 2.1 A/AA violations on the current page."""
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import Error as PlaywrightError

    options = {"runOnly": {"type": "tag", "values": ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]}}
    for attempt in range(3):
        # A click that navigates returns before the new document exists; axe run in between
        # finds no document ("reading 'documentElement'") or loses its context. Wait for the
        # page to load, and run again if a navigation still got in the way.
        page.wait_for_load_state("load")
        try:
            results = Axe().run(page, options=options)
            break
        except PlaywrightError as error:
            mid_navigation = "documentElement" in str(error) or "context was destroyed" in str(error)
            if attempt == 2 or not mid_navigation:
                raise
            page.wait_for_timeout(250)
    assert results.violations_count == 0, results.generate_report()
