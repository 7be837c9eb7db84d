"""A redis-server of a test's own, on a free loopback port, that the test may stop.

The shared server at 127.0.0.1:6379 is never stopped: other runs may be using it.
"""

import shutil
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import redis

from tests.support.live_service import free_port
from tests.support.unavailable import unavailable

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"
START_TIMEOUT_SECONDS = 10


class PrivateRedis:
    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self._folder = folder
        self._process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        self._process = subprocess.Popen(  # noqa: S603 - the system's redis-server, fixed arguments
            [
                REDIS_SERVER,
                "--bind", "127.0.0.1",
                "--port", str(self.port),
                "--save", "",
                "--appendonly", "no",
                "--dir", str(self._folder),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        client = redis.Redis.from_url(self.url, socket_connect_timeout=1)
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        try:
            while True:
                try:
                    client.ping()
                    return
                except redis.ConnectionError:
                    if time.monotonic() > deadline:
                        raise
                    time.sleep(0.05)
        finally:
            client.close()

    def stop(self) -> None:
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            self._process.wait(10)


@contextmanager
def private_redis(folder: Path) -> Iterator[PrivateRedis]:
    """A running server of the test's own (a skip without redis-server, a failure in CI)."""
    if not Path(REDIS_SERVER).exists():
        unavailable(
            f"no redis-server at {REDIS_SERVER} (apt-get install redis-server)",
            required_by="TODO_REQUIRE_REDIS",
        )
    server = PrivateRedis(folder)
    server.start()
    try:
        yield server
    finally:
        server.stop()
