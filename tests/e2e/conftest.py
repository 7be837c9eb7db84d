"""The real app over a real container, with real HS256 tokens and a swappable backend."""

import shutil
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from dependency_injector import providers
from fastapi.testclient import TestClient

from tests.factories import FixedClock
from tests.jwt_factories import PROVIDER_AUDIENCE, PROVIDER_ISSUER
from tests.sql_fixtures import sqlite_url, truncate
from todo_service.adapters.jwt import mint_token
from todo_service.adapters.sql import SqlEngineOptions
from todo_service.entrypoints.bootstrap import build_container
from todo_service.entrypoints.container import Container
from todo_service.entrypoints.http.app import create_app
from todo_service.entrypoints.settings import Settings
from todo_service.entrypoints.storage import MemoryStorage, SqlStorage, Storage

JWT_SECRET = "e2e-signing-secret-of-at-least-32-bytes"
CURSOR_SECRET = "e2e-cursor-secret-of-at-least-32-bytes"

Headers = dict[str, str]


def make_settings(**overrides: Any) -> Settings:
    values: dict[str, Any] = {
        "database_url": "memory://",
        "jwt_secret": JWT_SECRET,
        "jwt_jwks_url": None,
        "jwt_issuer": None,
        "jwt_audience": None,
        "jwt_algorithms": (),
        "cursor_secret": CURSOR_SECRET,
        # Deactivations must show at once here; the cache has tests of its own.
        "user_cache_seconds": 0,
    }
    return Settings(_env_file=None, **{**values, **overrides})


def jwks_settings(url: str, **overrides: Any) -> Settings:
    """A service on an identity provider's keys, expecting the tests' issuer and audience."""
    provider = {"jwt_issuer": PROVIDER_ISSUER, "jwt_audience": PROVIDER_AUDIENCE}
    return make_settings(jwt_secret=None, jwt_jwks_url=url, **{**provider, **overrides})


def bearer(token: str) -> Headers:
    return {"Authorization": f"Bearer {token}"}


def auth_for(subject: str, **claims: Any) -> Headers:
    return bearer(mint_token(JWT_SECRET, subject, **claims))


def _sqlite_storage(request: pytest.FixtureRequest) -> SqlStorage:
    path = request.getfixturevalue("tmp_path") / "todo.db"
    shutil.copy(request.getfixturevalue("sqlite_template"), path)
    return SqlStorage(sqlite_url(path), SqlEngineOptions())


def _postgres_storage(request: pytest.FixtureRequest, *, cooperative: bool = False) -> SqlStorage:
    truncate(request.getfixturevalue("postgres_engine"))
    url = request.getfixturevalue("postgres_url")
    return SqlStorage(url, SqlEngineOptions(), cooperative=cooperative)


BACKENDS: dict[str, Callable[[pytest.FixtureRequest], Storage]] = {
    "memory": lambda _: MemoryStorage(),
    "sqlite": _sqlite_storage,
    "postgres": _postgres_storage,
    # As `todo serve` runs it: waiting on the app's event loop, in greenlets.
    "postgres-on-loop": lambda request: _postgres_storage(request, cooperative=True),
}


@pytest.fixture(
    params=[
        "memory",
        "sqlite",
        pytest.param("postgres", marks=pytest.mark.postgres),
        pytest.param("postgres-on-loop", marks=pytest.mark.postgres),
    ]
)
def storage(request: pytest.FixtureRequest) -> Iterator[Storage]:
    sut = BACKENDS[request.param](request)
    yield sut
    if isinstance(sut, SqlStorage):
        sut.dispose()


@pytest.fixture
def clock() -> FixedClock:
    return FixedClock()


@pytest.fixture
def settings() -> Settings:
    return make_settings()


@pytest.fixture
def container(settings: Settings, storage: Storage, clock: FixedClock) -> Iterator[Container]:
    sut = build_container(settings)
    sut.storage.override(providers.Object(storage))
    sut.clock.override(providers.Object(clock))
    yield sut
    sut.unwire()
    sut.reset_override()


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    with TestClient(create_app(container)) as sut:
        yield sut


@pytest.fixture
def alice() -> Headers:
    return auth_for("alice", email="alice@example.com", name="Alice")


@pytest.fixture
def bob() -> Headers:
    return auth_for("bob")


@pytest.fixture
def create(client: TestClient, alice: Headers) -> Callable[..., dict[str, Any]]:
    """Create a todo as alice (or as `headers`) and return its JSON."""

    def _create(headers: Headers | None = None, **fields: Any) -> dict[str, Any]:
        body = {"title": "Buy milk", **fields}
        response = client.post("/api/todos", json=body, headers=headers or alice)
        assert response.status_code == 201, response.text
        result: dict[str, Any] = response.json()
        return result

    return _create
