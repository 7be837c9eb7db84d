"""Attackers that hold connections open: slow request heads, kept up for as long as told."""

import selectors
import socket
import threading
import time
from dataclasses import dataclass

HEADER_LINE_EVERY_SECONDS = 5
# Ended connections are opened again this often, not in a tight loop that would only
# measure how fast two processes can share two cores.
REOPEN_EVERY_SECONDS = 1
CONNECT_TIMEOUT_SECONDS = 2


@dataclass
class Endings:
    """How the server ended the attacker's connections."""

    refused_503: int = 0
    closed_unanswered: int = 0
    not_connected: int = 0


class SlowHeaders:
    """`count` connections that each send a request line, then a header line every
    HEADER_LINE_EVERY_SECONDS, never the blank line that ends the head. Connections
    the server ends are opened again within REOPEN_EVERY_SECONDS.
    """

    def __init__(self, port: int, count: int) -> None:
        self._port = port
        self._count = count
        self.endings = Endings()
        self._selector = selectors.DefaultSelector()
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._attack, daemon=True)

    def __enter__(self) -> "SlowHeaders":
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
        next_line = time.monotonic() + HEADER_LINE_EVERY_SECONDS
        next_reopen = time.monotonic() + REOPEN_EVERY_SECONDS
        line = 0
        while not self._stop.is_set():
            for key, _ in self._selector.select(timeout=0.2):
                self._ended(key.fileobj)  # type: ignore[arg-type]
            if time.monotonic() >= next_line:
                line += 1
                next_line += HEADER_LINE_EVERY_SECONDS
                for key in list(self._selector.get_map().values()):
                    self._send(key.fileobj, f"X-Slow-{line}: a\r\n".encode())  # type: ignore[arg-type]
            if time.monotonic() >= next_reopen:
                next_reopen += REOPEN_EVERY_SECONDS
                for _ in range(self._count - len(self._selector.get_map())):
                    self._open()

    def _open(self) -> None:
        try:
            connection = socket.create_connection(
                ("127.0.0.1", self._port), timeout=CONNECT_TIMEOUT_SECONDS
            )
            connection.sendall(b"GET /healthz HTTP/1.1\r\nHost: slow\r\n")
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
        if answer.startswith(b"HTTP/1.1 503 "):
            self.endings.refused_503 += 1
        else:
            self.endings.closed_unanswered += 1
        self._close(connection)

    def _close(self, connection: socket.socket) -> None:
        self._selector.unregister(connection)
        connection.close()
