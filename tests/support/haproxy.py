"""HAProxy running docs/deploy/haproxy.cfg as it is, in front of `todo serve` instances."""

import csv
import io
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from tests.support.live_service import free_port
from tests.support.unavailable import unavailable

CONFIG = Path(__file__).resolve().parents[2] / "docs" / "deploy" / "haproxy.cfg"
HAPROXY_MISSING = "no haproxy (apt-get install haproxy)"
START_TIMEOUT_SECONDS = 15
STATE_TIMEOUT_SECONDS = 30


def require_haproxy() -> str:
    binary = shutil.which("haproxy") or shutil.which("haproxy", path="/usr/sbin")
    if binary is None:
        unavailable(HAPROXY_MISSING, required_by="TODO_REQUIRE_HAPROXY")
    return binary


class HAProxy:
    def __init__(self, port: int, stats_socket: Path) -> None:
        self.base_url = f"http://127.0.0.1:{port}"
        self._stats_socket = stats_socket

    def server_states(self) -> dict[str, str]:
        """Each server's state as HAProxy's health checks see it: UP, DOWN, ..."""
        with socket.socket(socket.AF_UNIX) as stats:
            stats.connect(str(self._stats_socket))
            stats.sendall(b"show stat\n")
            answer = b"".join(iter(lambda: stats.recv(65536), b""))
        rows = csv.DictReader(io.StringIO(answer.decode().removeprefix("# ")))
        return {
            row["svname"]: row["status"]
            for row in rows
            if row["pxname"] == "todo_instances" and row["svname"] not in ("BACKEND", "FRONTEND")
        }

    def wait_for(self, server: str, state: str) -> float:
        """Seconds until HAProxy sees `server` in `state` (UP or DOWN); fails past a bound."""
        started = time.monotonic()
        while time.monotonic() - started < STATE_TIMEOUT_SECONDS:
            if self.server_states().get(server, "").startswith(state):
                return time.monotonic() - started
            time.sleep(0.05)
        raise AssertionError(f"{server} not {state} within {STATE_TIMEOUT_SECONDS} s")


@contextmanager
def running_haproxy(binary: str, servers: Sequence[int], folder: Path) -> Iterator[HAProxy]:
    """HAProxy on a free port, balancing over the instances on `servers` (local ports).

    The deployment's file as it is, and a second one with what only the test needs: a
    stats socket to read the servers' states from.
    """
    port = free_port()
    stats_socket = folder / "haproxy.sock"
    extra = folder / "haproxy-test.cfg"
    extra.write_text(f"global\n    stats socket {stats_socket} mode 600 level admin\n")
    env = {
        "TODO_LISTEN": f"127.0.0.1:{port}",
        **{f"TODO_SERVER_{n}": f"127.0.0.1:{p}" for n, p in enumerate(servers, start=1)},
    }
    log = (folder / "haproxy.log").open("wb")
    process = subprocess.Popen(  # noqa: S603 - the system's haproxy, our own configuration
        [binary, "-db", "-f", str(CONFIG), "-f", str(extra)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    try:
        _wait_until_listening(process, port, folder)
        yield HAProxy(port, stats_socket)
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


def _wait_until_listening(process: "subprocess.Popen[bytes]", port: int, folder: Path) -> None:
    deadline = time.monotonic() + START_TIMEOUT_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"haproxy exited: {(folder / 'haproxy.log').read_text()}")
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"haproxy did not listen within {START_TIMEOUT_SECONDS} s")
