"""The real app over a real container, with real HS256 tokens and a swappable backend."""

from collections.abc import Callable, Iterator
from typing import Any

import pytest
from dependency_injector import providers
from fastapi.testclient import TestClient

from adapters.jwt import mint_token
from entrypoints.bootstrap import build_container
from entrypoints.container import Container
from entrypoints.http.app import create_app
from entrypoints.settings import Settings
from entrypoints.storage import MemoryStorage, Storage
from tests.factories import FixedClock

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
    }
    return Settings(_env_file=None, **{**values, **overrides})


def bearer(token: str) -> Headers:
    return {"Authorization": f"Bearer {token}"}


def auth_for(subject: str, **claims: Any) -> Headers:
    return bearer(mint_token(JWT_SECRET, subject, **claims))


# The integrator adds "sqlite" and "postgres" here, each building its own Storage.
BACKENDS: dict[str, Callable[[], Storage]] = {"memory": MemoryStorage}


@pytest.fixture(params=sorted(BACKENDS))
def storage(request: pytest.FixtureRequest) -> Storage:
    return BACKENDS[request.param]()


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
