"""CORS_ALLOW_ORIGINS: the listed origins' pages call the API and read every answer; no other."""

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import partial
from typing import NoReturn

import httpx2
import pytest
from dependency_injector import providers
from fastapi.testclient import TestClient

from tests.e2e.conftest import Headers
from todo_service.application import ConcurrentUpdateError, StorageUnavailableError
from todo_service.domain import UserId
from todo_service.entrypoints.container import Container
from todo_service.entrypoints.http.app import create_app
from todo_service.entrypoints.http.edge.cors_preflight import CorsPolicy
from todo_service.entrypoints.http.request_limits import MAX_BODY_BYTES
from todo_service.entrypoints.storage import MemoryStorage, Storage

ORIGIN = "https://app.example.com"
ELSEWHERE = "https://elsewhere.example"
MAX_AGE = 900
MISSING = "/api/todos/0b9a4a52-6a4f-4a8e-9c43-6f1f4c1e2b10"
REQUEST_HEADERS = {
    "authorization",
    "content-type",
    "if-match",
    "if-none-match",
    "idempotency-key",
    "last-event-id",
    "x-request-id",
}
EXPOSED = {"etag", "location", "ratelimit", "ratelimit-policy", "retry-after", "x-request-id"}


@pytest.fixture
def storage() -> Storage:
    # The headers are the edge's, whatever the storage: one backend says as much as four.
    return MemoryStorage()


@pytest.fixture
def client(container: Container) -> Iterator[TestClient]:
    policy = CorsPolicy(frozenset({ORIGIN, "http://localhost:5173"}), max_age_seconds=MAX_AGE)
    with TestClient(create_app(container, cors=policy), raise_server_exceptions=False) as sut:
        yield sut


def listed(value: str) -> set[str]:
    return {part.strip().lower() for part in value.split(",")}


def preflight(client: TestClient, path: str, method: str, origin: str = ORIGIN) -> httpx2.Response:
    return client.options(
        path,
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": method,
            "Access-Control-Request-Headers": "authorization,content-type,if-match",
        },
    )


@pytest.mark.parametrize(
    ("path", "methods"),
    [
        ("/api/todos", "DELETE, GET, PATCH, POST"),
        (f"{MISSING}/move", "POST"),
        (MISSING, "DELETE, GET, PATCH"),
        (f"{MISSING}/toggle-complete", "POST"),
        ("/api/users/me", "GET"),
        ("/healthz", "GET"),
    ],
)
def test_a_preflight_from_a_listed_origin_allows_the_routes_methods_and_the_apis_headers(
    client: TestClient, path: str, methods: str
) -> None:
    response = preflight(client, path, "PATCH")

    assert response.status_code == 204
    assert response.headers["access-control-allow-origin"] == ORIGIN
    assert response.headers["access-control-allow-methods"] == methods
    assert listed(response.headers["access-control-allow-headers"]) == REQUEST_HEADERS
    assert response.headers["access-control-max-age"] == str(MAX_AGE)
    assert "origin" in listed(response.headers["vary"])
    assert "access-control-allow-credentials" not in response.headers


def test_a_preflight_from_an_origin_not_listed_is_refused_without_an_allowed_origin(
    client: TestClient,
) -> None:
    response = preflight(client, "/api/todos", "POST", origin=ELSEWHERE)

    assert response.status_code == 403
    assert response.headers["content-type"] == "application/problem+json"
    assert not [name for name in response.headers if name.startswith("access-control-")]


def test_an_origin_is_matched_exactly(client: TestClient) -> None:
    for near_miss in ["https://app.example.com.evil.example", "http://app.example.com", "null"]:
        response = preflight(client, "/api/todos", "POST", origin=near_miss)
        assert response.status_code == 403, near_miss


def test_a_page_of_an_origin_not_listed_gets_no_allowed_origin_on_an_answer(
    client: TestClient, alice: Headers
) -> None:
    response = client.get("/api/todos", headers={**alice, "Origin": ELSEWHERE})

    assert response.status_code == 200
    assert "access-control-allow-origin" not in response.headers
    assert "origin" in listed(response.headers["vary"])


@dataclass(frozen=True, slots=True)
class Page:
    """Requests as Alice's page on the listed origin sends them."""

    client: TestClient
    container: Container
    headers: Headers

    def todo(self) -> str:
        response = self.client.post("/api/todos", json={"title": "a"}, headers=self.headers)
        location: str = response.headers["location"]
        return location

    def deactivate(self) -> None:
        deactivate = partial(self.container.service().set_user_active, UserId("alice"), False)
        assert self.client.portal is not None
        self.client.portal.call(self.container.storage().call, deactivate)


@pytest.fixture
def page(client: TestClient, container: Container, alice: Headers) -> Page:
    return Page(client, container, {**alice, "Origin": ORIGIN})


def _deactivated(page: Page) -> httpx2.Response:
    page.client.get("/api/users/me", headers=page.headers)  # Alice is known from her first call
    page.deactivate()
    return page.client.get("/api/users/me", headers=page.headers)


def _conflict(page: Page) -> httpx2.Response:
    page.container.toggle_todo.override(providers.Object(_raises(ConcurrentUpdateError())))
    return page.client.post(f"{MISSING}/toggle-complete", headers=page.headers)


def _raises(error: Exception) -> Callable[..., NoReturn]:
    def use_case(*args: object) -> NoReturn:
        raise error

    return use_case


def _failing(error: Exception, page: Page) -> httpx2.Response:
    page.container.list_todos.override(providers.Object(_raises(error)))
    return page.client.get("/api/todos", headers=page.headers)


ANSWERS: dict[str, tuple[int, Callable[[Page], httpx2.Response]]] = {
    "created": (201, lambda p: p.client.post("/api/todos", json={"title": "a"}, headers=p.headers)),
    "read": (200, lambda p: p.client.get(p.todo(), headers=p.headers)),
    "deleted": (204, lambda p: p.client.delete(p.todo(), headers=p.headers)),
    "no token": (401, lambda p: p.client.get("/api/todos", headers={"Origin": ORIGIN})),
    "bad token": (
        401,
        lambda p: p.client.get(
            "/api/todos", headers={"Origin": ORIGIN, "Authorization": "Bearer not-a-token"}
        ),
    ),
    "deactivated": (403, _deactivated),
    "missing": (404, lambda p: p.client.get(MISSING, headers=p.headers)),
    "wrong method": (405, lambda p: p.client.put("/api/todos", headers=p.headers)),
    "conflict": (409, _conflict),
    "stale": (
        412,
        lambda p: p.client.patch(p.todo(), json={}, headers={**p.headers, "If-Match": '"7"'}),
    ),
    "too large": (
        413,
        lambda p: p.client.post(
            "/api/todos",
            content=b"x" * (MAX_BODY_BYTES + 1),
            headers={**p.headers, "Content-Type": "application/json"},
        ),
    ),
    "invalid": (422, lambda p: p.client.post("/api/todos", json={"title": ""}, headers=p.headers)),
    "unavailable": (503, partial(_failing, StorageUnavailableError())),
    "unexpected": (500, partial(_failing, RuntimeError("a bug"))),
}


@pytest.mark.parametrize(("status", "answer"), ANSWERS.values(), ids=ANSWERS.keys())
def test_every_answer_a_page_can_see_carries_the_cors_headers(
    page: Page, status: int, answer: Callable[[Page], httpx2.Response]
) -> None:
    response = answer(page)

    assert response.status_code == status, response.text
    assert response.headers["access-control-allow-origin"] == ORIGIN
    assert listed(response.headers["access-control-expose-headers"]) == EXPOSED
    assert "origin" in listed(response.headers["vary"])
    assert "access-control-allow-credentials" not in response.headers


def test_the_gates_401_gains_its_headers_once_however_often_it_is_given(
    client: TestClient,
) -> None:
    for _ in range(3):
        response = client.get("/api/todos", headers={"Origin": ORIGIN})
        assert response.status_code == 401
        assert response.headers.get_list("access-control-allow-origin") == [ORIGIN]
        assert response.headers.get_list("x-content-type-options") == ["nosniff"]


class TestWithoutAPolicy:
    @pytest.fixture
    def client(self, container: Container) -> Iterator[TestClient]:
        with TestClient(create_app(container)) as sut:
            yield sut

    def test_a_preflight_is_the_405_it_always_was(self, client: TestClient) -> None:
        response = preflight(client, "/api/todos", "POST")
        assert response.status_code == 405
        assert not [name for name in response.headers if name.startswith("access-control-")]

    def test_no_answer_carries_a_cors_header_or_varies_by_origin(
        self, client: TestClient, alice: Headers
    ) -> None:
        for path in ["/api/todos", "/healthz", "/docs"]:
            response = client.get(path, headers={**alice, "Origin": ORIGIN})
            assert response.status_code == 200, path
            assert not [name for name in response.headers if name.startswith("access-control-")]
            assert "origin" not in listed(response.headers.get("vary", "")), path
