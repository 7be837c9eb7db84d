"""The keep-alive stall check: sequential requests on one reused HTTP/1.1 connection.

wrk keeps many connections busy, so a server that stalls each answer on a reused
connection (Nagle's algorithm meeting the client's delayed ACK: about 40 ms a request)
still shows a fine throughput there. One client sending one request at a time shows it.
"""

import http.client
import statistics
import time
from dataclasses import asdict, dataclass
from typing import Any

REQUESTS = 200
STALL_MEDIAN_MS = 10.0


@dataclass(frozen=True)
class StallCheck:
    requests: int
    median_ms: float
    p99_ms: float
    within_one_second: int  # answered before one second had passed in total
    connections: int  # 1 unless the server closed the connection
    unexpected: int

    @property
    def failed(self) -> bool:
        return self.median_ms > STALL_MEDIAN_MS or self.unexpected > 0

    def describe(self) -> str:
        verdict = (
            f"FAILED (median above {STALL_MEDIAN_MS:.0f} ms, or unexpected answers)"
            if self.failed
            else "ok"
        )
        return (
            f"median {self.median_ms:.2f} ms, p99 {self.p99_ms:.2f} ms, "
            f"{self.within_one_second} of {self.requests} answered within 1 s, "
            f"{self.connections} connection(s), {self.unexpected} unexpected: {verdict}"
        )

    def as_json(self) -> dict[str, Any]:
        return {**asdict(self), "failed": self.failed}


def check_keepalive(port: int, path: str = "/healthz", requests: int = REQUESTS) -> StallCheck:
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
    latencies: list[float] = []
    answered_at: list[float] = []  # seconds since the first request was sent
    local_ports: set[int] = set()
    unexpected = 0
    started = time.perf_counter()
    try:
        for _ in range(requests):
            sent = time.perf_counter()
            connection.request("GET", path)
            # http.client reconnects on its own if the server closed: count the sockets.
            assert connection.sock is not None
            local_ports.add(connection.sock.getsockname()[1])
            response = connection.getresponse()
            response.read()
            answered = time.perf_counter()
            latencies.append(answered - sent)
            answered_at.append(answered - started)
            unexpected += response.status != 200
    finally:
        connection.close()
    return StallCheck(
        requests=requests,
        median_ms=statistics.median(latencies) * 1000,
        p99_ms=statistics.quantiles(latencies, n=100)[98] * 1000,
        within_one_second=sum(1 for at in answered_at if at <= 1.0),
        connections=len(local_ports),
        unexpected=unexpected,
    )
