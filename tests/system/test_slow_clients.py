"""Slow and idle clients cannot take `todo serve` away from the others."""

import socket
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.support.live_service import (
    ServiceProcess,
    auth_for,
    running_service,
    service_environment,
)
from tests.system.figures import report
from tests.system.load import wait_until
from tests.system.slow_clients import TIMED_OUT, SlowHeaders

ATTACKERS = 250
ATTACK_SECONDS = 60
# Below what the attack needs: without a cap on connections, the worker runs out.
DESCRIPTOR_LIMIT = 200
HONEST_TIMEOUT_SECONDS = 1
HONEST_PAUSE_SECONDS = 0.2
RECOVERY_SECONDS = 5
MAX_LOG_LINES = 20
MAX_LOG_BYTES = 8000
SHORT_TIMEOUT_SECONDS = 1
WAIT_FOR_CLOSE_SECONDS = 30


def honest_request(base_url: str) -> int | str:
    """One authenticated GET on a connection of its own: its status, or TIMED_OUT."""
    try:
        with httpx.Client(base_url=base_url, timeout=HONEST_TIMEOUT_SECONDS) as client:
            return client.get("/api/todos", headers=auth_for("honest")).status_code
    except httpx.TransportError:
        return TIMED_OUT


def test_honest_requests_are_answered_during_250_slow_header_connections_and_normal_just_after(
    tmp_path: Path,
) -> None:
    with running_service(
        service_environment("memory://"), tmp_path, descriptor_limit=DESCRIPTOR_LIMIT
    ) as service:
        log_before = service.log_path.stat().st_size
        statuses: Counter[int | str] = Counter()
        with SlowHeaders(service.port, ATTACKERS) as attack:
            deadline = time.monotonic() + ATTACK_SECONDS
            while time.monotonic() < deadline:
                statuses[honest_request(service.base_url)] += 1
                time.sleep(HONEST_PAUSE_SECONDS)
        attack_log = service.log_path.read_bytes()[log_before:]

        recovered_by = time.monotonic() + RECOVERY_SECONDS
        while honest_request(service.base_url) != 200 and time.monotonic() < recovered_by:
            time.sleep(0.1)
        after = [honest_request(service.base_url) for _ in range(5)]

    report(
        "slow headers",
        answered_200=statuses[200],
        answered_503=statuses[503],
        unanswered=statuses[TIMED_OUT],
        attackers_refused_503=attack.endings.refused_503,
        attackers_timed_out=attack.endings.closed_unanswered,
        log_bytes=len(attack_log),
    )
    assert set(statuses) <= {200, 503}, statuses
    # Each attacker was ended: answered 503 over the cap, or closed once its head was late.
    assert attack.endings.refused_503 > 0
    assert attack.endings.closed_unanswered >= ATTACKERS
    assert attack.endings.not_connected == 0
    assert len(attack_log.splitlines()) <= MAX_LOG_LINES
    assert len(attack_log) <= MAX_LOG_BYTES
    assert after == [200] * 5


@pytest.fixture(scope="module")
def impatient_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ServiceProcess]:
    folder = tmp_path_factory.mktemp("impatient")
    env = service_environment(
        "memory://",
        REQUEST_HEAD_TIMEOUT_SECONDS=str(SHORT_TIMEOUT_SECONDS),
        KEEP_ALIVE_TIMEOUT_SECONDS=str(SHORT_TIMEOUT_SECONDS),
    )
    with running_service(env, folder) as service:
        yield service


def connect(service: ServiceProcess) -> socket.socket:
    connection = socket.create_connection(("127.0.0.1", service.port))
    connection.settimeout(WAIT_FOR_CLOSE_SECONDS)
    return connection


def read_until_closed(connection: socket.socket) -> bytes:
    """What the server sent before it closed (a reset: after it closed, we wrote on)."""
    received = b""
    try:
        while chunk := connection.recv(4096):
            received += chunk
    except ConnectionResetError:
        pass
    return received


def test_a_connection_that_sends_nothing_is_closed_unanswered(
    impatient_service: ServiceProcess,
) -> None:
    with connect(impatient_service) as idle:
        assert read_until_closed(idle) == b""


def test_a_request_head_sent_a_line_at_a_time_is_closed_when_its_time_is_up(
    impatient_service: ServiceProcess,
) -> None:
    with connect(impatient_service) as slow:
        slow.sendall(b"GET /healthz HTTP/1.1\r\nHost: slow\r\n")
        for line in range(WAIT_FOR_CLOSE_SECONDS * 2):
            time.sleep(SHORT_TIMEOUT_SECONDS / 4)
            try:
                slow.sendall(f"X-Slow-{line}: a\r\n".encode())
            except OSError:
                break
        assert b"HTTP/1.1" not in read_until_closed(slow)


def test_a_kept_alive_connection_is_closed_after_its_idle_time(
    impatient_service: ServiceProcess,
) -> None:
    with connect(impatient_service) as kept:
        kept.sendall(b"GET /healthz HTTP/1.1\r\nHost: kept\r\n\r\n")
        answer = read_until_closed(kept)
    assert answer.startswith(b"HTTP/1.1 200 ")
    assert b"connection: close" not in answer.lower()


def test_a_connection_past_the_cap_is_answered_503_at_once_and_the_next_after_is_served(
    tmp_path: Path,
) -> None:
    env = service_environment("memory://", MAX_CONNECTIONS="2")
    answers: list[httpx.Response] = []

    def answered(status: int) -> bool:
        answers.append(httpx.get(f"{service.base_url}/healthz", timeout=WAIT_FOR_CLOSE_SECONDS))
        return answers[-1].status_code == status

    with running_service(env, tmp_path) as service:
        held = [connect(service), connect(service)]
        # The readiness probe's own connection may still be closing: ask until it has.
        wait_until(lambda: answered(503), "the third connection refused")
        refused = answers[-1]
        for connection in held:
            connection.close()
        wait_until(lambda: answered(200), "served again once the two are gone")

    assert {answer.status_code for answer in answers} == {200, 503}
    assert refused.headers["content-type"] == "application/problem+json"
    assert refused.headers["retry-after"].isdigit()
    assert refused.headers["connection"] == "close"
    assert refused.json()["status"] == 503
