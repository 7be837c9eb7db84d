import base64
import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any

import jwt
import pytest
from fastapi.testclient import TestClient

from tests.e2e.conftest import JWT_SECRET, Headers, bearer, jwks_settings, make_settings
from todo_service.adapters.jwt import mint_token
from todo_service.domain import UserId
from todo_service.entrypoints.container import Container
from todo_service.entrypoints.http.app import create_app

_NOW = datetime.now(UTC)
_EXPIRED = int((_NOW - timedelta(hours=1)).timestamp())
_LATER = int((_NOW + timedelta(hours=1)).timestamp())
CHALLENGE = "Bearer"
INVALID_TOKEN = 'Bearer error="invalid_token"'
ISSUER = "https://auth.example.com"
AUDIENCE = "todo-api"

ENDPOINTS = [
    ("GET", "/api/todos"),
    ("POST", "/api/todos"),
    ("GET", "/api/todos/0b9a4a52-6a4f-4a8e-9c43-6f1f4c1e2b10"),
    ("PATCH", "/api/todos/0b9a4a52-6a4f-4a8e-9c43-6f1f4c1e2b10"),
    ("DELETE", "/api/todos/0b9a4a52-6a4f-4a8e-9c43-6f1f4c1e2b10"),
    ("POST", "/api/todos/0b9a4a52-6a4f-4a8e-9c43-6f1f4c1e2b10/toggle-complete"),
    ("GET", "/api/users/me"),
]


def _b64(data: dict[str, Any]) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def _signed(claims: dict[str, Any], secret: str = JWT_SECRET, **options: Any) -> str:
    return jwt.encode(claims, secret, **{"algorithm": "HS256", **options})


def _claims(**overrides: Any) -> dict[str, Any]:
    claims = {"sub": "alice", "exp": _LATER, "iss": ISSUER, "aud": AUDIENCE}
    claims.update(overrides)
    return {name: value for name, value in claims.items() if value is not None}


def _assert_401(response: Any, challenge: str) -> None:
    assert response.status_code == 401, response.text
    assert response.headers["www-authenticate"] == challenge
    assert response.headers["content-type"] == "application/problem+json"
    assert "eyJ" not in response.text


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
@pytest.mark.parametrize(
    "headers",
    [{}, {"Authorization": "Basic YWxpY2U6cGFzcw=="}, {"Authorization": "Bearer"}],
    ids=["no header", "basic scheme", "empty bearer"],
)
def test_every_api_route_challenges_a_request_without_a_bearer_token(
    client: TestClient, method: str, path: str, headers: Headers
) -> None:
    _assert_401(client.request(method, path, headers=headers, json={"title": "a"}), CHALLENGE)


@pytest.mark.parametrize(("method", "path"), ENDPOINTS)
def test_every_api_route_refuses_a_token_signed_with_another_secret(
    client: TestClient, method: str, path: str
) -> None:
    token = mint_token("another-secret-that-is-also-32-bytes-long", "alice")
    response = client.request(method, path, headers=bearer(token), json={"title": "a"})
    _assert_401(response, INVALID_TOKEN)


@pytest.fixture
def strict_client() -> Iterator[TestClient]:
    """An app that also requires this issuer and audience."""
    container = Container(settings=make_settings(jwt_issuer=ISSUER, jwt_audience=AUDIENCE))
    with TestClient(create_app(container)) as client:
        yield client
    container.unwire()


def test_a_token_with_the_configured_issuer_and_audience_is_accepted(
    strict_client: TestClient,
) -> None:
    response = strict_client.get("/api/users/me", headers=bearer(_signed(_claims())))
    assert response.status_code == 200


def _unsigned(claims: dict[str, Any]) -> str:
    return f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}."


@pytest.mark.parametrize(
    "token",
    [
        pytest.param("not-a-jwt", id="malformed"),
        pytest.param("a.b.c", id="three garbage parts"),
        pytest.param(_signed(_claims(), "x" * 40), id="bad signature"),
        pytest.param(_signed(_claims(exp=_EXPIRED)), id="expired"),
        pytest.param(_signed(_claims(nbf=_LATER)), id="not yet valid"),
        pytest.param(_signed(_claims(iss="https://evil.example.com")), id="wrong issuer"),
        pytest.param(_signed(_claims(iss=None)), id="no issuer"),
        pytest.param(_signed(_claims(aud="other-api")), id="wrong audience"),
        pytest.param(_signed(_claims(), "s" * 64, algorithm="HS512"), id="algorithm not allowed"),
        pytest.param(_unsigned(_claims()), id="alg none"),
        pytest.param(_signed(_claims(sub=None)), id="no sub"),
        pytest.param(_signed(_claims(sub="")), id="empty sub"),
        pytest.param(_signed(_claims(sub="a" * 256)), id="sub too long"),
        pytest.param(_signed(_claims(exp=None)), id="no exp"),
    ],
)
def test_an_untrustworthy_token_is_401_invalid_token(strict_client: TestClient, token: str) -> None:
    _assert_401(strict_client.get("/api/todos", headers=bearer(token)), INVALID_TOKEN)


INVALID_REQUESTS = [
    ("GET", "/api/todos/not-a-uuid", None),
    ("GET", "/api/todos?limit=0", None),
    ("POST", "/api/todos", {}),
    ("PATCH", "/api/todos/0b9a4a52-6a4f-4a8e-9c43-6f1f4c1e2b10", {"owner": "mallory"}),
]


@pytest.mark.parametrize(("method", "path", "body"), INVALID_REQUESTS)
def test_a_bad_token_is_401_whatever_else_is_wrong_with_the_request(
    client: TestClient, method: str, path: str, body: dict[str, Any] | None
) -> None:
    forged = bearer(_signed(_claims(), secret="another-secret-of-at-least-32-bytes!"))
    _assert_401(client.request(method, path, headers=forged, json=body), INVALID_TOKEN)


def test_a_deactivated_user_is_403_until_reactivated(
    client: TestClient, container: Container, alice: Headers
) -> None:
    def set_active(active: bool) -> None:
        # Through the storage, from the app's event loop: a storage serving on the
        # loop (postgres-on-loop) must not be used from anywhere else.
        deactivate = partial(container.service().set_user_active, UserId("alice"), active)
        assert client.portal is not None
        client.portal.call(container.storage().call, deactivate)

    assert client.get("/api/users/me", headers=alice).status_code == 200
    set_active(False)
    for method, path in ENDPOINTS:
        response = client.request(method, path, headers=alice, json={"title": "a"})
        assert response.status_code == 403
        assert response.headers["content-type"] == "application/problem+json"
    for method, path, body in INVALID_REQUESTS:
        # Who is asking is settled before what is asked.
        assert client.request(method, path, headers=alice, json=body).status_code == 403
    set_active(True)
    assert client.get("/api/users/me", headers=alice).status_code == 200


def test_an_unreachable_key_set_is_503_with_retry_after() -> None:
    settings = jwks_settings("http://127.0.0.1:9/jwks.json")
    container = Container(settings=settings)
    token = f"{_b64({'alg': 'RS256', 'kid': 'k1'})}.{_b64(_claims())}.c2ln"
    with TestClient(create_app(container)) as client:
        response = client.get("/api/todos", headers=bearer(token))
    container.unwire()
    assert response.status_code == 503
    assert response.headers["retry-after"].isdigit()
    assert response.headers["content-type"] == "application/problem+json"
