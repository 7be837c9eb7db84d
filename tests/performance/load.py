"""One wrk run (workload.lua), and what else the machine did around a run."""

import http.client
import json
import os
import re
import secrets
import subprocess
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from tests.performance.machine import ForeignCpu, Ours, foreign_cpu_over

SCRIPT = Path(__file__).parent / "workload.lua"
QUIET_WINDOW_SECONDS = 1.0
SAMPLE_SECONDS = 1.0
CULPRITS = 3


@dataclass(frozen=True)
class Workload:
    name: str
    paths: list[str]
    method: str = "GET"
    body: str = ""
    token: str = ""
    expect: int = 200
    # "patch": wrk is handed each todo's current version and sends If-Match (workload.lua).
    mode: str = "plain"


@dataclass(frozen=True)
class Measure:
    rps: float
    p50_ms: float
    p99_ms: float
    unexpected: int  # statuses other than the expected one, and socket errors


@dataclass(frozen=True)
class Conditions:
    """What else the machine was doing around one wrk run."""

    foreign_before: float  # cores used by foreign processes in the second before the run
    foreign_during: float  # ... and while it ran
    load_before: tuple[float, float, float]
    load_after: tuple[float, float, float]
    limit: float
    # The busiest foreign processes of the busier window, in cores.
    culprits: list[tuple[str, float]]

    @property
    def valid(self) -> bool:
        return max(self.foreign_before, self.foreign_during) <= self.limit

    def describe(self) -> str:
        text = (
            f"foreign {self.foreign_before:.2f}/{self.foreign_during:.2f} cores (before/during), "
            f"load {self.load_before[0]:.2f}->{self.load_after[0]:.2f}"
        )
        if self.valid:
            return text
        worst = max(self.foreign_before, self.foreign_during)
        culprits = ", ".join(f"{name} {cores:.2f}" for name, cores in self.culprits)
        return f"{text}  INVALID (foreign CPU {worst:.2f} > {self.limit:.2f}: {culprits})"


@dataclass(frozen=True)
class Run:
    measure: Measure
    conditions: Conditions


class Watch:
    """The machine around one measured run, from the watch's start: the foreign CPU over
    the second before the run (the start waits it out) and while the run goes on, which
    needs `sample()` at least every SAMPLE_SECONDS and once at its end."""

    def __init__(self, ours: Ours, limit: float) -> None:
        self._limit = limit
        self._load_before = os.getloadavg()
        self._before = foreign_cpu_over(ours, QUIET_WINDOW_SECONDS)
        self._during = ForeignCpu(ours)
        self._sampled = time.monotonic()

    def sample(self) -> None:
        self._during.sample()
        self._sampled = time.monotonic()

    def sample_if_due(self) -> None:
        """For a run that cannot be waited on with a timeout: samples once a second."""
        if time.monotonic() - self._sampled >= SAMPLE_SECONDS:
            self.sample()

    def conditions(self) -> Conditions:
        busier = max(self._before, self._during, key=ForeignCpu.cores)
        return Conditions(
            foreign_before=self._before.cores(),
            foreign_during=self._during.cores(),
            load_before=self._load_before,
            load_after=os.getloadavg(),
            limit=self._limit,
            culprits=busier.busiest(CULPRITS),
        )


@dataclass(frozen=True)
class Wrk:
    """wrk as the benchmark drives it: the same threads and connections for every run."""

    path: str
    threads: int
    connections: int
    max_foreign_cpu: float
    ours: Ours

    def run(self, base: str, workload: Workload, lines: list[str], seconds: int) -> Run:
        """`lines` is the request file workload.lua reads: paths, or for patch, versions."""
        with _lines_file(lines) as paths:
            watch = self.watch()
            process = subprocess.Popen(  # noqa: S603
                self._command(base, seconds),
                env=self._environment(workload, paths),
                stdout=subprocess.PIPE,
                text=True,
            )
            output = _wait_sampling(process, watch)
            conditions = watch.conditions()
        return Run(_parse(output), conditions)

    def watch(self) -> Watch:
        """The machine from now on, against the same limit on foreign CPU as every run."""
        return Watch(self.ours, self.max_foreign_cpu)

    def _command(self, base: str, seconds: int) -> list[str]:
        return [
            self.path,
            f"-t{self.threads}",
            f"-c{self.connections}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "-s",
            str(SCRIPT),
            base,
        ]

    def _environment(self, workload: Workload, paths: str) -> dict[str, str]:
        return {
            **os.environ,
            "BENCH_PATHS": paths,
            "BENCH_METHOD": workload.method,
            "BENCH_BODY": workload.body,
            "BENCH_TOKEN": workload.token,
            "BENCH_EXPECT": str(workload.expect),
            "BENCH_MODE": workload.mode,
            "BENCH_THREADS": str(self.threads),
            "BENCH_NONCE": secrets.token_hex(4),
        }


@contextmanager
def _lines_file(lines: list[str]) -> Iterator[str]:
    with tempfile.NamedTemporaryFile("w", suffix=".paths", delete=False) as file:
        file.write("\n".join(lines) + "\n")
    try:
        yield file.name
    finally:
        os.unlink(file.name)


def _wait_sampling(process: "subprocess.Popen[str]", watch: Watch) -> str:
    """wrk's output once it exits; the foreign CPU is sampled every second meanwhile."""
    while True:
        try:
            process.wait(timeout=SAMPLE_SECONDS)
            break
        except subprocess.TimeoutExpired:
            watch.sample()
    watch.sample()
    output, _ = process.communicate()
    if process.returncode != 0:
        raise SystemExit(f"wrk exited with {process.returncode}:\n{output}")
    return output


def _parse(output: str) -> Measure:
    match = re.search(r"^BENCH_RESULT (.*)$", output, re.MULTILINE)
    if match is None:
        raise SystemExit(f"wrk printed no result:\n{output}")
    raw = json.loads(match.group(1))
    return Measure(
        rps=raw["requests"] / (raw["duration_us"] / 1e6),
        p50_ms=raw["p50_us"] / 1000,
        p99_ms=raw["p99_us"] / 1000,
        unexpected=raw["unexpected"] + raw["socket_errors"],
    )


def timed_exchange(
    client: http.client.HTTPConnection,
    method: str,
    path: str,
    body: str | bytes | None = None,
    headers: dict[str, str] | None = None,
) -> tuple[float, http.client.HTTPResponse, bytes] | str:
    """One request on a kept-alive connection: its latency in seconds, the response and
    its body; or, with no answer, what went wrong (the connection is then closed, and
    the next request connects again)."""
    started = time.perf_counter()
    try:
        client.request(method, path, body, headers or {})
        response = client.getresponse()
        answer = response.read()
    except (OSError, http.client.HTTPException) as error:
        client.close()
        return f"{method} {path}: {error!r}"
    return time.perf_counter() - started, response, answer
