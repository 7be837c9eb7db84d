"""`todo serve` with several worker processes, and which of them hold which connections."""

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import orjson

from tests.conftest import create_database, drop_database, postgres_sqlalchemy_url
from tests.support.live_service import free_port

TODO = str(Path(sys.executable).parent / "todo")
START_TIMEOUT_SECONDS = 30


class Service:
    def __init__(self, port: int, env: dict[str, str]) -> None:
        self.base = f"http://127.0.0.1:{port}"
        self.env = env
        self.process = subprocess.Popen(  # noqa: S603
            [TODO, "serve"], env=env, start_new_session=True
        )

    def call(
        self, method: str, path: str, token: str | None, body: Any = None, **headers: str
    ) -> tuple[int, Any]:
        """One request on a connection of its own, so that any worker may take it."""
        if token is not None:
            headers["Authorization"] = f"Bearer {token}"
        data = None if body is None else orjson.dumps(body)
        if data is not None:
            headers["Content-Type"] = "application/json"
        request = urllib.request.Request(  # noqa: S310
            self.base + path, data, {**headers, "Connection": "close"}, method=method
        )
        try:
            with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
                raw = response.read()
                return response.status, orjson.loads(raw) if raw else None
        except urllib.error.HTTPError as error:
            return error.code, orjson.loads(error.read() or b"null")

    def workers(self) -> list[int]:
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        pids = [int(pid) for pid in children.read_text().split()]
        # uvicorn's supervisor also starts multiprocessing's resource tracker.
        return [pid for pid in pids if "spawn_main" in Path(f"/proc/{pid}/cmdline").read_text()]

    def workers_connected_to(self, port: int) -> set[int]:
        """The workers holding an established TCP connection to `port` on this machine."""
        port_hex = f":{port:04X}"
        established = {
            fields[9]
            for fields in (
                line.split() for line in Path("/proc/net/tcp").read_text().splitlines()[1:]
            )
            if fields[2].endswith(port_hex) and fields[3] == "01"
        }
        holding = set()
        for pid in self.workers():
            for fd in Path(f"/proc/{pid}/fd").iterdir():
                try:
                    target = os.readlink(fd)
                except OSError:
                    continue
                if target.startswith("socket:[") and target[8:-1] in established:
                    holding.add(pid)
        return holding

    def stop(self) -> None:
        os.killpg(self.process.pid, 15)
        self.process.wait(timeout=30)

    def wait_until_live(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        while True:
            try:
                self.call("GET", "/healthz", None)
                return
            except urllib.error.URLError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.2)


@contextmanager
def two_workers(
    postgres_admin: str, database_prefix: str, jwt_secret: str, **settings: str
) -> Iterator[Service]:
    """A live `todo serve` with WORKERS=2 on a migrated PostgreSQL database of its own."""
    name = create_database(postgres_admin, database_prefix)
    env = {
        **os.environ,
        "DATABASE_URL": postgres_sqlalchemy_url(name),
        "JWT_SECRET": jwt_secret,
        "CURSOR_SECRET": "",
        "WORKERS": "2",
        "PORT": str(free_port()),
        "LOG_LEVEL": "warning",
        "ACCESS_LOG": "false",
        **settings,
    }
    try:
        subprocess.run([TODO, "migrate"], env=env, check=True, capture_output=True)  # noqa: S603
        service = Service(int(env["PORT"]), env)
        try:
            service.wait_until_live()
            yield service
        finally:
            service.stop()
    finally:
        drop_database(postgres_admin, name)
