"""Oversized request heads cost `todo serve` a bounded amount of memory, and get a 431."""

import socket
from pathlib import Path

import httpx

from tests.support.live_service import running_service, service_environment
from tests.system.figures import report
from tests.system.oversized_heads import OversizedHeads, listening_pid, memory_kib, settle
from todo_service.entrypoints.settings import Settings

ATTACKERS = 4
HEAD_BYTES = 40 << 20
# With no limit the four heads grew the worker by ~210 MB; with one, what is left is the
# interpreter's own noise. The head timeout is set out of the way: the limit must end them.
MAX_GROWTH_KIB = 16 << 10
HEAD_TIMEOUT_SECONDS = 120
HOLDERS = 200
MAX_HEAD = Settings.model_fields["max_request_head_bytes"].default
MAX_HEADER = Settings.model_fields["max_header_bytes"].default


def test_four_unfinished_40_mb_heads_are_refused_431_and_barely_grow_the_worker(
    tmp_path: Path,
) -> None:
    env = service_environment("memory://", REQUEST_HEAD_TIMEOUT_SECONDS=str(HEAD_TIMEOUT_SECONDS))
    with running_service(env, tmp_path) as service:
        worker = listening_pid(service.port)
        rss_before, _ = memory_kib(worker)
        attack = OversizedHeads(service.port, ATTACKERS, HEAD_BYTES)
        attack.send()
        settle()
        rss_during, peak = memory_kib(worker)
        attack.answers()
        honest = httpx.get(f"{service.base_url}/healthz", timeout=5).status_code

    report(
        "oversized heads",
        rss_before_kib=rss_before,
        rss_growth_kib=rss_during - rss_before,
        peak_growth_kib=max(0, peak - rss_before),
        bytes_sent_each=max(head.sent for head in attack.heads),
        answered_431=sum(head.answer.startswith(b"HTTP/1.1 431 ") for head in attack.heads),
    )
    assert honest == 200
    for head in attack.heads:
        assert head.answer.startswith(b"HTTP/1.1 431 "), head.answer[:200]
        assert b"connection: close" in head.answer.lower()
        assert head.closed_by_server
    assert rss_during - rss_before < MAX_GROWTH_KIB
    assert peak - rss_before < MAX_GROWTH_KIB


def test_what_a_connection_holding_a_head_just_under_the_limit_costs(tmp_path: Path) -> None:
    """The bound a worker's memory has: MAX_CONNECTIONS times about this."""
    line = b"a" * (MAX_HEADER - 100)
    head = b"GET /healthz HTTP/1.1\r\nHost: holder\r\n"
    while len(head) + 2 * len(line) < MAX_HEAD:
        head += b"X-Held-%d: %s\r\n" % (len(head), line)
    head += b"X-Unfinished: " + line[: MAX_HEAD - len(head) - 100]
    env = service_environment("memory://", REQUEST_HEAD_TIMEOUT_SECONDS=str(HEAD_TIMEOUT_SECONDS))
    with running_service(env, tmp_path) as service:
        worker = listening_pid(service.port)
        rss_before, _ = memory_kib(worker)
        holders = [socket.create_connection(("127.0.0.1", service.port)) for _ in range(HOLDERS)]
        for holder in holders:
            holder.sendall(head)
        settle(1)
        rss_during, _ = memory_kib(worker)
        honest = httpx.get(f"{service.base_url}/healthz", timeout=5).status_code
        for holder in holders:
            holder.close()

    per_connection = (rss_during - rss_before) // HOLDERS
    report("heads held just under the limit", head_bytes=len(head), kib_each=per_connection)
    assert honest == 200
    assert per_connection < 2 * MAX_HEAD // 1024
