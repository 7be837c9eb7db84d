"""A live `todo serve` on SQLite, and the clients generated from its /openapi.json.

The tools come from npm and PyPI once, into tests/clients/.cache (git-ignored); without
npm or a registry these tests are skipped, or fail with TODO_REQUIRE_CLIENTS=1 (CI).
"""

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from tests.clients import toolchains
from tests.clients.toolchains import CLIENT_TOOLS_MISSING
from tests.sql_fixtures import sqlite_url
from tests.support.live_service import ServiceProcess, running_service, service_environment
from tests.support.tool_cache import ToolsUnavailableError
from tests.support.unavailable import unavailable


@pytest.fixture(scope="session")
def service(
    sqlite_template: Path, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[ServiceProcess]:
    folder = tmp_path_factory.mktemp("clients-service")
    shutil.copy(sqlite_template, folder / "todo.db")
    with running_service(service_environment(sqlite_url(folder / "todo.db")), folder) as live:
        yield live


@pytest.fixture(scope="session")
def openapi(service: ServiceProcess) -> bytes:
    """The document as the service serves it, byte for byte."""
    response = httpx.get(f"{service.base_url}/openapi.json", timeout=10)
    assert response.status_code == 200
    return response.content


@pytest.fixture(scope="session")
def python_generator() -> Path:
    return _installed(toolchains.python_generator)


@pytest.fixture(scope="session")
def node_packages() -> Path:
    return _installed(toolchains.node_packages)


def _installed(install: Callable[[], Path]) -> Path:
    try:
        return install()
    except ToolsUnavailableError as error:
        unavailable(f"{CLIENT_TOOLS_MISSING} ({error})", required_by="TODO_REQUIRE_CLIENTS")


@pytest.fixture(scope="session")
def python_client(python_generator: Path, openapi: bytes) -> Path:
    """The folder holding the package `todo_client`, generated from the served document."""
    return toolchains.python_client(python_generator, openapi)


@pytest.fixture(scope="session")
def typescript_program(node_packages: Path, openapi: bytes) -> Path:
    """The compiled journey.js, typed by openapi-typescript's output for the document."""
    return toolchains.typescript_program(node_packages, openapi)
