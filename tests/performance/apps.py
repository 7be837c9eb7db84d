"""The two apps under test, each in a process group of its own on a free port."""

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

ROOT = Path(__file__).parent.parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def base_url(port: int) -> str:
    return f"http://127.0.0.1:{port}"


def service_command() -> list[str]:
    # As production runs it; how it serves (loop, HTTP parser) is the service's choice.
    return [str(BIN / "todo"), "serve"]


def ceiling_command(port: int, workers: int) -> list[str]:
    # The fastest stack uvicorn offers, named explicitly rather than left to "auto".
    return [
        str(BIN / "uvicorn"),
        "--factory",
        "tests.performance.ceiling:create_app",
        f"--port={port}",
        f"--workers={workers}",
        "--loop=uvloop",
        "--http=httptools",
        "--log-level=warning",
        "--no-access-log",
    ]


class App:
    def __init__(self, name: str, port: int, command: list[str], env: dict[str, str]) -> None:
        self.name, self.port = name, port
        self.base = base_url(port)
        # A session of its own: its process group is the app with all its workers.
        self._process = subprocess.Popen(  # noqa: S603
            command, env=env, cwd=ROOT, start_new_session=True
        )
        self.group = self._process.pid

    def wait_ready(self, token: str) -> None:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                raise SystemExit(f"{self.name} exited with {self._process.returncode}")
            try:
                self.get("/api/todos?limit=1", token)
                return
            except (urllib.error.URLError, ConnectionError):
                time.sleep(0.3)
        raise SystemExit(f"{self.name} did not answer within 60 s")

    def get(self, path: str, token: str) -> Any:
        request = urllib.request.Request(  # noqa: S310
            self.base + path, headers={"Authorization": f"Bearer {token}"}
        )
        with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
            return json.load(response)

    def stop(self) -> None:
        if self._process.poll() is None:
            os.killpg(self._process.pid, signal.SIGTERM)
            try:
                self._process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self._process.pid, signal.SIGKILL)
                self._process.wait()
