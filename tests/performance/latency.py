"""Phase "latency": one request at a time, against a database a network hop away.

In production the database is on another machine, and each round trip to it costs
about a millisecond; on the bench's machine it costs tens of microseconds, so wrk's
throughput hardly sees how many round trips a request makes. In this phase both apps
reach PostgreSQL through a delay proxy (delay_proxy.py, BENCH_DB_DELAY_MS each way,
one proxy process per app, which also counts the app's round trips), run one worker
each, and get each workload's requests one at a time on one kept-alive connection:
BENCH_LATENCY_WARMUP unmeasured, then BENCH_LATENCY_REQUESTS timed, the same sequence
of todos for both apps. The table shows each app's p50, p90 and p99, the ratio of the
p50s (service / ceiling: lower is better), and the database round trips per request.
"""

import http.client
import json
import math
import random
import secrets
import statistics
from collections.abc import Callable
from contextlib import closing
from dataclasses import asdict, dataclass, field
from typing import Any

from tests.performance.load import Conditions, Watch, Workload, timed_exchange


@dataclass
class Plan:
    """How one workload's requests are sent, one at a time."""

    workload: Workload
    # Patch: each todo's version, from the database, then from each answer's ETag.
    versions: dict[str, int] = field(default_factory=dict)
    # Before each request, untimed (clear_completed puts its todos in place).
    prepare: Callable[[], None] | None = None
    # The JSON body every answer must be, when it is always the same.
    expect_body: Any = None
    # Makes each new title one that no todo has had: every patch really changes its row.
    nonce: str = field(default_factory=lambda: secrets.token_hex(4))

    def request(self, chooser: random.Random, number: int) -> tuple[str, str, dict[str, str]]:
        """The path, body and headers of the `number`th request."""
        workload = self.workload
        path = chooser.choice(workload.paths)
        headers = {"Authorization": f"Bearer {workload.token}"} if workload.token else {}
        body = workload.body
        if workload.mode == "patch":
            version = self.versions[path.rpartition("/")[2]]
            headers["If-Match"] = f'"{version}"'
            body = json.dumps({"title": f"Renamed {self.nonce} {number}"})
        if body:
            headers["Content-Type"] = "application/json"
        return path, body, headers

    def problem(self, response: http.client.HTTPResponse, body: bytes) -> str | None:
        """What is wrong with an answer, if anything; notes a patched todo's new version."""
        if response.status != self.workload.expect:
            return f"{response.status} {body[:300]!r}"
        if self.expect_body is not None and _json(body) != self.expect_body:
            return f"{response.status} {body[:300]!r}"
        if self.workload.mode == "patch":
            answer = _json(body)
            etag = response.getheader("ETag", "")
            if not isinstance(answer, dict) or not etag.strip('"').isdigit():
                return f"no id or ETag: {body[:300]!r}"
            self.versions[str(answer["id"])] = int(etag.strip('"'))
        return None


@dataclass(frozen=True)
class LatencyRun:
    requests: int
    p50_ms: float
    p90_ms: float
    p99_ms: float
    unexpected: int  # other statuses or bodies than expected, and connection errors
    round_trips: float  # database round trips per request, as the app's proxy counted them
    conditions: Conditions
    first_problem: str | None  # the first unexpected answer, as it came

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "valid": self.conditions.valid}


def measure(
    port: int,
    plan: Plan,
    requests: int,
    warmup: int,
    watch: Callable[[], Watch],
    round_trips: Callable[[], int],
) -> LatencyRun:
    """`warmup` requests, then `requests` timed ones, each sent once the last was answered."""
    chooser = random.Random(plan.workload.name)  # noqa: S311 - the same todos for both apps
    client = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    latencies: list[float] = []
    problems: list[str] = []
    with closing(client):
        for number in range(warmup):
            _send(client, plan, chooser, number)
        watching = watch()
        trips_before = round_trips()
        for number in range(warmup, warmup + requests):
            watching.sample_if_due()
            latency, problem = _send(client, plan, chooser, number)
            if latency is not None:
                latencies.append(latency)
            if problem is not None:
                problems.append(problem)
        trips = round_trips() - trips_before
        watching.sample()
    if not latencies:
        raise SystemExit(f"{plan.workload.name}: no answer in {requests} requests")
    ordered = sorted(latencies)
    return LatencyRun(
        requests=requests,
        p50_ms=statistics.median(ordered) * 1000,
        p90_ms=_percentile(ordered, 0.90) * 1000,
        p99_ms=_percentile(ordered, 0.99) * 1000,
        unexpected=len(problems),
        round_trips=trips / requests,
        conditions=watching.conditions(),
        first_problem=problems[0] if problems else None,
    )


def _send(
    client: http.client.HTTPConnection, plan: Plan, chooser: random.Random, number: int
) -> tuple[float | None, str | None]:
    """One request: its latency in seconds (None: no answer), and what was wrong with it."""
    if plan.prepare is not None:
        plan.prepare()
    path, body, headers = plan.request(chooser, number)
    method = plan.workload.method
    outcome = timed_exchange(client, method, path, body or None, headers)
    if isinstance(outcome, str):
        return None, outcome
    latency, response, answer = outcome
    problem = plan.problem(response, answer)
    return latency, None if problem is None else f"{method} {path} -> {problem}"


def _percentile(ordered: list[float], share: float) -> float:
    return ordered[math.ceil(share * len(ordered)) - 1]


def _json(body: bytes) -> object:
    try:
        return json.loads(body)
    except ValueError:
        return None


# Report --------------------------------------------------------------------------------

COLUMNS = (
    f"{'workload':15} {'p50 ms':>7} {'p90 ms':>7} {'p99 ms':>7} {'ceil p50':>8} "
    f"{'ceil p90':>8} {'ceil p99':>8} {'p50 x':>6} {'trips':>6} {'ceil trips':>10} "
    f"{'unexp':>5} {'ceil unexp':>10}"
)


def line(name: str, service: LatencyRun, ceiling: LatencyRun, invalid_mark: str) -> str:
    ratio = service.p50_ms / ceiling.p50_ms if ceiling.p50_ms else float("inf")
    valid = service.conditions.valid and ceiling.conditions.valid
    return (
        f"{name:15} {service.p50_ms:7.2f} {service.p90_ms:7.2f} {service.p99_ms:7.2f} "
        f"{ceiling.p50_ms:8.2f} {ceiling.p90_ms:8.2f} {ceiling.p99_ms:8.2f} {ratio:6.2f} "
        f"{service.round_trips:6.1f} {ceiling.round_trips:10.1f} "
        f"{service.unexpected:5d} {ceiling.unexpected:10d}" + ("" if valid else f"  {invalid_mark}")
    )


def summary(service: LatencyRun, ceiling: LatencyRun) -> dict[str, Any]:
    return {
        "p50_ratio": service.p50_ms / ceiling.p50_ms if ceiling.p50_ms else None,
        "service": service.as_json(),
        "ceiling": ceiling.as_json(),
    }
