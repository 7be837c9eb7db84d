"""Hostile requests: each is refused with a 4xx problem, never a 5xx, and changes nothing."""

import json
from collections.abc import Iterator
from typing import Any
from urllib.parse import quote

import httpx2
import pytest
from fastapi.testclient import TestClient

from tests.e2e.conftest import Headers, auth_for, bearer, jwks_settings
from tests.integration.jwt.jwks_server import JwksServer
from tests.jwt_factories import (
    SigningKey,
    hmac_signed_by_hand,
    make_claims,
    make_rsa_key,
    provider_claims,
)
from todo_service.entrypoints.container import Container
from todo_service.entrypoints.http.app import create_app
from todo_service.entrypoints.http.request_limits import MAX_BODY_BYTES

PROBLEM_JSON = "application/problem+json"
TODO_PATH = "/api/todos/{id}"


def _raw_json(text: str) -> dict[str, Any]:
    """A JSON body sent exactly as written, escapes and all."""
    return {"content": text.encode(), "headers": {"Content-Type": "application/json"}}


def _nested(depth: int) -> str:
    return "[" * depth + "]" * depth


BAD_BODIES: dict[str, dict[str, Any]] = {
    "NUL in the title": {"json": {"title": "a\x00b"}},
    "NUL in the description": {"json": {"title": "a", "description": "x\x00y"}},
    "a lone high surrogate in the title": _raw_json('{"title": "a\\ud800b"}'),
    "a lone low surrogate in the description": _raw_json(
        '{"title": "a", "description": "\\udfff"}'
    ),
    "a surrogate as a field name": _raw_json('{"title": "a", "\\ud800": 1}'),
    "a body over 64 KiB": {"json": {"title": "a", "description": "d" * MAX_BODY_BYTES}},
    "JSON nested 10 000 deep": _raw_json(_nested(10_000)),
    "a title nested 100 000 deep": _raw_json('{"title": ' + _nested(100_000) + "}"),
    "bytes that are not UTF-8": {
        "content": b'{"title": "\xff\xfe"}',
        "headers": {"Content-Type": "application/json"},
    },
    "a naive due date": {"json": {"title": "a", "due_at": "2026-12-01T10:00:00"}},
    "a Unix time as due date": {"json": {"title": "a", "due_at": 1_790_000_000}},
    "an integer beyond bigint as priority": {"json": {"title": "a", "priority": 2**70}},
    "an owner smuggled in": {"json": {"title": "a", "user_id": "bob"}},
}

BAD_QUERIES: dict[str, dict[str, str]] = {
    "SQL in sort": {"sort": "created_at; DROP TABLE todos; --"},
    "SQL after a valid sort": {"sort": "title:asc, (SELECT 1)"},
    "a sort by a hidden column": {"sort": "user_id:asc"},
    "NUL in q": {"q": "milk\x00"},
    "NUL in sort": {"sort": "title:asc\x00"},
    "a naive due_before": {"due_before": "2026-12-01T10:00:00"},
    "a number as due_after": {"due_after": "0.5"},
    "a limit beyond bigint": {"limit": str(2**70)},
    "a negative offset": {"offset": "-1"},
    "a forged cursor": {"cursor": "eyJvZmZzZXQiOiAwfQ.AAAA"},
}


@pytest.fixture
def todos(client: TestClient, alice: Headers) -> Iterator[list[dict[str, Any]]]:
    """Alice's todos before the attack; after it, they must be exactly the same."""
    for title in ("Buy milk", "Call mum"):
        assert client.post("/api/todos", json={"title": title}, headers=alice).status_code == 201
    before = _all_todos(client, alice)
    yield before
    assert _all_todos(client, alice) == before


def _all_todos(client: TestClient, headers: Headers) -> list[dict[str, Any]]:
    response = client.get("/api/todos", params={"limit": 100}, headers=headers)
    assert response.status_code == 200
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def _assert_problem(response: httpx2.Response, *statuses: int) -> None:
    assert response.status_code in statuses, response.text
    assert response.headers["content-type"] == PROBLEM_JSON
    assert response.json()["status"] == response.status_code


@pytest.mark.parametrize("request_args", BAD_BODIES.values(), ids=BAD_BODIES.keys())
def test_a_hostile_body_is_a_4xx_problem_for_create_and_patch_and_changes_nothing(
    client: TestClient, alice: Headers, todos: list[dict[str, Any]], request_args: dict[str, Any]
) -> None:
    headers = {**alice, **request_args.pop("headers", {})}
    path = TODO_PATH.format(id=todos[0]["id"])
    _assert_problem(client.post("/api/todos", headers=headers, **request_args), 413, 422)
    _assert_problem(client.patch(path, headers=headers, **request_args), 413, 422)


@pytest.mark.parametrize("params", BAD_QUERIES.values(), ids=BAD_QUERIES.keys())
def test_a_hostile_listing_query_is_a_422_problem(
    client: TestClient, alice: Headers, todos: list[dict[str, Any]], params: dict[str, str]
) -> None:
    _assert_problem(client.get("/api/todos", params=params, headers=alice), 422)


@pytest.mark.parametrize(
    "q",
    [
        quote("' OR '1'='1"),
        quote("%' OR 1=1 --"),
        quote("'); DELETE FROM todos; --"),
        quote("_%\\"),
        "%ED%A0%80",  # a lone surrogate, as UTF-8 would encode it if it could
        "%FF%FE",
    ],
)
def test_a_sql_looking_or_undecodable_search_is_only_text_and_finds_nothing_of_anyone(
    client: TestClient, alice: Headers, bob: Headers, todos: list[dict[str, Any]], q: str
) -> None:
    client.post("/api/todos", json={"title": "Bob's secret"}, headers=bob)
    response = client.get(f"/api/todos?q={q}", headers=alice)
    assert response.status_code == 200, response.text
    assert response.json()["items"] == []
    assert len(_all_todos(client, bob)) == 1


@pytest.mark.parametrize(
    "path",
    [
        "/api/todos/%00",
        "/api/todos/0b9a4a52-6a4f-4a8e-9c43-6f1f4c1e2b1%00",
        "/api/todos/%ED%A0%80",
        "/api/todos/1%20OR%201=1",
        "/api/todos/99999999999999999999999999999999999999",
    ],
)
def test_a_hostile_todo_id_is_a_422_problem(
    client: TestClient, alice: Headers, todos: list[dict[str, Any]], path: str
) -> None:
    _assert_problem(client.get(path, headers=alice), 422)
    _assert_problem(client.delete(path, headers=alice), 422)


@pytest.mark.parametrize(
    "headers",
    [
        {"If-Match": '"1"\x00'},
        {"If-Match": '"99999999999999999999999"'},
        {"If-Match": "1 OR 1=1"},
    ],
    ids=["NUL", "beyond bigint", "SQL"],
)
def test_a_hostile_if_match_is_a_422_problem(
    client: TestClient, alice: Headers, todos: list[dict[str, Any]], headers: Headers
) -> None:
    path = TODO_PATH.format(id=todos[0]["id"])
    _assert_problem(client.delete(path, headers={**alice, **headers}), 422)


def test_a_hostile_idempotency_key_is_a_422_problem(
    client: TestClient, alice: Headers, todos: list[dict[str, Any]]
) -> None:
    for key in ["k\x00", "k" * 256, "a key with spaces"]:
        headers = {**alice, "Idempotency-Key": key}
        _assert_problem(client.post("/api/todos", json={"title": "x"}, headers=headers), 422)


def _bearer_bytes(token: bytes) -> dict[str, bytes]:
    return {"Authorization": b"Bearer " + token}


HOSTILE_TOKENS: dict[str, dict[str, Any]] = {
    "10 KB of token": bearer("eyJhbGciOiJIUzI1NiJ9." + "A" * 10_240 + ".c2ln"),
    "a 10 KB header segment": bearer("eyJ" + "x" * 10_240 + ".e30.c2ln"),
    "non-ASCII garbage": _bearer_bytes("ťøκεñ·💥".encode()),
    "bytes that are not UTF-8": _bearer_bytes(b"\xff\xfe\x80.\xc3(.\xa0\xa1"),
    "NUL inside": bearer("eyJhbGciOiJIUzI1NiJ9\x00.e30.c2ln"),
}


@pytest.mark.parametrize("headers", HOSTILE_TOKENS.values(), ids=HOSTILE_TOKENS.keys())
def test_a_garbage_token_is_401_invalid_token(
    client: TestClient, todos: list[dict[str, Any]], headers: dict[str, Any]
) -> None:
    response = client.get("/api/todos", headers=headers)
    _assert_problem(response, 401)
    assert response.headers["www-authenticate"] == 'Bearer error="invalid_token"'


def test_a_genuinely_signed_10_kb_token_is_401_too(
    client: TestClient, todos: list[dict[str, Any]]
) -> None:
    response = client.get("/api/todos", headers=auth_for("alice", name="A" * 10_240))
    _assert_problem(response, 401)


@pytest.fixture(scope="module")
def rsa_key() -> SigningKey:
    return make_rsa_key()


class TestKeyConfusion:
    """A service on asymmetric keys must not take the public key as an HMAC secret."""

    @pytest.fixture
    def jwks_client(self, rsa_key: SigningKey) -> Iterator[TestClient]:
        server = JwksServer()
        server.publish(rsa_key)
        server.start()
        container = Container(settings=jwks_settings(server.url))
        with TestClient(create_app(container)) as client:
            yield client
        container.unwire()
        server.stop()

    def test_a_token_signed_with_the_identity_providers_key_is_accepted(
        self, jwks_client: TestClient, rsa_key: SigningKey
    ) -> None:
        response = jwks_client.get("/api/users/me", headers=bearer(rsa_key.sign(provider_claims())))
        assert response.status_code == 200

    @pytest.mark.parametrize("kid", ["rsa-1", None])
    def test_an_hs256_token_signed_with_the_public_key_is_401(
        self, jwks_client: TestClient, rsa_key: SigningKey, kid: str | None
    ) -> None:
        header = {"kid": kid} if kid else {}
        for secret in (rsa_key.public_pem, json.dumps(rsa_key.public_jwk).encode()):
            token = hmac_signed_by_hand(make_claims(), secret, **header)
            response = jwks_client.get("/api/users/me", headers=bearer(token))
            _assert_problem(response, 401)
