"""Each README row of "Identity providers", configured as written, meets its provider's tokens.

The tokens have the provider's documented shape (tests/e2e/provider_shapes.py) and
are signed with keys a local JWKS endpoint publishes in place of the provider's: the
row's JWKS URL keeps its path, on 127.0.0.1. Everything else is the row, verbatim.
"""

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

import jwt
import pytest
from fastapi.testclient import TestClient

from tests.e2e.conftest import bearer, make_settings
from tests.e2e.provider_shapes import SHAPES, NearMiss, Shape
from tests.e2e.provider_table import filled_in, provider_rows
from tests.integration.jwt.jwks_server import JwksServer
from tests.jwt_factories import OMIT, SigningKey, make_ec_key, make_ed25519_key, make_rsa_key
from todo_service.entrypoints.container import Container
from todo_service.entrypoints.http.app import create_app

ROWS = provider_rows()
BY_PROVIDER = {shape.provider: shape for shape in SHAPES}
NEAR_MISSES = [
    pytest.param(shape, miss, id=f"{shape.provider}: {miss}")
    for shape in SHAPES
    for miss in shape.near_misses
]


@pytest.fixture(scope="module")
def keys() -> dict[str, SigningKey]:
    return {
        "rsa": make_rsa_key(kid="rsa-provider"),
        "ec": make_ec_key(kid="ec-provider"),
        "ed25519": make_ed25519_key(kid="ed-provider"),
    }


@pytest.fixture(scope="module")
def jwks(keys: dict[str, SigningKey]) -> Iterator[JwksServer]:
    server = JwksServer()
    server.publish(*keys.values())
    server.start()
    yield server
    server.stop()


def configured_as_the_readme_says(shape: Shape, jwks: JwksServer) -> dict[str, str]:
    settings = filled_in(ROWS[shape.provider], shape.placeholders)
    if "JWT_JWKS_URL" in settings:
        local = urlsplit(jwks.url)
        path = urlsplit(settings["JWT_JWKS_URL"]).path
        settings["JWT_JWKS_URL"] = f"{local.scheme}://{local.netloc}{path}"
    return settings


@pytest.fixture
def client_for(jwks: JwksServer) -> Iterator[Any]:
    containers: list[Container] = []
    clients: list[TestClient] = []

    def client(shape: Shape) -> TestClient:
        settings = configured_as_the_readme_says(shape, jwks)
        values = {"jwt_secret": None, **{name.lower(): value for name, value in settings.items()}}
        container = Container(settings=make_settings(**values))
        containers.append(container)
        clients.append(TestClient(create_app(container)).__enter__())
        return clients[-1]

    yield client
    for opened in clients:
        opened.__exit__(None, None, None)
    for container in containers:
        container.unwire()


def token_of(shape: Shape, keys: dict[str, SigningKey], miss: NearMiss | None = None) -> str:
    """A token of the shape, fifteen minutes to live, with a near miss's changes if given."""
    now = int(datetime.now(UTC).timestamp())
    times = {"iat": now, "nbf": now, "auth_time": now, "exp": now + 900}
    changes = miss or NearMiss()
    payload = {**times, **shape.claims, **changes.claims}
    payload = {name: value for name, value in payload.items() if value is not OMIT}
    headers = {**shape.header, **changes.header}
    if shape.key == "secret":
        secret = shape.placeholders["jwt-secret"]
        return jwt.encode(payload, secret, algorithm="HS256", headers=headers)
    return keys[shape.key].sign(payload, **headers)


def test_every_provider_in_the_readme_table_has_a_recorded_shape() -> None:
    assert sorted(ROWS) == sorted(BY_PROVIDER)


@pytest.mark.parametrize("shape", SHAPES, ids=[shape.provider for shape in SHAPES])
def test_a_token_of_the_providers_shape_is_accepted_with_the_readme_settings(
    shape: Shape, keys: dict[str, SigningKey], client_for: Any
) -> None:
    client = client_for(shape)
    response = client.get("/api/users/me", headers=bearer(token_of(shape, keys)))
    assert response.status_code == 200, response.text
    me = response.json()
    assert me["id"] == shape.claims["sub"]
    assert (me["email"], me["name"]) == (shape.email, shape.name)

    created = client.post("/api/todos", headers=bearer(token_of(shape, keys)), json={"title": "a"})
    assert created.status_code == 201
    listed = client.get("/api/todos", headers=bearer(token_of(shape, keys))).json()
    assert [todo["title"] for todo in listed["items"]] == ["a"]


@pytest.mark.parametrize(("shape", "miss"), NEAR_MISSES)
def test_a_near_miss_of_the_providers_shape_is_refused(
    shape: Shape, miss: str, keys: dict[str, SigningKey], client_for: Any
) -> None:
    token = token_of(shape, keys, shape.near_misses[miss])
    response = client_for(shape).get("/api/users/me", headers=bearer(token))
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
