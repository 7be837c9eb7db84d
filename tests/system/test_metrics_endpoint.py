"""`todo serve` with two workers and METRICS_PORT: one scrape adds up what both served."""

import secrets
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import httpx
from prometheus_client.multiprocess import MultiProcessCollector
from prometheus_client.parser import text_string_to_metric_families

from tests.support.live_service import auth_for, free_port, running_service
from tests.system.databases import Database

# A bound, not a measure: a worker still starting on a busy machine takes no request yet.
BOTH_WORKERS_WITHIN_SECONDS = 60
Series = tuple[str, str, str]


def _served_by_each_worker(folder: Path) -> list[float]:
    """Requests each worker counted so far, from its own file in the multi-process folder."""
    served = []
    for path in folder.glob("counter_*.db"):
        merged = MultiProcessCollector.merge([str(path)], accumulate=False)  # type: ignore[no-untyped-call]
        served.append(
            sum(
                sample.value
                for metric in merged
                for sample in metric.samples
                if sample.name == "todo_http_requests_total"
            )
        )
    return served


def _scrape(port: int) -> tuple[str, dict[str, dict[tuple[tuple[str, str], ...], float]]]:
    text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
    values: dict[str, dict[tuple[tuple[str, str], ...], float]] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            values.setdefault(sample.name, {})[tuple(sorted(sample.labels.items()))] = sample.value
    return text, values


def _per_request(values: dict[tuple[tuple[str, str], ...], float]) -> dict[Series, float]:
    return {
        (labels["method"], labels["route"], labels["status"]): value
        for labels, value in ((dict(key), value) for key, value in values.items())
    }


def test_a_scrape_of_two_workers_adds_up_to_exactly_what_was_sent(
    database: Database, tmp_path: Path
) -> None:
    scratch = tmp_path / "tmp"
    scratch.mkdir()
    metrics_port = free_port()
    env = database.environment(
        WORKERS="2", METRICS_PORT=str(metrics_port), TMPDIR=str(scratch), ACCESS_LOG="false"
    )
    subject = f"metrics-{secrets.token_hex(6)}"
    owner = auth_for(subject)
    sent: Counter[Series] = Counter()
    ids: list[str] = []

    with (
        running_service(env, tmp_path) as service,
        httpx.Client(
            base_url=service.base_url, headers={"Connection": "close"}, timeout=10
        ) as client,
    ):
        [folder] = scratch.glob("todo-metrics-*")
        title = f"title-{secrets.token_hex(6)}"
        first = client.post("/api/todos", json={"title": title}, headers=owner)
        ids.append(first.json()["id"])
        sent["POST", "/api/todos", "201"] += 1

        def create() -> Series:
            response = client.post("/api/todos", json={"title": title}, headers=owner)
            ids.append(response.json()["id"])
            return "POST", "/api/todos", str(response.status_code)

        def read() -> Series:
            response = client.get(f"/api/todos/{ids[0]}", headers=owner)
            return "GET", "/api/todos/{todo_id}", str(response.status_code)

        def without_token() -> Series:
            return "GET", "/api/todos", str(client.get("/api/todos").status_code)

        def with_a_bad_token() -> Series:
            bad = {"Authorization": "Bearer not.a.token"}
            return "GET", "/api/todos", str(client.get("/api/todos", headers=bad).status_code)

        batch: list[Callable[[], Series]] = [create, read, without_token] * 4 + [with_a_bad_token]
        batches = 0
        deadline = time.monotonic() + BOTH_WORKERS_WITHIN_SECONDS
        with ThreadPoolExecutor(8) as pool:
            while time.monotonic() < deadline:
                sent.update(pool.map(lambda request: request(), batch))
                batches += 1
                served = _served_by_each_worker(folder)
                if len(served) == 2 and min(served) > 0:
                    break
        text, values = _scrape(metrics_port)
        assert client.get("/metrics").status_code == 404  # not on the API's port
        workers_served = _served_by_each_worker(folder)

    assert len(workers_served) == 2
    assert min(workers_served) > 0, "one worker took every request"
    assert not folder.exists()  # removed when `serve` stopped
    assert set(sent) == {
        ("POST", "/api/todos", "201"),
        ("GET", "/api/todos/{todo_id}", "200"),
        ("GET", "/api/todos", "401"),
    }
    counted = _per_request(values["todo_http_requests_total"])
    health_checks = counted.pop(("GET", "/healthz", "200"))
    assert health_checks >= 1  # the probes that waited for the service to be live
    assert counted == sent
    timed = _per_request(values["todo_http_request_duration_seconds_count"])
    assert timed == {**counted, ("GET", "/healthz", "200"): health_checks}
    refusals = {
        dict(labels)["reason"]: value
        for labels, value in values["todo_http_token_refusals_total"].items()
        if value
    }
    assert refusals == {"missing": 4 * batches, "malformed": batches}
    # Each live worker's pool of DATABASE_POOL_SIZE (10) connections, summed.
    assert values["todo_db_pool_connections_max"][()] == 20
    for secret in (*ids, subject, title, owner["Authorization"].split()[1], "not.a.token"):
        assert secret not in text
