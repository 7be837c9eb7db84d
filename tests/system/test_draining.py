"""SIGTERM drains a worker before it stops: not ready, still serving, every answer closing
its connection; it exits once the drain and what was in flight are done, or at a second
signal."""

import os
import signal
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.live_service import ServiceProcess, auth_for, running_service
from tests.system.databases import Database
from tests.system.figures import report
from tests.system.load import wait_until
from todo_service.entrypoints.http.serving.draining import SAME_STOP_SECONDS

DRAIN_SECONDS = 3.0
# What stopping may take past the drain, on a busy machine: a bound, not a measure.
STOP_SLACK_SECONDS = 5.0
ALICE = auth_for("alice")


@pytest.fixture(params=[1, 2], ids=["one-worker", "two-workers"])
def service(
    request: pytest.FixtureRequest, sqlite_database: Database, tmp_path: Path
) -> Iterator[ServiceProcess]:
    env = sqlite_database.environment(DRAIN_SECONDS=str(DRAIN_SECONDS), WORKERS=str(request.param))
    with running_service(env, tmp_path) as running:
        yield running


def _draining(answer: httpx.Response) -> bool:
    return answer.status_code == 503 and answer.json().get("not_ready") == {"server": "draining"}


def test_a_draining_server_is_not_ready_serves_with_connection_close_and_then_exits(
    service: ServiceProcess,
) -> None:
    with httpx.Client(base_url=service.base_url, timeout=5) as kept_alive:
        assert kept_alive.get("/readyz").status_code == 200
        assert "close" not in kept_alive.get("/healthz").headers.get("connection", "")

        signalled = time.monotonic()
        service.signal(signal.SIGTERM)
        # Every worker says so: new connections land on either.
        wait_until(
            lambda: all(_draining(httpx.get(f"{service.base_url}/readyz")) for _ in range(6)),
            "/readyz answers 503 draining",
        )

        # The kept-alive connection is answered, and told to go.
        listed = kept_alive.get("/api/todos", headers=ALICE)
        assert listed.status_code == 200
        assert listed.headers["connection"] == "close"
        # New connections are still accepted and served, writes included.
        created = httpx.post(
            f"{service.base_url}/api/todos", json={"title": "during the drain"}, headers=ALICE
        )
        assert created.status_code == 201
        assert created.headers["connection"] == "close"

    late = time.monotonic()
    while time.monotonic() - signalled < DRAIN_SECONDS - 0.5:
        late = time.monotonic()
        assert httpx.get(f"{service.base_url}/healthz", timeout=5).status_code == 200
        time.sleep(0.2)

    status = service.wait(DRAIN_SECONDS + STOP_SLACK_SECONDS)
    stopped = time.monotonic() - signalled
    assert status is not None, f"still running {stopped:.1f} s after SIGTERM:\n{service.log()}"
    assert stopped >= DRAIN_SECONDS - 0.5
    report(
        f"drain of {DRAIN_SECONDS:g} s",
        served_until_ms=round((late - signalled) * 1000),
        exited_after_ms=round(stopped * 1000),
    )


def test_a_second_signal_ends_the_drain_at_once(sqlite_database: Database, tmp_path: Path) -> None:
    for workers in ("1", "2"):
        env = sqlite_database.environment(DRAIN_SECONDS="60", WORKERS=workers)
        with running_service(env, tmp_path) as service:
            service.signal(signal.SIGTERM)
            wait_until(
                lambda: _draining(httpx.get(f"{service.base_url}/readyz")),
                "/readyz answers 503 draining",
            )
            time.sleep(SAME_STOP_SECONDS)  # sooner, it is the first signal told twice
            signalled = time.monotonic()
            service.signal(signal.SIGTERM)
            assert service.wait(STOP_SLACK_SECONDS) is not None, service.log()
            report(
                f"{workers} worker(s), a second SIGTERM in a drain of 60 s",
                stopped_after_ms=round((time.monotonic() - signalled) * 1000),
            )


def test_ctrl_c_stops_without_draining(sqlite_database: Database, tmp_path: Path) -> None:
    env = sqlite_database.environment(DRAIN_SECONDS="60")
    with running_service(env, tmp_path) as service:
        signalled = time.monotonic()
        service.signal(signal.SIGINT)
        assert service.wait(STOP_SLACK_SECONDS) is not None, service.log()
        report(
            "SIGINT with a drain of 60 s set",
            stopped_after_ms=round((time.monotonic() - signalled) * 1000),
        )


def _children(pid: int) -> list[int]:
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    return [int(child) for child in children]


def test_sigterm_to_every_process_at_once_still_drains(
    sqlite_database: Database, tmp_path: Path
) -> None:
    """As systemd stops a unit (KillMode=control-group): the parent passes on a SIGTERM
    each worker also had from systemd, and that copy is not a second signal."""
    env = sqlite_database.environment(DRAIN_SECONDS=str(DRAIN_SECONDS), WORKERS="2")
    with running_service(env, tmp_path) as service:
        processes = [service.pid, *_children(service.pid)]
        signalled = time.monotonic()
        for pid in processes:
            os.kill(pid, signal.SIGTERM)
        wait_until(
            lambda: _draining(httpx.get(f"{service.base_url}/readyz")),
            "/readyz answers 503 draining",
        )
        status = service.wait(DRAIN_SECONDS + STOP_SLACK_SECONDS)
        stopped = time.monotonic() - signalled
    assert status is not None, service.log()
    assert stopped >= DRAIN_SECONDS - 0.5, f"stopped after {stopped:.2f} s: the drain was cut"
    report("SIGTERM to the parent and its workers at once", exited_after_ms=round(stopped * 1000))
