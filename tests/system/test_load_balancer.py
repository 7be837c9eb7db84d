"""Two `todo serve` instances behind HAProxy (docs/deploy/haproxy.cfg as it is), on one
PostgreSQL database and one Redis, under a steady load of creates, reads and toggles:
a rolling restart fails no request, a killed instance costs only what was in flight on
it, and limits, deactivation and live update streams hold across the instances."""

import json
import queue
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import httpx
import pytest

from tests.support.haproxy import HAProxy, require_haproxy, running_haproxy
from tests.support.live_service import ServiceProcess, auth_for, run_todo
from tests.system.databases import Database
from tests.system.figures import report
from tests.system.load import stored_todos, wait_until
from tests.system.mixed_load import MixedLoad, Request

pytestmark = pytest.mark.postgres

CLIENTS = 4
DRAIN_SECONDS = "3"
USER_CACHE_SECONDS = 1
# Acknowledged creates to wait for before, between and after what is done to the instances.
STEADY_CREATES = 30
# A bound for a busy machine, not a target: the figures print what it took.
DELIVERED_WITHIN_SECONDS = 15


class Cluster:
    """Two instances on one database and one Redis, and HAProxy in front of them."""

    def __init__(self, env: dict[str, str], folder: Path, stack: ExitStack) -> None:
        self.env = env
        self.folder = folder
        self.instances: list[ServiceProcess] = []
        stack.callback(self._kill_all)
        self.instances = [self._started(None) for _ in range(2)]
        self.haproxy: HAProxy = stack.enter_context(
            running_haproxy(require_haproxy(), [i.port for i in self.instances], folder)
        )
        for n in (1, 2):
            self.haproxy.wait_for(self.server(n - 1), "UP")

    @staticmethod
    def server(index: int) -> str:
        return f"instance_{index + 1}"

    def restart(self, index: int) -> None:
        """SIGTERM (the instance drains, then exits), then the same port again once it has."""
        old = self.instances[index]
        old.stop()
        assert old.exited(), old.log()
        self.instances[index] = self._started(old.port)

    def _started(self, port: int | None) -> ServiceProcess:
        instance = ServiceProcess(self.env, self.folder, port=port)
        instance.wait_until_live()
        return instance

    def _kill_all(self) -> None:
        for instance in self.instances:
            instance.kill()


@pytest.fixture
def start_cluster(
    postgres_database_only: Database, redis_url: str, tmp_path: Path
) -> Iterator[Callable[..., Cluster]]:
    require_haproxy()
    with ExitStack() as stack:

        def start(**extra: str) -> Cluster:
            env = postgres_database_only.environment(
                DRAIN_SECONDS=DRAIN_SECONDS,
                RATE_LIMIT_REDIS_URL=redis_url,
                RATE_LIMIT_REDIS_PREFIX=f"todo:test:{uuid.uuid4().hex}",
                USER_CACHE_SECONDS=str(USER_CACHE_SECONDS),
                STREAM_POLL_MILLISECONDS="100",
                **extra,
            )
            return Cluster(env, tmp_path, stack)

        yield start


class Follower:
    """A front end's live update stream through the balancer, reconnecting as EventSource
    does: with `Last-Event-ID`, whenever the stream ends or breaks."""

    def __init__(self, base_url: str, user: str) -> None:
        self.seen: set[str] = set()
        self.connections = 0
        self._changed = threading.Condition()
        self._base_url = base_url
        self._headers = auth_for(user)
        self._last_id: str | None = None
        self._stopping = threading.Event()
        self._errors: queue.SimpleQueue[str] = queue.SimpleQueue()
        self._thread = threading.Thread(target=self._follow, daemon=True)
        self._thread.start()

    def wait_for(self, todo_ids: set[str]) -> float:
        started = time.monotonic()
        with self._changed:
            if not self._changed.wait_for(
                lambda: todo_ids <= self.seen, timeout=DELIVERED_WITHIN_SECONDS
            ):
                missing = len(todo_ids - self.seen)
                raise AssertionError(f"{missing} change(s) never reached the stream")
        return time.monotonic() - started

    def stop(self) -> None:
        self._stopping.set()

    def _follow(self) -> None:
        timeout = httpx.Timeout(5, read=30)
        with httpx.Client(base_url=self._base_url, timeout=timeout) as client:
            while not self._stopping.is_set():
                try:
                    self._read_one_stream(client)
                except httpx.HTTPError as error:
                    self._errors.put(type(error).__name__)
                time.sleep(0.2)  # the stream's `retry: 1000` would be longer; same idea

    def _read_one_stream(self, client: httpx.Client) -> None:
        headers = {**self._headers, **({"Last-Event-ID": self._last_id} if self._last_id else {})}
        with client.stream("GET", "/api/todos/events", headers=headers) as stream:
            if stream.status_code != 200:
                return
            self.connections += 1
            fields: dict[str, str] = {}
            for line in stream.iter_lines():
                if self._stopping.is_set():
                    return
                if line:
                    if not line.startswith(":"):
                        name, _, value = line.partition(":")
                        fields[name] = value.removeprefix(" ")
                    continue
                if fields.get("event") == "changes":
                    self._keep(fields)
                fields = {}

    def _keep(self, fields: dict[str, str]) -> None:
        page = json.loads(fields["data"])
        with self._changed:
            self.seen.update(todo["id"] for todo in page["todos"])
            self._last_id = fields["id"]
            self._changed.notify_all()


def _acknowledged_ids(requests: list[Request], user: str | None = None) -> set[str]:
    return {
        r.todo_id
        for r in requests
        if r.kind == "create" and r.todo_id and (user is None or r.user == user)
    }


def _check_nothing_lost(base_url: str, load: MixedLoad, requests: list[Request]) -> int:
    """Every acknowledged create stored once, every acknowledged toggle's state kept.

    Returns how many acknowledged creates are missing (0 unless something was lost).
    """
    stored: dict[str, dict[str, object]] = {}
    titles: Counter[object] = Counter()
    with httpx.Client(base_url=base_url, timeout=10) as client:
        for user in load.users:
            for todo in stored_todos(client, auth_for(user)):
                stored[str(todo["id"])] = todo
                titles[todo["title"]] += 1
    duplicated = [title for title, times in titles.items() if times > 1]
    assert not duplicated, f"created more than once: {duplicated}"
    # The state each todo was last toggled to, unless a toggle after it went unanswered.
    last_state: dict[str, bool | None] = {}
    for r in requests:
        if r.kind == "toggle" and r.todo_id is not None:
            last_state[r.todo_id] = r.completed if r.status == 200 else None
    for todo_id, completed in last_state.items():
        if completed is not None:
            assert stored[todo_id]["completed"] is completed, f"toggle of {todo_id} lost"
    return len(_acknowledged_ids(requests) - stored.keys())


def test_a_rolling_restart_under_load_fails_no_request_and_loses_nothing(
    start_cluster: Callable[..., Cluster],
) -> None:
    cluster = start_cluster()
    load = MixedLoad(cluster.haproxy.base_url, CLIENTS, prefix="rolling")
    follower = Follower(cluster.haproxy.base_url, load.users[0])
    with load:
        wait_until(lambda: load.acknowledged_creates() >= STEADY_CREATES, "creates")
        for index in (0, 1):
            cluster.restart(index)
            cluster.haproxy.wait_for(cluster.server(index), "UP")
            mark = load.acknowledged_creates()
            wait_until(lambda: load.acknowledged_creates() >= mark + STEADY_CREATES, "creates")  # noqa: B023
        requests = load.stop()

    failed = [r for r in requests if r.failed]
    lost = _check_nothing_lost(cluster.haproxy.base_url, load, requests)
    caught_up = follower.wait_for(_acknowledged_ids(requests, load.users[0]))
    follower.stop()
    report(
        "rolling restart of 2 instances behind HAProxy",
        sent=len(requests),
        failed=len(failed),
        acknowledged_creates=len(_acknowledged_ids(requests)),
        lost=lost,
        stream_connections=follower.connections,
        stream_caught_up_ms=round(caught_up * 1000),
    )
    assert not failed, Counter((r.kind, r.status) for r in failed)
    assert lost == 0
    # The stream broke with its instance at least once, and resumed on the other.
    assert follower.connections >= 2


def test_an_instance_killed_under_load_costs_only_what_was_in_flight_on_it(
    start_cluster: Callable[..., Cluster],
) -> None:
    cluster = start_cluster()
    load = MixedLoad(cluster.haproxy.base_url, CLIENTS, prefix="killed")
    with load:
        wait_until(lambda: load.acknowledged_creates() >= STEADY_CREATES, "creates")
        killing = time.monotonic()
        cluster.instances[0].kill()
        killed = time.monotonic()
        out_after = cluster.haproxy.wait_for(cluster.server(0), "DOWN")
        mark = load.acknowledged_creates()
        wait_until(lambda: load.acknowledged_creates() >= mark + STEADY_CREATES, "creates")
        requests = load.stop()

    failed = [r for r in requests if r.failed]
    # Each client has one request in flight at a time: at most one each was on the victim.
    assert len(failed) <= CLIENTS, Counter((r.kind, r.status) for r in failed)
    assert all(r.sent_at < killed for r in failed), "a request sent after the kill failed"

    # A create that went unanswered is sent again, as a client would, with its key.
    retried = [r for r in failed if r.kind == "create"]
    with httpx.Client(base_url=cluster.haproxy.base_url, timeout=10) as client:
        for r in retried:
            again = client.post(
                "/api/todos",
                json={"title": r.title},
                headers={**auth_for(r.user), "Idempotency-Key": str(r.key)},
            )
            assert again.status_code == 201, again.text
    lost = _check_nothing_lost(cluster.haproxy.base_url, load, requests)
    report(
        "one of 2 instances SIGKILLed under load behind HAProxy",
        sent=len(requests),
        failed=len(failed),
        **{f"failed_{kind}s": n for kind, n in Counter(r.kind for r in failed).items()},
        failed_creates_retried=len(retried),
        acknowledged_creates=len(_acknowledged_ids(requests)),
        lost=lost,
        out_of_rotation_ms=round((out_after + killed - killing) * 1000),
    )
    assert lost == 0


def test_rate_limits_and_deactivation_hold_across_instances(
    start_cluster: Callable[..., Cluster],
) -> None:
    burst = 10
    cluster = start_cluster(RATE_LIMIT_WRITE_BURST=str(burst), RATE_LIMIT_WRITES_PER_MINUTE="60")
    first, second = cluster.instances
    dave = auth_for("dave")
    statuses = [
        httpx.post(
            f"{instance.base_url}/api/todos", json={"title": f"write {n}"}, headers=dave
        ).status_code
        for n in range(2 * burst)
        for instance in [(first, second)[n % 2]]
    ]
    # One count in Redis for both: the burst and what refilled meanwhile (1 a second),
    # where counts of their own would have let every one of the 20 through.
    accepted = statuses.count(201)
    assert burst <= accepted <= burst + 3, statuses
    assert set(statuses) == {201, 429}

    carol = auth_for("carol")
    for instance in cluster.instances:
        assert httpx.get(f"{instance.base_url}/api/todos", headers=carol).status_code == 200
    deactivated = time.monotonic()
    run_todo(["users", "deactivate", "carol"], cluster.env, cluster.folder)
    wait_until(
        lambda: all(
            httpx.get(f"{i.base_url}/api/todos", headers=carol).status_code == 403
            for i in cluster.instances
        ),
        "carol refused by both instances",
    )
    refused_after = time.monotonic() - deactivated
    report(
        "limits and deactivation across 2 instances",
        writes_sent=len(statuses),
        writes_accepted=accepted,
        deactivation_refused_by_both_ms=round(refused_after * 1000),
    )
    assert refused_after <= USER_CACHE_SECONDS + 2


def test_with_no_instance_ready_the_balancer_answers_a_problem_503(
    start_cluster: Callable[..., Cluster],
) -> None:
    cluster = start_cluster()
    for index, instance in enumerate(cluster.instances):
        instance.kill()
        cluster.haproxy.wait_for(cluster.server(index), "DOWN")
    answer = httpx.get(f"{cluster.haproxy.base_url}/api/todos", headers=auth_for("erin"))
    assert answer.status_code == 503
    assert answer.headers["content-type"] == "application/problem+json"
    assert answer.headers["retry-after"] == "5"
    assert answer.json()["status"] == 503
