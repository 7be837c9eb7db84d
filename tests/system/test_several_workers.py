"""`todo serve` with two worker processes behaves as one service."""

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import orjson
import pytest

from tests.conftest import create_database, drop_database, postgres_sqlalchemy_url
from tests.support.live_service import free_port
from todo_service.adapters.jwt import mint_token

pytestmark = pytest.mark.postgres

TODO = str(Path(sys.executable).parent / "todo")
JWT_SECRET = "workers-signing-secret-of-at-least-32-bytes"
USER_CACHE_SECONDS = 1
# A bound, not a measure: a worker still starting on a busy machine takes no connection yet.
BOTH_WORKERS_WITHIN_SECONDS = 60
POSTGRES_PORT_HEX = ":1538"


class Service:
    def __init__(self, port: int, env: dict[str, str]) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.env = env
        self.process = subprocess.Popen(  # noqa: S603
            [TODO, "serve"], env=env, start_new_session=True
        )

    def call(
        self, method: str, path: str, token: str | None, body: Any = None, **headers: str
    ) -> tuple[int, Any]:
        """One request on a connection of its own, so that any worker may take it."""
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        data = None if body is None else orjson.dumps(body)
        if data is not None:
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(  # noqa: S310
            self.base + path, data, {**headers, "Connection": "close"}, method=method
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                raw = response.read()
                return response.status, orjson.loads(raw) if raw else None
        except urllib.error.HTTPError as error:
            return error.code, orjson.loads(error.read() or b"null")

    def workers(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        pids = [int(pid) for pid in children.read_text().split()]
        # uvicorn's supervisor also starts multiprocessing's resource tracker.
        return [pid for pid in pids if "spawn_main" in Path(f"/proc/{pid}/cmdline").read_text()]

    def workers_holding_database_connections(self) -> set[int]:
        established = {
            fields[9]
            for fields in (
                line.split() for line in Path("/proc/net/tcp").read_text().splitlines()[1:]
            )
            if fields[2].endswith(POSTGRES_PORT_HEX) and fields[3] == "01"
        }
        holding = set()
        for pid in self.workers():
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                try:
                    target = os.readlink(fd)
                except OSError:
                    continue
                if target.startswith("socket:[") and target[8:-1] in established:
                    holding.add(pid)
        return holding

    def stop(self) -> None:
        os.killpg(self.process.pid, 15)
        self.process.wait(timeout=30)


@pytest.fixture(scope="module")
def service(postgres_admin: str) -> Iterator[Service]:
    name = create_database(postgres_admin, "todo_workers")
    port = free_port()
    env = {
        **os.environ,
        "DATABASE_URL": postgres_sqlalchemy_url(name),
        "JWT_SECRET": JWT_SECRET,
        "CURSOR_SECRET": "",
        "WORKERS": "2",
        "PORT": str(port),
        "LOG_LEVEL": "warning",
        "ACCESS_LOG": "false",
        "USER_CACHE_SECONDS": str(USER_CACHE_SECONDS),
    }
    subprocess.run([TODO, "migrate"], env=env, check=True, capture_output=True)  # noqa: S603
    sut = Service(port, env)
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                sut.call("GET", "/healthz", None)
                break
            except urllib.error.URLError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)
        yield sut
    finally:
        sut.stop()
        drop_database(postgres_admin, name)


def _from_every_worker(service: Service, request: Any) -> list[Any]:
    """Answers to `request`, sent on fresh connections until both workers have served."""
    answers: list[Any] = []
    deadline = time.monotonic() + BOTH_WORKERS_WITHIN_SECONDS
    with ThreadPoolExecutor(8) as pool:
        while time.monotonic() < deadline:
            answers += pool.map(lambda _: request(), range(8))
            if len(service.workers_holding_database_connections()) == 2:
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
