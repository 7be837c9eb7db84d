"""Attackers that send request heads far larger than any client needs, and never end them."""

import os
import socket
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

REQUEST_START = b"GET /healthz HTTP/1.1\r\nHost: oversized\r\nX-Oversized: "
CHUNK_BYTES = 1 << 20
ANSWER_TIMEOUT_SECONDS = 5


@dataclass
class OversizedHead:
    """One connection's fate: how much of its head it sent, and what it was answered."""

    sent: int = 0
    cut_off: bool = False
    answer: bytes = b""
    closed_by_server: bool = False
    _socket: socket.socket | None = field(default=None, repr=False)


class OversizedHeads:
    """`count` connections that each send a request line and one header line of
    `head_bytes`, without the line's end: with no limit, the server keeps it all.

    Sent from threads of their own, in chunks; a connection the server closes is cut
    off, and what it had answered by then is kept. The others stay open until `answers`.
    """

    def __init__(self, port: int, count: int, head_bytes: int) -> None:
        self._port = port
        self._head_bytes = head_bytes
        self.heads = [OversizedHead() for _ in range(count)]

    def send(self) -> None:
        threads = [threading.Thread(target=self._send, args=(head,)) for head in self.heads]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()

    def answers(self) -> None:
        """Read what the server answered each connection, until it closed it or went quiet."""
        for head in self.heads:
            if head._socket is None:
                continue
            with head._socket as connection:
                connection.settimeout(ANSWER_TIMEOUT_SECONDS)
                try:
                    while chunk := connection.recv(65536):
                        head.answer += chunk
                    head.closed_by_server = True
                except ConnectionResetError:
                    head.closed_by_server = True
                except TimeoutError:
                    pass
            head._socket = None

    def _send(self, head: OversizedHead) -> None:
        connection = socket.create_connection(("127.0.0.1", self._port))
        head._socket = connection
        chunk = b"a" * CHUNK_BYTES
        try:
            connection.sendall(REQUEST_START)
            while head.sent < self._head_bytes:
                connection.sendall(chunk)
                head.sent += len(chunk)
        except OSError:
            head.cut_off = True


def listening_pid(port: int) -> int:
    """The process listening on 127.0.0.1:`port`: one of ours, whose descriptors we may read."""
    port_hex = f":{port:04X}"
    inodes = {
        fields[9]
        for fields in (line.split() for line in Path("/proc/net/tcp").read_text().splitlines()[1:])
        if fields[1].endswith(port_hex) and fields[3] == "0A"
    }
    for pid in (int(entry) for entry in os.listdir("/proc") if entry.isdigit()):
        try:
            for descriptor in Path(f"/proc/{pid}/fd").iterdir():
                target = os.readlink(descriptor)
                if target.startswith("socket:[") and target[8:-1] in inodes:
                    return pid
        except OSError:
            continue
    raise LookupError(f"no process of ours listens on port {port}")


def memory_kib(pid: int) -> tuple[int, int]:
    """The process's resident memory now and at its peak so far (VmRSS, VmHWM), in KiB."""
    fields = dict(
        line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines()
    )
    return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])


def settle(seconds: float = 0.5) -> None:
    """Let the server take in what was sent before its memory is read."""
    time.sleep(seconds)
