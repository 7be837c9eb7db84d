from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest
from fastapi.testclient import TestClient

from tests.e2e.conftest import Headers, make_settings
from tests.factories import FixedClock

KEY = "9b0e4c3a-2f51-4d7e-8a61-3c2d1f0e9b7a"


def _post(client: TestClient, headers: Headers, key: str, **body: Any) -> Any:
    return client.post(
        "/api/todos",
        json={"title": "Buy milk", **body},
        headers={**headers, "Idempotency-Key": key},
    )


def _total(client: TestClient, headers: Headers) -> int:
    total: int = client.get("/api/todos", headers=headers).json()["total"]
    return total


def test_a_retried_create_returns_the_original_todo_with_201(
    client: TestClient, alice: Headers
) -> None:
    first = _post(client, alice, KEY)
    again = _post(client, alice, KEY)
    assert (first.status_code, again.status_code) == (201, 201)
    assert again.json() == first.json()
    assert again.headers["Location"] == first.headers["Location"]
    assert _total(client, alice) == 1


def test_the_same_key_with_a_different_body_is_409(client: TestClient, alice: Headers) -> None:
    _post(client, alice, KEY)
    conflict = _post(client, alice, KEY, title="Buy bread")
    assert conflict.status_code == 409
    assert conflict.headers["content-type"] == "application/problem+json"
    assert "Idempotency-Key" in conflict.json()["detail"]
    assert _total(client, alice) == 1


def test_keys_are_per_user(client: TestClient, alice: Headers, bob: Headers) -> None:
    mine, theirs = _post(client, alice, KEY), _post(client, bob, KEY)
    assert mine.json()["id"] != theirs.json()["id"]


def test_concurrent_creates_with_one_key_make_one_todo(client: TestClient, alice: Headers) -> None:
    with ThreadPoolExecutor(max_workers=6) as pool:
        responses = list(pool.map(lambda _: _post(client, alice, KEY), range(12)))
    assert {r.status_code for r in responses} == {201}
    assert len({r.json()["id"] for r in responses}) == 1
    assert _total(client, alice) == 1


@pytest.mark.parametrize("key", [b"", b"with space", b"x" * 256, "ключ".encode()])
def test_a_malformed_key_is_422_and_creates_nothing(
    client: TestClient, alice: Headers, key: bytes
) -> None:
    headers = {name.encode(): value.encode() for name, value in alice.items()}
    headers[b"Idempotency-Key"] = key
    response = client.post("/api/todos", json={"title": "Buy milk"}, headers=headers)
    assert response.status_code == 422
    assert _total(client, alice) == 0


@pytest.mark.parametrize("settings", [make_settings(idempotency_ttl_seconds=60)])
def test_a_key_lives_as_long_as_idempotency_ttl_seconds_says(
    client: TestClient, alice: Headers, clock: FixedClock
) -> None:
    first = _post(client, alice, KEY)
    clock.advance(59)
    within = _post(client, alice, KEY)
    clock.advance(2)
    after = _post(client, alice, KEY)
    assert within.json()["id"] == first.json()["id"]
    assert after.status_code == 201
    assert after.json()["id"] != first.json()["id"]
    assert _total(client, alice) == 2
