"""The machine's state from /proc: the load average and the CPU that foreign processes use.

Foreign means not part of the benchmark. Ours are: the bench process and its children
(wrk), the apps' process groups, the PostgreSQL server (except backends serving another
database: that is someone else's load), and kernel threads (they mostly move the
benchmark's own packets and pages). CPU is utime + stime from /proc/<pid>/stat, compared
between samples; a process that starts and ends between two samples is not seen, which
is why a run is sampled every second.
"""

import os
import re
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PROC = Path("/proc")
KTHREADD = 2  # the parent of every kernel thread
POSTGRES_NAMES = ("postgres", "postmaster")
# A client backend's title: "postgres: [cluster: ]user database host(port) state".
_BACKEND_TITLE = re.compile(r"^postgres: (?:\S+: )?\S+ (\S+) (?:\S+\(\d+\)|\[local\])")


@dataclass(frozen=True)
class Process:
    pid: int
    started: int  # in ticks after boot; with the pid, tells a reused pid apart
    name: str
    parent: int
    group: int
    ticks: int  # user + system CPU so far

    @property
    def key(self) -> tuple[int, int]:
        return self.pid, self.started


Snapshot = dict[tuple[int, int], Process]


def _read_process(pid: str) -> Process | None:
    try:
        stat = (PROC / pid / "stat").read_text()
    except OSError:
        return None  # it ended meanwhile
    # The name is in parentheses and may itself hold spaces or parentheses.
    head, _, tail = stat.rpartition(")")
    fields = tail.split()
    return Process(
        pid=int(pid),
        started=int(fields[19]),
        name=head.partition("(")[2],
        parent=int(fields[1]),
        group=int(fields[2]),
        ticks=int(fields[11]) + int(fields[12]),
    )


def snapshot() -> Snapshot:
    processes = (_read_process(entry.name) for entry in os.scandir(PROC) if entry.name.isdigit())
    return {process.key: process for process in processes if process is not None}


def _database_served_by(pid: int) -> str | None:
    """The database a PostgreSQL client backend serves; None for the server's own processes."""
    try:
        title = (PROC / str(pid) / "cmdline").read_bytes().replace(b"\0", b" ").decode()
    except (OSError, UnicodeDecodeError):
        return None
    match = _BACKEND_TITLE.match(title)
    return match.group(1) if match else None


@dataclass
class Ours:
    """What belongs to the benchmark; everything else is foreign load."""

    pid: int = field(default_factory=os.getpid)
    groups: set[int] = field(default_factory=set)
    database: str | None = None
    _databases: dict[tuple[int, int], str | None] = field(default_factory=dict)

    def owns(self, process: Process) -> bool:
        if self.pid in (process.pid, process.parent) or process.group in self.groups:
            return True
        if KTHREADD in (process.pid, process.parent):
            return True
        if process.name in POSTGRES_NAMES:
            return self._database_of(process) in (None, self.database)
        return False

    def _database_of(self, process: Process) -> str | None:
        if process.key not in self._databases:
            self._databases[process.key] = _database_served_by(process.pid)
        return self._databases[process.key]


class ForeignCpu:
    """The CPU foreign processes used from its creation to its last `sample()`."""

    def __init__(self, ours: Ours) -> None:
        self._ours = ours
        self._last = snapshot()
        self._started = self._sampled = time.monotonic()
        self.ticks_by_process: Counter[str] = Counter()

    def sample(self) -> None:
        current = snapshot()
        for key, process in current.items():
            if self._ours.owns(process):
                continue
            # A process new since the last sample used all its CPU in between.
            earlier = self._last.get(key)
            used = process.ticks - (earlier.ticks if earlier else 0)
            if used > 0:
                self.ticks_by_process[f"{process.name} ({process.pid})"] += used
        self._last, self._sampled = current, time.monotonic()

    def cores(self) -> float:
        return self._cores(sum(self.ticks_by_process.values()))

    def busiest(self, count: int) -> list[tuple[str, float]]:
        return [
            (name, self._cores(ticks)) for name, ticks in self.ticks_by_process.most_common(count)
        ]

    def _cores(self, ticks: int) -> float:
        return ticks / CLOCK_TICKS / max(self._sampled - self._started, 1e-3)


def foreign_cpu_over(ours: Ours, seconds: float) -> ForeignCpu:
    meter = ForeignCpu(ours)
    time.sleep(seconds)
    meter.sample()
    return meter


@dataclass(frozen=True)
class MachineState:
    cores: int
    load: tuple[float, float, float]
    foreign_cores: float
    busiest: list[tuple[str, float]]

    def describe(self) -> str:
        busiest = ", ".join(f"{name} {cores:.2f}" for name, cores in self.busiest) or "none"
        one, five, fifteen = self.load
        return (
            f"machine before the bench: {self.cores} cores, "
            f"load average {one:.2f} {five:.2f} {fifteen:.2f}, "
            f"foreign CPU {self.foreign_cores:.2f} cores over 1 s "
            f"(busiest foreign processes, in cores: {busiest})"
        )

    def as_json(self) -> dict[str, Any]:
        return {
            "cores": self.cores,
            "load_average": list(self.load),
            "foreign_cores": self.foreign_cores,
            "busiest_foreign": [{"process": name, "cores": cores} for name, cores in self.busiest],
        }


def machine_state(ours: Ours) -> MachineState:
    load = os.getloadavg()
    meter = foreign_cpu_over(ours, 1.0)
    return MachineState(os.cpu_count() or 1, load, meter.cores(), meter.busiest(5))
