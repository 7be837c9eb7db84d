"""Malformed requests and WebSocket upgrades cannot flood the log: uvicorn's warning for
each is summarized, a line per kind and interval, as the accept errors are."""

import contextlib
import shutil
import socket
from pathlib import Path

from tests.sql_fixtures import sqlite_url
from tests.support.live_service import ServiceProcess, running_service, service_environment

ATTEMPTS = 300
MALFORMED = b"GARBAGE / HTTP/1.1\r\n\r\n"
UPGRADE = (
    b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"
    b"Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n"
)


def _send(service: ServiceProcess, request: bytes) -> None:
    with socket.create_connection(("127.0.0.1", service.port), timeout=5) as connection:
        connection.sendall(request)
        with contextlib.suppress(TimeoutError):
            connection.recv(4096)


def test_hundreds_of_bad_requests_write_a_line_or_two_per_kind(
    sqlite_template: Path, tmp_path: Path
) -> None:
    shutil.copy(sqlite_template, tmp_path / "todo.db")
    env = service_environment(sqlite_url(tmp_path / "todo.db"), ACCESS_LOG="false")
    with running_service(env, tmp_path) as service:
        before = service.log_path.stat().st_size
        for _ in range(ATTEMPTS):
            _send(service, MALFORMED)
            _send(service, UPGRADE)
        log = service.log_path.read_text(errors="replace")[before:]
    lines = log.splitlines()
    print(f"{2 * ATTEMPTS} bad requests: {len(lines)} log lines, {len(log)} bytes")
    invalid = [line for line in lines if "Invalid HTTP request received." in line]
    upgrades = [line for line in lines if "Unsupported upgrade request." in line]
    assert 1 <= len(invalid) <= 3, lines
    assert 1 <= len(upgrades) <= 3, lines
    assert len(lines) <= 10, lines
