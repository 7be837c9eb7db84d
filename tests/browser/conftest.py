"""A real `todo serve` on a free port, and the system Chromium driven by Playwright; for
the pages of other origins, a service that allows one of them, and those pages."""

import shutil
from collections.abc import Iterator, Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, Request, Route, sync_playwright

from tests.browser.page_server import page_server
from tests.conftest import create_database, drop_database, postgres_sqlalchemy_url
from tests.support.live_service import (
    JWT_SECRET,
    run_todo,
    running_service,
    service_environment,
)
from tests.support.unavailable import CHROMIUM, CHROMIUM_MISSING, unavailable
from todo_service.adapters.jwt import mint_token

ARTIFACTS = Path(__file__).resolve().parents[2] / "test-artifacts"
PAGE = (Path(__file__).parent / "todo_page.html").read_bytes()

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


@dataclass(frozen=True, slots=True)
class Origins:
    allowed: str
    elsewhere: str


@pytest.fixture(scope="module")
def origins() -> Iterator[Origins]:
    with page_server(PAGE) as allowed, page_server(PAGE) as elsewhere:
        yield Origins(allowed, elsewhere)


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def api(
    request: pytest.FixtureRequest, origins: Origins, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[str]:
    """`todo serve` on a migrated database, allowing the first page server's origin alone."""
    workdir = tmp_path_factory.mktemp(f"cors-{request.param}")
    with ExitStack() as stack:
        if request.param == "postgres":
            admin: str = request.getfixturevalue("postgres_admin")
            name = create_database(admin, prefix="todo_browser")
            stack.callback(drop_database, admin, name)
            url = postgres_sqlalchemy_url(name)
        else:
            url = f"sqlite:///{workdir / 'todo.db'}"
        environment = service_environment(url, CORS_ALLOW_ORIGINS=origins.allowed)
        run_todo(["migrate"], environment, workdir)
        yield stack.enter_context(running_service(environment, workdir)).base_url


@pytest.fixture
def strays() -> list[str]:
    """The URLs a page asked for anywhere but the service and its own origin."""
    return []


def open_page(browser: Browser, origin: str, api: str, strays: list[str]) -> Iterator[Page]:
    """A page of `origin` calling `api`, its requests watched, not routed: with any route
    registered, Playwright answers CORS preflights itself (allowing everything), and the
    service's own preflight answers would go untested."""
    reachable = tuple(f"{base}/" for base in (api, origin))

    def note(request: Request) -> None:
        if not request.url.startswith(reachable):
            strays.append(request.url)

    context = browser.new_context(viewport={"width": 1000, "height": 520})
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    context.on("request", note)
    page = context.new_page()
    page.goto(f"{origin}/?api={api}")
    yield page
    context.close()


@pytest.fixture
def allowed_page(browser: Browser, api: str, origins: Origins, strays: list[str]) -> Iterator[Page]:
    yield from open_page(browser, origins.allowed, api, strays)


def token_for(subject: str) -> str:
    return mint_token(JWT_SECRET, subject, ttl_seconds=300)


def screenshot(page: Page, request: pytest.FixtureRequest, name: str) -> None:
    """What the page shows, one picture per database, for a person to look at."""
    ARTIFACTS.mkdir(exist_ok=True)
    backend = request.node.callspec.params["api"]
    page.screenshot(path=ARTIFACTS / f"{name}-{backend}.png")
