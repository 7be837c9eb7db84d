"""Idle connections to the metrics port cost no thread each, and scrapes go on after them."""

import shutil
import socket
import time
from pathlib import Path

import httpx

from tests.sql_fixtures import sqlite_url
from tests.support.live_service import free_port, running_service, service_environment
from todo_service.entrypoints.http.metrics.exporter import (
    MAX_SCRAPES_AT_ONCE,
    SCRAPE_TIMEOUT_SECONDS,
)

IDLE = 300


def _threads(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("Threads:"):
            return int(line.split()[1])
    raise AssertionError("no thread count")


def test_three_hundred_idle_connections_hold_a_handful_of_threads(
    sqlite_template: Path, tmp_path: Path
) -> None:
    shutil.copy(sqlite_template, tmp_path / "todo.db")
    port = free_port()
    env = service_environment(sqlite_url(tmp_path / "todo.db"), METRICS_PORT=str(port))
    with running_service(env, tmp_path) as service:
        before = _threads(service.pid)
        idle = [socket.create_connection(("127.0.0.1", port), timeout=5) for _ in range(IDLE)]
        try:
            time.sleep(0.5)
            during = _threads(service.pid)
            print(f"{IDLE} idle metrics connections: threads {before} -> {during}")
            assert during <= before + MAX_SCRAPES_AT_ONCE
            # The idle ones holding a slot are let go at their deadline; scrapes go on.
            deadline = time.monotonic() + SCRAPE_TIMEOUT_SECONDS + 5
            while True:
                try:
                    answer = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=2)
                    break
                except httpx.TransportError:
                    assert time.monotonic() < deadline, "no scrape answered after the idle ones"
                    time.sleep(0.2)
            assert answer.status_code == 200
            assert "todo_http_requests_total" in answer.text
        finally:
            for connection in idle:
                connection.close()
