"""The metrics an operator scrapes: counts by route template, refusals by reason, 503s by cause."""

import base64
import json
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from dependency_injector import providers
from fastapi.testclient import TestClient
from prometheus_client import CollectorRegistry

from tests.e2e.conftest import JWT_SECRET, Headers, auth_for, bearer, jwks_settings
from tests.sql_fixtures import sqlite_url
from todo_service.adapters.jwt import mint_token
from todo_service.adapters.sql import DatabaseProblem, SqlEngineOptions
from todo_service.application import StorageUnavailableError
from todo_service.application.ports import UnitOfWork
from todo_service.domain import UserId
from todo_service.entrypoints.container import Container
from todo_service.entrypoints.http.app import EdgeFirstFastAPI, create_app
from todo_service.entrypoints.http.metrics.recorders import HttpMetrics
from todo_service.entrypoints.http.serving.stopping import SERVER_DRAINING
from todo_service.entrypoints.storage import MemoryStorage, SqlStorage, Storage

REPOSITORY = Path(__file__).resolve().parents[2]
Labels = dict[str, str]


@pytest.fixture
def storage() -> Storage:
    return MemoryStorage()


@pytest.fixture
def registry() -> CollectorRegistry:
    return CollectorRegistry()


@pytest.fixture
def client(container: Container, registry: CollectorRegistry) -> Iterator[TestClient]:
    with TestClient(create_app(container, metrics=HttpMetrics(registry))) as sut:
        yield sut


def samples(registry: CollectorRegistry, name: str) -> list[tuple[Labels, float]]:
    return [
        (sample.labels, sample.value)
        for family in registry.collect()
        for sample in family.samples
        if sample.name == name
    ]


def requests(registry: CollectorRegistry) -> dict[tuple[str, str, str], float]:
    return {
        (labels["method"], labels["route"], labels["status"]): value
        for labels, value in samples(registry, "todo_http_requests_total")
    }


def counted(registry: CollectorRegistry, name: str, label: str) -> dict[str, float]:
    """Every series of a one-label counter that has counted something."""
    return {labels[label]: value for labels, value in samples(registry, name) if value}


def label_values(registry: CollectorRegistry) -> set[str]:
    every_sample = (sample for family in registry.collect() for sample in family.samples)
    return {value for sample in every_sample for value in sample.labels.values()}


def test_each_request_is_counted_once_under_its_route_template_and_timed_once(
    client: TestClient, registry: CollectorRegistry, alice: Headers
) -> None:
    created = client.post("/api/todos", json={"title": "Secret plans"}, headers=alice)
    todo_id = created.json()["id"]
    assert client.get(f"/api/todos/{todo_id}", headers=alice).status_code == 200
    assert client.get(f"/api/todos/{todo_id}?q=milk", headers=alice).status_code == 200
    assert client.patch(
        f"/api/todos/{todo_id}", json={"description": "x"}, headers=alice
    ).is_success
    assert client.get("/api/todos/not-an-id", headers=alice).status_code == 422
    assert client.get("/api/todos?q=Secret", headers=alice).status_code == 200
    assert client.get(f"/api/elsewhere/{todo_id}", headers=alice).status_code == 404
    assert client.request("BREW", "/api/todos", headers=alice).status_code == 405
    assert client.get("/healthz").status_code == 200

    assert requests(registry) == {
        ("POST", "/api/todos", "201"): 1,
        ("GET", "/api/todos/{todo_id}", "200"): 2,
        ("PATCH", "/api/todos/{todo_id}", "200"): 1,
        ("GET", "/api/todos/{todo_id}", "422"): 1,
        ("GET", "/api/todos", "200"): 1,
        ("GET", "unmatched", "404"): 1,
        ("other", "/api/todos", "405"): 1,
        ("GET", "/healthz", "200"): 1,
    }
    timed = {
        (labels["method"], labels["route"], labels["status"]): value
        for labels, value in samples(registry, "todo_http_request_duration_seconds_count")
    }
    assert timed == requests(registry)
    leaked = {todo_id, "alice", "Secret", "milk", "BREW", alice["Authorization"].split()[1]}
    assert not {value for value in label_values(registry) for secret in leaked if secret in value}


def test_refused_tokens_are_counted_by_reason_and_never_by_token_or_user(
    client: TestClient, registry: CollectorRegistry, container: Container, alice: Headers
) -> None:
    long_ago = datetime.now(UTC) - timedelta(hours=2)
    expired = mint_token(JWT_SECRET, "alice", ttl_seconds=60, now=long_ago)
    forged = mint_token("another-secret-of-at-least-32-bytes!", "alice")
    refusals = [
        ({}, 401),  # no token, answered by the gate
        ({"Authorization": "Basic YWxpY2U6c2VjcmV0"}, 401),  # no bearer token either
        (bearer("x.y.z"), 401),
        (bearer(expired), 401),
        (bearer(forged), 401),
    ]
    for headers, status in refusals:
        assert client.get("/api/todos", headers=headers).status_code == status
    assert client.get("/api/users/me", headers=alice).status_code == 200
    container.service().set_user_active(UserId("alice"), False)  # memory: any thread
    assert client.get("/api/users/me", headers=alice).status_code == 403

    assert counted(registry, "todo_http_token_refusals_total", "reason") == {
        "missing": 2,
        "malformed": 1,
        "expired": 1,
        "bad_signature": 1,
        "deactivated": 1,
    }
    by_status = requests(registry)
    assert by_status[("GET", "/api/todos", "401")] == 5
    assert by_status[("GET", "/api/users/me", "403")] == 1
    every_token = {expired, forged, alice["Authorization"].split()[1]}
    assert not {v for v in label_values(registry) for t in every_token if t in v or "alice" in v}


def _segment(value: dict[str, str]) -> str:
    return base64.urlsafe_b64encode(json.dumps(value).encode()).rstrip(b"=").decode()


class UnreachableStorage(MemoryStorage):
    def unit_of_work(self) -> UnitOfWork:
        raise StorageUnavailableError

    def problem(self) -> DatabaseProblem | None:
        return DatabaseProblem("connection refused", misconfigured=False)


def test_503s_are_counted_by_cause(container: Container, registry: CollectorRegistry) -> None:
    metrics = HttpMetrics(registry)
    container.storage.override(providers.Object(UnreachableStorage()))
    with TestClient(create_app(container, metrics=metrics)) as client:
        assert client.get("/api/todos", headers=auth_for("carol")).status_code == 503

    jwks = jwks_settings("http://127.0.0.1:9/jwks.json")
    keys_away = Container(settings=jwks)
    token = f"{_segment({'alg': 'RS256', 'kid': 'k1'})}.{_segment({'sub': 'carol'})}.c2ln"
    with TestClient(create_app(keys_away, metrics=metrics)) as client:
        assert client.get("/api/todos", headers=bearer(token)).status_code == 503
    keys_away.unwire()

    assert counted(registry, "todo_http_unavailable_total", "cause") == {
        "storage_unreachable": 1,
        "authentication_unavailable": 1,
    }


def test_a_pool_out_of_connections_is_its_own_503_cause_and_the_pool_gauge_follows_use(
    request: pytest.FixtureRequest, tmp_path: Path, container: Container
) -> None:
    path = tmp_path / "todo.db"
    shutil.copy(request.getfixturevalue("sqlite_template"), path)
    one_connection = SqlEngineOptions(pool_size=1, max_overflow=0, pool_timeout_seconds=0.05)
    storage = SqlStorage(sqlite_url(path), one_connection)
    container.storage.override(providers.Object(storage))
    registry = CollectorRegistry()

    def in_use() -> float | None:
        return registry.get_sample_value("todo_db_pool_connections_in_use")

    try:
        with TestClient(create_app(container, metrics=HttpMetrics(registry))) as client:
            alice = auth_for("alice")
            assert client.get("/api/todos", headers=alice).status_code == 200
            assert in_use() == 0
            held = storage.engine.connect()
            assert in_use() == 1
            assert client.get("/api/todos", headers=alice).status_code == 503
            held.close()
            assert in_use() == 0
            assert client.get("/api/todos", headers=alice).status_code == 200
    finally:
        storage.dispose()

    assert counted(registry, "todo_http_unavailable_total", "cause") == {"storage_pool_timeout": 1}
    assert registry.get_sample_value("todo_db_pool_connections_max") == 10  # the settings'


def test_the_pool_gauge_counts_connections_held_at_once_from_several_threads(
    request: pytest.FixtureRequest, tmp_path: Path, container: Container
) -> None:
    path = tmp_path / "todo.db"
    shutil.copy(request.getfixturevalue("sqlite_template"), path)
    storage = SqlStorage(sqlite_url(path), SqlEngineOptions(pool_size=3))
    container.storage.override(providers.Object(storage))
    registry = CollectorRegistry()
    create_app(container, metrics=HttpMetrics(registry))
    all_held, release = threading.Barrier(4), threading.Event()

    def hold() -> None:
        with storage.engine.connect():
            all_held.wait()
            release.wait()

    threads = [threading.Thread(target=hold) for _ in range(3)]
    for thread in threads:
        thread.start()
    all_held.wait()
    assert registry.get_sample_value("todo_db_pool_connections_in_use") == 3
    release.set()
    for thread in threads:
        thread.join()
    assert registry.get_sample_value("todo_db_pool_connections_in_use") == 0
    storage.dispose()


def test_with_metrics_off_nothing_observes_requests_and_nothing_of_prometheus_is_loaded(
    container: Container,
) -> None:
    app = create_app(container)
    assert isinstance(app, EdgeFirstFastAPI)
    assert app.observer is None

    # A fresh interpreter, since this one has loaded prometheus_client for the tests above.
    serve_without_metrics = """
import sys
from fastapi.testclient import TestClient
from tests.e2e.conftest import auth_for, make_settings
from todo_service.entrypoints.bootstrap import build_container
from todo_service.entrypoints.http.app import create_app
with TestClient(create_app(build_container(make_settings()))) as client:
    assert client.get("/api/todos", headers=auth_for("alice")).status_code == 200
    assert client.get("/api/todos").status_code == 401
metrics = ("prometheus_client", "todo_service.entrypoints.http.metrics")
print(sorted(name for name in sys.modules if name.startswith(metrics)))
"""
    loaded = subprocess.run(  # noqa: S603 - this interpreter, our own code
        [sys.executable, "-c", serve_without_metrics],
        cwd=REPOSITORY,
        capture_output=True,
        text=True,
        check=True,
        timeout=60,
    )
    assert loaded.stdout.strip() == "[]"


def test_readiness_503s_are_counted_as_not_ready_or_draining(
    container: Container, registry: CollectorRegistry
) -> None:
    metrics = HttpMetrics(registry)
    container.storage.override(providers.Object(UnreachableStorage()))
    with TestClient(create_app(container, metrics=metrics)) as client:
        assert client.get("/readyz").status_code == 503
        SERVER_DRAINING.set()
        try:
            assert client.get("/readyz").status_code == 503
        finally:
            SERVER_DRAINING.clear()

    assert counted(registry, "todo_http_unavailable_total", "cause") == {
        "draining": 1,
        "not_ready": 1,
    }
