"""Attackers that hold connections open: slow request heads and bodies, kept up for as
long as told, and readers that never read their answers."""

import selectors
import socket
import statistics
import struct
import threading
import time
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field

import httpx

HEADER_LINE_EVERY_SECONDS = 5
# Ended connections are opened again this often, not in a tight loop that would only
# measure how fast two processes can share two cores.
REOPEN_EVERY_SECONDS = 1
CONNECT_TIMEOUT_SECONDS = 2


@dataclass
class Endings:
    """How the server ended the attacker's connections: answered (by status), or not."""

    answered: Counter[int] = field(default_factory=Counter)
    closed_unanswered: int = 0
    not_connected: int = 0

    @property
    def refused_503(self) -> int:
        return self.answered[503]


class HeldConnections:
    """`count` connections that each send `opening`, then `trickle` every `every_seconds`,
    never all a request needs. Connections the server ends are opened again within
    REOPEN_EVERY_SECONDS.
    """

    def __init__(
        self, port: int, count: int, opening: bytes, trickle: bytes, every_seconds: float
    ) -> None:
        self._port = port
        self._count = count
        self._opening = opening
        self._trickle = trickle
        self._every = every_seconds
        self.endings = Endings()
        self._selector = selectors.DefaultSelector()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._attack, daemon=True)

    def __enter__(self) -> "HeldConnections":
        for _ in range(self._count):
            self._open()
        self._thread.start()
        return self

    def __exit__(self, *_: object) -> None:
        self._stop.set()
        self._thread.join()
        for key in list(self._selector.get_map().values()):
            self._close(key.fileobj)  # type: ignore[arg-type]
        self._selector.close()

    def _attack(self) -> None:
        next_trickle = time.monotonic() + self._every
        next_reopen = time.monotonic() + REOPEN_EVERY_SECONDS
        while not self._stop.is_set():
            for key, _ in self._selector.select(timeout=0.2):
                self._ended(key.fileobj)  # type: ignore[arg-type]
            if time.monotonic() >= next_trickle:
                next_trickle += self._every
                for key in list(self._selector.get_map().values()):
                    self._send(key.fileobj, self._trickle)  # type: ignore[arg-type]
            if time.monotonic() >= next_reopen:
                next_reopen += REOPEN_EVERY_SECONDS
                for _ in range(self._count - len(self._selector.get_map())):
                    self._open()

    def _open(self) -> None:
        try:
            connection = socket.create_connection(
                ("127.0.0.1", self._port), timeout=CONNECT_TIMEOUT_SECONDS
            )
            connection.sendall(self._opening)
        except OSError:
            self.endings.not_connected += 1
            return
        connection.setblocking(False)
        self._selector.register(connection, selectors.EVENT_READ)

    def _send(self, connection: socket.socket, data: bytes) -> None:
        try:
            connection.send(data)
        except OSError:
            self._ended(connection)

    def _ended(self, connection: socket.socket) -> None:
        """The server answered or closed: which of the two, then the connection goes."""
        if connection.fileno() == -1:
            return
        try:
            answer = connection.recv(4096)
        except BlockingIOError:
            return
        except OSError:
            answer = b""
        if answer.startswith(b"HTTP/1.1 "):
            self.endings.answered[int(answer[9:12])] += 1
        else:
            self.endings.closed_unanswered += 1
        self._close(connection)

    def _close(self, connection: socket.socket) -> None:
        self._selector.unregister(connection)
        connection.close()


class SlowHeaders(HeldConnections):
    """A request line, then a header line every HEADER_LINE_EVERY_SECONDS, never the
    blank line that ends the head."""

    def __init__(self, port: int, count: int) -> None:
        opening = b"GET /healthz HTTP/1.1\r\nHost: slow\r\n"
        super().__init__(port, count, opening, b"X-Slow: a\r\n", HEADER_LINE_EVERY_SECONDS)


class SlowBodies(HeldConnections):
    """A whole head of a create that announces a body, then one byte of it every
    `every_seconds`."""

    def __init__(
        self, port: int, count: int, headers: Mapping[str, str], every_seconds: float
    ) -> None:
        head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
        opening = (
            "POST /api/todos HTTP/1.1\r\nHost: slow\r\nContent-Type: application/json\r\n"
            f"Content-Length: 1000\r\n{head}\r\n"
        ).encode()
        super().__init__(port, count, opening, b" ", every_seconds)


# Linux's TCP_INFO begins with the connection's state; 1 is ESTABLISHED.
TCP_ESTABLISHED = 1


class NonReaders:
    """`count` connections that each ask for `requests` (pipelined) and read nothing."""

    def __init__(self, port: int, count: int, requests: bytes) -> None:
        self._connections = []
        for _ in range(count):
            connection = socket.create_connection(("127.0.0.1", port))
            connection.sendall(requests)
            self._connections.append(connection)

    def still_connected(self) -> int:
        """How many the server has not ended (read without reading a byte of the answers)."""
        return sum(_tcp_state(c) == TCP_ESTABLISHED for c in self._connections)

    def close(self) -> None:
        for connection in self._connections:
            connection.close()


def _tcp_state(connection: socket.socket) -> int:
    info = connection.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, 8)
    return int(struct.unpack("B", info[:1])[0])


TIMED_OUT = "no answer"


@dataclass
class HonestReads:
    """What an honest user saw of their reads: each answer's status (or TIMED_OUT), and
    the latency of those answered."""

    statuses: Counter[int | str] = field(default_factory=Counter)
    latencies: list[float] = field(default_factory=list)

    @property
    def median_ms(self) -> int:
        return round(statistics.median(self.latencies) * 1000) if self.latencies else -1

    @property
    def worst_ms(self) -> int:
        return round(max(self.latencies) * 1000) if self.latencies else -1


def honest_reads(
    base_url: str,
    headers: Mapping[str, str],
    seconds: float,
    *,
    pause: float,
    timeout: float,
    kept_alive: bool = False,
) -> HonestReads:
    """An honest user's reads for `seconds`: each on a connection of its own (what a
    connection flood competes with), or all on one kept alive (the request's own cost,
    without a connection's)."""
    seen = HonestReads()
    deadline = time.monotonic() + seconds
    with httpx.Client(base_url=base_url, headers=headers, timeout=timeout) as kept:
        while time.monotonic() < deadline:
            started = time.monotonic()
            try:
                if kept_alive:
                    status = kept.get("/api/todos").status_code
                else:
                    with httpx.Client(base_url=base_url, headers=headers, timeout=timeout) as own:
                        status = own.get("/api/todos").status_code
                seen.statuses[status] += 1
                seen.latencies.append(time.monotonic() - started)
            except httpx.TransportError:
                seen.statuses[TIMED_OUT] += 1
            time.sleep(pause)
    return seen
