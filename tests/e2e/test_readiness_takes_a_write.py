"""`/readyz` over a real database that answers reads but refuses writes: 503 `read_only`."""

import logging
from collections.abc import Iterator
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from tests.e2e.conftest import Headers
from tests.support.refused_writes import WriteSwitch, read_only_postgres, unwritable_sqlite_file
from todo_service.adapters.sql import SqlEngineOptions
from todo_service.entrypoints.storage import SqlStorage

REFUSED = "The database refuses writes; readiness answers 503 until it takes them"
BACK = "The database answers again"


@pytest.fixture(
    params=[
        "sqlite",
        pytest.param("postgres", marks=pytest.mark.postgres),
        # As `todo serve` runs it: waiting on the app's event loop, in greenlets.
        pytest.param("postgres-on-loop", marks=pytest.mark.postgres),
    ]
)
def backend(request: pytest.FixtureRequest) -> str:
    backend: str = request.param
    return backend


@pytest.fixture
def switch(
    backend: str, request: pytest.FixtureRequest, sqlite_template: Path, tmp_path: Path
) -> Iterator[WriteSwitch]:
    if backend == "sqlite":
        with unwritable_sqlite_file(sqlite_template, tmp_path) as sqlite:
            yield sqlite
    else:
        with read_only_postgres(request.getfixturevalue("postgres_admin")) as postgres:
            yield postgres


@pytest.fixture
def storage(switch: WriteSwitch, backend: str) -> Iterator[SqlStorage]:
    """The e2e container's storage (tests/e2e/conftest.py), on this test's own database."""
    sut = SqlStorage(switch.url, SqlEngineOptions(), cooperative=backend == "postgres-on-loop")
    yield sut
    sut.dispose()


def _with_new_connections(client: TestClient, storage: SqlStorage) -> None:
    """Close the pool on the app's loop: the switch holds for the connections opened next."""
    assert client.portal is not None
    client.portal.call(storage.close)


def _database_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [record.getMessage() for record in caplog.records if record.name == "todo.database"]


def test_readiness_is_503_read_only_while_the_database_refuses_writes_then_200_again(
    switch: WriteSwitch,
    storage: SqlStorage,
    client: TestClient,
    alice: Headers,
    caplog: pytest.LogCaptureFixture,
) -> None:
    assert client.post("/api/todos", json={"title": "Buy milk"}, headers=alice).status_code == 201
    assert client.get("/readyz").status_code == 200

    switch.refuse_writes()
    _with_new_connections(client, storage)
    with caplog.at_level(logging.WARNING, "todo.database"):
        refused = [client.get("/readyz") for _ in range(3)]
        listed = client.get("/api/todos", headers=alice)
        write = client.post("/api/todos", json={"title": "Refused"}, headers=alice)
        switch.allow_writes()
        _with_new_connections(client, storage)
        ready = client.get("/readyz")

    # It answers reads all along: a `SELECT 1` would have called it ready.
    assert (listed.status_code, len(listed.json()["items"])) == (200, 1)
    # A write meanwhile is a 503 to retry, never a 500.
    assert write.status_code == 503, write.text
    assert write.headers["retry-after"].isdigit()
    for response in refused:
        assert response.status_code == 503
        assert response.headers["content-type"] == "application/problem+json"
        assert response.headers["retry-after"].isdigit()
        assert response.json()["not_ready"] == {"database": "read_only"}
    assert (ready.status_code, ready.json()) == (200, {"status": "ready"})
    # Once each way, however often readiness asked.
    assert _database_lines(caplog) == [REFUSED, BACK]
    said = next(record for record in caplog.records if record.getMessage() == REFUSED)
    assert said.database == storage.name  # type: ignore[attr-defined]
    assert switch.url.split("@")[-1] not in said.reason  # type: ignore[attr-defined]
