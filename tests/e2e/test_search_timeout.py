"""A search past DATABASE_SEARCH_TIMEOUT_MS answers 503 at once, and the next is served."""

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from fastapi.testclient import TestClient

from tests.e2e.conftest import Headers
from tests.sql_fixtures import todos_locked, truncate
from todo_service.adapters.sql import SqlEngineOptions
from todo_service.entrypoints.storage import SqlStorage

ONE_BOUNDED_CONNECTION = SqlEngineOptions(search_timeout_ms=100, pool_size=1, max_overflow=0)


@pytest.fixture(
    params=[
        pytest.param(False, marks=pytest.mark.postgres, id="postgres"),
        pytest.param(True, marks=pytest.mark.postgres, id="postgres-on-loop"),
    ]
)
def storage(request: pytest.FixtureRequest) -> Iterator[SqlStorage]:
    truncate(request.getfixturevalue("postgres_engine"))
    url = request.getfixturevalue("postgres_url")
    sut = SqlStorage(url, ONE_BOUNDED_CONNECTION, cooperative=request.param)
    yield sut
    sut.dispose()


def test_a_search_held_up_past_the_timeout_is_503_and_the_next_one_is_served(
    client: TestClient, alice: Headers, postgres_engine: sa.Engine
) -> None:
    client.post("/api/todos", json={"title": "Buy milk"}, headers=alice)

    with todos_locked(postgres_engine):
        stopped = client.get("/api/todos?q=milk", headers=alice)

    assert stopped.status_code == 503
    assert stopped.headers["content-type"] == "application/problem+json"
    assert stopped.headers["Retry-After"] == "5"
    assert "took longer than the database allows" in stopped.json()["detail"]
    served = client.get("/api/todos?q=milk", headers=alice)
    assert (served.status_code, served.json()["total"]) == (200, 1)
