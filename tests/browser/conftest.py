"""A real `todo serve` on a free port, and the system Chromium driven by Playwright."""

import shutil
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Route, sync_playwright

from tests.support.live_service import run_todo, running_service, service_environment
from tests.support.unavailable import CHROMIUM, CHROMIUM_MISSING, unavailable

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


@dataclass(frozen=True, slots=True)
class LiveService:
    url: str
    environment: Mapping[str, str]
    workdir: Path

    def cli(self, *args: str) -> str:
        """Run `todo ARGS` against this service's configuration; its stdout."""
        return run_todo(args, self.environment, self.workdir)


@pytest.fixture(scope="session")
def chromium() -> str:
    """The system Chromium's path, or a skip (a failure with TODO_REQUIRE_BROWSER=1)."""
    if shutil.which(CHROMIUM) is None:
        unavailable(CHROMIUM_MISSING, required_by="TODO_REQUIRE_BROWSER")
    return CHROMIUM


@pytest.fixture(scope="module")
def live_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveService]:
    """`todo serve` (uvicorn) over a freshly migrated SQLite file, as `make run` starts it."""
    workdir = tmp_path_factory.mktemp("live-service")
    environment = service_environment(f"sqlite:///{workdir / 'todo.db'}")
    run_todo(["migrate"], environment, workdir)
    with running_service(environment, workdir) as service:
        yield LiveService(service.base_url, environment, workdir)


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
