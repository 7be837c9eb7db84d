"""One access line per request, and an X-Request-ID on every response."""

import logging
import re
from collections.abc import Callable
from typing import Any, NoReturn

import httpx2
import pytest
from dependency_injector import providers
from fastapi.testclient import TestClient

from tests.e2e.conftest import Headers
from todo_service.entrypoints.container import Container
from todo_service.entrypoints.http.app import create_app
from todo_service.entrypoints.http.request_limits import MAX_BODY_BYTES
from todo_service.entrypoints.storage import MemoryStorage, Storage

TODO_ID = "0b9a4a52-6a4f-4a8e-9c43-6f1f4c1e2b10"

Send = Callable[[TestClient, Headers], httpx2.Response]

# Each request, the route template its line must name, and the status it gets.
REQUESTS: dict[str, tuple[Send, str, int]] = {
    "a listing": (lambda c, h: c.get("/api/todos?q=milk", headers=h), "/api/todos", 200),
    "a create": (
        lambda c, h: c.post("/api/todos", json={"title": "a"}, headers=h),
        "/api/todos",
        201,
    ),
    "a missing todo": (
        lambda c, h: c.get(f"/api/todos/{TODO_ID}", headers=h),
        "/api/todos/{todo_id}",
        404,
    ),
    "a bad id": (lambda c, h: c.get("/api/todos/x", headers=h), "/api/todos/{todo_id}", 422),
    "no token": (lambda c, h: c.get("/api/users/me"), "/api/users/me", 401),
    "a bad token": (
        lambda c, h: c.get("/api/users/me", headers={"Authorization": "Bearer x.y.z"}),
        "/api/users/me",
        401,
    ),
    "an unknown route": (lambda c, h: c.get("/api/nowhere", headers=h), "unmatched", 404),
    "a wrong method": (lambda c, h: c.put("/api/todos", headers=h), "/api/todos", 405),
    "a body too large": (
        lambda c, h: c.post("/api/todos", content=b"x" * (MAX_BODY_BYTES + 1), headers=h),
        "unmatched",
        413,
    ),
    "liveness": (lambda c, h: c.get("/healthz"), "/healthz", 200),
}


@pytest.fixture
def storage() -> Storage:
    return MemoryStorage()


def _access_lines(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [record for record in caplog.records if record.name == "todo.access"]


@pytest.mark.parametrize(("send", "route", "status"), REQUESTS.values(), ids=REQUESTS.keys())
def test_every_request_writes_one_access_line_naming_its_route_status_and_id(
    client: TestClient,
    alice: Headers,
    caplog: pytest.LogCaptureFixture,
    send: Send,
    route: str,
    status: int,
) -> None:
    caplog.set_level(logging.INFO, logger="todo.access")
    response = send(client, alice)
    assert response.status_code == status
    [line] = _access_lines(caplog)
    assert line.request_id == response.headers["x-request-id"]  # type: ignore[attr-defined]
    assert line.method == response.request.method  # type: ignore[attr-defined]
    assert line.route == route  # type: ignore[attr-defined]
    assert line.status == status  # type: ignore[attr-defined]
    assert isinstance(line.duration_ms, float)  # type: ignore[attr-defined]
    assert line.duration_ms >= 0  # type: ignore[attr-defined]


def test_a_clients_acceptable_request_id_is_kept_and_returned(
    client: TestClient, alice: Headers, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="todo.access")
    request_id = "edge-7f3a:01.retry_2"
    response = client.get("/api/todos", headers={**alice, "X-Request-ID": request_id})
    assert response.headers["x-request-id"] == request_id
    assert [line.request_id for line in _access_lines(caplog)] == [request_id]  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "request_id",
    ["", "a b", "x" * 65, "id\"with'quotes", "{json}", "naïve", "a\tb"],
    ids=["empty", "space", "too long", "quotes", "braces", "non-ASCII", "tab"],
)
def test_an_unacceptable_request_id_is_replaced_by_a_new_one(
    client: TestClient, alice: Headers, request_id: str
) -> None:
    headers = {**alice, "X-Request-ID": request_id.encode()}
    response = client.get("/api/todos", headers=headers)  # type: ignore[arg-type]
    returned = response.headers["x-request-id"]
    assert returned != request_id
    assert len(returned) == 32
    assert int(returned, 16) >= 0


def test_each_request_without_an_id_gets_a_new_one(client: TestClient) -> None:
    ids = {client.get("/healthz").headers["x-request-id"] for _ in range(5)}
    assert len(ids) == 5


def test_a_request_that_fails_unexpectedly_answers_500_with_its_id_and_is_logged(
    container: Container, alice: Headers, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(*args: Any) -> NoReturn:
        raise RuntimeError("boom")

    caplog.set_level(logging.INFO, logger="todo.access")
    container.list_todos.override(providers.Object(broken))
    with TestClient(create_app(container), raise_server_exceptions=False) as client:
        response = client.get("/api/todos", headers={**alice, "X-Request-ID": "r-500"})
    assert response.status_code == 500
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["x-request-id"] == "r-500"
    [line] = _access_lines(caplog)
    assert (line.request_id, line.status) == ("r-500", 500)  # type: ignore[attr-defined]


def test_generated_request_ids_are_distinct_and_tell_nothing_of_their_order(
    client: TestClient,
) -> None:
    generated = [client.get("/healthz").headers["x-request-id"] for _ in range(20)]
    assert all(re.fullmatch(r"[0-9a-f]{32}", request_id) for request_id in generated)
    # A counter, or a prefix per process, would show in shared leading characters.
    assert len({request_id[:8] for request_id in generated}) == len(generated)
