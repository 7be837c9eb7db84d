"""How many round trips to PostgreSQL each HTTP operation costs, with warm caches.

On Neon each round trip is 1-3 ms of network that every user waits through, so each
operation is held to its budget: a change that adds one fails here. The budgets are
the README's table ("Round trips to the database"), checked against it below. Counted
by a proxy in front of the server (tests/performance/delay_proxy.py, with no delay): a
round trip is each time a client sends after the server has answered, whatever the
driver does (BEGIN, pipelines, prepared statements).
"""

import itertools
import re
import secrets
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx2
import pytest
from dependency_injector import providers
from fastapi.testclient import TestClient

from tests.conftest import POSTGRES_HOST, POSTGRES_PORT, postgres_sqlalchemy_url
from tests.e2e.conftest import auth_for, make_settings
from tests.performance.delay_proxy import DelayProxy, delay_proxy_thread
from todo_service.adapters.sql import SqlEngineOptions
from todo_service.entrypoints.bootstrap import build_container
from todo_service.entrypoints.http.app import create_app
from todo_service.entrypoints.storage import SqlStorage

pytestmark = pytest.mark.postgres

README = Path(__file__).resolve().parents[2] / "README.md"
ALICE = auth_for("round-trips")
# Each operation's runs before the one counted: the user and the token are remembered
# by then, and the counts are steady (after one, a create with a key counted 9 and a
# delete 6, while psycopg had yet to prepare their statements: DATABASE_PREPARE_THRESHOLD).
WARM_UPS = 10

# Round trips per operation, as `todo serve` sends them (PostgreSQL, on the event loop).
BUDGETS = {
    "list": 1,
    "list with a search": 1,
    "get": 1,
    "create": 1,
    "create with Idempotency-Key": 1,
    "patch (title)": 1,
    "toggle (completed)": 1,
    "delete": 1,
    "move": 1,
    "bulk update": 1,
    "bulk delete": 1,
    "changes since a sync token": 1,
}


@pytest.fixture
def proxy(postgres_database: str) -> Iterator[DelayProxy]:
    del postgres_database  # migrated by postgres_url, which the client fixture asks for
    with delay_proxy_thread((POSTGRES_HOST, POSTGRES_PORT), delay=0) as running:
        yield running


@pytest.fixture
def client(proxy: DelayProxy, postgres_url: str, postgres_database: str) -> Iterator[TestClient]:
    del postgres_url  # migrated
    url = postgres_sqlalchemy_url(postgres_database).replace(
        f":{POSTGRES_PORT}/", f":{proxy.port}/"
    )
    storage = SqlStorage(url, SqlEngineOptions(), cooperative=True)
    # Warm caches: the user and the token are remembered, as in production.
    container = build_container(make_settings(user_cache_seconds=300, rate_limits_enabled=False))
    container.storage.override(providers.Object(storage))
    with TestClient(create_app(container), headers=ALICE) as sut:
        yield sut
    storage.dispose()


def _new_todo(client: TestClient, **fields: Any) -> dict[str, Any]:
    created = client.post("/api/todos", json={"title": secrets.token_hex(4), **fields})
    assert created.status_code == 201, created.text
    body: dict[str, Any] = created.json()
    return body


def _operations(client: TestClient) -> dict[str, Callable[[], httpx2.Response]]:
    """Each operation, as a call that does it afresh (on a todo of its own where needed)."""
    token = client.get("/api/todos/changes").json()["token"]

    def bulk_delete() -> httpx2.Response:
        _new_todo(client, completed=True)
        return client.delete("/api/todos", params={"completed": "true"})

    priorities = itertools.cycle(["high", "low"])

    def bulk_update() -> httpx2.Response:
        # Another priority each time: todos already as asked are not written.
        return client.patch(
            "/api/todos", params={"completed": "false"}, json={"priority": next(priorities)}
        )

    def move() -> httpx2.Response:
        anchor, moved = _new_todo(client), _new_todo(client)
        return client.post(f"/api/todos/{moved['id']}/move", json={"before": anchor["id"]})

    return {
        "list": lambda: client.get("/api/todos"),
        "list with a search": lambda: client.get("/api/todos", params={"q": "milk"}),
        "get": lambda: client.get(f"/api/todos/{_new_todo(client)['id']}"),
        "create": lambda: client.post("/api/todos", json={"title": "Buy milk"}),
        "create with Idempotency-Key": lambda: client.post(
            "/api/todos",
            json={"title": "Buy milk"},
            headers={"Idempotency-Key": secrets.token_hex(8)},
        ),
        "patch (title)": lambda: client.patch(
            f"/api/todos/{_new_todo(client)['id']}", json={"title": "Buy oat milk"}
        ),
        "toggle (completed)": lambda: client.patch(
            f"/api/todos/{_new_todo(client)['id']}", json={"completed": True}
        ),
        "delete": lambda: client.delete(f"/api/todos/{_new_todo(client)['id']}"),
        "move": move,
        "bulk update": bulk_update,
        "bulk delete": bulk_delete,
        "changes since a sync token": lambda: client.get(
            "/api/todos/changes", params={"token": token}
        ),
    }


def test_each_operation_costs_its_budget_of_round_trips(
    client: TestClient, proxy: DelayProxy
) -> None:
    measured: dict[str, int] = {}
    for name, operation in _operations(client).items():
        for _ in range(WARM_UPS):
            operation()
        measured[name] = _last_request_round_trips(client, proxy, operation)
    assert measured == BUDGETS, (
        "round trips changed: update BUDGETS and the README's table if this is the "
        f"intent\n{measured}"
    )


def _last_request_round_trips(
    client: TestClient, proxy: DelayProxy, operation: Callable[[], httpx2.Response]
) -> int:
    """Round trips of the operation's own request, not of the todos it set up first."""
    marks: list[int] = []

    def mark(response: httpx2.Response) -> None:
        marks.append(proxy.round_trips)

    def mark_request(request: httpx2.Request) -> None:
        marks.append(proxy.round_trips)

    client.event_hooks = {"request": [mark_request], "response": [mark]}
    try:
        response = operation()
    finally:
        client.event_hooks = {"request": [], "response": []}
    assert response.status_code < 300, response.text
    # The last request's: from its send to its answer.
    return marks[-1] - marks[-2]


def test_the_readme_lists_the_budgets() -> None:
    rows = dict(re.findall(r"^\| (.+?) \| (\d+) \|$", README.read_text(), re.MULTILINE))
    assert {name: int(rows[name]) for name in BUDGETS if name in rows} == BUDGETS
