"""`clear_completed`: how long one "clear completed" of CLEARED todos takes.

wrk cannot repeat it, since each clear empties what it clears. So every iteration puts
CLEARED completed todos in place for the user straight in the database (not timed, the
same for both apps), then times one `DELETE /api/todos?completed=true` on a kept-alive
connection, one request at a time, until the run's seconds are up. The user also holds
KEPT open todos, which every clear must leave alone. An answer other than 200
`{"deleted": CLEARED}`, and a connection error, counts as unexpected; the first of a
run is logged as it was.
"""

import http.client
import json
import math
import statistics
import time
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass

import psycopg

from tests.performance import seed
from tests.performance.apps import App
from tests.performance.load import Measure, Run, Watch, timed_exchange

NAME = "clear_completed"
CLEARED = 100
KEPT = 400
USER = seed.CLEAR_USER
PATH = "/api/todos?completed=true"


def seed_user(conn: psycopg.Connection) -> None:
    seed.seed_user(conn, USER, 1, KEPT, done="false")


def put_completed(conn: psycopg.Connection) -> None:
    """Exactly CLEARED completed todos for the user, and its usage counters exact (both
    apps keep them with each write; rows put here bypass them)."""
    with conn.transaction():
        # What a failed clear left would make the next one answer more than CLEARED.
        conn.execute("DELETE FROM todos WHERE user_id = %s AND completed", (USER,))
        seed.seed_user(conn, USER, KEPT + 1, KEPT + CLEARED, done="true")
        seed.count_usage(conn, [USER])


@dataclass(frozen=True)
class Clearing:
    conninfo: str
    token: str
    # Starts watching the machine around a run (load.Watch), as wrk's runs are watched.
    watch: Callable[[], Watch]

    def run(self, app: App, seconds: int, say: Callable[[str], None]) -> Run:
        latencies: list[float] = []
        problems: list[str] = []
        client = http.client.HTTPConnection("127.0.0.1", app.port, timeout=10)
        with psycopg.connect(self.conninfo, autocommit=True) as conn, closing(client):
            watch = self.watch()
            deadline = time.monotonic() + seconds
            while time.monotonic() < deadline:
                put_completed(conn)
                watch.sample_if_due()
                latency, problem = _clear(client, self.token)
                if latency is not None:
                    latencies.append(latency)
                if problem is not None:
                    problems.append(problem)
            watch.sample()
            conditions = watch.conditions()
        if problems:
            say(f"{app.name} {NAME}: {len(problems)} unexpected, the first: {problems[0]}")
        if not latencies:
            raise SystemExit(f"{app.name} answered no clear in {seconds} s: {problems[:1]}")
        return Run(_measure(latencies, len(problems)), conditions)


def _clear(client: http.client.HTTPConnection, token: str) -> tuple[float | None, str | None]:
    """One clear: its latency in seconds (None: no answer), and what was wrong with it."""
    outcome = timed_exchange(client, "DELETE", PATH, headers={"Authorization": f"Bearer {token}"})
    if isinstance(outcome, str):
        return None, outcome
    latency, response, body = outcome
    if response.status == 200 and _json(body) == {"deleted": CLEARED}:
        return latency, None
    return latency, f"DELETE {PATH} -> {response.status} {body[:500]!r}"


def _json(body: bytes) -> object:
    try:
        return json.loads(body)
    except ValueError:
        return None


def _measure(latencies: list[float], unexpected: int) -> Measure:
    ordered = sorted(latencies)
    return Measure(
        # One request at a time: the client's throughput is the inverse of its mean latency.
        rps=len(ordered) / sum(ordered),
        p50_ms=statistics.median(ordered) * 1000,
        p99_ms=ordered[math.ceil(0.99 * len(ordered)) - 1] * 1000,
        unexpected=unexpected,
    )
