"""Clients that send a body a byte at a time, or never read their answers, hold their
connections only so long: the others are served meanwhile, and the worker's memory and
log stay bounded."""

import json
import math
import time
from pathlib import Path

import httpx

from tests.support.live_service import (
    ServiceProcess,
    auth_for,
    running_service,
    service_environment,
)
from tests.system.figures import report
from tests.system.load import wait_until
from tests.system.oversized_heads import memory_kib
from tests.system.slow_clients import TIMED_OUT, HonestReads, NonReaders, SlowBodies, honest_reads

HONEST_TIMEOUT_SECONDS = 2
HONEST_PAUSE_SECONDS = 0.1
ATTACK_SECONDS = 20
BODY_TIMEOUT_SECONDS = 2
SEND_TIMEOUT_SECONDS = 5
MAX_LOG_LINES = 20
HONEST = auth_for("honest")


def _reads(service: ServiceProcess, seconds: float) -> HonestReads:
    return honest_reads(
        service.base_url,
        HONEST,
        seconds,
        pause=HONEST_PAUSE_SECONDS,
        timeout=HONEST_TIMEOUT_SECONDS,
    )


def _pages_past_the_kernel(page_bytes: int) -> int:
    """How many pages to ask for so that the answers cannot all wait in socket buffers:
    twice what the server's send buffer may grow to and the client's receive buffer holds
    unread. Answers that fit there leave the server with nothing to send; it then ends
    the connection like any idle one, with a FIN queued behind the unread bytes, which
    the client never sees."""
    send_max = int(Path("/proc/sys/net/ipv4/tcp_wmem").read_text().split()[2])
    receive_default = int(Path("/proc/sys/net/ipv4/tcp_rmem").read_text().split()[1])
    return math.ceil(2 * (send_max + receive_default) / page_bytes)


def _resident_kib(service: ServiceProcess) -> int:
    resident, _ = memory_kib(service.pid)
    return resident


def test_slow_bodies_are_answered_408_in_time_and_honest_clients_go_on(tmp_path: Path) -> None:
    env = service_environment(
        "memory://", MAX_CONNECTIONS="150", REQUEST_BODY_TIMEOUT_SECONDS=str(BODY_TIMEOUT_SECONDS)
    )
    with running_service(env, tmp_path) as service:
        baseline = _reads(service, 3)
        log_before = service.log_path.stat().st_size
        with SlowBodies(service.port, 200, auth_for("slow"), every_seconds=1) as attack:
            during = _reads(service, ATTACK_SECONDS)
        attack_log = service.log_path.read_bytes()[log_before:]
        after = _reads(service, 1)
    statuses = during.statuses

    report(
        "slow bodies (200 connections, a byte a second, 150 allowed)",
        honest_baseline_median_ms=baseline.median_ms,
        honest_median_ms=during.median_ms,
        honest_worst_ms=during.worst_ms,
        honest_200=statuses[200],
        honest_503=statuses[503],
        honest_unanswered=statuses[TIMED_OUT],
        attackers_answered_408=attack.endings.answered[408],
        attackers_refused_503=attack.endings.refused_503,
        log_bytes=len(attack_log),
    )
    # Every attacker's body was cut off in time, again and again; nobody waited for ever.
    assert attack.endings.answered[408] >= 200
    assert set(statuses) <= {200, 503}, statuses
    assert statuses[200] > 0
    assert len(attack_log.splitlines()) <= MAX_LOG_LINES
    assert set(after.statuses) == {200}


def test_a_bad_token_is_refused_before_its_body_is_waited_for(tmp_path: Path) -> None:
    env = service_environment("memory://", REQUEST_BODY_TIMEOUT_SECONDS="30")
    with running_service(env, tmp_path) as service:
        garbage = {"Authorization": "Bearer not-a-token"}
        with SlowBodies(service.port, 20, garbage, every_seconds=1) as attack:
            wait_until(lambda: attack.endings.answered[401] >= 20, "20 refusals")
    # Answered at once, well before the 30 s the body would be given.
    assert set(attack.endings.answered) == {401}, attack.endings


def test_clients_that_never_read_their_answers_are_disconnected(tmp_path: Path) -> None:
    env = service_environment(
        "memory://",
        SEND_TIMEOUT_SECONDS=str(SEND_TIMEOUT_SECONDS),
        MAX_TEXT_BYTES_PER_USER="10000000",
    )
    reader = auth_for("reader")
    with running_service(env, tmp_path) as service:
        with httpx.Client(base_url=service.base_url, headers=reader, timeout=10) as client:
            for n in range(100):
                body = {"title": f"long {n}", "description": "x" * 5000}
                assert client.post("/api/todos", json=body).status_code == 201
            page_bytes = len(client.get("/api/todos", params={"limit": 100}).content)
        pages = _pages_past_the_kernel(page_bytes)
        baseline = _reads(service, 3)
        memory_before = _resident_kib(service)
        page = (
            "GET /api/todos?limit=100 HTTP/1.1\r\nHost: r\r\n"
            f"Authorization: {reader['Authorization']}\r\n\r\n"
        ).encode()
        opened = time.monotonic()
        readers = NonReaders(service.port, 50, page * pages)
        try:
            time.sleep(1)
            memory_held = _resident_kib(service)
            assert readers.still_connected() > 0  # not before their time is up
            during = _reads(service, SEND_TIMEOUT_SECONDS - 2)
            wait_until(lambda: readers.still_connected() == 0, "every non-reader disconnected")
            disconnected_within = time.monotonic() - opened
        finally:
            readers.close()
        memory_after = _resident_kib(service)

    report(
        f"non-readers (50 connections, {pages} pages of {page_bytes // 1000} KB each asked for)",
        honest_baseline_median_ms=baseline.median_ms,
        honest_median_ms=during.median_ms,
        honest_worst_ms=during.worst_ms,
        worker_rss_before_kib=memory_before,
        worker_rss_held_kib=memory_held,
        worker_rss_after_kib=memory_after,
        all_disconnected_after_ms=round(disconnected_within * 1000),
    )
    assert set(during.statuses) == {200}, during.statuses


def test_a_late_body_is_logged_as_the_408_the_client_got(tmp_path: Path) -> None:
    env = service_environment(
        "memory://", REQUEST_BODY_TIMEOUT_SECONDS="1", LOG_LEVEL="info", LOG_FORMAT="json"
    )
    with running_service(env, tmp_path) as service:
        with SlowBodies(service.port, 1, auth_for("late"), every_seconds=5) as attack:
            wait_until(lambda: attack.endings.answered[408] >= 1, "the 408")
        wait_until(lambda: '"route": "/api/todos"' in service.log_path.read_text(), "the line")
        lines = [line for line in service.log_lines() if '"route": "/api/todos"' in line]
    assert len(lines) == 1
    assert json.loads(lines[0])["status"] == 408
