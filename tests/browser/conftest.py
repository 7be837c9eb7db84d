"""A real `todo serve` on a free port, and the system Chromium driven by Playwright."""

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Route, sync_playwright

CHROMIUM = os.environ.get("TODO_TEST_CHROMIUM", "/usr/bin/chromium")
REQUIRE_BROWSER = os.environ.get("TODO_REQUIRE_BROWSER") == "1"
SKIP_REASON = f"no Chromium at {CHROMIUM} (apt-get install chromium)"
ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"

# Headless as root in a sandboxless container; no background calls to Google's services,
# which a closed network refuses and which an offline page must not depend on anyway.
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
LAUNCH_TIMEOUT_MS = 30_000
ACTION_TIMEOUT_MS = 15_000
SERVICE_START_SECONDS = 30


@dataclass(frozen=True, slots=True)
class LiveService:
    url: str
    environment: dict[str, str]

    def cli(self, *args: str) -> str:
        """Run `todo ARGS` against this service's configuration; its stdout."""
        return subprocess.run(  # noqa: S603 - this interpreter running our own CLI
            [sys.executable, "-m", "entrypoints", *args],
            env=self.environment,
            capture_output=True,
            text=True,
            check=True,
            timeout=60,
        ).stdout.strip()


@pytest.fixture(scope="session")
def chromium() -> str:
    """The system Chromium's path, or a skip (a failure with TODO_REQUIRE_BROWSER=1)."""
    if shutil.which(CHROMIUM) is None:
        if REQUIRE_BROWSER:
            pytest.fail(f"{SKIP_REASON}, and TODO_REQUIRE_BROWSER=1 makes that a failure")
        pytest.skip(SKIP_REASON)
    return CHROMIUM


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def _wait_until_healthy(url: str, server: "subprocess.Popen[bytes]", log: Path) -> None:
    deadline = time.monotonic() + SERVICE_START_SECONDS
    while time.monotonic() < deadline:
        if server.poll() is not None:
            pytest.fail(f"todo serve exited with {server.returncode}:\n{log.read_text()}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.2)
    pytest.fail(f"todo serve did not answer within {SERVICE_START_SECONDS} s:\n{log.read_text()}")


@pytest.fixture(scope="module")
def live_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveService]:
    """`todo serve` (uvicorn) over a freshly migrated SQLite file, as `make run` starts it."""
    workdir = tmp_path_factory.mktemp("live-service")
    port = _free_port()
    environment = {
        "PATH": os.environ.get("PATH", ""),
        "HOME": str(workdir),
        "DATABASE_URL": f"sqlite:///{workdir / 'todo.db'}",
        "JWT_SECRET": "browser-test-signing-secret-of-at-least-32-bytes",
        "CURSOR_SECRET": "browser-test-cursor-secret-of-at-least-32-bytes",
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "LOG_LEVEL": "warning",
    }
    service = LiveService(f"http://127.0.0.1:{port}", environment)
    service.cli("migrate")
    log = workdir / "serve.log"
    with log.open("wb") as output:
        server = subprocess.Popen(
            [sys.executable, "-m", "entrypoints", "serve"],
            env=environment,
            cwd=workdir,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
    try:
        _wait_until_healthy(service.url, server, log)
        yield service
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait(timeout=10)


@pytest.fixture(scope="module")
def browser(chromium: str) -> Iterator[Browser]:
    with sync_playwright() as playwright:
        sut = playwright.chromium.launch(
            executable_path=chromium, args=CHROMIUM_ARGS, timeout=LAUNCH_TIMEOUT_MS
        )
        yield sut
        sut.close()


@pytest.fixture
def outside_requests() -> list[str]:
    """The URLs the page tried to fetch from anywhere but the service."""
    return []


@pytest.fixture
def page(
    browser: Browser, live_service: LiveService, outside_requests: list[str]
) -> Iterator[Page]:
    """A page for which the network ends at the service: any other request fails, and is noted."""

    def refuse(route: Route) -> None:
        outside_requests.append(route.request.url)
        route.abort("internetdisconnected")

    context = browser.new_context(viewport={"width": 1280, "height": 1400})
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    context.route(lambda url: not url.startswith(f"{live_service.url}/"), refuse)
    sut = context.new_page()
    yield sut
    context.close()


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    skipped = terminalreporter.stats.get("skipped", [])
    if any(SKIP_REASON in str(report.longrepr) for report in skipped):
        terminalreporter.write_line(
            f"NOTE: the browser test of /docs was SKIPPED ({SKIP_REASON}); "
            "everything else ran. CI runs it.",
            yellow=True,
            bold=True,
        )
