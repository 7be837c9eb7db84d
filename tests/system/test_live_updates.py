"""Live updates across instances: a change made through one `todo serve` reaches a stream
held by another on the same database, and a stream resumed with `Last-Event-ID` misses
nothing that happened while it was away."""

import json
import queue
import shutil
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.conftest import create_database, drop_database, postgres_sqlalchemy_url
from tests.sql_fixtures import sqlite_url
from tests.support.live_service import (
    ServiceProcess,
    auth_for,
    running_service,
    service_environment,
)
from todo_service.adapters.sql import migrate_to_head

# A bound for a slow, busy machine, not the target: the figures print what it took.
DELIVERED_WITHIN_SECONDS = 5
ALICE = auth_for("alice")


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(
    request: pytest.FixtureRequest, sqlite_template: Path, tmp_path: Path
) -> Iterator[str]:
    if request.param == "sqlite":
        shutil.copy(sqlite_template, tmp_path / "todo.db")
        yield sqlite_url(tmp_path / "todo.db")
        return
    admin: str = request.getfixturevalue("postgres_admin")
    name = create_database(admin, "todo_live")
    try:
        url = postgres_sqlalchemy_url(name)
        migrate_to_head(url)
        yield url
    finally:
        drop_database(admin, name)


@pytest.fixture
def instances(database_url: str, tmp_path: Path) -> Iterator[tuple[ServiceProcess, ServiceProcess]]:
    env = service_environment(database_url, STREAM_POLL_MILLISECONDS="100")
    with running_service(env, tmp_path) as first, running_service(env, tmp_path) as second:
        yield first, second


class Stream:
    """One client's event stream, read on a thread of its own into a queue of events."""

    def __init__(
        self, base_url: str, last_event_id: str | None = None, user: dict[str, str] = ALICE
    ) -> None:
        self.events: queue.Queue[dict[str, Any]] = queue.Queue()
        headers = {**user, **({"Last-Event-ID": last_event_id} if last_event_id else {})}
        self._client = httpx.Client(base_url=base_url, timeout=httpx.Timeout(5, read=30))
        self._response = self._client.send(
            self._client.build_request("GET", "/api/todos/events", headers=headers), stream=True
        )
        assert self._response.status_code == 200, self._response.read()
        assert self._response.headers["content-type"].startswith("text/event-stream")
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        fields: dict[str, str] = {}
        try:
            for line in self._response.iter_lines():
                if not line:
                    if fields.get("event") == "changes":
                        self.events.put({"id": fields["id"], **json.loads(fields["data"])})
                    fields = {}
                elif not line.startswith(":"):
                    name, _, value = line.partition(":")
                    fields[name] = value.removeprefix(" ")
        except httpx.HTTPError:
            return  # closed by the test

    def next(self) -> dict[str, Any]:
        return self.events.get(timeout=DELIVERED_WITHIN_SECONDS)

    def close(self) -> None:
        self._response.close()
        self._client.close()


def test_a_change_through_one_instance_reaches_a_stream_on_the_other(
    instances: tuple[ServiceProcess, ServiceProcess],
) -> None:
    writer, reader = instances
    stream = Stream(reader.base_url)
    api = httpx.Client(base_url=writer.base_url, headers=ALICE, timeout=10)
    try:
        ready = stream.next()
        assert (ready["todos"], ready["deleted"]) == ([], [])

        started = time.monotonic()
        created = api.post("/api/todos", json={"title": "from the other instance"}).json()
        event = stream.next()
        took = time.monotonic() - started
        assert [todo["id"] for todo in event["todos"]] == [created["id"]]
        print(f"live update across instances: {took * 1000:.0f} ms")

        api.patch(created["url"], json={"title": "renamed"})
        assert stream.next()["todos"][0]["title"] == "renamed"
        api.post("/api/todos", json={"title": "another user's"}, headers=auth_for("bob"))
        api.delete(created["url"])
        gone = stream.next()
        assert ([d["id"] for d in gone["deleted"]], gone["todos"]) == ([created["id"]], [])
        last_id = gone["id"]
    finally:
        stream.close()

    # Away: three changes, one a delete; back with Last-Event-ID, those come.
    kept = api.post("/api/todos", json={"title": "kept"}).json()
    doomed = api.post("/api/todos", json={"title": "doomed"}).json()
    api.delete(doomed["url"])
    resumed = Stream(reader.base_url, last_event_id=last_id)
    try:
        caught_up = resumed.next()
        assert [todo["id"] for todo in caught_up["todos"]] == [kept["id"]]
        # A change may come twice (SyncTodos): the deletion already sent comes again when
        # a transaction of the other instance's still ran as the last event's floor was taken.
        deleted = [d["id"] for d in caught_up["deleted"]]
        assert doomed["id"] in deleted
        assert set(deleted) <= {created["id"], doomed["id"]}
    finally:
        resumed.close()
        api.close()


def test_a_user_past_their_streams_is_answered_at_once(
    instances: tuple[ServiceProcess, ServiceProcess],
) -> None:
    _, reader = instances
    streams = [Stream(reader.base_url) for _ in range(5)]
    try:
        one_more = httpx.get(f"{reader.base_url}/api/todos/events", headers=ALICE, timeout=5)
        assert one_more.status_code == 429
        assert one_more.headers["content-type"] == "application/problem+json"
        streams.append(Stream(reader.base_url, user=auth_for("bob")))  # their own limit
    finally:
        for stream in streams:
            stream.close()


def test_a_stopping_server_ends_its_streams_and_exits(
    instances: tuple[ServiceProcess, ServiceProcess],
) -> None:
    _, reader = instances
    stream = Stream(reader.base_url)
    stream.next()
    started = time.monotonic()
    reader.stop()  # SIGTERM; a stream that held on would keep the worker from exiting
    assert reader.exited(), reader.log()
    print(f"a server with an open stream stopped in {time.monotonic() - started:.2f} s")
    stream.close()


def test_every_stream_of_a_two_worker_server_hears_of_a_change(
    database_url: str, tmp_path: Path
) -> None:
    """Streams and the write spread over the workers as the kernel hands out connections:
    whichever worker holds a stream, it hears of a change another one made."""
    env = service_environment(database_url, WORKERS="2", STREAM_POLL_MILLISECONDS="100")
    with running_service(env, tmp_path) as service:
        streams = [Stream(service.base_url) for _ in range(5)]
        try:
            for stream in streams:
                stream.next()
            for n in range(3):
                with httpx.Client(base_url=service.base_url, headers=ALICE) as fresh:
                    created = fresh.post("/api/todos", json={"title": f"t{n}"}).json()
                for stream in streams:
                    assert [todo["id"] for todo in stream.next()["todos"]] == [created["id"]]
        finally:
            for stream in streams:
                stream.close()
