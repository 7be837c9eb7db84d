"""Per-user rate limits through the HTTP API: 429 with the headers a client waits by."""

import re
from collections.abc import Iterator
from typing import Any

import pytest
from dependency_injector import providers
from fastapi.testclient import TestClient

from tests.e2e.conftest import Headers, auth_for, make_settings
from tests.support.live_service import free_port
from todo_service.entrypoints.bootstrap import build_container
from todo_service.entrypoints.http.app import create_app
from todo_service.entrypoints.settings import Settings
from todo_service.entrypoints.storage import MemoryStorage

LIMITS = {
    "rate_limit_writes_per_minute": 1,
    "rate_limit_write_burst": 2,
    "rate_limit_reads_per_minute": 2,
    "rate_limit_read_burst": 3,
}
TODO_OPERATIONS = ("get", "post", "patch", "delete")


@pytest.fixture
def settings() -> Settings:
    return make_settings(**LIMITS)


def create(client: TestClient, user: Headers, title: str = "todo") -> Any:
    return client.post("/api/todos", json={"title": title}, headers=user)


def test_a_write_past_the_burst_is_429_with_retry_after_and_the_ratelimit_fields(
    client: TestClient, alice: Headers
) -> None:
    assert [create(client, alice).status_code for _ in range(2)] == [201, 201]

    refused = create(client, alice, "one too many")

    assert refused.status_code == 429
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.json()["title"] == "Too Many Requests"
    assert refused.json()["detail"].startswith("Too many writes: at most 1 a minute, 2 at once")
    seconds = refused.headers["retry-after"]
    assert seconds.isdigit()
    assert 1 <= int(seconds) <= 60
    assert refused.headers["ratelimit"] == f'"writes";r=0;t={seconds}'
    assert refused.headers["ratelimit-policy"] == '"writes";q=1;w=60'
    listed = client.get("/api/todos", headers=alice).json()
    assert listed["total"] == 2


def test_reads_are_counted_apart_from_writes_and_users_apart_from_each_other(
    client: TestClient, alice: Headers, bob: Headers
) -> None:
    todo = create(client, alice).json()
    create(client, alice)
    assert create(client, alice).status_code == 429

    reads = [client.get(f"/api/todos/{todo['id']}", headers=alice) for _ in range(4)]

    assert [read.status_code for read in reads] == [200, 200, 200, 429]
    assert reads[3].headers["ratelimit-policy"] == '"reads";q=2;w=60'
    assert re.fullmatch(r'"reads";r=0;t=\d+', reads[3].headers["ratelimit"])
    assert create(client, bob).status_code == 201
    assert client.get("/api/users/me", headers=alice).status_code == 200


def test_every_todo_operation_documents_its_429_and_the_three_headers(
    client: TestClient,
) -> None:
    schema = client.get("/openapi.json").json()
    for path, item in schema["paths"].items():
        for method, operation in item.items():
            documented = "429" in operation["responses"]
            assert documented == (path.startswith("/api/todos") and method in TODO_OPERATIONS)
            if documented:
                headers = operation["responses"]["429"]["headers"]
                assert set(headers) == {"Retry-After", "RateLimit", "RateLimit-Policy"}


def _client(**overrides: Any) -> Iterator[TestClient]:
    container = build_container(make_settings(**{**LIMITS, **overrides}))
    container.storage.override(providers.Object(MemoryStorage()))
    with TestClient(create_app(container)) as client:
        yield client
    container.unwire()


@pytest.fixture
def unlimited() -> Iterator[TestClient]:
    yield from _client(rate_limits_enabled=False)


@pytest.fixture
def redis_nowhere() -> Iterator[TestClient]:
    """Redis configured on a port where nothing listens: away from the first request on."""
    yield from _client(rate_limit_redis_url=f"redis://127.0.0.1:{free_port()}/0")


def test_switched_off_no_request_is_ever_refused(unlimited: TestClient) -> None:
    alice = auth_for("alice")
    assert {create(unlimited, alice).status_code for _ in range(10)} == {201}


def test_without_redis_each_worker_still_limits_and_nothing_fails(
    redis_nowhere: TestClient,
) -> None:
    alice = auth_for("alice")
    statuses = [create(redis_nowhere, alice).status_code for _ in range(4)]
    assert statuses == [201, 201, 429, 429]


class CountingLimiter:
    """The real limiter, counting how often it is asked."""

    def __init__(self, inner: Any) -> None:
        self.inner, self.asked = inner, 0

    def admit(self, policy: Any, key: str) -> float:
        self.asked += 1
        return float(self.inner.admit(policy, key))


def test_a_refused_callers_retries_are_answered_at_the_edge_until_retry_after(
    settings: Settings,
) -> None:
    container = build_container(settings)
    container.storage.override(providers.Object(MemoryStorage()))
    limits = container.rate_limits()
    counting = CountingLimiter(limits._limiter)
    limits._limiter = counting
    alice = auth_for("alice")
    with TestClient(create_app(container)) as client:
        assert [create(client, alice).status_code for _ in range(3)] == [201, 201, 429]
        asked = counting.asked

        retries = [create(client, alice) for _ in range(5)]

        assert [retry.status_code for retry in retries] == [429] * 5
        assert counting.asked == asked, "a retry before Retry-After reached the limiter"
        assert retries[-1].json()["detail"].startswith("Too many writes")
        assert retries[-1].headers["ratelimit-policy"] == '"writes";q=1;w=60'
        assert 1 <= int(retries[-1].headers["retry-after"]) <= 60
        assert client.get("/api/todos", headers=alice).status_code == 200
        assert counting.asked == asked + 1, "reads are not refused for writes"
