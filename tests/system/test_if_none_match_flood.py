"""One user's huge or long `If-None-Match` lists cost the other users nothing they notice.

The attack as a security review ran it: 8 MB tag lists on 4 connections, 4.4 requests a
second, pushed another user's GET median from 3 ms to 521 ms while the list was parsed
on the event loop. Now a head past MAX_REQUEST_HEAD_BYTES is refused (431) as its bytes
arrive, and a list within it is held to 100 tags in 8 KiB, checked before parsing.
"""

import socket
import threading
import time
from collections import Counter
from contextlib import suppress
from pathlib import Path

import httpx

from tests.support.live_service import auth_for, running_service, service_environment
from tests.system.figures import report
from tests.system.slow_clients import HonestReads, honest_reads

ATTACKERS = 4
ATTACK_SECONDS = 10
# 4.4 requests a second over the 4 connections, as in the review.
ATTACK_PAUSE_SECONDS = ATTACKERS / 4.4
HUGE_LIST_BYTES = 8 * 1024 * 1024
HONEST_PAUSE_SECONDS = 0.05
HONEST_TIMEOUT_SECONDS = 10
HONEST = auth_for("honest")
ATTACKER = auth_for("attacker")


def _reads(base_url: str, seconds: float) -> HonestReads:
    # On one kept-alive connection: what the attack adds to each request, nothing else.
    return honest_reads(
        base_url,
        HONEST,
        seconds,
        pause=HONEST_PAUSE_SECONDS,
        timeout=HONEST_TIMEOUT_SECONDS,
        kept_alive=True,
    )


class HugeTagLists:
    """Connections that each send GETs whose `If-None-Match` is 8 MB of tags."""

    def __init__(self, port: int) -> None:
        tags = b", ".join(b'"%d"' % n for n in range(HUGE_LIST_BYTES // 10))[:HUGE_LIST_BYTES]
        self._request = (
            b"GET /api/todos HTTP/1.1\r\nHost: a\r\nAuthorization: "
            + ATTACKER["Authorization"].encode()
            + b"\r\nIf-None-Match: "
            + tags
            + b"\r\n\r\n"
        )
        self._port = port
        self.answers: Counter[bytes] = Counter()
        self._stop = threading.Event()
        self._threads = [threading.Thread(target=self._attack) for _ in range(ATTACKERS)]

    def __enter__(self) -> "HugeTagLists":
        for thread in self._threads:
            thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        for thread in self._threads:
            thread.join()

    def _attack(self) -> None:
        while not self._stop.is_set():
            with socket.create_connection(("127.0.0.1", self._port), timeout=10) as connection:
                # Refused before all of it was sent: the answer is waiting all the same.
                with suppress(OSError):
                    connection.sendall(self._request)
                try:
                    self.answers[connection.recv(12)] += 1
                except OSError:
                    self.answers[b"reset"] += 1
            time.sleep(ATTACK_PAUSE_SECONDS)


def test_huge_if_none_match_lists_leave_other_users_reads_alone(tmp_path: Path) -> None:
    with running_service(service_environment("memory://"), tmp_path) as service:
        with httpx.Client(base_url=service.base_url, headers=HONEST) as client:
            for n in range(20):
                client.post("/api/todos", json={"title": f"todo {n}"})
        baseline = _reads(service.base_url, 3)
        log_before = service.log_path.stat().st_size
        with HugeTagLists(service.port) as attack:
            during = _reads(service.base_url, ATTACK_SECONDS)
        log_growth = service.log_path.stat().st_size - log_before

    report(
        "8 MB If-None-Match lists, 4 connections, 4.4/s",
        honest_baseline_median_ms=baseline.median_ms,
        honest_median_ms=during.median_ms,
        honest_worst_ms=during.worst_ms,
        attacks_answered_431=attack.answers[b"HTTP/1.1 431"],
        attacks_other=sum(attack.answers.values()) - attack.answers[b"HTTP/1.1 431"],
        log_bytes=log_growth,
    )
    assert set(during.statuses) == {200}, during.statuses
    assert set(attack.answers) == {b"HTTP/1.1 431"}, attack.answers
