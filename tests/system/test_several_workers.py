"""`todo serve` with two worker processes behaves as one service."""

import subprocess
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from typing import Any

import pytest

from tests.conftest import POSTGRES_PORT
from tests.support.rate_limits import UNTHROTTLED
from tests.system.workers import TODO, Service, two_workers
from todo_service.adapters.jwt import mint_token

pytestmark = pytest.mark.postgres

JWT_SECRET = "workers-signing-secret-of-at-least-32-bytes"
USER_CACHE_SECONDS = 1
# A bound, not a measure: a worker still starting on a busy machine takes no connection yet.
BOTH_WORKERS_WITHIN_SECONDS = 60


@pytest.fixture(scope="module")
def service(postgres_admin: str) -> Iterator[Service]:
    with two_workers(
        postgres_admin,
        "todo_workers",
        JWT_SECRET,
        USER_CACHE_SECONDS=str(USER_CACHE_SECONDS),
        # Reaching both workers takes hundreds of one user's requests.
        **UNTHROTTLED,
    ) as sut:
        yield sut


def _from_every_worker(service: Service, request: Any) -> list[Any]:
    """Answers to `request`, sent on fresh connections until both workers have served."""
    answers: list[Any] = []
    deadline = time.monotonic() + BOTH_WORKERS_WITHIN_SECONDS
    with ThreadPoolExecutor(8) as pool:
        while time.monotonic() < deadline:
            answers += pool.map(lambda _: request(), range(8))
            if len(service.workers_connected_to(POSTGRES_PORT)) == 2:
                return answers
    pytest.fail(f"one worker took every one of {len(answers)} connections")


def test_two_workers_accept_each_others_cursors_and_share_idempotency_keys(
    service: Service,
) -> None:
    token = mint_token(JWT_SECRET, "walker")
    assert len(service.workers()) == 2
    for title in ("one", "two", "three"):
        assert service.call("POST", "/api/todos", token, {"title": title})[0] == 201
    status, first = service.call("GET", "/api/todos?limit=1", token)
    assert status == 200

    def next_page_and_retried_create() -> tuple[Any, ...]:
        page = service.call("GET", f"/api/todos?limit=1&cursor={first['next_cursor']}", token)
        created = service.call(
            "POST", "/api/todos", token, {"title": "once"}, **{"Idempotency-Key": "k-1"}
        )
        return page[0], page[1]["items"][0]["title"], created[0], created[1]["id"]

    answers = _from_every_worker(service, next_page_and_retried_create)

    assert {answer[:3] for answer in answers} == {(200, "two", 201)}
    assert len({answer[3] for answer in answers}) == 1
    status, everything = service.call("GET", "/api/todos?q=once", token)
    assert everything["total"] == 1


def test_a_deactivated_user_and_a_deleted_todo_are_gone_from_every_worker_within_the_bound(
    service: Service,
) -> None:
    token = mint_token(JWT_SECRET, "leaver")
    status, todo = service.call("POST", "/api/todos", token, {"title": "soon gone"})
    assert status == 201
    _from_every_worker(service, lambda: service.call("GET", f"/api/todos/{todo['id']}", token))

    assert service.call("DELETE", f"/api/todos/{todo['id']}", token)[0] == 204
    gone = _from_every_worker(
        service, lambda: service.call("GET", f"/api/todos/{todo['id']}", token)[0]
    )
    assert set(gone) == {404}

    subprocess.run(  # noqa: S603
        [TODO, "users", "deactivate", "leaver"], env=service.env, check=True, capture_output=True
    )
    time.sleep(USER_CACHE_SECONDS + 0.5)  # past the documented bound; nothing is timed
    refused = _from_every_worker(service, lambda: service.call("GET", "/api/todos", token)[0])
    assert set(refused) == {403}
