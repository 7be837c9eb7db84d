"""`todo serve` as a real uvicorn process on a free loopback port, with its own environment."""

import os
import resource
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

import httpx

from tests.support.rate_limits import UNTHROTTLED
from todo_service.adapters.jwt import mint_token

JWT_SECRET = "system-test-signing-secret-of-32-bytes+"
CURSOR_SECRET = "system-test-cursor-secret-of-32-bytes++"
START_TIMEOUT_SECONDS = 30
STOP_TIMEOUT_SECONDS = 10
START_ATTEMPTS = 3
_TODO = str(Path(sys.executable).with_name("todo"))
_INHERITED = ("PATH", "LANG", "LC_ALL", "TMPDIR", "HOME")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def auth_for(subject: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {mint_token(JWT_SECRET, subject, ttl_seconds=3600)}"}


def service_environment(database_url: str, **extra: str) -> dict[str, str]:
    """Only what the service needs: nothing from the caller's DATABASE_URL, JWT_* or .env.

    The load tests send one user's requests by the thousand: the rate limits are set out
    of their reach (tests/system/test_rate_limits_across_workers.py sets its own). A
    stopped service stops at once: the tests of draining set DRAIN_SECONDS themselves.
    """
    env = {name: os.environ[name] for name in _INHERITED if name in os.environ}
    return {
        **env,
        **UNTHROTTLED,
        "DATABASE_URL": database_url,
        "JWT_SECRET": JWT_SECRET,
        "CURSOR_SECRET": CURSOR_SECRET,
        "LOG_LEVEL": "warning",
        "DRAIN_SECONDS": "0",
        **extra,
    }


def run_todo(args: Sequence[str], env: Mapping[str, str], cwd: Path) -> str:
    """A one-shot `todo` command (e.g. `migrate`): its stdout; its stderr is the failure."""
    done = subprocess.run(  # noqa: S603 - our own console script, fixed arguments
        [_TODO, *args],
        env=dict(env),
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        raise RuntimeError(f"todo {' '.join(args)} failed: {done.stderr.strip()}")
    return done.stdout.strip()


class ServiceExitedError(RuntimeError):
    """The process ended before it served: a bad configuration, or its port was taken."""


class ServiceProcess:
    """One `todo serve` process; `cwd` is a scratch folder, so no `.env` is read.

    With `descriptor_limit`, the process may hold no more open descriptors than that
    (`ulimit -n`), soft and hard: it cannot raise it again. With `port`, it listens there
    (an instance started again where a load balancer expects it), else on a free one.
    """

    def __init__(
        self,
        env: Mapping[str, str],
        cwd: Path,
        descriptor_limit: int | None = None,
        port: int | None = None,
    ) -> None:
        self.port = free_port() if port is None else port
        self._env = {**env, "HOST": "127.0.0.1", "PORT": str(self.port)}
        self.log_path = cwd / f"serve-{self.port}.log"
        with self.log_path.open("wb") as log:
            self._process = subprocess.Popen(  # noqa: S603 - our own console script
                [_TODO, "serve"],
                env=self._env,
                cwd=cwd,
                stdout=log,
                stderr=subprocess.STDOUT,
                # Only setrlimit runs between fork and exec: no lock another thread may hold.
                preexec_fn=None if descriptor_limit is None else _limit(descriptor_limit),  # noqa: PLW1509
            )
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.backend = "sqlite" if env["DATABASE_URL"].startswith("sqlite") else "postgres"

    def wait_until_live(self) -> None:
        deadline = time.monotonic() + START_TIMEOUT_SECONDS
        with httpx.Client(base_url=self.base_url, timeout=2) as probe:
            while time.monotonic() < deadline:
                if self._process.poll() is not None:
                    raise ServiceExitedError(f"todo serve exited early:\n{self.log()}")
                try:
                    if probe.get("/healthz").status_code == 200:
                        return
                except httpx.TransportError:
                    pass
                time.sleep(0.05)
        self.kill()
        raise RuntimeError(f"todo serve was not live within {START_TIMEOUT_SECONDS} s")

    def stop(self) -> None:
        if self._process.poll() is None:
            self._process.send_signal(signal.SIGTERM)
            try:
                self._process.wait(STOP_TIMEOUT_SECONDS)
            except subprocess.TimeoutExpired:
                self.kill()

    def signal(self, number: signal.Signals) -> None:
        self._process.send_signal(number)

    def wait(self, seconds: float) -> int | None:
        """The exit status once the process ended, or None if it still runs after `seconds`."""
        try:
            return self._process.wait(seconds)
        except subprocess.TimeoutExpired:
            return None

    @property
    def pid(self) -> int:
        return self._process.pid

    def exited(self) -> bool:
        """Whether the process ended by itself: uvicorn, done, raises the SIGTERM it caught
        again (status -15); a `stop` that had to SIGKILL it leaves -9."""
        return self._process.poll() is not None and self._process.returncode != -signal.SIGKILL

    def kill(self) -> None:
        """SIGKILL: no shutdown hook, no flush, no goodbye."""
        if self._process.poll() is None:
            self._process.kill()
        self._process.wait(STOP_TIMEOUT_SECONDS)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")[-4000:]

    def log_lines(self) -> list[str]:
        return self.log_path.read_text(errors="replace").splitlines()


def _limit(descriptors: int) -> Callable[[], None]:
    def in_the_child() -> None:
        resource.setrlimit(resource.RLIMIT_NOFILE, (descriptors, descriptors))

    return in_the_child


@contextmanager
def running_service(
    env: Mapping[str, str], cwd: Path, descriptor_limit: int | None = None
) -> Iterator[ServiceProcess]:
    """A live service (its /healthz answered 200), stopped on the way out."""
    service = started_service(env, cwd, descriptor_limit)
    try:
        yield service
    finally:
        service.stop()


def started_service(
    env: Mapping[str, str], cwd: Path, descriptor_limit: int | None = None
) -> ServiceProcess:
    """A live service; tried again on another port if another process took the free one."""
    for _ in range(START_ATTEMPTS - 1):
        try:
            return _live(ServiceProcess(env, cwd, descriptor_limit))
        except ServiceExitedError:
            continue
    return _live(ServiceProcess(env, cwd, descriptor_limit))


def _live(service: ServiceProcess) -> ServiceProcess:
    service.wait_until_live()
    return service
